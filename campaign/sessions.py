"""The session cookie, opened only by requests that bring one.

Most requests here bring none: a reader of a statement page, a signer (the page's forms
need no session, campaign.form_tokens). Flask's SecureCookieSessionInterface builds its
signing serializer on every request before it looks for the cookie, and works out the
cookie's seven attributes after it, even for a session that is empty and untouched:
about 60,000 instructions a request, 1.5 % of a signature (bench/RESULTS.md). Here a
request without the cookie gets a new empty session at once, and an empty session
nobody changed is saved as Flask saves it, by doing nothing but the Vary header.
"""

from __future__ import annotations

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from werkzeug import Response


class LazySecureCookieSessionInterface(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if not session and not session.modified:
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)
