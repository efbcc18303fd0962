"""Error pages a person can act on, instead of a stack trace."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from campaign.extensions import db


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError) -> tuple[str, int]:
        db.session.rollback()
        return render_template("errors/csrf.html"), 400

    @app.errorhandler(RateLimitExceeded)
    def too_many_requests(error: RateLimitExceeded) -> tuple[str, int, dict[str, str]]:
        # The window's length: the latest a person must wait before trying again.
        retry_after = str(error.limit.limit.get_expiry())
        db.session.rollback()
        return render_template("errors/too_many_requests.html"), 429, {
            "Retry-After": retry_after}

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
