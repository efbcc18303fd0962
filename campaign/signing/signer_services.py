"""What a signer may do with their own signature, from the page their e-mails link to:
choose how their name is shown, stop or start updates, withdraw, or erase it.

Withdrawing keeps the row (marked WITHDRAWN) so the signer can still see and erase it;
it is out of the lists, the counts, the letters, the exports and every mailing, which
all select confirmed (or approved) signatures only. Erasing deletes: the signature's
row goes, and so does the signer's address from the outbox (see `erase_signature`).
An organization's contact erases the co-signature rather than withdrawing it: an
organization that backs out has no name to hide and nothing else to keep.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, update

from campaign.database import utcnow
from campaign.extensions import db
from campaign.languages import in_language
from campaign.moderation.models import ModerationAction
from campaign.outbox.models import OutboxMessage, OutboxStatus
from campaign.outbox.services import forget_messages, queue_email
from campaign.signing.models import (
    UNMAILED_INDIVIDUAL_STATUSES,
    UNMAILED_ORGANIZATION_STATUSES,
    IndividualSignature,
    IndividualStatus,
    NameDisplay,
    OrganizationSignature,
    OrganizationStatus,
    TallyKind,
)
from campaign.signing.services import claim_mailing
from campaign.signing.signer_links import signer_page_url
from campaign.signing.tally import add_to_tally
from campaign.signing.validation import canonical_email
from campaign.statements.models import Statement

Signature = IndividualSignature | OrganizationSignature

class SignerActionError(Exception):
    """The action cannot be done; the message is fit to show the signer."""


def signer_address(signature: Signature) -> str | None:
    if isinstance(signature, IndividualSignature):
        return signature.email
    return signature.contact_email


def counts_publicly(signature: Signature) -> bool:
    if isinstance(signature, IndividualSignature):
        return signature.status is IndividualStatus.CONFIRMED
    return signature.status is OrganizationStatus.APPROVED


def change_name_display(signature: IndividualSignature, display: NameDisplay) -> None:
    if signature.status is IndividualStatus.WITHDRAWN:
        raise SignerActionError(_("You have withdrawn this signature: its name is not shown."))
    signature.name_display = display


def set_wants_updates(signature: Signature, wants_updates: bool) -> None:
    signature.wants_updates = wants_updates


def withdraw_signature(signature: IndividualSignature) -> None:
    """Out of the public list and the counts, and of every mailing from now on; mail
    about this statement not yet sent to the signer is cancelled."""
    if signature.status is IndividualStatus.WITHDRAWN:
        raise SignerActionError(_("You have already withdrawn this signature."))
    if signature.status is IndividualStatus.CONFIRMED:
        add_to_tally(signature.statement_id, TallyKind.INDIVIDUALS, -1)
    signature.status = IndividualStatus.WITHDRAWN
    signature.withdrawn_at = utcnow()
    signature.wants_updates = False
    # An unconfirmed signature must not become public through an old link.
    signature.confirmation_token_hash = None
    signature.confirmation_expires_at = None
    for message in _messages_about(signature, pending_only=True):
        if message.template != "signer_link":
            message.status = OutboxStatus.CANCELLED


def erase_signature(signature: Signature) -> None:
    """Delete the signature and the signer's address: the row goes (and its count, if it
    counted); the mail to the signer about this statement, and the mail to others that
    names the organization, is forgotten (campaign.outbox.services.forget_messages:
    waiting mail deleted, the record of sent mail kept without address, subject,
    context or error). The moderation
    log keeps that an action happened, but not on whom: its link to the signature is
    cleared, and so is its detail (a renamed name, a reason for rejecting).

    When the signer has no other signature anywhere, every e-mail to the address is
    treated so; otherwise only those about this statement, which belong to this one."""
    if counts_publicly(signature):
        kind = TallyKind.INDIVIDUALS if isinstance(signature, IndividualSignature) \
            else TallyKind.ORGANIZATIONS
        add_to_tally(signature.statement_id, kind, -1)
    column = ModerationAction.individual_signature_id \
        if isinstance(signature, IndividualSignature) \
        else ModerationAction.organization_signature_id
    db.session.execute(update(ModerationAction).where(column == signature.id)
                       .values({column: None, ModerationAction.detail: ""})
                       .execution_options(synchronize_session=False))
    everything = not _has_other_signature(signature)
    forget_messages({*_messages_about(signature, pending_only=False, everything=everything),
                     *_messages_naming(signature)})
    db.session.delete(signature)
    db.session.flush()


def _messages_naming(signature: Signature) -> list[OutboxMessage]:
    """Mail to others about this statement that names the organization ("… has
    already co-signed", to whoever tried to sign for it again)."""
    if not isinstance(signature, OrganizationSignature):
        return []
    return list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.context["statement_slug"].as_string() == signature.statement.slug,
        OutboxMessage.context["organization_name"].as_string().in_(
            {signature.name, signature.shown_name}))))


def _has_other_signature(signature: Signature) -> bool:
    address = signer_address(signature)
    others = [
        select(IndividualSignature.id).where(IndividualSignature.email == address),
        select(OrganizationSignature.id).where(OrganizationSignature.contact_email == address),
    ]
    ids = {(model, found) for model, query in zip(
        (IndividualSignature, OrganizationSignature), others, strict=True)
        for found in db.session.scalars(query)}
    return bool(ids - {(type(signature), signature.id)})


def _messages_about(signature: Signature, *, pending_only: bool,
                    everything: bool = False) -> list[OutboxMessage]:
    address = signer_address(signature)
    if address is None:
        return []
    query = select(OutboxMessage).where(OutboxMessage.to_address == address)
    if pending_only:
        query = query.where(OutboxMessage.status == OutboxStatus.PENDING)
    messages = list(db.session.scalars(query))
    if everything:
        return messages
    slug = signature.statement.slug
    return [message for message in messages if _is_about(message, slug, signature.statement_id)]


def _is_about(message: OutboxMessage, slug: str, statement_id: int) -> bool:
    context: dict[str, Any] = message.context or {}
    if context.get("statement_slug") == slug:
        return True
    if message.update_id is not None:
        from campaign.updates.models import Update

        update_row = db.session.get(Update, message.update_id)
        return update_row is not None and update_row.statement_id == statement_id
    return False


def send_signer_links(statement: Statement, email: str) -> int:
    """E-mail the link to their page to whoever signed this statement with this
    address (as an individual, or as an organization's contact); how many e-mails were
    queued. The caller answers the same whatever this returns: whether an address
    signed is nobody's business but its owner's. A signer written to moments ago gets
    nothing more, so the form cannot be used to flood an inbox.

    Any spelling of the signer's mailbox finds the signature (see canonical_email);
    the link goes to the address the signature was made with. A held signature gets
    nothing: holding it means no e-mail goes to whatever address it names."""
    key = canonical_email(email)
    signatures: list[Signature] = [
        *db.session.scalars(select(IndividualSignature).where(
            IndividualSignature.statement_id == statement.id,
            IndividualSignature.email_key == key,
            IndividualSignature.status.not_in(UNMAILED_INDIVIDUAL_STATUSES))),
        *db.session.scalars(select(OrganizationSignature).where(
            OrganizationSignature.statement_id == statement.id,
            OrganizationSignature.contact_email_key == key,
            OrganizationSignature.status.not_in(UNMAILED_ORGANIZATION_STATUSES))),
    ]
    queued = 0
    for signature in signatures:
        address = signer_address(signature)
        if address is None or not claim_mailing(signature):
            continue
        organization = signature if isinstance(signature, OrganizationSignature) else None
        with in_language(signature.language):
            queue_email(
                to=address,
                subject=_("Your signature: %(title)s", title=statement.title),
                template="signer_link",
                context={
                    "statement_title": statement.title,
                    "statement_slug": statement.slug,
                    "signer_name": (organization.contact_name if organization
                                    else signature.name),
                    "organization_name": organization.name if organization else None,
                    "signer_page_url": signer_page_url(signature),
                },
            )
        queued += 1
    return queued

