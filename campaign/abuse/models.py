"""Block and allow lists, and why a signature was held."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.accounts.models import Coordinator
from campaign.database import UTCDateTime, enum_column, utcnow
from campaign.extensions import db
from campaign.statements.models import Statement


class ListKind(enum.StrEnum):
    BLOCK = "block"
    ALLOW = "allow"


class EntryTarget(enum.StrEnum):
    EMAIL = "email"
    # A domain covers its subdomains: whoever owns spam.example makes a.spam.example
    # at will.
    DOMAIN = "domain"
    IP_RANGE = "ip_range"


class ListEntry(db.Model):
    """One line of a block or allow list: a statement's (its team manages it) or, with
    no statement, the whole instance's (its admins manage it). The value is stored in
    the form it is compared in: a normalized address, an ASCII (IDNA) domain, a CIDR
    network in its canonical spelling."""

    __tablename__ = "abuse_list_entry"
    __table_args__ = (
        UniqueConstraint("statement_id", "list_kind", "target", "value"),
        # NULLs are distinct in a unique constraint: the instance's lists need their own.
        Index("ix_abuse_list_entry_instance_unique", "list_kind", "target", "value",
              unique=True, postgresql_where=text("statement_id IS NULL"),
              sqlite_where=text("statement_id IS NULL")),
        CheckConstraint("length(value) > 0", name="value_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int | None] = mapped_column(
        ForeignKey("statement.id", ondelete="CASCADE"))
    list_kind: Mapped[ListKind] = mapped_column(enum_column(ListKind, "list_kind"))
    target: Mapped[EntryTarget] = mapped_column(enum_column(EntryTarget, "entry_target"))
    value: Mapped[str] = mapped_column(String(254))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("coordinator.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    statement: Mapped[Statement | None] = relationship()
    created_by: Mapped[Coordinator | None] = relationship()


class HoldReason(enum.StrEnum):
    """Why a signature was held as suspected instead of being sent its confirmation."""

    RATE_LIMIT = "rate_limit"
    HONEYPOT = "honeypot"
    BLOCK_LIST = "block_list"
