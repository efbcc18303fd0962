"""One address for the proxy, an orchestrator or an uptime monitor to ask whether this
node can serve: it answers 200 only when the database and the rate limits' storage
(Redis in production) both answer. Which one failed is told only to the machine
itself (the container's own health check): that the limits' storage is down says
the limits are failing open, which is nobody else's business. Why it failed (a host
name, a driver's message) is for the node's log alone."""

from __future__ import annotations

import logging

from flask import Blueprint
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from campaign.extensions import db, limiter
from campaign.security import from_this_machine

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__)

_HEADERS = {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@bp.get("/healthz")
def health() -> tuple[str, int, dict[str, str]]:
    unavailable = []
    try:
        db.session.execute(text("SELECT 1"))
    except (DBAPIError, PoolTimeoutError):
        log.warning("health check: the database did not answer", exc_info=True)
        db.session.rollback()
        unavailable.append("database")
    # limits' check() pings the storage and says False on any error.
    if not limiter.storage.check():
        log.warning("health check: the rate limits' storage did not answer")
        unavailable.append("rate-limit storage")
    if unavailable:
        told = f": {', '.join(unavailable)}" if from_this_machine() else ""
        return f"unavailable{told}\n", 503, {**_HEADERS, "Retry-After": "30"}
    return "ok\n", 200, _HEADERS
