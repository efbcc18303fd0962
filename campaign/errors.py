"""Error pages a person can act on, instead of a stack trace."""

from __future__ import annotations

import time

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug import Response
from werkzeug.exceptions import Conflict, HTTPException

from campaign.extensions import db, limiter

# Long enough for a database restart or a failover; a person reads "a minute".
DATABASE_RETRY_AFTER_SECONDS = 30


def init_app(app: Flask) -> None:
    _release_session_even_if_the_database_is_gone(app)

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

    @app.errorhandler(StaleDataError)
    def changed_meanwhile(error: StaleDataError) -> tuple[str, int]:
        """A row this request read and changed was removed (or its row changed) by a
        colleague's request that committed in between: any form of the workspace can
        meet it, and nothing of the request is kept."""
        return http_error(Conflict(description=_(
            "A colleague changed or removed what you were saving, so nothing was saved. "
            "Go back, reload the page and try again.")))

    @app.errorhandler(500)
    def server_error(error: Exception) -> tuple[str, int]:
        db.session.rollback()
        return render_template("errors/500.html"), 500

    @app.errorhandler(DBAPIError)
    @app.errorhandler(PoolTimeoutError)
    def database_unavailable(error: Exception) -> Response:
        """The database is down, restarting, or dropped the connection: nothing was
        saved, and the same request will work again in a moment. Any other database
        error is a bug, and stays a 500."""
        if not _is_unavailable(error):
            raise error
        _discard_session()
        app.logger.warning("database unavailable: %s", type(error).__name__)
        if request.path.startswith("/api/"):
            response = app.json.response({"error": "Service Unavailable", "status": 503})
            response.status_code = 503
        else:
            response = app.make_response((render_template("errors/unavailable.html"), 503))
        response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
        return response


def _release_session_even_if_the_database_is_gone(app: Flask) -> None:
    """Registered after Flask-SQLAlchemy's teardown, so it runs before it. The database
    can go away after a page was made and before the request ends; rolling back on the
    dead connection would then turn a finished page into a 500. The answer stands, and
    the connection is discarded instead."""

    @app.teardown_appcontext
    def release_session(error: BaseException | None) -> None:
        # A request that never opened a session (the signing path on PostgreSQL, a
        # page from cache) would be given one here only to close it.
        if not db.session.registry.has():
            return
        # Closed, not rolled back: a rollback would expire what a streamed page has
        # still to read from its objects.
        try:
            db.session.close()
        except DBAPIError:
            db.session().invalidate()


def _is_unavailable(error: Exception) -> bool:
    if isinstance(error, PoolTimeoutError | OperationalError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def _discard_session() -> None:
    """Roll back what the request began; on a dead connection even that can fail, and
    then its connection is invalidated rather than returned to the pool."""
    try:
        db.session.rollback()
    except DBAPIError:
        # The scoped session has no invalidate() of its own: the request's Session has.
        db.session().invalidate()
