"""Moderating organizations and hiding abusive signatures."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("moderation", __name__, url_prefix="/coordinate")
