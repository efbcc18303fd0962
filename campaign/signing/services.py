"""Signing a statement: as an individual or for an organization, confirmed by e-mail.

Whatever the case, the signer is told the same thing on the page ("check your
e-mail") and the e-mail says what happened, so someone who tries the form with a
journalist's address learns nothing about whether that person signed.
"""

from __future__ import annotations

import enum
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from campaign.abuse.domains import email_domain
from campaign.abuse.services import hold_reason_for, hold_signature
from campaign.database import insert_unless_present
from campaign.extensions import db
from campaign.outbox.services import queue_email
from campaign.signing.models import (
    HoldReason,
    IndividualSignature,
    IndividualStatus,
    NameDisplay,
    OrganizationSignature,
    OrganizationStatus,
    OrganizationType,
    TallyKind,
    hash_token,
    new_confirmation_token,
)
from campaign.signing.signer_links import signer_page_url
from campaign.signing.tally import add_to_tally
from campaign.signing.validation import name_key, normalize_email, normalize_name
from campaign.statements.models import Statement, StatementStatus

Signature = IndividualSignature | OrganizationSignature


class SigningError(Exception):
    """A rule of signing was broken; the message is fit to show the signer."""


class SigningOutcome(enum.Enum):
    CONFIRMATION_SENT = "confirmation_sent"
    ALREADY_SIGNED_NOTICE_SENT = "already_signed_notice_sent"
    # We wrote to this address moments ago; another e-mail now would only flood the
    # inbox (or let a stranger use our form to do so).
    NOTHING_SENT_RECENTLY_MAILED = "recently_mailed"
    # Held as suspected, or already judged not genuine: stored, not counted, not mailed.
    HELD = "held"


@dataclass(frozen=True)
class IndividualSignatureRequest:
    name: str
    email: str
    country: str
    name_display: NameDisplay
    wants_updates: bool


@dataclass(frozen=True)
class OrganizationSignatureRequest:
    name: str
    country: str
    organization_type: OrganizationType
    website: str | None
    contact_name: str
    contact_email: str
    authorized_to_sign: bool


def _check_open_for_signing(statement: Statement, sign_on_token: str | None = None) -> None:
    """A published statement takes signatures; a draft only from organizations that
    hold its private sign-on link."""
    if statement.is_open_for_signing or holds_sign_on_link(statement, sign_on_token):
        return
    raise SigningError(_("This statement is not open for signing."))


def holds_sign_on_link(statement: Statement, sign_on_token: str | None) -> bool:
    return bool(
        statement.status is StatementStatus.DRAFT
        and statement.sign_on_token
        and sign_on_token
        and hmac.compare_digest(statement.sign_on_token, sign_on_token)
    )


def sign_as_individual(
    statement: Statement, request: IndividualSignatureRequest
) -> SigningOutcome:
    _check_open_for_signing(statement)
    email = normalize_email(request.email)
    return _sign(
        IndividualSignature,
        {"statement_id": statement.id, "email": email},
        {"name": normalize_name(request.name), "country": request.country,
         "name_display": request.name_display, "wants_updates": request.wants_updates,
         "email_domain": email_domain(email)},
        email,
        lambda signature: _mail(email, signature, "already_signed", _(
            "You have already signed: %(title)s", title=statement.title)),
        hold_reason_for(statement.id, email=email),
    )


def sign_for_organization(
    statement: Statement, request: OrganizationSignatureRequest,
    *, sign_on_token: str | None = None,
) -> SigningOutcome:
    """``sign_on_token`` is the one in the private link the organization followed, if
    it co-signs a draft before launch."""
    _check_open_for_signing(statement, sign_on_token)
    if not request.authorized_to_sign:
        raise SigningError(_("Only someone authorized to sign for the organization may do so."))
    contact_email = normalize_email(request.contact_email)
    name = normalize_name(request.name)
    return _sign(
        OrganizationSignature,
        {"statement_id": statement.id, "name_key": name_key(name)},
        {"name": name, "country": request.country,
         "organization_type": request.organization_type, "website": request.website or None,
         "contact_name": normalize_name(request.contact_name), "contact_email": contact_email,
         "authorized_to_sign": True, "email_domain": email_domain(contact_email)},
        contact_email,
        # Whoever asks is told where the organization stands; the contact who signed
        # first is neither replaced nor revealed.
        lambda signature: _mail(contact_email, signature, "organization_already_signed", _(
            "%(organization)s has already co-signed: %(title)s",
            organization=signature.name, title=statement.title)),
        hold_reason_for(statement.id, email=contact_email),
    )


def _sign(
    model: type[Signature],
    identity: dict[str, Any],
    details: dict[str, Any],
    confirm_to: str,
    mail_already_signed: Callable[[Any], None],
    hold: HoldReason | None = None,
) -> SigningOutcome:
    """IDENTITY is what makes two submissions one signer (a unique constraint);
    DETAILS are what the signer typed."""
    if hold is not None:
        hold_signature(model, identity, details, hold)
        return SigningOutcome.HELD
    token = new_confirmation_token()
    # One statement for the common case, a first signature: the unique constraint,
    # not a read before, decides between two requests for the same signer, and the
    # one that loses waits for the winner's commit and then finds its row below.
    signature = db.session.scalars(
        insert_unless_present(model, identity)
        .values(**identity, **details, **token.columns(_link_lifetime()))
        .returning(model)
    ).one_or_none()
    if signature is not None:
        _mail_confirmation(signature, confirm_to, token.value)
        return SigningOutcome.CONFIRMATION_SENT

    signature = db.session.scalars(select(model).filter_by(**identity)).one()
    # A held or invalidated signature (of either kind: the values are shared) is not
    # brought back by signing again.
    if signature.status in (IndividualStatus.SUSPECTED, IndividualStatus.INVALIDATED):
        return SigningOutcome.HELD
    if signature.mailed_within(_resend_interval()):
        return SigningOutcome.NOTHING_SENT_RECENTLY_MAILED
    if isinstance(signature, IndividualSignature) and (
            signature.status is IndividualStatus.WITHDRAWN):
        # Someone who withdrew and signs again starts over: confirming counts them anew.
        signature.status = IndividualStatus.UNCONFIRMED
        signature.confirmed_at = None
        signature.withdrawn_at = None
    if signature.is_confirmed:
        signature.note_mailed()
        mail_already_signed(signature)
        return SigningOutcome.ALREADY_SIGNED_NOTICE_SENT
    # An unconfirmed signature takes the latest details: what the signer confirms is
    # what they asked for last.
    for name, value in details.items():
        setattr(signature, name, value)
    _mail_confirmation(signature, confirm_to, signature.issue_confirmation_token(_link_lifetime()))
    return SigningOutcome.CONFIRMATION_SENT


class ConfirmationError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def find_signature_to_confirm(token: str, *, for_update: bool = False) -> Signature:
    """The signature a confirmation link is for, or a ConfirmationError saying
    plainly why the link cannot be used. Locked for update when about to confirm, so
    that two clicks at once count the signature once."""
    token_hash = hash_token(token)
    for model in (IndividualSignature, OrganizationSignature):
        query = select(model).where(model.confirmation_token_hash == token_hash)
        signature = db.session.scalars(
            query.with_for_update() if for_update else query
        ).one_or_none()
        if signature is not None:
            if signature.confirmation_expired():
                raise ConfirmationError(_(
                    "This confirmation link has expired. Sign again with the same e-mail "
                    "address and we will send you a new one."))
            return signature
    raise ConfirmationError(_(
        "This confirmation link is not valid: it has been used already, or a newer "
        "link replaced it. If you signed, your latest e-mail from us has the link to use."))


def confirm_signature(token: str) -> Signature:
    signature = find_signature_to_confirm(token, for_update=True)
    signature.mark_confirmed()
    if isinstance(signature, IndividualSignature):
        signature.status = IndividualStatus.CONFIRMED
        add_to_tally(signature.statement_id, TallyKind.INDIVIDUALS)
    else:
        # An organization is listed only once a coordinator approves it.
        signature.status = OrganizationStatus.AWAITING_APPROVAL
    return signature


def _mail_confirmation(signature: Signature, to: str, token: str) -> None:
    _mail(to, signature, "confirm_signature",
          _("Please confirm your signature: %(title)s", title=signature.statement.title),
          token=token, link_valid_hours=current_app.config["CONFIRMATION_LINK_MAX_AGE_HOURS"])


def _mail(to: str, signature: Signature, template: str, subject: str, **extra: Any) -> None:
    organization = signature if isinstance(signature, OrganizationSignature) else None
    queue_email(
        to=to,
        subject=subject,
        template=template,
        context={
            "statement_title": signature.statement.title,
            "statement_slug": signature.statement.slug,
            "signer_name": organization.contact_name if organization else signature.name,
            "organization_name": organization.name if organization else None,
            "organization_status": organization.status.value if organization else None,
            # Every e-mail about a signature leads to the signer's own page.
            "signer_page_url": signer_page_url(signature),
            **extra,
        },
    )


def _link_lifetime() -> timedelta:
    return timedelta(hours=current_app.config["CONFIRMATION_LINK_MAX_AGE_HOURS"])


def _resend_interval() -> timedelta:
    return timedelta(minutes=current_app.config["CONFIRMATION_RESEND_MINUTES"])
