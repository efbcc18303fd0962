"""The team's updates page: write, preview, test-send and publish an update, and
watch its e-mails go out."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug import Response

from campaign.accounts.access import team_statement_or_404
from campaign.extensions import db
from campaign.form_fields import show_error
from campaign.statements.models import Statement
from campaign.updates import services
from campaign.updates.forms import ConfirmPublishForm, UpdateForm
from campaign.updates.mail import register_update_mail
from campaign.updates.models import PUBLISHABLE_UPDATE_STATUSES, Update

bp = Blueprint("updates", __name__, url_prefix="/coordinate")


@bp.record_once
def _register_mail(state: BlueprintSetupState) -> None:
    # Wherever the application is built (web, worker, tests).
    register_update_mail(state.app)


def _update_of(statement: Statement, update_id: int) -> Update:
    update = services.find_update(statement, update_id)
    if update is None:
        abort(404)
    return update


def _render_index(statement: Statement, form: UpdateForm, status: int = 200) -> tuple[str, int]:
    updates = services.statement_updates(statement)
    return render_template("updates/index.html", statement=statement, form=form,
                           updates=updates, progress=services.progress_of(updates)), status


def _render_update(statement: Statement, update: Update, form: UpdateForm,
                   status: int = 200) -> tuple[str, int]:
    return render_template("updates/show.html", statement=statement, update=update, form=form,
                           progress=services.progress_of([update]).get(update.id)), status


@bp.get("/<slug>/updates")
@login_required
def index(slug: str) -> tuple[str, int]:
    return _render_index(team_statement_or_404(slug), UpdateForm(formdata=None))


@bp.post("/<slug>/updates")
@login_required
def write(slug: str) -> Response | tuple[str, int]:
    statement = team_statement_or_404(slug)
    form = UpdateForm()
    if not form.validate_on_submit():
        return _render_index(statement, form, 400)
    try:
        update = services.write_update(statement, form.title.data, form.body.data,
                                       by=current_user)
    except services.UpdateError as error:
        show_error(form, error)
        return _render_index(statement, form, 400)
    db.session.commit()
    flash(_("The draft is saved. Check the preview, send yourself a test, then publish it."))
    return redirect(url_for(".show", slug=slug, update_id=update.id))


@bp.get("/<slug>/updates/<int:update_id>")
@login_required
def show(slug: str, update_id: int) -> tuple[str, int]:
    statement = team_statement_or_404(slug)
    update = _update_of(statement, update_id)
    form = UpdateForm(formdata=None, data={"title": update.title, "body": update.body_markdown})
    return _render_update(statement, update, form)


@bp.post("/<slug>/updates/<int:update_id>")
@login_required
def edit(slug: str, update_id: int) -> Response | tuple[str, int]:
    statement = team_statement_or_404(slug)
    update = _update_of(statement, update_id)
    form = UpdateForm()
    if not form.validate_on_submit():
        return _render_update(statement, update, form, 400)
    try:
        services.edit_update(update, form.title.data, form.body.data)
    except services.UpdateError as error:
        db.session.rollback()
        show_error(form, error)
        return _render_update(statement, update, form, 400)
    db.session.commit()
    flash(_("The draft is saved."))
    return redirect(url_for(".show", slug=slug, update_id=update_id))


@bp.post("/<slug>/updates/<int:update_id>/test")
@login_required
def send_test(slug: str, update_id: int) -> Response:
    update = _update_of(team_statement_or_404(slug), update_id)
    services.send_test(update, current_user)
    db.session.commit()
    flash(_("A test copy is on its way to %(email)s.", email=current_user.email))
    return redirect(url_for(".show", slug=slug, update_id=update_id))


def _confirmation(statement: Statement, update: Update, *,
                  refused: services.UpdateChanged | None = None) -> str:
    form = ConfirmPublishForm(formdata=None, shown=services.shown_text(update))
    if refused is not None:
        form.form_errors.append(str(refused))
    return render_template("updates/confirm_publish.html", statement=statement,
                           update=update, form=form)


def _confirmed() -> str | None:
    """The text the confirmation page showed; a POST without the page's token is
    refused."""
    form = ConfirmPublishForm()
    if not form.validate_on_submit():
        abort(400)
    return form.shown.data


# One rule for both steps, as the letters' sending: with a rule per method, Werkzeug
# answers a POST whose id is beyond the database's integers 405 (the GET rule matched
# its path) instead of 404.
@bp.route("/<slug>/updates/<int:update_id>/publish", methods=["GET", "POST"])
@login_required
def publish(slug: str, update_id: int) -> Response | tuple[str, int] | str:
    """The GET shows the text that will be e-mailed and asks for confirmation; only
    the POST from that page publishes, and only the text it showed."""
    statement = team_statement_or_404(slug)
    update = _update_of(statement, update_id)
    if request.method == "GET":
        if update.status not in PUBLISHABLE_UPDATE_STATUSES:
            # An old tab or a bookmark: there is nothing left to confirm.
            flash(_("This update is published already."))
            return redirect(url_for(".show", slug=slug, update_id=update_id))
        return _confirmation(statement, update)
    try:
        services.publish_update_as_shown(update, shown=_confirmed())
    except services.UpdateChanged as changed:
        db.session.rollback()
        return _confirmation(statement, changed.update, refused=changed), 409
    except services.UpdateError as error:
        db.session.rollback()
        flash(str(error))
    else:
        db.session.commit()
        flash(_("The update is published on the statement's page. The signers who asked for "
                "updates are being e-mailed."))
    return redirect(url_for(".show", slug=slug, update_id=update_id))
