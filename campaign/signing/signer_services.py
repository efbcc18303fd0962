"""What a signer may do with their own signature, from the page their e-mails link to:
choose how their name is shown, stop or start updates, and ask for the link again.
Withdrawing and erasing take personal data back: campaign.privacy.services."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from campaign.domain import DomainError
from campaign.extensions import db
from campaign.languages import in_language
from campaign.outbox.requests import ask_by_mail, register_answer
from campaign.outbox.services import queue_email
from campaign.signing.models import (
    UNMAILED_INDIVIDUAL_STATUSES,
    UNMAILED_ORGANIZATION_STATUSES,
    IndividualSignature,
    IndividualStatus,
    NameDisplay,
    OrganizationSignature,
)
from campaign.signing.services import claim_mailing
from campaign.signing.signer_links import signer_page_url
from campaign.statements.models import Statement
from campaign.text import canonical_email

Signature = IndividualSignature | OrganizationSignature

class SignerActionError(DomainError):
    """The action cannot be done; the message is fit to show the signer."""


def signer_address(signature: Signature) -> str | None:
    if isinstance(signature, IndividualSignature):
        return signature.email
    return signature.contact_email


def change_name_display(signature: IndividualSignature, display: NameDisplay) -> None:
    if signature.status is IndividualStatus.WITHDRAWN:
        raise SignerActionError(_("You have withdrawn this signature: its name is not shown."))
    signature.name_display = display


def set_wants_updates(signature: Signature, wants_updates: bool) -> None:
    """Stopping updates always works (one-click unsubscribe included). A withdrawn
    signature cannot ask for them again: it is written to no more, and its address
    is kept past the statement's close only for a signer who asked for updates."""
    if wants_updates and signature.status is IndividualStatus.WITHDRAWN:
        raise SignerActionError(_(
            "You have withdrawn this signature: it is not listed or counted, and we do not "
            "write to you about this statement."))
    signature.wants_updates = wants_updates


SIGNER_LINKS_REQUEST = "signer_links"


def ask_for_signer_links(statement: Statement, email: str) -> None:
    """The statement page's "send me my link": the worker answers it (send_signer_links),
    so that the request takes the same time whether or not the address signed."""
    ask_by_mail(SIGNER_LINKS_REQUEST, email, statement.id)


def register_signer_link_requests() -> None:
    def answer(statement_id: int | None, email: str) -> None:
        # The request goes with its statement (a foreign key, ON DELETE CASCADE).
        statement = db.session.get(Statement, statement_id) if statement_id else None
        if statement is not None:
            send_signer_links(statement, email)

    register_answer(SIGNER_LINKS_REQUEST, answer)


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

