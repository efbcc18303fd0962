"""The per-IP limits of the public forms that answer 429 when exceeded (resend,
confirm, the signer's page, unsubscribe). Signing is limited too, but over its limit a
signature is held rather than refused: see campaign.abuse.services."""

from __future__ import annotations

from flask import current_app
from flask_limiter import RouteLimit

from campaign.extensions import limiter


def limited_by(setting: str, *, shared_as: str | None = None) -> RouteLimit:
    """A view's limit, read from the setting at each request, so that an instance's
    configuration (and each test's) applies. ``shared_as`` counts several views as one."""
    def limits() -> str:
        return current_app.config[setting]

    if shared_as is not None:
        return limiter.shared_limit(limits, scope=shared_as)
    return limiter.limit(limits)
