"""The per-IP limits of the public forms that answer 429 when exceeded (resend,
confirm, the signer's page, unsubscribe). Signing is limited too, but over its limit a
signature is held rather than refused: see campaign.abuse.services."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app
from flask_limiter import RouteLimit

from campaign.extensions import limiter


def limited_by(setting: str, *, shared_as: str | None = None,
               exempt_when: Callable[[], bool] | None = None) -> RouteLimit:
    """A view's limit, read from the setting at each request, so that an instance's
    configuration (and each test's) applies. ``shared_as`` counts several views as one;
    a request for which ``exempt_when`` says True is neither counted nor refused."""
    def limits() -> str:
        return current_app.config[setting]

    if shared_as is not None:
        return limiter.shared_limit(limits, scope=shared_as, exempt_when=exempt_when)
    return limiter.limit(limits, exempt_when=exempt_when)


# What Flask-Limiter's before-request hook would check: limits of no view of their own.
_LIMITS_OUTSIDE_VIEWS = ("RATELIMIT_DEFAULT", "RATELIMIT_APPLICATION", "RATELIMIT_META")


def refuse_limits_outside_views(app: Flask) -> None:
    """Call before limiter.init_app, which would keep such limits in the one limiter
    of the process even for an app that then failed to start."""
    configured = [name for name in _LIMITS_OUTSIDE_VIEWS if app.config.get(name)]
    if configured:
        raise RuntimeError(f"{', '.join(configured)} is not supported: limit views with "
                           "campaign.abuse.limits.limited_by instead")


def check_limits_in_views_only(app: Flask) -> None:
    """Take Flask-Limiter's before-request check off, once the blueprints are in.
    Every limit here is a view's own (limited_by), which its decorator checks when the
    view runs; the hook checks default, application, meta and blueprint limits, of
    which there are none, and still cost every request 0.05 ms of looking for them
    (bench/RESULTS.md), a sixth of what the app adds to a bare Flask request. A limit
    of those kinds would then go unchecked, so the app refuses to start with one."""
    manager = limiter.limit_manager
    if manager.default_limits or manager.application_limits or any(
            manager.blueprint_limits(app, name) for name in app.blueprints):
        raise RuntimeError("Limits outside views are not supported: limit views with "
                           "campaign.abuse.limits.limited_by instead")
    checks = app.before_request_funcs.setdefault(None, [])
    if limiter._check_request_limit in checks:
        checks.remove(limiter._check_request_limit)
