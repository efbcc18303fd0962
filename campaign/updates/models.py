"""Updates posted by coordinators and e-mailed to the signers who opted in, and the
notes kept so that digests and milestone e-mails go out once."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.accounts.models import Coordinator
from campaign.database import UTCDateTime, enum_column, utcnow
from campaign.domain import TransitionError
from campaign.extensions import db
from campaign.statements.models import Statement


class UpdateStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


PUBLISHABLE_UPDATE_STATUSES = frozenset({UpdateStatus.DRAFT})


class Update(db.Model):
    # "update" alone is an SQL keyword.
    __tablename__ = "statement_update"
    __table_args__ = (
        Index("ix_statement_update_published", "statement_id", "published_at"),
        # Its ids are in links or e-mails: SQLite must not reuse a deleted one.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(Text)
    body_markdown: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[UpdateStatus] = mapped_column(
        enum_column(UpdateStatus, "update_status"), default=UpdateStatus.DRAFT
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("coordinator.id", ondelete="SET NULL")
    )
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Filled by the fan-out: how many it is written for, and when every row is in the
    # outbox. Progress (sent of total) is read from the outbox rows themselves.
    recipients_total: Mapped[int | None]
    fanned_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    statement: Mapped[Statement] = relationship()
    created_by: Mapped[Coordinator | None] = relationship()

    def publish(self, now: datetime) -> None:
        # services.publish_update writes this with an UPDATE conditional on the row still
        # being the draft read: the session's status may be stale.
        if self.status not in PUBLISHABLE_UPDATE_STATUSES:
            raise TransitionError(_("This update is published already."))
        self.status = UpdateStatus.PUBLISHED
        self.published_at = now
