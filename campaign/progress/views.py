"""The dashboard of a statement's progress."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from campaign.accounts.access import team_statement_or_404
from campaign.progress.chart import signatures_chart
from campaign.progress.services import load_dashboard

bp = Blueprint("progress", __name__, url_prefix="/coordinate")


@bp.get("/<slug>/")
@login_required
def dashboard(slug: str) -> str:
    statement = team_statement_or_404(slug)
    dashboard = load_dashboard(statement)
    return render_template("progress/dashboard.html", statement=statement, dashboard=dashboard,
                           chart=signatures_chart(dashboard.days))
