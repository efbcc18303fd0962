"""The audit log of moderation: who did what to which signature, and when; and the log
of bulk invalidations."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.accounts.models import Coordinator
from campaign.database import UTCDateTime, enum_column, utcnow
from campaign.domain import TransitionError
from campaign.extensions import db
from campaign.statements.models import Statement


class ModerationActionKind(enum.StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    UNDO = "undo"
    RENAME = "rename"
    HIDE = "hide"
    UNHIDE = "unhide"
    # A signature held by the abuse defences, let through or judged not genuine.
    RELEASE = "release"
    INVALIDATE = "invalidate"


class ModerationAction(db.Model):
    __table_args__ = (Index("ix_moderation_action_statement_time", "statement_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"))
    # None when done from the command line, which has no signed-in coordinator.
    coordinator_id: Mapped[int | None] = mapped_column(
        ForeignKey("coordinator.id", ondelete="SET NULL")
    )
    kind: Mapped[ModerationActionKind] = mapped_column(
        enum_column(ModerationActionKind, "moderation_action_kind")
    )
    # The log outlives an erased signature: the link goes, the entry stays.
    organization_signature_id: Mapped[int | None] = mapped_column(
        ForeignKey("organization_signature.id", ondelete="SET NULL")
    )
    individual_signature_id: Mapped[int | None] = mapped_column(
        ForeignKey("individual_signature.id", ondelete="SET NULL")
    )
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    coordinator: Mapped[Coordinator | None] = relationship()


class InvalidationState(enum.StrEnum):
    # Waiting for the worker.
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"


STARTABLE_INVALIDATION_STATES = frozenset({InvalidationState.QUEUED})
FINISHABLE_INVALIDATION_STATES = frozenset({InvalidationState.QUEUED, InvalidationState.RUNNING})


class Invalidation(db.Model):
    """A bulk invalidation (as the UK petitions site's `Invalidation`): what it matched
    on, why, who asked, and how far the worker got. Its criteria are combined with AND;
    it takes only signatures made before it was asked for, so it does what its
    preview showed, not more."""

    __table_args__ = (
        Index("ix_invalidation_statement_time", "statement_id", "created_at"),
        CheckConstraint(
            "ip_range IS NOT NULL OR email_domain IS NOT NULL OR name_pattern IS NOT NULL "
            "OR created_from IS NOT NULL OR created_to IS NOT NULL",
            name="some_criterion"),
        CheckConstraint("length(reason) > 0", name="reason_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text)
    ip_range: Mapped[str | None] = mapped_column(String(43))
    email_domain: Mapped[str | None] = mapped_column(String(253))
    name_pattern: Mapped[str | None] = mapped_column(String(120))
    created_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_to: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state: Mapped[InvalidationState] = mapped_column(
        enum_column(InvalidationState, "invalidation_state"), default=InvalidationState.QUEUED)
    # How many the preview counted when it was asked for, and how many it has done.
    matched: Mapped[int] = mapped_column(default=0)
    individuals_invalidated: Mapped[int] = mapped_column(default=0)
    organizations_invalidated: Mapped[int] = mapped_column(default=0)
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("coordinator.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    statement: Mapped[Statement] = relationship()
    requested_by: Mapped[Coordinator | None] = relationship()

    def start(self, now: datetime) -> None:
        if self.state not in STARTABLE_INVALIDATION_STATES:
            raise TransitionError(f"invalidation {self.id} is {self.state.value}")
        self.state = InvalidationState.RUNNING
        self.started_at = now

    def finish(self, now: datetime) -> None:
        if self.state not in FINISHABLE_INVALIDATION_STATES:
            raise TransitionError(f"invalidation {self.id} is {self.state.value}")
        self.state = InvalidationState.DONE
        self.finished_at = now

    @property
    def invalidated(self) -> int:
        return self.individuals_invalidated + self.organizations_invalidated
