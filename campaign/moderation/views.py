"""Moderating organizations, hiding abusive signatures, the held signatures' review
queue, and bulk invalidation with its preview and log."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from werkzeug import Response

from campaign.accounts.access import team_statement_or_404
from campaign.extensions import db
from campaign.moderation.forms import (
    ACTION_LABELS,
    HOLD_REASON_LABELS,
    NAME_DISPLAY_LABELS,
    CriteriaForm,
    DisplayNameForm,
    InvalidationForm,
    LogoForm,
    RejectionForm,
)
from campaign.moderation.invalidation import (
    CriteriaError,
    PreviewChanged,
    preview_invalidation,
    request_invalidation,
    statement_invalidations,
)
from campaign.moderation.services import (
    ModerationError,
    approve_organization,
    count_held_signatures,
    hidden_individuals,
    hide_individual,
    individual_to_moderate,
    invalidate_signature,
    load_held_signatures,
    load_organization_queue,
    moderation_log,
    organization_to_moderate,
    recent_individuals,
    reject_organization,
    release_signature,
    rename_organization,
    set_organization_logo,
    undo_decision,
    unhide_individual,
)
from campaign.signing.forms import ORGANIZATION_TYPE_LABELS
from campaign.signing.logos import CONTENT_TYPE, logo_path, store_logo
from campaign.signing.models import IndividualSignature, OrganizationSignature
from campaign.statements.models import Statement

bp = Blueprint("moderation", __name__, url_prefix="/coordinate")


@bp.get("/<slug>/organizations")
@login_required
def organizations(slug: str) -> str:
    statement = team_statement_or_404(slug)
    return render_template("moderation/organizations.html", statement=statement,
                           queue=load_organization_queue(statement),
                           type_labels=ORGANIZATION_TYPE_LABELS)


@bp.post("/<slug>/organizations/<int:organization_id>/approve")
@login_required
def approve(slug: str, organization_id: int) -> Response:
    statement, organization = _organization_or_404(slug, organization_id)
    return _act(statement, lambda: approve_organization(organization, by=current_user),
                lambda: _("%(name)s is approved and now appears on the statement.",
                          name=organization.shown_name), ".organizations")


@bp.post("/<slug>/organizations/<int:organization_id>/undo")
@login_required
def undo(slug: str, organization_id: int) -> Response:
    statement, organization = _organization_or_404(slug, organization_id)
    return _act(statement, lambda: undo_decision(organization, by=current_user),
                lambda: _("%(name)s is awaiting approval again.", name=organization.shown_name),
                ".organizations")


@bp.route("/<slug>/organizations/<int:organization_id>/reject", methods=["GET", "POST"])
@login_required
def reject(slug: str, organization_id: int) -> str | Response | tuple[str, int]:
    statement, organization = _organization_or_404(slug, organization_id)
    form = RejectionForm()
    if form.validate_on_submit():
        try:
            reject_organization(organization, form.reason.data, by=current_user)
        except ModerationError as error:
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(_("%(name)s is rejected; its contact has been e-mailed the reason.",
                    name=organization.shown_name))
            return redirect(url_for(".organizations", slug=statement.slug))
    return render_template("moderation/reject.html", statement=statement,
                           organization=organization, form=form,
                           type_labels=ORGANIZATION_TYPE_LABELS), (
        400 if form.is_submitted() else 200)


@bp.route("/<slug>/organizations/<int:organization_id>/name", methods=["GET", "POST"])
@login_required
def rename(slug: str, organization_id: int) -> str | Response | tuple[str, int]:
    statement, organization = _organization_or_404(slug, organization_id)
    form = DisplayNameForm(data={"display_name": organization.shown_name})
    if form.validate_on_submit():
        try:
            rename_organization(organization, form.display_name.data, by=current_user)
        except ModerationError as error:
            form.display_name.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("The organization is now shown as “%(name)s”.", name=organization.shown_name))
            return redirect(url_for(".organizations", slug=statement.slug))
    return render_template("moderation/rename.html", statement=statement,
                           organization=organization, form=form), (
        400 if form.is_submitted() else 200)


@bp.route("/<slug>/organizations/<int:organization_id>/logo", methods=["GET", "POST"])
@login_required
def logo(slug: str, organization_id: int) -> str | Response | tuple[str, int]:
    statement, organization = _organization_or_404(slug, organization_id)
    form = LogoForm()
    if form.validate_on_submit() and form.prepared_logo:
        # Written before the commit that names it, as when an organization co-signs.
        set_organization_logo(organization, store_logo(form.prepared_logo))
        db.session.commit()
        flash(_("The logo of %(name)s is saved.", name=organization.shown_name))
        return redirect(url_for(".organizations", slug=statement.slug))
    return render_template("moderation/logo.html", statement=statement,
                           organization=organization, form=form), (
        400 if form.is_submitted() else 200)


@bp.post("/<slug>/organizations/<int:organization_id>/logo/remove")
@login_required
def remove_logo(slug: str, organization_id: int) -> Response:
    statement, organization = _organization_or_404(slug, organization_id)
    set_organization_logo(organization, None)
    db.session.commit()
    flash(_("The logo of %(name)s is removed.", name=organization.shown_name))
    return redirect(url_for(".organizations", slug=statement.slug))


@bp.get("/<slug>/organizations/<int:organization_id>/logo.png")
@login_required
def logo_image(slug: str, organization_id: int) -> Response:
    """The logo as the team sees it before approving; the public's is at /logos/."""
    _, organization = _organization_or_404(slug, organization_id)
    path = logo_path(organization.logo) if organization.logo else None
    if path is None:
        abort(404)
    response = send_file(path, mimetype=CONTENT_TYPE, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/<slug>/individuals")
@login_required
def individuals(slug: str) -> str:
    statement = team_statement_or_404(slug)
    return render_template("moderation/individuals.html", statement=statement,
                           recent=recent_individuals(statement),
                           hidden=hidden_individuals(statement),
                           display_labels=NAME_DISPLAY_LABELS)


@bp.post("/<slug>/individuals/<int:signature_id>/hide")
@login_required
def hide(slug: str, signature_id: int) -> Response:
    statement, signature = _individual_or_404(slug, signature_id)
    return _act(statement, lambda: hide_individual(signature, by=current_user),
                lambda: _("The signature of %(name)s is hidden from the statement and its "
                          "counts.", name=signature.name), ".individuals")


@bp.post("/<slug>/individuals/<int:signature_id>/unhide")
@login_required
def unhide(slug: str, signature_id: int) -> Response:
    statement, signature = _individual_or_404(slug, signature_id)
    return _act(statement, lambda: unhide_individual(signature, by=current_user),
                lambda: _("The signature of %(name)s is shown again.", name=signature.name),
                ".individuals")


@bp.app_template_global()
def held_signature_count(statement: Statement) -> int:
    """For the statement's workspace navigation."""
    return count_held_signatures(statement)


@bp.get("/<slug>/held")
@login_required
def held(slug: str) -> str:
    statement = team_statement_or_404(slug)
    return render_template("moderation/held.html", statement=statement,
                           held=load_held_signatures(statement),
                           reason_labels=HOLD_REASON_LABELS,
                           type_labels=ORGANIZATION_TYPE_LABELS)


@bp.post("/<slug>/held/individuals/<int:signature_id>/release")
@login_required
def release_individual(slug: str, signature_id: int) -> Response:
    return _release(*_individual_or_404(slug, signature_id))


@bp.post("/<slug>/held/individuals/<int:signature_id>/invalidate")
@login_required
def invalidate_individual(slug: str, signature_id: int) -> Response:
    return _invalidate(*_individual_or_404(slug, signature_id))


@bp.post("/<slug>/held/organizations/<int:organization_id>/release")
@login_required
def release_organization(slug: str, organization_id: int) -> Response:
    return _release(*_organization_or_404(slug, organization_id))


@bp.post("/<slug>/held/organizations/<int:organization_id>/invalidate")
@login_required
def invalidate_organization(slug: str, organization_id: int) -> Response:
    return _invalidate(*_organization_or_404(slug, organization_id))


def _release(statement: Statement,
             signature: IndividualSignature | OrganizationSignature) -> Response:
    return _act(statement, lambda: release_signature(signature, by=current_user),
                lambda: _("Released: %(name)s has been sent the link to confirm the "
                          "signature.", name=signature.name), ".held")


def _invalidate(statement: Statement,
                signature: IndividualSignature | OrganizationSignature) -> Response:
    return _act(statement, lambda: invalidate_signature(signature, by=current_user),
                lambda: _("Invalidated: the signature of %(name)s will not be counted or "
                          "listed.", name=signature.name), ".held")


@bp.get("/<slug>/moderation-log")
@login_required
def log(slug: str) -> str:
    statement = team_statement_or_404(slug)
    return render_template("moderation/log.html", statement=statement,
                           entries=moderation_log(statement), action_labels=ACTION_LABELS)


def _organization_or_404(slug: str, organization_id: int,
                         ) -> tuple[Statement, OrganizationSignature]:
    statement = team_statement_or_404(slug)
    organization = organization_to_moderate(statement, organization_id)
    if organization is None:
        abort(404)
    return statement, organization


def _individual_or_404(slug: str, signature_id: int) -> tuple[Statement, IndividualSignature]:
    statement = team_statement_or_404(slug)
    signature = individual_to_moderate(statement, signature_id)
    if signature is None:
        abort(404)
    return statement, signature


def _act(statement: Statement, action: Callable[[], None], done: Callable[[], str],
         page: str) -> Response:
    """A button's action: do it and commit, or say why it cannot be done; either
    way back to the list (post/redirect/get)."""
    try:
        action()
    except ModerationError as error:
        db.session.rollback()
        flash(str(error))
    else:
        db.session.commit()
        flash(done())
    return redirect(url_for(page, slug=statement.slug))


# --- Bulk invalidation -----------------------------------------------------------------


@bp.get("/<slug>/invalidations")
@login_required
def invalidations(slug: str) -> str:
    statement = team_statement_or_404(slug)
    return _invalidations_page(statement, CriteriaForm(meta={"csrf": False}))


@bp.get("/<slug>/invalidations/preview")
@login_required
def invalidation_preview(slug: str) -> str | tuple[str, int]:
    """A GET: counting changes nothing, and a trending source links straight here."""
    statement = team_statement_or_404(slug)
    criteria_form = CriteriaForm(formdata=request.args, meta={"csrf": False})
    if not criteria_form.validate():
        return _invalidations_page(statement, criteria_form), 400
    return _preview_page(statement, criteria_form)


@bp.post("/<slug>/invalidations")
@login_required
def invalidate(slug: str) -> str | Response | tuple[str, int]:
    statement = team_statement_or_404(slug)
    form = InvalidationForm()
    if form.validate_on_submit() and form.criteria is not None:
        try:
            invalidation = request_invalidation(statement, form.criteria, form.reason.data,
                                                shown=form.shown_count, by=current_user)
        except PreviewChanged as changed:
            form.form_errors.append(str(changed))
            return _preview_page(statement, form, confirm_form=form), 409
        except CriteriaError as error:
            form.reason.errors.append(str(error))
        else:
            db.session.commit()
            flash(ngettext("The invalidation is under way: %(num)d signature matched. Its "
                           "progress is shown below.",
                           "The invalidation is under way: %(num)d signatures matched. Its "
                           "progress is shown below.", invalidation.matched))
            return redirect(url_for(".invalidations", slug=statement.slug))
    if form.criteria is None:
        return _invalidations_page(statement, form), 400
    return _preview_page(statement, form, confirm_form=form), 400


def _invalidations_page(statement: Statement, form: CriteriaForm) -> str:
    return render_template("moderation/invalidations.html", statement=statement, form=form,
                           log=statement_invalidations(statement))


def _preview_page(statement: Statement, criteria_form: CriteriaForm,
                  confirm_form: InvalidationForm | None = None) -> str:
    assert criteria_form.criteria is not None
    criteria = criteria_form.criteria
    return render_template(
        "moderation/invalidation_preview.html", statement=statement, criteria=criteria,
        preview=preview_invalidation(statement, criteria),
        form=confirm_form or InvalidationForm(formdata=None))
