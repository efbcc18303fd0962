"""Signing and confirming: thin views over campaign.signing.services."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_wtf.csrf import CSRFError, validate_csrf
from werkzeug import Response
from wtforms import ValidationError

from campaign.abuse.limits import limited_by
from campaign.abuse.services import Client
from campaign.extensions import csrf, db, limiter
from campaign.public.views import (
    render_statement_page,
    sign_on_statement_or_404,
    visible_statement_or_404,
)
from campaign.signing.first_signature import register_confirmation_mail, sign_first_time
from campaign.signing.forms import (
    INDIVIDUAL_FORM_PREFIX,
    IndividualSignatureForm,
    OrganizationSignatureForm,
    quick_individual_submission,
)
from campaign.signing.logos import store_logo
from campaign.signing.models import IndividualSignature
from campaign.signing.services import (
    ConfirmationError,
    SigningError,
    confirm_signature,
    find_signature_to_confirm,
    sign_as_individual,
    sign_for_organization,
)
from campaign.statements.services import get_statement

bp = Blueprint("signing", __name__)

_CONFIRMED = "undersigned.confirmed"


@bp.record_once
def _register_mail(state: BlueprintSetupState) -> None:
    register_confirmation_mail()


# The form's CSRF token is checked here, once, as CSRFProtect would before the view,
# rather than by CSRFProtect and by the form again; and the rate limits are consulted
# by the abuse defences (hold_reason_for), which hold rather than refuse, so
# Flask-Limiter has nothing to check before the view (see campaign.signing.
# first_signature for the rest of the path's shape).
@bp.post("/s/<slug>/sign")
@csrf.exempt
@limiter.exempt
def sign(slug: str) -> Response | tuple[str, int]:
    _check_csrf_token()
    # The common case, a valid first signature, in one round trip and without the form.
    submission = quick_individual_submission(request.form)
    # One client for both paths: the defences' verdict on it is counted once. A
    # submission the quick check refuses, the form refuses too, honeypot or not.
    client = Client.of_request(honeypot_filled=bool(submission and submission.honeypot_filled))
    if submission is not None and sign_first_time(slug, submission.request, client):
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


@bp.post("/s/<slug>/cosign")
def cosign(slug: str) -> Response | tuple[str, int]:
    statement = visible_statement_or_404(slug)
    form = OrganizationSignatureForm(prefix="org")
    if not form.validate_on_submit():
        return render_statement_page(statement, organization_form=form, status=400)
    try:
        sign_for_organization(statement, form.to_request(logo=_stored_logo(form)),
                              client=_client(form))
    except SigningError as error:
        form.form_errors.append(str(error))
        return render_statement_page(statement, organization_form=form, status=400)
    db.session.commit()
    return redirect(url_for(".check_email", slug=slug, organization=1))


@bp.post("/s/<slug>/private/<token>/cosign")
def private_cosign(slug: str, token: str) -> Response | tuple[str, int]:
    """Co-signing a draft through its private sign-on link."""
    statement = sign_on_statement_or_404(slug, token)
    form = OrganizationSignatureForm(prefix="org")
    if not form.validate_on_submit():
        return render_statement_page(statement, organization_form=form, status=400,
                                     sign_on_token=token)
    try:
        sign_for_organization(statement, form.to_request(logo=_stored_logo(form)),
                              sign_on_token=token, client=_client(form))
    except SigningError as error:
        form.form_errors.append(str(error))
        return render_statement_page(statement, organization_form=form, status=400,
                                     sign_on_token=token)
    db.session.commit()
    return redirect(url_for(".private_check_email", slug=slug, token=token))


def _check_csrf_token() -> None:
    if not current_app.config["WTF_CSRF_ENABLED"]:
        return
    try:
        validate_csrf(request.form.get(f"{INDIVIDUAL_FORM_PREFIX}-csrf_token"))
    except ValidationError as error:
        raise CSRFError(error.args[0]) from error


def _stored_logo(form: OrganizationSignatureForm) -> str | None:
    # Written before the signature is committed: a row never names a missing file,
    # and a file no row names is swept later (campaign.signing.logos).
    return store_logo(form.prepared_logo) if form.prepared_logo else None


def _client(form: IndividualSignatureForm | OrganizationSignatureForm) -> Client:
    return Client.of_request(honeypot_filled=form.honeypot_filled)


# Whatever happened (sent, held, nothing sent), the signer is shown this same page.
@bp.get("/s/<slug>/check-your-email")
def check_email(slug: str) -> str:
    statement = visible_statement_or_404(slug)
    return render_template("public/check_email.html", statement=statement,
                           back_to=url_for("statements.show", slug=slug))


@bp.get("/s/<slug>/private/<token>/check-your-email")
def private_check_email(slug: str, token: str) -> str:
    statement = sign_on_statement_or_404(slug, token)
    return render_template("public/check_email.html", statement=statement, organization=True,
                           back_to=url_for("statements.private", slug=slug, token=token))


# Following the link shows a button rather than confirming at once: mail scanners
# open links on their own, and a signature must not count because a machine did.
@bp.get("/confirm/<token>")
def confirm(token: str) -> str | tuple[str, int]:
    try:
        signature = find_signature_to_confirm(token)
    except ConfirmationError as error:
        return render_template("public/confirm_failed.html", message=error.message), 400
    return render_template("public/confirm.html", signature=signature,
                           is_individual=isinstance(signature, IndividualSignature))


@bp.post("/confirm/<token>")
@limited_by("CONFIRM_RATE_LIMIT")
def confirm_post(token: str) -> Response | tuple[str, int]:
    try:
        signature = confirm_signature(token)
    except ConfirmationError as error:
        return render_template("public/confirm_failed.html", message=error.message), 400
    is_individual = isinstance(signature, IndividualSignature)
    # The slug lets the thanks page show a draft, co-signed through its private link,
    # to this signer alone.
    session[_CONFIRMED] = {
        "slug": signature.statement.slug,
        "individual": is_individual,
        "shown_as": signature.public_name if is_individual else signature.name,
    }
    slug = signature.statement.slug
    db.session.commit()
    return redirect(url_for(".thanks", slug=slug))


@bp.get("/s/<slug>/thanks")
def thanks(slug: str) -> str | Response:
    confirmed = session.pop(_CONFIRMED, None)
    if confirmed is None or confirmed.get("slug") != slug:
        return redirect(url_for("statements.show", slug=slug))
    statement = get_statement(slug)
    if statement is None:
        abort(404)
    return render_template("public/thanks.html", statement=statement, confirmed=confirmed)
