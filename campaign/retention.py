"""Personal data kept no longer than needed: the rules behind the retention tasks.

Two periods, both settings (see config.py and the privacy page):
- a signature never confirmed (individual or organization; held ones included) is deleted
  UNCONFIRMED_SIGNATURE_DAYS after it was made, with the mail still waiting to go
  to it; the record of mail already sent to it keeps no address;
- EMAIL_RETENTION_DAYS_AFTER_CLOSE after a statement closes, the e-mail address of
  every individual who did not ask for updates is erased: nobody will write to them
  about this statement again. The column is NOT NULL and unique per statement, so
  the address is replaced by `erased:<id>`, which is lower-case (the CHECK holds),
  unique, and no address at all (the outbox refuses to send to it);
- CLIENT_DATA_RETENTION_DAYS after a signature was made, what the abuse defences kept
  of the client that made it (the keyed hash of its address and its network prefix)
  is cleared: the limits and the trending view look at the last hours only.

Services only: the worker's tasks commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select, update

from campaign.extensions import db
from campaign.outbox.models import OutboxMessage
from campaign.outbox.services import forget_messages
from campaign.signing.models import (
    NEVER_CONFIRMED_INDIVIDUAL_STATUSES,
    NEVER_CONFIRMED_ORGANIZATION_STATUSES,
    IndividualSignature,
    OrganizationSignature,
)
from campaign.statements.models import Statement, StatementStatus
from campaign.updates.models import Update

ERASED_PREFIX = "erased:"


def erased_address(signature_id: int) -> str:
    return f"{ERASED_PREFIX}{signature_id}"


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
        .where(IndividualSignature.status.in_(NEVER_CONFIRMED_INDIVIDUAL_STATUSES),
               IndividualSignature.created_at < cutoff)
    ).all()
    organizations = db.session.execute(
        select(OrganizationSignature.id, OrganizationSignature.contact_email, Statement.id,
               Statement.slug)
        .join(Statement, OrganizationSignature.statement_id == Statement.id)
        .where(OrganizationSignature.status.in_(NEVER_CONFIRMED_ORGANIZATION_STATUSES),
               OrganizationSignature.created_at < cutoff)
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


def erase_addresses_after_close(now: datetime) -> RetentionReport:
    """Erase the addresses of individuals who did not opt in to updates, on statements
    closed more than the period before `now`; and the address from the mail about
    that statement (mail still waiting is deleted, the record of sent mail kept)."""
    cutoff = now - timedelta(days=current_app.config["EMAIL_RETENTION_DAYS_AFTER_CLOSE"])
    rows = db.session.execute(
        select(IndividualSignature, Statement.slug)
        .join(Statement, IndividualSignature.statement_id == Statement.id)
        .where(Statement.status == StatementStatus.CLOSED, Statement.closed_at < cutoff,
               IndividualSignature.wants_updates.is_(False),
               IndividualSignature.email.not_like(f"{ERASED_PREFIX}%"))
    ).all()
    deleted = scrubbed = 0
    for signature, slug in rows:
        d, s = _forget_mail_to(signature.email, signature.statement_id, slug)
        deleted, scrubbed = deleted + d, scrubbed + s
        signature.email = erased_address(signature.id)
        signature.email_domain = None
        # An old confirmation link must not bring anything back to life.
        signature.confirmation_token_hash = None
        signature.confirmation_expires_at = None
    db.session.flush()
    return RetentionReport(individuals=len(rows), messages_deleted=deleted,
                           messages_scrubbed=scrubbed)


def clear_client_data(now: datetime) -> int:
    """Clear the client's address hash and network prefix of every signature made more
    than the period before `now`; how many signatures had some."""
    cutoff = now - timedelta(days=current_app.config["CLIENT_DATA_RETENTION_DAYS"])
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


def _forget_mail_to(address: str, statement_id: int, slug: str) -> tuple[int, int]:
    """Mail to this address about this statement is forgotten (see forget_messages).
    Mail about other statements the same person signed is theirs, and stays."""
    update_ids = set(db.session.scalars(
        select(Update.id).where(Update.statement_id == statement_id)))
    deleted, scrubbed = forget_messages(
        message for message in db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.to_address == address))
        if (message.context or {}).get("statement_slug") == slug
        or (message.update_id is not None and message.update_id in update_ids))
    db.session.flush()
    return deleted, scrubbed


def _delete_ids(model: type[IndividualSignature] | type[OrganizationSignature],
                ids: Iterable[int]) -> None:
    ids = list(ids)
    for start in range(0, len(ids), 500):
        db.session.execute(delete(model).where(model.id.in_(ids[start:start + 500]))
                           .execution_options(synchronize_session=False))
