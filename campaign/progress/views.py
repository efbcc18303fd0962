"""The dashboard of a statement's progress."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("progress", __name__, url_prefix="/coordinate")
