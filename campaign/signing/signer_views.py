"""The signer's own page and one-click unsubscribe, reached from links in e-mails."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("signer", __name__)
