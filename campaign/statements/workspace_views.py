"""Drafting statements in the browser: paste to start, edit, publish, the private sign-on link."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("drafting", __name__, url_prefix="/coordinate")
