"""Security headers on every response: pages, errors, redirects, static files, the API.

One after-request hook rather than Flask-Talisman: Talisman decides HSTS from a raw
X-Forwarded-Proto header (a client sets it), rewrites SESSION_COOKIE_SECURE on every
request, still sends the retired X-XSS-Protection, and replaces a Content-Security-
Policy that a view set itself (the sandbox of an uploaded document or an e-mail
preview) instead of keeping it.

The policy loads nothing from another site and runs no inline script or style. A view
changes it for its own responses by setting directives in its response's
Content-Security-Policy header: the directives it names win, every other one comes
from the strict policy below. So an uploaded document's `sandbox` keeps
`frame-ancestors 'none'`, and a later embeddable widget opens framing for its route
alone with `response.headers["Content-Security-Policy"] = "frame-ancestors *"` (or a
list of the embedding sites); X-Frame-Options, which cannot express that, is then
left out for that response.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import ipaddress

from flask import Flask, current_app, request
from werkzeug import Response

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "form-action": "'self'",
    "base-uri": "'none'",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
}

# Capability links (confirm, signer page, unsubscribe) carry their token in the path:
# only the origin is ever sent, never a path, to this site or any other. The origin is
# what Flask-WTF's HTTPS check of the Referer compares, so forms keep working.
REFERRER_POLICY = "strict-origin"

HSTS = "max-age=63072000; includeSubDomains"


def keyed_digest(purpose: bytes, message: str) -> bytes:
    """An HMAC-SHA256 of MESSAGE under a key derived from SECRET_KEY for PURPOSE: the
    same for the same message, and useless to anyone without the instance's key. The
    key is derived once per process (it is on the signing path twice a request)."""
    return hmac.new(_derived_key(current_app.secret_key, purpose), message.encode(),
                    hashlib.sha256).digest()


@functools.lru_cache(maxsize=16)
def _derived_key(secret_key: str, purpose: bytes) -> bytes:
    return hmac.new(secret_key.encode(), purpose, hashlib.sha256).digest()


def parse_policy(header: str) -> dict[str, str]:
    directives: dict[str, str] = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition(" ")
        if name:
            directives[name.lower()] = value.strip()
    return directives


@functools.lru_cache(maxsize=64)
def _policy_and_framing(own: str) -> tuple[str, bool]:
    """The strict policy with the directives of a view's own policy (`own`) in place of
    the same-named ones, and whether it lets other sites frame the page. Worked out
    once for each of the few policies there are, not on every response."""
    directives = {**CONTENT_SECURITY_POLICY, **parse_policy(own)}
    policy = "; ".join(f"{name} {value}".strip() for name, value in directives.items())
    return policy, directives["frame-ancestors"] != "'none'"


def inline_style_source(template_name: str) -> str:
    """The CSP source that allows one inline <style> whose content is this template
    rendered (an HTML e-mail carries its styles inline: it cannot load a stylesheet)."""
    css = current_app.jinja_env.get_template(template_name).render()
    digest = hashlib.sha256(css.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def init_app(app: Flask) -> None:
    @app.after_request
    def set_security_headers(response: Response) -> Response:
        headers = response.headers
        policy, framed = _policy_and_framing(headers.get("Content-Security-Policy") or "")
        headers["Content-Security-Policy"] = policy
        if framed:
            headers.pop("X-Frame-Options", None)
        else:
            headers["X-Frame-Options"] = "DENY"
        headers["X-Content-Type-Options"] = "nosniff"
        # A page is kept by no cache unless its view says otherwise (a logo, the share
        # card): most carry a signer's name, a coordinator's data, a capability link
        # or a form token bound to this browser, and a page kept on a shared or seized
        # computer, or in a proxy, would give them away.
        headers.setdefault("Cache-Control", "no-store")
        headers["Referrer-Policy"] = REFERRER_POLICY
        if app.config["PREFERRED_URL_SCHEME"] == "https":
            headers["Strict-Transport-Security"] = HSTS
        return response


# Headers a proxy adds: behind one on the same machine every request comes from the
# loopback, whoever sent it.
_PROXY_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")


def from_this_machine() -> bool:
    """Whether the request was sent from this machine itself (its loopback) and came
    through no proxy: what only the machine's own operator can send."""
    try:
        local = ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False
    return local and not any(header in request.headers for header in _PROXY_HEADERS)
