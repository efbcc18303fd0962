"""Organizations' logos, served from the app's own store (campaign.signing.logos)."""

from __future__ import annotations

from flask import Blueprint, abort, send_file
from werkzeug import Response

from campaign.signing.logos import CONTENT_TYPE, shown_logo_path

bp = Blueprint("logos", __name__)

# A logo's name is the digest of its content: a name always means the same bytes.
ONE_YEAR = 365 * 24 * 3600


@bp.get("/logos/<name>")
def show(name: str) -> Response:
    path = shown_logo_path(name)
    if path is None:
        abort(404)
    # The type is the one the store wrote, never one guessed from the upload; the
    # download name keeps a browser from offering anything else.
    response = send_file(path, mimetype=CONTENT_TYPE, max_age=ONE_YEAR, conditional=True,
                         download_name=name)
    response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    return response
