"""The privacy page: what is collected, shown and kept, read from the settings that
the retention tasks (campaign.privacy.services) apply, so the page cannot drift from them."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

bp = Blueprint("privacy", __name__)


@bp.get("/privacy")
def privacy() -> str:
    config = current_app.config
    return render_template(
        "privacy/privacy.html",
        unconfirmed_days=config["UNCONFIRMED_SIGNATURE_DAYS"],
        retention_days=config["EMAIL_RETENTION_DAYS_AFTER_CLOSE"],
        confirmation_hours=config["CONFIRMATION_LINK_MAX_AGE_HOURS"],
        client_data_days=config["CLIENT_DATA_RETENTION_DAYS"],
    )
