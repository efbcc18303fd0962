"""Personal data kept no longer than needed, and taken back on request: the rules
behind the retention tasks, and a signer's withdrawal and erasure of their signature.

Two periods, both settings (see config.py and the privacy page):
- a signature never confirmed (individual or organization; held ones included) is deleted
  UNCONFIRMED_SIGNATURE_DAYS after it was made, with the mail still waiting to go
  to it; the record of mail already sent to it keeps no address;
- EMAIL_RETENTION_DAYS_AFTER_CLOSE after a statement closes, the e-mail address of
  every individual who did not ask for updates is erased: nobody will write to them
  about this statement again. The column is NOT NULL and unique per statement, so
  the address is replaced by `erased:<id>` (ERASED), which is lower-case (the CHECK holds),
  unique, and no address at all (the outbox refuses to send to it);
- CLIENT_DATA_RETENTION_DAYS after a signature was made, what the abuse defences kept
  of the client that made it (the keyed hash of its address and its network prefix)
  is cleared, and so are the networks and e-mail domains the coordinators' digests
  named from those days: the limits and the trending view look at the last hours only.

Services only: the worker's tasks commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, delete, or_, select, update

from campaign.database import utcnow
from campaign.digests.services import forget_client_data as forget_digest_client_data
from campaign.extensions import db
from campaign.moderation.models import ModerationAction
from campaign.outbox.models import WAITING_STATUSES, OutboxMessage, OutboxStatus
from campaign.outbox.requests import forget_mail_requests
from campaign.signing.logos import forget_logo
from campaign.signing.models import (
    NEVER_CONFIRMED_INDIVIDUAL_STATUSES,
    NEVER_CONFIRMED_ORGANIZATION_STATUSES,
    IndividualSignature,
    IndividualStatus,
    OrganizationSignature,
    SignatureStatusError,
    TallyKind,
)
from campaign.signing.services import ORGANIZATION_SIGNATURE_ID
from campaign.signing.signer_services import SignerActionError, signer_address
from campaign.signing.tally import add_to_tally
from campaign.statements.models import Statement, StatementStatus
from campaign.updates.models import Update

# What a kept record says instead of the personal data it held: the address and
# subject of a message, and (as `erased:<id>`, unique per statement) a signature's.
ERASED = "erased"
# How far ahead of UTC the first clock on earth is (Kiribati, UTC+14).
FURTHEST_AHEAD_OF_UTC = timedelta(hours=14)

Signature = IndividualSignature | OrganizationSignature


@dataclass(frozen=True)
class RetentionReport:
    individuals: int = 0
    organizations: int = 0
    messages_deleted: int = 0
    messages_scrubbed: int = 0


def delete_expired_unconfirmed(now: datetime) -> RetentionReport:
    """Delete the signatures never confirmed and made more than the period before
    `now`, and the mail waiting to go to them about their statement."""
    cutoff = now - timedelta(days=current_app.config["UNCONFIRMED_SIGNATURE_DAYS"])
    individuals = db.session.execute(
        select(IndividualSignature.id, IndividualSignature.email, Statement.id, Statement.slug)
        .join(Statement, IndividualSignature.statement_id == Statement.id)
        .where(_never_confirmed(IndividualSignature, NEVER_CONFIRMED_INDIVIDUAL_STATUSES),
               IndividualSignature.created_at < cutoff,
               _no_working_link(IndividualSignature, now))
    ).all()
    organizations = db.session.execute(
        select(OrganizationSignature.id, OrganizationSignature.contact_email, Statement.id,
               Statement.slug)
        .join(Statement, OrganizationSignature.statement_id == Statement.id)
        .where(_never_confirmed(OrganizationSignature, NEVER_CONFIRMED_ORGANIZATION_STATUSES),
               OrganizationSignature.created_at < cutoff,
               _no_working_link(OrganizationSignature, now))
    ).all()
    deleted = scrubbed = 0
    for _id, address, statement_id, slug in [*individuals, *organizations]:
        if address is None:
            continue
        d, s = _forget_mail_to(address, statement_id, slug)
        deleted, scrubbed = deleted + d, scrubbed + s
    _delete_ids(IndividualSignature, [row[0] for row in individuals])
    _delete_ids(OrganizationSignature, [row[0] for row in organizations])
    return RetentionReport(len(individuals), len(organizations), deleted, scrubbed)


def _never_confirmed(model: type[IndividualSignature] | type[OrganizationSignature],
                     statuses: frozenset[Any]) -> Any:
    """Rows no one ever confirmed: those waiting, held, and those invalidated before
    anyone confirmed them, whose addresses someone else may have typed (a flood) and
    which nobody's consent keeps."""
    return or_(model.status.in_(statuses),
               and_(model.status == model.statuses.INVALIDATED, model.confirmed_at.is_(None)))


def _no_working_link(model: type[IndividualSignature] | type[OrganizationSignature],
                     now: datetime) -> Any:
    """A row signed again late in its period was mailed a new link, valid for the
    hours its e-mail promises: it stays until that link expires."""
    return or_(model.confirmation_expires_at.is_(None), model.confirmation_expires_at <= now)


def erase_addresses_after_close(now: datetime) -> RetentionReport:
    """Erase the addresses of individuals who did not opt in to updates, on statements
    closed more than the period before `now`; and the address from the mail about
    that statement (mail still waiting is deleted, the record of sent mail kept)."""
    cutoff = now - timedelta(days=current_app.config["EMAIL_RETENTION_DAYS_AFTER_CLOSE"])
    rows = db.session.execute(
        select(IndividualSignature, Statement.slug)
        .join(Statement, IndividualSignature.statement_id == Statement.id)
        .where(Statement.status == StatementStatus.CLOSED, Statement.closed_at < cutoff,
               # An invalidated signature is never written to, updates or not.
               or_(IndividualSignature.wants_updates.is_(False),
                   IndividualSignature.status == IndividualStatus.INVALIDATED),
               IndividualSignature.email.not_like(f"{ERASED}:%"))
    ).all()
    deleted = scrubbed = 0
    for signature, slug in rows:
        d, s = _forget_mail_to(signature.email, signature.statement_id, slug)
        deleted, scrubbed = deleted + d, scrubbed + s
        signature.email = f"{ERASED}:{signature.id}"
        signature.email_domain = None
        # An old confirmation link must not bring anything back to life.
        signature.confirmation_token_hash = None
        signature.confirmation_expires_at = None
    db.session.flush()
    return RetentionReport(individuals=len(rows), messages_deleted=deleted,
                           messages_scrubbed=scrubbed)


def clear_client_data(now: datetime) -> int:
    """Clear the client's address hash and network prefix of every signature made more
    than the period before `now`, and the networks and e-mail domains the digests
    named; how many signatures had some."""
    cutoff = now - timedelta(days=current_app.config["CLIENT_DATA_RETENTION_DAYS"])
    # A digest's day is its coordinator's, which begins at 10:00 UTC the day before at
    # the earliest (UTC+14): from then on the first signatures it counted may have lost
    # their networks already, and the digest's go with them, never after.
    forget_digest_client_data(through=(cutoff + FURTHEST_AHEAD_OF_UTC).date())
    cleared = 0
    for model in (IndividualSignature, OrganizationSignature):
        cleared += db.session.execute(
            update(model)
            .where(model.created_at < cutoff,
                   model.ip_hash.is_not(None) | model.ip_prefix.is_not(None))
            .values(ip_hash=None, ip_prefix=None)
            .execution_options(synchronize_session=False)
        ).rowcount
    return cleared


def forget_messages(messages: Iterable[OutboxMessage]) -> tuple[int, int]:
    """Forget whom these e-mails were to and what they said: mail still waiting to go
    is deleted; the record of mail sent, given up or cancelled keeps its row (which
    kind, when, its update's progress) without the address, the subject (a name may
    be in it), the context it was written from or the error the server gave (which
    may quote the address). Returns how many were deleted and how many scrubbed."""
    deleted = scrubbed = 0
    for message in messages:
        if message.status in WAITING_STATUSES:
            db.session.delete(message)
            deleted += 1
        else:
            message.to_address = ERASED
            message.subject = ERASED
            message.context = {}
            message.reply_to = None
            message.dedupe_key = None
            message.last_error = None
            scrubbed += 1
    return deleted, scrubbed


def _about_statement(messages: Iterable[OutboxMessage], statement_id: int,
                     slug: str) -> list[OutboxMessage]:
    """The one rule for which mail is about a statement: written for it (its slug in
    the context), or an update of it."""
    update_ids = set(db.session.scalars(
        select(Update.id).where(Update.statement_id == statement_id)))
    return [message for message in messages
            if (message.context or {}).get("statement_slug") == slug
            or (message.update_id is not None and message.update_id in update_ids)]


def _forget_mail_to(address: str, statement_id: int, slug: str) -> tuple[int, int]:
    """Mail to this address about this statement is forgotten (see forget_messages).
    Mail about other statements the same person signed is theirs, and stays."""
    deleted, scrubbed = forget_messages(_about_statement(
        db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == address)),
        statement_id, slug))
    db.session.flush()
    return deleted, scrubbed


def _delete_ids(model: type[IndividualSignature] | type[OrganizationSignature],
                ids: Iterable[int]) -> None:
    ids = list(ids)
    for start in range(0, len(ids), 500):
        db.session.execute(delete(model).where(model.id.in_(ids[start:start + 500]))
                           .execution_options(synchronize_session=False))


# --- What a signer takes back --------------------------------------------------------


def withdraw_signature(signature: IndividualSignature) -> None:
    """Out of the public list and the counts, and of every mailing from now on; mail
    about this statement not yet sent to the signer is cancelled."""
    if _locked(signature) is None:
        raise SignerActionError(_("Your signature is erased: there is nothing left to "
                                  "withdraw."))
    was_active = signature.is_active
    try:
        signature.withdraw(utcnow())
    except SignatureStatusError as error:
        raise SignerActionError(str(error)) from error
    if was_active:
        add_to_tally(signature.statement_id, TallyKind.INDIVIDUALS, -1)
    for message in _messages_about(signature, pending_only=True):
        if message.template != "signer_link":
            message.cancel()


def erase_signature(signature: Signature) -> None:
    """Delete the signature and the signer's address: the row goes (and its count, if it
    counted); the mail to the signer about this statement, and the mail to others that
    names the organization, is forgotten (forget_messages:
    waiting mail deleted, the record of sent mail kept without address, subject,
    context or error). The moderation
    log keeps that an action happened, but not on whom: its link to the signature is
    cleared, and so is its detail (a renamed name, a reason for rejecting).

    When the signer has no other signature anywhere, every e-mail to the address is
    treated so; otherwise only those about this statement, which belong to this one.
    Erased already (the button pressed twice), it is left as it is."""
    if _locked(signature) is None:
        return
    if signature.is_active:
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
    address = signer_address(signature)
    if address is not None:
        forget_mail_requests(address)
    forget_messages({*_messages_about(signature, pending_only=False, everything=everything),
                     *_messages_naming(signature)})
    if isinstance(signature, OrganizationSignature):
        forget_logo(signature)
    db.session.delete(signature)
    db.session.flush()


def _locked(signature: Signature) -> Signature | None:
    """SIGNATURE read again and locked until the request commits, or None once erased.
    Its status decides what comes off the count, and the page that loaded it may be
    behind: a confirmation in another tab, or the same button pressed twice, may have
    committed since (and a confirmation waits for this lock, then finds its link gone)."""
    model = type(signature)
    return db.session.scalars(
        select(model).where(model.id == signature.id).with_for_update()
        .execution_options(populate_existing=True)).one_or_none()


def _messages_naming(signature: Signature) -> list[OutboxMessage]:
    """Mail to others about this statement that names the organization ("… has
    already co-signed", to whoever tried to sign for it again): what names its id.
    Mail queued before the id was written names it by its name only, less the mail of
    the other co-signatures by that name, which is theirs."""
    if not isinstance(signature, OrganizationSignature):
        return []
    about = OutboxMessage.context[ORGANIZATION_SIGNATURE_ID]
    of_its_statement = (
        OutboxMessage.context["statement_slug"].as_string() == signature.statement.slug)
    naming = list(db.session.scalars(select(OutboxMessage).where(
        of_its_statement, about.as_integer() == signature.id)))
    namesakes = set(db.session.scalars(select(OrganizationSignature.contact_email).where(
        OrganizationSignature.statement_id == signature.statement_id,
        OrganizationSignature.name_key == signature.name_key,
        OrganizationSignature.id != signature.id,
        OrganizationSignature.contact_email.is_not(None))))
    return naming + [message for message in db.session.scalars(select(OutboxMessage).where(
        of_its_statement, about.as_integer().is_(None),
        OutboxMessage.context["organization_name"].as_string().in_(
            {signature.name, signature.shown_name})))
        if message.to_address not in namesakes]


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
    return _about_statement(messages, signature.statement_id, signature.statement.slug)
