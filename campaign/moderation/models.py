"""The audit log of moderation: who did what to which signature, and when."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.accounts.models import Coordinator
from campaign.database import UTCDateTime, enum_column, utcnow
from campaign.extensions import db


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
