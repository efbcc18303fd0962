"""A record of every export of signatories: who took the data, and when."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.accounts.models import Coordinator
from campaign.database import UTCDateTime, enum_column, utcnow
from campaign.extensions import db


class ExportKind(enum.StrEnum):
    ORGANIZATIONS = "organizations"
    INDIVIDUALS = "individuals"


class DataExport(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(
        ForeignKey("statement.id", ondelete="CASCADE"), index=True
    )
    coordinator_id: Mapped[int | None] = mapped_column(
        ForeignKey("coordinator.id", ondelete="SET NULL")
    )
    kind: Mapped[ExportKind] = mapped_column(enum_column(ExportKind, "export_kind"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    coordinator: Mapped[Coordinator | None] = relationship()
