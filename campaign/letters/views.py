"""Letters to the addressees: preview each one, send, and follow what became of them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_template,
    stream_with_context,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from flask_login import current_user, login_required

from campaign.accounts.access import team_statement_or_404
from campaign.extensions import db
from campaign.form_fields import show_error
from campaign.languages import in_language
from campaign.letters import services
from campaign.letters.building import LetterContent, build_letter, build_sent_letter
from campaign.letters.forms import ConfirmSendingForm, GroupWordingForm, LetterVoiceForm
from campaign.letters.mail import letter_pdf_name, register_letter_mail
from campaign.letters.models import Letter
from campaign.letters.pdf import render_letter_pdf
from campaign.security import inline_style_source
from campaign.statements.models import Addressee, DemandGroup, Statement
from campaign.statements.services import find_addressee

bp = Blueprint("letters", __name__, url_prefix="/coordinate")

T = TypeVar("T")


@bp.record_once
def _register_mail(state: BlueprintSetupState) -> None:
    # Wherever the application is built (web, worker, tests), its letters' e-mails
    # are delivered with their PDF.
    register_letter_mail(state.app)


def _or_404(found: T | None) -> T:
    if found is None:
        abort(404)
    return found


def _addressee(slug: str, addressee_id: int) -> Addressee:
    return _or_404(find_addressee(team_statement_or_404(slug), addressee_id))


def _to_letters(statement: Statement) -> Response:
    return redirect(url_for(".index", slug=statement.slug))


@bp.get("/<slug>/letters")
@login_required
def index(slug: str) -> str:
    statement = team_statement_or_404(slug)
    letters = services.letters_of(statement)
    return render_template("letters/index.html", statement=statement,
                           reply_to=services.letters_reply_to(statement),
                           addressees=services.addressee_summaries(statement),
                           letters=letters, sent_again=services.sent_again(letters))


# --- Previews -------------------------------------------------------------------------


@bp.get("/<slug>/letters/to/<int:addressee_id>")
@login_required
def preview_html(slug: str, addressee_id: int) -> Response:
    """The HTML e-mail as the addressee will read it, streamed as it renders."""
    letter = build_letter(_addressee(slug, addressee_id))
    response = Response(_streamed_in_language(letter, "letters/letter.html"),
                        mimetype="text/html")
    response.headers["Content-Security-Policy"] = (
        f"sandbox; style-src {inline_style_source('letters/_letter.css')}")
    return response


@bp.get("/<slug>/letters/to/<int:addressee_id>/text")
@login_required
def preview_text(slug: str, addressee_id: int) -> Response:
    letter = build_letter(_addressee(slug, addressee_id))
    return Response(_streamed_in_language(letter, "letters/letter.txt"),
                    mimetype="text/plain")


def _streamed_in_language(letter: LetterContent, template: str) -> Iterator[str]:
    """The letter as it renders, in its addressee's language as the e-mail will be
    (the language is set inside the stream: the view has returned by then)."""
    @stream_with_context
    def chunks() -> Iterator[str]:
        with in_language(letter.addressee.language):
            yield from stream_template(template, letter=letter)
    return chunks()


@bp.get("/<slug>/letters/to/<int:addressee_id>/pdf")
@login_required
def pdf(slug: str, addressee_id: int) -> Response:
    """The PDF, rendered in the request. Sending never does this (the worker does), but
    a coordinator checking the layout, or printing a letter to deliver by hand, asked
    for this one document and waits for it; only the team can ask, one at a time."""
    return _pdf_response(build_letter(_addressee(slug, addressee_id)))


@bp.get("/<slug>/letters/<int:letter_id>/pdf")
@login_required
def letter_pdf(slug: str, letter_id: int) -> Response:
    """A letter to deliver by hand, printed as it was sent (see pdf for why here)."""
    letter = _or_404(services.letter_to_print(team_statement_or_404(slug), letter_id))
    return _pdf_response(build_sent_letter(letter))


def _pdf_response(letter: LetterContent) -> Response:
    with in_language(letter.addressee.language):
        document = render_letter_pdf(letter)
    name = letter_pdf_name(letter)
    return Response(document, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{name}"',
        "Cache-Control": "no-store",
    })


# --- Sending --------------------------------------------------------------------------
# Each sending is two steps, without JavaScript: the GET shows who gets what and asks
# for confirmation, and only the POST from that page sends. A letter to a government
# cannot be called back.


def _confirmation(statement: Statement, summary: services.SendingSummary, *,
                  refused: services.RecipientsChanged | None = None,
                  retrying: Letter | None = None) -> str:
    form = ConfirmSendingForm(formdata=None, recipients=summary.recipients)
    if refused is not None:
        form.form_errors.append(str(refused))
    return render_template("letters/confirm_send.html", statement=statement, summary=summary,
                           reply_to=services.letters_reply_to(statement), form=form,
                           retrying=retrying)


def _confirmed() -> str | None:
    """What the confirmation page showed would get a letter; a POST without the
    page's token is refused."""
    form = ConfirmSendingForm()
    if not form.validate_on_submit():
        abort(400)
    return form.recipients.data


def _send(statement: Statement, addressees: list[Addressee]) -> Response | tuple[str, int] | str:
    if request.method == "GET":
        return _confirmation(statement, services.summarize_sending(statement, addressees))
    try:
        report = services.send_letters_as_shown(statement, addressees, shown=_confirmed(),
                                                by=current_user)
    except services.RecipientsChanged as changed:
        return _confirmation(statement, changed.summary, refused=changed), 409
    db.session.commit()
    _tell(report)
    return _to_letters(statement)


def _names(names: list[str]) -> str:
    return ", ".join(names)


def _tell(report: services.SendReport) -> None:
    if report.queued:
        flash(_("Queued for e-mail: %(names)s.", names=_names(report.queued)))
    if report.to_deliver_by_hand:
        flash(_("No e-mail address, to deliver by hand (download the PDF below): %(names)s.",
                names=_names(report.to_deliver_by_hand)))
    if report.already_queued:
        flash(_("Skipped, a letter is already queued: %(names)s.",
                names=_names(report.already_queued)))
    if report.already_waiting_by_hand:
        flash(_("Skipped, a letter already waits to be delivered by hand: %(names)s.",
                names=_names(report.already_waiting_by_hand)))
    if report.removed:
        flash(_("Not sent, removed from the statement meanwhile: %(names)s.",
                names=_names(report.removed)))


@bp.route("/<slug>/letters/send", methods=["GET", "POST"])
@login_required
def send_to_all(slug: str) -> Response | tuple[str, int] | str:
    statement = team_statement_or_404(slug)
    return _send(statement, [summary.addressee
                             for summary in services.addressee_summaries(statement)])


@bp.route("/<slug>/letters/send/group/<int:group_id>", methods=["GET", "POST"])
@login_required
def send_to_group(slug: str, group_id: int) -> Response | tuple[str, int] | str:
    statement = team_statement_or_404(slug)
    return _send(statement, _or_404(services.addressees_of_group(statement, group_id)))


@bp.route("/<slug>/letters/send/to/<int:addressee_id>", methods=["GET", "POST"])
@login_required
def send_to_addressee(slug: str, addressee_id: int) -> Response | tuple[str, int] | str:
    statement = team_statement_or_404(slug)
    return _send(statement, [_or_404(find_addressee(statement, addressee_id))])


@bp.post("/<slug>/letters/test/to/<int:addressee_id>")
@login_required
def send_test(slug: str, addressee_id: int) -> Response:
    """The letter to this addressee, sent to the signed-in coordinator alone."""
    addressee = _addressee(slug, addressee_id)
    services.send_test_letter(addressee, current_user)
    db.session.commit()
    flash(_("A test copy of the letter to %(name)s is on its way to %(email)s. It is not "
            "counted as sent.", name=addressee.name, email=current_user.email))
    return _to_letters(addressee.statement)


# --- The coalition's voice ------------------------------------------------------------


@bp.route("/<slug>/letters/voice", methods=["GET", "POST"])
@login_required
def voice(slug: str) -> Response | tuple[str, int] | str:
    statement = team_statement_or_404(slug)
    form = LetterVoiceForm(obj=statement)
    if form.validate_on_submit():
        try:
            services.set_letter_voice(statement, sender_name=form.sender_name.data,
                                      letter_logos=bool(form.letter_logos.data))
            services.set_reply_address(statement, form.reply_address.data)
        except services.LetterError as error:
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Saved: the sender name, the address for replies and the letters' logos."))
            return redirect(url_for(".voice", slug=slug))
    status = 400 if form.errors else 200
    return render_template("letters/voice.html", statement=statement, form=form,
                           group_forms=_group_forms(statement)), status


def _group_forms(statement: Statement,
                 submitted: tuple[int, GroupWordingForm] | None = None,
                 ) -> list[tuple[DemandGroup, GroupWordingForm]]:
    forms = []
    for group in statement.demand_groups:
        if submitted and submitted[0] == group.id:
            forms.append((group, submitted[1]))
            continue
        forms.append((group, GroupWordingForm(
            prefix=f"group-{group.id}", formdata=None, salutation=group.letter_salutation,
            note=group.letter_note, closing=group.letter_closing)))
    return forms


def _refused_wording(statement: Statement, group: DemandGroup,
                     form: GroupWordingForm) -> tuple[str, int]:
    return render_template("letters/voice.html", statement=statement,
                           form=LetterVoiceForm(obj=statement, formdata=None),
                           group_forms=_group_forms(statement, (group.id, form))), 400


@bp.post("/<slug>/letters/voice/group/<int:group_id>")
@login_required
def group_wording(slug: str, group_id: int) -> Response | tuple[str, int]:
    statement = team_statement_or_404(slug)
    group = _or_404(services.find_group(statement, group_id))
    form = GroupWordingForm(prefix=f"group-{group.id}")
    if not form.validate_on_submit():
        return _refused_wording(statement, group, form)
    try:
        services.set_group_wording(group, salutation=form.salutation.data,
                                   note=form.note.data, closing=form.closing.data)
    except services.LetterError as error:
        show_error(form, error)
        return _refused_wording(statement, group, form)
    db.session.commit()
    flash(_("Saved: the letter's words to the addressees of group %(number)d.",
            number=statement.demand_groups.index(group) + 1))
    return redirect(url_for(".voice", slug=slug))


# --- Following up ---------------------------------------------------------------------


def _letter(slug: str, letter_id: int) -> tuple[Statement, Letter]:
    statement = team_statement_or_404(slug)
    return statement, _or_404(services.find_letter(statement, letter_id))


@bp.route("/<slug>/letters/<int:letter_id>/retry", methods=["GET", "POST"])
@login_required
def retry(slug: str, letter_id: int) -> Response | tuple[str, int] | str:
    """A failed letter sent again, confirmed on the same page as any sending."""
    statement, letter = _letter(slug, letter_id)
    try:
        if request.method == "GET":
            return _confirmation(statement, services.summarize_retry(letter), retrying=letter)
        report = services.retry_letter(letter, shown=_confirmed(), by=current_user)
    except services.RecipientsChanged as changed:
        return _confirmation(statement, changed.summary, refused=changed, retrying=letter), 409
    except services.LetterError as error:
        flash(str(error))
        return _to_letters(statement)
    db.session.commit()
    _tell(report)
    return _to_letters(statement)


@bp.post("/<slug>/letters/<int:letter_id>/delivered")
@login_required
def delivered_by_hand(slug: str, letter_id: int) -> Response:
    statement, letter = _letter(slug, letter_id)
    try:
        services.mark_delivered_by_hand(letter)
    except services.LetterError as error:
        flash(str(error))
        return _to_letters(statement)
    db.session.commit()
    flash(_("The letter to %(name)s is marked as delivered by hand.",
            name=letter.addressee_name))
    return _to_letters(statement)
