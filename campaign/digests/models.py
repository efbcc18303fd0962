"""What the digests and milestone announcements have sent, so that each goes once."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from campaign.database import UTCDateTime, utcnow
from campaign.extensions import db


class DigestSent(db.Model):
    """One daily digest per coordinator, statement and day, whatever retries."""

    __table_args__ = (UniqueConstraint("coordinator_id", "statement_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    coordinator_id: Mapped[int] = mapped_column(ForeignKey("coordinator.id", ondelete="CASCADE"))
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"))
    day: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MilestoneReached(db.Model):
    """A milestone (100, 500, 1,000 … signatures) is announced once per statement."""

    __table_args__ = (UniqueConstraint("statement_id", "milestone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"))
    milestone: Mapped[int]
    reached_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
