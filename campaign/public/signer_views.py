"""The signer's own page and one-click unsubscribe, reached from links in e-mails.

Thin views over campaign.signing.signer_services; the token in the address is the
only key, so an unknown, altered or dead one (its signature erased) is a 404 that
says the link no longer works, and nothing about why."""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug import Response

from campaign.abuse.limits import limited_by
from campaign.extensions import csrf, db
from campaign.privacy.services import erase_signature, withdraw_signature
from campaign.public.views import render_statement_page, visible_statement_or_404
from campaign.signing.forms import ManageSignatureForm, NameDisplayForm, SignerActionForm
from campaign.signing.models import IndividualSignature, NameDisplay
from campaign.signing.signer_links import Signature, signature_from_token
from campaign.signing.signer_services import (
    SignerActionError,
    change_name_display,
    send_signer_links,
    set_wants_updates,
)

bp = Blueprint("signer", __name__)

# The page's buttons count as one: a person uses a few of them, a program many.
_signer_action_limit = limited_by("SIGNER_ACTION_RATE_LIMIT", shared_as="signer-actions")


def _signature_or_404(token: str) -> Signature:
    signature = signature_from_token(token)
    if signature is None:
        abort(make_response(render_template("public/link_invalid.html"), 404))
    return signature


def _individual_or_404(token: str) -> IndividualSignature:
    signature = _signature_or_404(token)
    if not isinstance(signature, IndividualSignature):
        abort(404)
    return signature


def _render_page(token: str, signature: Signature,
                 display_form: NameDisplayForm | None = None, status: int = 200
                 ) -> tuple[str, int]:
    is_individual = isinstance(signature, IndividualSignature)
    if display_form is None and is_individual:
        display_form = NameDisplayForm(name_display=signature.name_display.value)
    return render_template(
        "public/signer_page.html", token=token, signature=signature,
        is_individual=is_individual, display_form=display_form,
        action_form=SignerActionForm(),
    ), status


def _back_to_page(token: str) -> Response:
    return redirect(url_for(".page", token=token))


@bp.get("/signer/<token>")
def page(token: str) -> tuple[str, int]:
    return _render_page(token, _signature_or_404(token))


@bp.post("/signer/<token>/name")
@_signer_action_limit
def change_name(token: str) -> Response | tuple[str, int]:
    signature = _individual_or_404(token)
    form = NameDisplayForm()
    if not form.validate_on_submit():
        return _render_page(token, signature, form, status=400)
    try:
        change_name_display(signature, NameDisplay(form.name_display.data))
    except SignerActionError as error:
        form.form_errors.append(str(error))
        return _render_page(token, signature, form, status=400)
    db.session.commit()
    flash(_("Saved: your name is now shown as you chose."))
    return _back_to_page(token)


@bp.post("/signer/<token>/updates/<any(on, off):choice>")
@_signer_action_limit
def updates(token: str, choice: str) -> Response:
    signature = _signature_or_404(token)
    if not SignerActionForm().validate_on_submit():
        abort(400)
    set_wants_updates(signature, choice == "on")
    db.session.commit()
    flash(_("Saved: we will send you updates about this statement.") if choice == "on"
          else _("Saved: we will not send you updates about this statement."))
    return _back_to_page(token)


@bp.get("/signer/<token>/withdraw")
def confirm_withdraw(token: str) -> str:
    _individual_or_404(token)
    return render_template(
        "confirm_action.html", layout="base.html",
        heading=_("Withdraw your signature?"),
        explanation=_("Your signature leaves the list and the counts, the letters to the "
                      "addressees and every mailing."),
        action=url_for(".withdraw", token=token), button=_("Withdraw my signature"),
        back=url_for(".page", token=token))


@bp.get("/signer/<token>/erase")
def confirm_erase(token: str) -> str:
    _signature_or_404(token)
    return render_template(
        "confirm_action.html", layout="base.html", heading=_("Erase your data?"),
        explanation=_("We delete the signature with its name and e-mail address."),
        action=url_for(".erase", token=token), button=_("Erase my data"),
        back=url_for(".page", token=token))


@bp.post("/signer/<token>/withdraw")
@_signer_action_limit
def withdraw(token: str) -> Response:
    signature = _individual_or_404(token)
    if not SignerActionForm().validate_on_submit():
        abort(400)
    try:
        withdraw_signature(signature)
    except SignerActionError as error:
        flash(str(error))
        return _back_to_page(token)
    db.session.commit()
    flash(_("Your signature is withdrawn: it is no longer listed or counted, and we will "
            "not write to you about this statement."))
    return _back_to_page(token)


@bp.post("/signer/<token>/erase")
@_signer_action_limit
def erase(token: str) -> Response:
    signature = _signature_or_404(token)
    if not SignerActionForm().validate_on_submit():
        abort(400)
    statement = signature.statement
    erase_signature(signature)
    db.session.commit()
    flash(_("Your signature and your details are erased. The link you followed no longer "
            "works."))
    if statement.is_visible:
        return redirect(url_for("statements.show", slug=statement.slug))
    return redirect(url_for("statements.index"))


@bp.get("/unsubscribe/<token>")
def unsubscribe(token: str) -> str:
    signature = _signature_or_404(token)
    return render_template("public/unsubscribe.html", signature=signature, done=False)


# RFC 8058 one-click: a mail client posts "List-Unsubscribe=One-Click" with no
# session and no cookie, so there is no CSRF token to check; the signed token in the
# address is the authority, and the only thing it can do is stop mail.
@bp.post("/unsubscribe/<token>")
@csrf.exempt
@limited_by("UNSUBSCRIBE_RATE_LIMIT")
def unsubscribe_post(token: str) -> str:
    signature = _signature_or_404(token)
    set_wants_updates(signature, False)
    db.session.commit()
    return render_template("public/unsubscribe.html", signature=signature, done=True)


@bp.post("/s/<slug>/manage")
@limited_by("RESEND_RATE_LIMIT")
def send_link(slug: str) -> Response | tuple[str, int]:
    statement = visible_statement_or_404(slug)
    form = ManageSignatureForm(prefix="manage")
    if not form.validate_on_submit():
        return render_statement_page(statement, manage_form=form, status=400)
    # A filled honeypot gets the same answer as anyone, and nothing is sent.
    if not form.honeypot_filled:
        send_signer_links(statement, form.email.data)
        db.session.commit()
    return redirect(url_for(".link_sent", slug=slug))


@bp.get("/s/<slug>/manage/sent")
def link_sent(slug: str) -> str:
    statement = visible_statement_or_404(slug)
    return render_template("public/link_sent.html", statement=statement)
