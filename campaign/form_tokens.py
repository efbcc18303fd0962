"""The CSRF tokens of the statement page's forms (sign, co-sign, "send me my link"),
without a session.

The statement page is what a campaign's big day brings: thousands of people open it,
sign and leave. With Flask-WTF's tokens, kept in the session, the page would set a
session cookie on every reader, and every signature would open that cookie (decoded,
decompressed and checked under a key derived again on each request) and then check a
second signed token against it: about 0.3 ms of CPU a submission, an eighth of the
signing request (bench/RESULTS.md). These forms use a signed double-submit token
instead:

- a random nonce in a cookie of its own (HttpOnly, SameSite=Lax; over HTTPS named
  with the `__Host-` prefix, so that no other host of the domain can set it), set with
  the first page that shows one of these forms;
- the form's token is an HMAC of that nonce, under a key derived from SECRET_KEY
  (campaign.security.keyed_digest).

A post is accepted when its token is the HMAC of the nonce in its cookie. A page on
another site can make a browser post, but cannot read the cookie or the page, nor set
the cookie, so it cannot send a token that matches. Over HTTPS the post must also come
from this site, by its Origin or else its Referer, as Flask-WTF asks of every other
form here by the Referer (WTF_CSRF_SSL_STRICT; the pages' Referrer-Policy,
strict-origin, sends it). Like the session's tokens here (WTF_CSRF_TIME_LIMIT is
None), the token does not expire: a page left open for a day still signs. A failure
raises Flask-WTF's CSRFError, so the reader sees the same page as for any other form
("The form could not be sent").

Every other form (the workspace, the signer's own page) keeps Flask-WTF's tokens: who
uses them is signed in, or holds a link, and has a session anyway.
"""

from __future__ import annotations

import base64
import functools
import hmac
import re
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, g, request
from flask_wtf.csrf import CSRFError, same_origin
from werkzeug import Response
from wtforms import Field, Form, ValidationError
from wtforms.csrf.core import CSRF

from campaign.security import keyed_digest

NONCE_BYTES = 16
# What secrets.token_urlsafe(NONCE_BYTES) makes: base64url without padding.
_NONCE = re.compile(rf"[A-Za-z0-9_-]{{{-(-NONCE_BYTES * 4 // 3)}}}")
_NEW_NONCE = "new_form_nonce"
F = TypeVar("F", bound=Callable[..., Any])


def form_token() -> str:
    """The token of this browser's forms; a browser that has no nonce yet is given one
    with this response."""
    nonce = _nonce_of_request()
    if nonce is None:
        if _NEW_NONCE not in g:
            g.setdefault(_NEW_NONCE, _new_nonce())
        nonce = g.get(_NEW_NONCE)
    return _token_for(nonce)


def token_problem(token: str | None) -> str | None:
    """Why TOKEN is not this browser's token, or None when it is."""
    if not token:
        return "The form's token is missing."
    nonce = _nonce_of_request()
    if nonce is None:
        return "The form's nonce cookie is missing."
    if not hmac.compare_digest(token.encode("ascii", "replace"), _token_for(nonce).encode()):
        return "The form's token does not match its cookie."
    return None


def check_form_token(field_name: str) -> None:
    """Stop the request with CSRFError unless the form's field FIELD_NAME holds this
    browser's token and, over HTTPS, the post comes from this origin (when CSRF
    protection is on)."""
    if not current_app.config["WTF_CSRF_ENABLED"]:
        return
    problem = token_problem(request.form.get(field_name)) or _origin_problem()
    if problem is not None:
        raise CSRFError(problem)


def _origin_problem() -> str | None:
    """Over HTTPS, Flask-WTF's check that the post comes from this site
    (CSRFProtect.protect, with its messages), reading first the Origin header, which
    browsers send with every form post: a signer whose browser or extension withholds
    the Referer can still sign. Without an Origin, the Referer decides."""
    if not (request.is_secure and current_app.config["WTF_CSRF_SSL_STRICT"]):
        return None
    origin = request.headers.get("Origin")
    # "null" is what a browser sends when it will not say (a sandboxed frame, some
    # privacy settings): no answer either way.
    if origin and origin != "null":
        return None if of_this_site(origin) else "The origin does not match the host."
    if not request.referrer:
        return "The referrer header is missing."
    if not of_this_site(request.referrer):
        return "The referrer does not match the host."
    return None


def of_this_site(address: str) -> bool | None:
    """Whether ADDRESS, an Origin or a Referer, is this site's over HTTPS (Flask-WTF's
    same_origin, which CSRFProtect uses too); None when it cannot be read: a port out of
    range or a broken IPv6 literal, which no browser sends and same_origin raises on."""
    try:
        return same_origin(address, f"https://{request.host}/")
    except ValueError:
        return None


def form_token_required(field_name: str) -> Callable[[F], F]:
    """A view that checks its form's token before anything else runs, its rate limit
    included: a page elsewhere that makes visitors post without the token must not use
    up their limit."""
    def decorate(view: F) -> F:
        @functools.wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            check_form_token(field_name)
            return view(*args, **kwargs)
        return checked  # type: ignore[return-value]
    return decorate


class FormTokenCSRF(CSRF):
    """The forms' CSRF field (WTForms' Meta.csrf_class), with these tokens. The views
    that take these forms must be decorated with form_token_required, which checks the
    token and the origin before anything runs (tests/test_csrf_everywhere.py holds every
    POST route to a check); the form checks the token again when it is validated, a few
    microseconds, rather than trust that it was."""

    def generate_csrf_token(self, csrf_token_field: Field) -> str:
        return form_token()

    def validate_csrf_token(self, form: Form, field: Field) -> None:
        problem = token_problem(field.data)
        if problem is not None:
            raise ValidationError(problem)


def nonce_cookie_name() -> str:
    return "__Host-form_nonce" if current_app.config["SESSION_COOKIE_SECURE"] else "form_nonce"


def init_app(app: Flask) -> None:
    @app.after_request
    def give_new_nonce(response: Response) -> Response:
        nonce = g.get(_NEW_NONCE)
        if nonce is not None:
            response.set_cookie(nonce_cookie_name(), nonce, path="/", httponly=True,
                                samesite="Lax", secure=app.config["SESSION_COOKIE_SECURE"])
        return response


def _nonce_of_request() -> str | None:
    nonce = request.cookies.get(nonce_cookie_name())
    return nonce if nonce is not None and _NONCE.fullmatch(nonce) else None


def _new_nonce() -> str:
    return secrets.token_urlsafe(NONCE_BYTES)


def _token_for(nonce: str) -> str:
    digest = keyed_digest(b"undersigned.form-token", nonce)
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
