"""Letters to the addressees of a statement (their replies are campaign.replies)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.accounts.models import Coordinator
from campaign.database import UTCDateTime, enum_column, utcnow
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
    addressee_id: Mapped[int] = mapped_column(ForeignKey("addressee.id", ondelete="CASCADE"))
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

    statement: Mapped[Statement] = relationship()
    addressee: Mapped[Addressee] = relationship()
    created_by: Mapped[Coordinator | None] = relationship()
    outbox_message: Mapped[OutboxMessage | None] = relationship()
