"""Public pages: the list of statements and each statement's page."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from campaign.signing.forms import IndividualSignatureForm, OrganizationSignatureForm
from campaign.statements.models import Statement
from campaign.statements.services import (
    get_visible_statement,
    load_statement_page,
    published_statements,
)

bp = Blueprint("statements", __name__)


@bp.get("/")
def index() -> str:
    return render_template("statements/index.html", statements=published_statements())


@bp.get("/s/<slug>")
def show(slug: str) -> str:
    return render_statement_page(visible_statement_or_404(slug))


def visible_statement_or_404(slug: str) -> Statement:
    statement = get_visible_statement(slug)
    if statement is None:
        abort(404)
    return statement


def render_statement_page(
    statement: Statement,
    individual_form: IndividualSignatureForm | None = None,
    organization_form: OrganizationSignatureForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """The statement with both signing forms; a form sent back with errors is shown
    with them, the other one blank. Prefixes keep the two forms' field ids apart."""
    return render_template(
        "statements/show.html",
        page=load_statement_page(statement),
        individual_form=individual_form or IndividualSignatureForm(prefix="person"),
        organization_form=organization_form or OrganizationSignatureForm(prefix="org"),
    ), status
