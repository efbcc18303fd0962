"""Letters to the addressees of a statement (their replies are campaign.replies)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.accounts.models import Coordinator
from campaign.database import UTCDateTime, enum_column, utcnow
from campaign.domain import TransitionError
from campaign.extensions import db
from campaign.outbox.models import OutboxMessage
from campaign.statements.models import Addressee, Statement


class LetterStatus(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    # No e-mail address: printed and taken there, then marked delivered.
    TO_DELIVER_BY_HAND = "to_deliver_by_hand"
    DELIVERED_BY_HAND = "delivered_by_hand"


# Handed to the outbox; its message's fate decides the letter's.
AWAITING_OUTCOME_STATUSES = frozenset({LetterStatus.QUEUED})
HAND_DELIVERABLE_STATUSES = frozenset({LetterStatus.TO_DELIVER_BY_HAND})
# A later letter to the same addressee in one of these sent a failed one again: on
# its way, or there.
SENT_AGAIN_STATUSES = frozenset(LetterStatus) - {LetterStatus.FAILED}
# Reached its addressee: on record for good, and so is the addressee.
DELIVERED_STATUSES = frozenset({LetterStatus.SENT, LetterStatus.DELIVERED_BY_HAND})
# Not gone yet, nor given up: its addressee stays until it has gone or failed.
ON_ITS_WAY_STATUSES = AWAITING_OUTCOME_STATUSES | HAND_DELIVERABLE_STATUSES


class LetterStatusError(TransitionError):
    """The letter's status does not allow the change asked for."""


class Letter(db.Model):
    """One sending of the statement to one addressee. Sending again later (after
    more signatures) makes a new letter; the signatory counts it carried stay."""

    __table_args__ = (
        # Never two copies waiting to go to the same addressee at once.
        Index("uq_letter_one_queued_per_addressee", "addressee_id", unique=True,
              sqlite_where=text("status = 'queued'"),
              postgresql_where=text("status = 'queued'")),
        Index("ix_letter_statement_created", "statement_id", "created_at"),
        # Its ids are in links or e-mails: SQLite must not reuse a deleted one.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"))
    # A letter sent is on record for good: its addressee cannot be removed while it
    # is (checked at the end of the statement that deletes, so that a statement
    # deleted whole takes both). Failed letters, which reached nobody, are deleted
    # with their addressee (campaign.letters.services.delete_failed_letters).
    addressee_id: Mapped[int] = mapped_column(ForeignKey("addressee.id"))
    # The addressee's name, role and address as they were when it was sent: the record
    # of what went to whom, whatever the addressee's entry says after an edit. (A role
    # is None when the entry had none; an address, for a letter to be delivered by
    # hand, which has none.)
    addressee_name: Mapped[str] = mapped_column(String(300))
    addressee_role: Mapped[str | None] = mapped_column(String(200))
    to_address: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[LetterStatus] = mapped_column(enum_column(LetterStatus, "letter_status"))
    organizations_count: Mapped[int] = mapped_column(default=0)
    individuals_count: Mapped[int] = mapped_column(default=0)
    failure_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("coordinator.id", ondelete="SET NULL")
    )
    outbox_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_message.id", ondelete="SET NULL")
    )
    # The PDF as its e-mail's first attempt rendered it, kept until the e-mail is sent
    # or given up: a retry attaches the same letter, and rendering it (a page per
    # hundreds of signatories) is the costliest part of its delivery. Read only when
    # asked for.
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)

    statement: Mapped[Statement] = relationship()
    addressee: Mapped[Addressee] = relationship()
    created_by: Mapped[Coordinator | None] = relationship()
    outbox_message: Mapped[OutboxMessage | None] = relationship()

    def __init__(self, *, addressee: Addressee, **values: Any) -> None:
        # The entry as it is now, unless given: a failed letter sent again goes to the
        # name, role and address that letter recorded.
        values.setdefault("addressee_name", addressee.name)
        values.setdefault("addressee_role", addressee.role)
        values.setdefault("to_address", addressee.email)
        super().__init__(addressee=addressee, **values)

    def mark_delivered_by_hand(self, now: datetime) -> None:
        if self.status not in HAND_DELIVERABLE_STATUSES:
            raise LetterStatusError(_("This letter is not waiting to be delivered by hand."))
        self.status = LetterStatus.DELIVERED_BY_HAND
        self.sent_at = now

    def mark_sent(self, now: datetime) -> None:
        if self.status not in AWAITING_OUTCOME_STATUSES:
            raise LetterStatusError(f"letter {self.id} is {self.status.value}")
        self.status = LetterStatus.SENT
        self.sent_at = now
        self.failure_reason = None
        self.pdf = None  # no attempt is left to attach it

    def mark_failed(self, reason: str | None) -> None:
        if self.status not in AWAITING_OUTCOME_STATUSES:
            raise LetterStatusError(f"letter {self.id} is {self.status.value}")
        self.status = LetterStatus.FAILED
        self.failure_reason = reason
        self.pdf = None
