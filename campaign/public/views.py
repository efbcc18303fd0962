"""Public pages, one blueprint for each kind, whose names the endpoints keep: the list
of statements and each statement's page; signing and confirming (thin views over
campaign.signing.services); the signer's own page and one-click unsubscribe; the
machine-readable statement; the organizations' logos."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from werkzeug import Response

from campaign.abuse.limits import limited_by
from campaign.abuse.services import Client
from campaign.extensions import csrf, db
from campaign.form_tokens import form_token_required
from campaign.languages import current_language
from campaign.privacy.services import erase_signature, withdraw_signature
from campaign.public.services import (
    PublishedStatement,
    load_published_statement,
    load_statement_page,
)
from campaign.signing.first_signature import register_confirmation_mail, sign_first_time
from campaign.signing.forms import (
    INDIVIDUAL_FORM_PREFIX,
    IndividualSignatureForm,
    ManageSignatureForm,
    NameDisplayForm,
    OrganizationSignatureForm,
    SignerActionForm,
    quick_individual_submission,
)
from campaign.signing.logos import CONTENT_TYPE, shown_logo_path
from campaign.signing.models import IndividualSignature, NameDisplay, OrganizationSignature
from campaign.signing.services import (
    ConfirmationError,
    SigningError,
    confirm_signature,
    find_signature_to_confirm,
    sign_as_individual,
    sign_for_organization,
)
from campaign.signing.signer_links import Signature, signature_from_token
from campaign.signing.signer_services import (
    SignerActionError,
    ask_for_signer_links,
    change_name_display,
    register_signer_link_requests,
    set_wants_updates,
)
from campaign.statements.models import Statement
from campaign.statements.services import (
    get_statement,
    get_statement_by_sign_on_token,
    get_visible_statement,
    published_statements,
)

# --- The list of statements and each statement's page -----------------------------
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



# --- Signing and confirming --------------------------------------------------------
signing_bp = Blueprint("signing", __name__)

_CONFIRMED = "undersigned.confirmed"


@signing_bp.record_once
def _register_mail(state: BlueprintSetupState) -> None:
    register_confirmation_mail()
    register_signer_link_requests()


# The statement page's forms carry CSRF tokens that need no session (campaign.
# form_tokens): each view that takes one checks it first, as CSRFProtect, told to leave
# these views alone, would check the session's. Signing's rate limits are consulted
# by the abuse defences (hold_reason_for), which hold rather than refuse, so the view
# takes no Flask-Limiter limit (see campaign.signing.first_signature for the rest of
# the path's shape).
@signing_bp.post("/s/<slug>/sign")
@csrf.exempt
@form_token_required(f"{INDIVIDUAL_FORM_PREFIX}-csrf_token")
def sign(slug: str) -> Response | tuple[str, int]:
    # The common case, a valid first signature, in one round trip and without the form.
    submission = quick_individual_submission(request.form)
    # One client for both paths: the defences' verdict on it is counted once. A
    # submission the quick check refuses, the form refuses too, honeypot or not.
    client = Client.of_request(honeypot_filled=bool(submission and submission.honeypot_filled))
    if submission is not None and sign_first_time(slug, submission.request, client):
        # On PostgreSQL the signature was a transaction of its own and the request need
        # not have opened a session (making one to commit nothing costs 0.05 ms); in
        # the embedded mode it is in the request's transaction, committed here.
        if db.session.registry.has():
            db.session.commit()
        return redirect(url_for(".check_email", slug=slug))
    # Anything else: the form says what is wrong, and the full path decides.
    statement = visible_statement_or_404(slug)
    form = IndividualSignatureForm(prefix=INDIVIDUAL_FORM_PREFIX)
    if not form.validate_on_submit():
        return render_statement_page(statement, individual_form=form, status=400)
    try:
        sign_as_individual(statement, form.to_request(), client=client)
    except SigningError as error:
        form.form_errors.append(str(error))
        return render_statement_page(statement, individual_form=form, status=400)
    db.session.commit()
    return redirect(url_for(".check_email", slug=slug))


def _without_logo() -> bool:
    upload = request.files.get("org-logo")
    return not (upload and upload.filename)


# Co-signing with a logo is limited per client on both forms together (the decoding
# costs: see LOGO_RATE_LIMIT); over it, the form answers 429 and nothing is kept.
_logo_limit = limited_by("LOGO_RATE_LIMIT", shared_as="logo-uploads",
                         exempt_when=_without_logo)


@signing_bp.post("/s/<slug>/cosign")
@csrf.exempt
@_logo_limit
@form_token_required("org-csrf_token")
def cosign(slug: str) -> Response | tuple[str, int]:
    statement = visible_statement_or_404(slug)
    form = OrganizationSignatureForm(prefix="org")
    if not form.validate_on_submit():
        return render_statement_page(statement, organization_form=form, status=400)
    try:
        sign_for_organization(statement, form.to_request(), client=_client(form))
    except SigningError as error:
        form.form_errors.append(str(error))
        return render_statement_page(statement, organization_form=form, status=400)
    db.session.commit()
    return redirect(url_for(".check_email", slug=slug, organization=1))


@signing_bp.post("/s/<slug>/private/<token>/cosign")
@csrf.exempt
@_logo_limit
@form_token_required("org-csrf_token")
def private_cosign(slug: str, token: str) -> Response | tuple[str, int]:
    """Co-signing a draft through its private sign-on link."""
    statement = sign_on_statement_or_404(slug, token)
    form = OrganizationSignatureForm(prefix="org")
    if not form.validate_on_submit():
        return render_statement_page(statement, organization_form=form, status=400,
                                     sign_on_token=token)
    try:
        sign_for_organization(statement, form.to_request(), sign_on_token=token,
                              client=_client(form))
    except SigningError as error:
        form.form_errors.append(str(error))
        return render_statement_page(statement, organization_form=form, status=400,
                                     sign_on_token=token)
    db.session.commit()
    return redirect(url_for(".private_check_email", slug=slug, token=token))


def _client(form: IndividualSignatureForm | OrganizationSignatureForm) -> Client:
    return Client.of_request(honeypot_filled=form.honeypot_filled)


# Whatever happened (sent, held, nothing sent), the signer is shown this same page.
@signing_bp.get("/s/<slug>/check-your-email")
def check_email(slug: str) -> str:
    statement = visible_statement_or_404(slug)
    return render_template("public/check_email.html", statement=statement,
                           back_to=url_for("statements.show", slug=slug))


@signing_bp.get("/s/<slug>/private/<token>/check-your-email")
def private_check_email(slug: str, token: str) -> str:
    statement = sign_on_statement_or_404(slug, token)
    return render_template("public/check_email.html", statement=statement, organization=True,
                           back_to=url_for("statements.private", slug=slug, token=token))


# Following the link shows a button rather than confirming at once: mail scanners
# open links on their own, and a signature must not count because a machine did.
@signing_bp.get("/confirm/<token>")
def confirm(token: str) -> str | tuple[str, int]:
    try:
        signature = find_signature_to_confirm(token)
    except ConfirmationError as error:
        return render_template("public/confirm_failed.html", message=error.message), 400
    return render_template("public/confirm.html", signature=signature,
                           is_individual=isinstance(signature, IndividualSignature))


@signing_bp.post("/confirm/<token>")
@limited_by("CONFIRM_RATE_LIMIT")
def confirm_post(token: str) -> Response | tuple[str, int]:
    try:
        signature = confirm_signature(token, client=Client.of_request())
    except ConfirmationError as error:
        return render_template("public/confirm_failed.html", message=error.message), 400
    is_individual = isinstance(signature, IndividualSignature)
    # The slug lets the thanks page show a draft, co-signed through its private link,
    # to this signer alone. The signature is named by its id: the session cookie is
    # signed, not encrypted, and must not carry the signer's name.
    session[_CONFIRMED] = {
        "slug": signature.statement.slug,
        "individual": is_individual,
        "id": signature.id,
    }
    slug = signature.statement.slug
    db.session.commit()
    return redirect(url_for(".thanks", slug=slug))


@signing_bp.get("/s/<slug>/thanks")
def thanks(slug: str) -> str | Response:
    confirmed = session.pop(_CONFIRMED, None)
    if confirmed is None or confirmed.get("slug") != slug:
        return redirect(url_for("statements.show", slug=slug))
    statement = get_statement(slug)
    if statement is None:
        abort(404)
    individual = bool(confirmed.get("individual"))
    signature_id = confirmed.get("id")
    signature = (db.session.get(IndividualSignature if individual else OrganizationSignature,
                                signature_id) if isinstance(signature_id, int) else None)
    if signature is None or signature.statement_id != statement.id:
        # Erased in the moment between (or a session from before it named the
        # signature): the statement's page says what stands.
        return redirect(url_for("statements.show", slug=slug))
    shown_as = signature.public_name if individual else signature.name
    return render_template("public/thanks.html", statement=statement,
                           confirmed={"individual": individual, "shown_as": shown_as})



# --- The signer's own page and one-click unsubscribe, reached from links in e-mails --
# Thin views over campaign.signing.signer_services; the token in the address is the
# only key, so an unknown, altered or dead one (its signature erased) is a 404 that
# says the link no longer works, and nothing about why.
signer_bp = Blueprint("signer", __name__)

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


@signer_bp.get("/signer/<token>")
def page(token: str) -> tuple[str, int]:
    return _render_page(token, _signature_or_404(token))


@signer_bp.post("/signer/<token>/name")
@_signer_action_limit
def change_name(token: str) -> Response | tuple[str, int]:
    signature = _individual_or_404(token)
    form = NameDisplayForm()
    if not form.validate_on_submit():
        return _render_page(token, signature, form, status=400)
    try:
        change_name_display(signature, NameDisplay(form.name_display.data))
    except SignerActionError as error:
        # Withdrawn (in another tab): the page no longer shows this form, nor its errors.
        flash(str(error))
        return _back_to_page(token)
    db.session.commit()
    flash(_("Saved: your name is now shown as you chose."))
    return _back_to_page(token)


@signer_bp.post("/signer/<token>/updates/<any(on, off):choice>")
@_signer_action_limit
def updates(token: str, choice: str) -> Response:
    signature = _signature_or_404(token)
    if not SignerActionForm().validate_on_submit():
        abort(400)
    try:
        set_wants_updates(signature, choice == "on")
    except SignerActionError as error:
        flash(str(error))
        return _back_to_page(token)
    db.session.commit()
    flash(_("Saved: we will send you updates about this statement.") if choice == "on"
          else _("Saved: we will not send you updates about this statement."))
    return _back_to_page(token)


@signer_bp.get("/signer/<token>/withdraw")
def confirm_withdraw(token: str) -> str:
    _individual_or_404(token)
    return render_template(
        "confirm_action.html", layout="base.html",
        heading=_("Withdraw your signature?"),
        explanation=_("Your signature leaves the list and the counts, the letters to the "
                      "addressees and every mailing."),
        action=url_for(".withdraw", token=token), button=_("Withdraw my signature"),
        back=url_for(".page", token=token))


@signer_bp.get("/signer/<token>/erase")
def confirm_erase(token: str) -> str:
    _signature_or_404(token)
    return render_template(
        "confirm_action.html", layout="base.html", heading=_("Erase your data?"),
        explanation=_("We delete the signature with its name and e-mail address."),
        action=url_for(".erase", token=token), button=_("Erase my data"),
        back=url_for(".page", token=token))


@signer_bp.post("/signer/<token>/withdraw")
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


@signer_bp.post("/signer/<token>/erase")
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


@signer_bp.get("/unsubscribe/<token>")
def unsubscribe(token: str) -> str:
    signature = _signature_or_404(token)
    return render_template("public/unsubscribe.html", signature=signature, done=False)


# RFC 8058 one-click: a mail client posts "List-Unsubscribe=One-Click" with no
# session and no cookie, so there is no CSRF token to check; the signed token in the
# address is the authority, and the only thing it can do is stop mail.
@signer_bp.post("/unsubscribe/<token>")
@csrf.exempt
@limited_by("UNSUBSCRIBE_RATE_LIMIT")
def unsubscribe_post(token: str) -> str:
    signature = _signature_or_404(token)
    set_wants_updates(signature, False)
    db.session.commit()
    return render_template("public/unsubscribe.html", signature=signature, done=True)


@signer_bp.post("/s/<slug>/manage")
@csrf.exempt
@form_token_required("manage-csrf_token")
@limited_by("RESEND_RATE_LIMIT")
def send_link(slug: str) -> Response | tuple[str, int]:
    statement = visible_statement_or_404(slug)
    form = ManageSignatureForm(prefix="manage")
    if not form.validate_on_submit():
        return render_statement_page(statement, manage_form=form, status=400)
    # A filled honeypot gets the same answer as anyone, and nothing is sent.
    if not form.honeypot_filled:
        ask_for_signer_links(statement, form.email.data)
        db.session.commit()
    return redirect(url_for(".link_sent", slug=slug))


@signer_bp.get("/s/<slug>/manage/sent")
def link_sent(slug: str) -> str:
    statement = visible_statement_or_404(slug)
    return render_template("public/link_sent.html", statement=statement)



# --- The machine-readable statement: only what the public page shows, never an e-mail
api_bp = Blueprint("api", __name__, url_prefix="/api/v1")


@api_bp.get("/statements/<slug>")
def statement(slug: str) -> Response:
    """`?lang=uk`: the official Ukrainian translation's texts; without it, or for a
    language with none, the statement's own language (the document says which)."""
    statement = visible_statement_or_404(slug)
    language = request.args.get("lang")
    return jsonify(statement_document(load_published_statement(statement, language or "",
                                                               statement.language)))


def statement_document(page: PublishedStatement) -> dict[str, Any]:
    statement = page.statement
    text = page.text
    return {
        "slug": statement.slug,
        "language": text.language,
        "source_language": text.source_language,
        "languages": page.languages,
        "title": text.title.text,
        "lead_markdown": text.body.text,
        "status": statement.status.value,
        "date": statement.statement_date.isoformat() if statement.statement_date else None,
        "open_for_signing": statement.is_open_for_signing,
        "signing_deadline": statement.signing_deadline.isoformat()
        if statement.signing_deadline else None,
        "time_zone": statement.time_zone,
        "delivery_date": statement.delivery_date.isoformat() if statement.delivery_date else None,
        "demand_groups": [
            {
                "addressees": [{"name": text.addressee(addressee).text}
                               for addressee in group_text.group.addressees],
                "intro": group_text.intro.text,
                "demands": [demand.text for demand in group_text.demands],
            }
            for group_text in text.groups
        ],
        "organizations": [
            {
                "name": organization.shown_name,
                "country": organization.country,
                "type": organization.organization_type.value
                if organization.organization_type else None,
                "website": organization.website,
            }
            for organization in page.organizations
        ],
        "counts": {
            "organizations": page.counts.organizations,
            "individuals": page.counts.individuals,
        },
    }



# --- Organizations' logos, served from the app's own store (campaign.signing.logos) --
logos_bp = Blueprint("logos", __name__)

LOGO_CACHE_SECONDS = 3600


@logos_bp.get("/logos/<name>", endpoint="show")
def logo(name: str) -> Response:
    path = shown_logo_path(name)
    if path is None:
        abort(404)
    # The type is the one the store wrote, never one guessed from the upload; the
    # download name keeps a browser from offering anything else. Kept by caches an
    # hour, not for ever though its name is its digest: a logo the coordinators take
    # away as unfit, or an organization's that erased its co-signature, must stop
    # being served soon (a revalidation is a 304, by its ETag).
    response = send_file(path, mimetype=CONTENT_TYPE, max_age=LOGO_CACHE_SECONDS,
                         conditional=True, download_name=name)
    response.headers["Cache-Control"] = f"public, max-age={LOGO_CACHE_SECONDS}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    return response
