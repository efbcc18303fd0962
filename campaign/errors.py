"""Error pages a person can act on, instead of a stack trace."""

from __future__ import annotations

import time

from flask import Flask, render_template, request
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from campaign.extensions import db, limiter


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError) -> tuple[str, int]:
        db.session.rollback()
        return render_template("errors/csrf.html"), 400

    @app.errorhandler(RateLimitExceeded)
    def too_many_requests(error: RateLimitExceeded) -> tuple[str, int, dict[str, str]]:
        db.session.rollback()
        # When the breached window resets, and never more than the window's length.
        window = error.limit.limit.get_expiry()
        breached = limiter.current_limit
        wait = min(window, max(1, breached.reset_at - int(time.time()))) if breached else window
        return render_template("errors/too_many_requests.html"), 429, {
            "Retry-After": str(wait)}

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        db.session.rollback()
        if request.path.startswith("/api/"):
            return {"error": error.name, "status": error.code}, error.code or 500  # type: ignore[return-value]
        return render_template("errors/http.html", error=error), error.code or 500

    @app.errorhandler(500)
    def server_error(error: Exception) -> tuple[str, int]:
        db.session.rollback()
        return render_template("errors/500.html"), 500
