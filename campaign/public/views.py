"""Public pages: the list of statements and each statement's page."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug import Response

from campaign.languages import current_language
from campaign.public.services import load_statement_page
from campaign.signing.forms import (
    IndividualSignatureForm,
    ManageSignatureForm,
    OrganizationSignatureForm,
)
from campaign.statements.models import Statement
from campaign.statements.services import (
    get_statement_by_sign_on_token,
    get_visible_statement,
    published_statements,
)

bp = Blueprint("statements", __name__)


@bp.get("/")
def index() -> str:
    return render_template("public/index.html", statements=published_statements())


@bp.get("/s/<slug>")
def show(slug: str) -> str:
    return render_statement_page(visible_statement_or_404(slug))


@bp.get("/s/<slug>/private/<token>")
def private(slug: str, token: str) -> str | tuple[str, int] | Response:
    """A draft opened by its private sign-on link, for organizations to co-sign before
    launch; once published, the link leads to the public page."""
    statement = sign_on_statement_or_404(slug, token)
    if statement.is_visible:
        return redirect(url_for(".show", slug=slug))
    return render_statement_page(statement, sign_on_token=token)


def sign_on_statement_or_404(slug: str, token: str) -> Statement:
    statement = get_statement_by_sign_on_token(slug, token)
    if statement is None:
        abort(404)
    return statement


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
    sign_on_token: str | None = None,
    manage_form: ManageSignatureForm | None = None,
) -> tuple[str, int]:
    """The statement with both signing forms; a form sent back with errors is shown
    with them, the other one blank. Prefixes keep the two forms' field ids apart.
    Opened by a private sign-on link, the draft offers only the organizations' form.
    The statement is in the language the link asks for (`?lang=uk`), else the reader's."""
    return render_template(
        "public/show.html",
        page=load_statement_page(statement, request.args.get("lang"), current_language()),
        individual_form=individual_form or IndividualSignatureForm(prefix="person"),
        organization_form=organization_form or OrganizationSignatureForm(prefix="org"),
        sign_on_token=sign_on_token,
        manage_form=manage_form or ManageSignatureForm(prefix="manage"),
    ), status
