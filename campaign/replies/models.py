"""A reply an addressee sent back to a statement, recorded by a coordinator."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.database import UTCDateTime, utcnow
from campaign.extensions import db
from campaign.statements.models import Addressee, DemandGroup, Statement


class Reply(db.Model):
    """An addressee's answer, recorded by a coordinator; public once published."""

    __table_args__ = (
        Index("ix_reply_statement_published", "statement_id", "published"),
        # Its ids are in links or e-mails: SQLite must not reuse a deleted one.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"))
    addressee_id: Mapped[int | None] = mapped_column(
        ForeignKey("addressee.id", ondelete="SET NULL")
    )
    # The group of demands it answers, under which the public page shows it.
    demand_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("demand_group.id", ondelete="SET NULL")
    )
    received_on: Mapped[date]
    text: Mapped[str] = mapped_column(Text)
    document_name: Mapped[str | None] = mapped_column(String(200))
    document_type: Mapped[str | None] = mapped_column(String(100))
    document: Mapped[bytes | None] = mapped_column(LargeBinary)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("coordinator.id", ondelete="SET NULL")
    )

    statement: Mapped[Statement] = relationship()
    addressee: Mapped[Addressee | None] = relationship()
    demand_group: Mapped[DemandGroup | None] = relationship()
