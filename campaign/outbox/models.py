"""The outbox: every e-mail is a row first, written in the transaction that causes it."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from campaign.database import UTCDateTime, enum_column, utcnow
from campaign.domain import TransitionError
from campaign.extensions import db


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    # Not sent, on purpose: its recipient unsubscribed or withdrew before it left.
    CANCELLED = "cancelled"


# Not gone yet: a claim (SENDING) is given back after STALE_CLAIM_AFTER.
WAITING_STATUSES = frozenset({OutboxStatus.PENDING, OutboxStatus.SENDING})
# What the delivery task claims, in one conditional UPDATE (campaign.outbox.delivery).
CLAIMABLE_STATUSES = frozenset({OutboxStatus.PENDING})
CLAIMED_STATUSES = frozenset({OutboxStatus.SENDING})
CANCELLABLE_STATUSES = WAITING_STATUSES
# What a context holds that opens something by itself: a confirmation, an invitation
# or a new password (token), a signer's own page (signer_page_url, or the secret the
# worker builds it from). Needed until the message is sent or given up; kept after
# that, every backup of the database would hold working links to every signer's page.
CAPABILITY_CONTEXT_KEYS = frozenset({"token", "link_secret", "signer_page_url"})


class OutboxStatusError(TransitionError):
    """A message's status does not allow the change asked for (a programming error:
    nobody is shown it)."""


class OutboxMessage(db.Model):
    __table_args__ = (
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        Index("ix_outbox_message_due", "status", "next_attempt_at"),
        # Its ids are in links or e-mails: SQLite must not reuse a deleted one.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    # The e-mail is rendered by the worker from templates/emails/<template>.{txt,html}
    # with this context, which keeps rendering off the signing request's path.
    template: Mapped[str] = mapped_column(String(64))
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reply_to: Mapped[str | None] = mapped_column(String(254))
    # The recipient's language: the worker renders the e-mail in it (the subject was
    # written in it when the row was queued).
    locale: Mapped[str] = mapped_column(String(16), default="en", server_default="en")
    # Set for mail sent to many (a reply, an update): one row per message and
    # recipient, so a fan-out started twice or resumed sends nobody a second copy.
    dedupe_key: Mapped[str | None] = mapped_column(String(300), unique=True)
    # The update this row carries, so its progress (sent of total) is one indexed count.
    update_id: Mapped[int | None] = mapped_column(
        ForeignKey("statement_update.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[OutboxStatus] = mapped_column(
        enum_column(OutboxStatus, "outbox_status"), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the relay last handed the row to the delivery task; none: not yet, or due
    # again after a failed attempt (campaign.outbox.delivery).
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def _require(self, allowed: frozenset[OutboxStatus]) -> None:
        if self.status not in allowed:
            raise OutboxStatusError(f"outbox message {self.id} is {self.status.value}")

    def cancel(self) -> None:
        """Not sent, on purpose: its recipient is no longer to be written to."""
        self._require(CANCELLABLE_STATUSES)
        self.status = OutboxStatus.CANCELLED
        self._forget_capabilities()

    def mark_sent(self, now: datetime) -> None:
        self._require(CLAIMED_STATUSES)
        self.status = OutboxStatus.SENT
        self.sent_at = now
        self.last_error = None
        self._forget_capabilities()

    def retry_at(self, moment: datetime, error: str) -> None:
        """Back to waiting after a failed attempt; the relay hands it over again then."""
        self._require(CLAIMED_STATUSES)
        self.status = OutboxStatus.PENDING
        self.last_error = error
        self.next_attempt_at = moment
        self.queued_at = None

    def give_up(self, error: str) -> None:
        self._require(CLAIMED_STATUSES)
        self.status = OutboxStatus.FAILED
        self.last_error = error
        self._forget_capabilities()

    def _forget_capabilities(self) -> None:
        if self.context and not CAPABILITY_CONTEXT_KEYS.isdisjoint(self.context):
            self.context = {key: value for key, value in self.context.items()
                            if key not in CAPABILITY_CONTEXT_KEYS}


class MailRequest(db.Model):
    """An address someone typed into a form that e-mails only the known ones, waiting
    for the worker to answer it (campaign.outbox.requests). Deleted once answered."""

    id: Mapped[int] = mapped_column(primary_key=True)
    # What to answer: a name an area registered (register_answer).
    kind: Mapped[str] = mapped_column(String(32))
    # The statement the request is about, for the kinds that have one.
    statement_id: Mapped[int | None] = mapped_column(
        ForeignKey("statement.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
