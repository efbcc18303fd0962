"""Exporting signatories as CSV, streamed."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("exports", __name__, url_prefix="/coordinate")
