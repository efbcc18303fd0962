"""A statement's translations: the same statement in another language, part by part.

A translation is a draft until its coordinators approve it as official; only an
official one is shown to the public or sent to an addressee. Each translated part
keeps a hash of the source text it translated, so the workspace can tell a part whose
source changed since (outdated) from one still current, without keeping old versions
of the source.
"""

from __future__ import annotations

import enum
import hashlib
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.database import UTCDateTime, enum_column, utcnow
from campaign.domain import TransitionError
from campaign.extensions import db
from campaign.statements.models import Statement, StatementError


class TranslationStatus(enum.StrEnum):
    DRAFT = "draft"
    OFFICIAL = "official"


# Only an approved translation speaks for the coalition.
PUBLIC_TRANSLATION_STATUSES = frozenset({TranslationStatus.OFFICIAL})
APPROVABLE_TRANSLATION_STATUSES = frozenset({TranslationStatus.DRAFT})
WITHDRAWABLE_TRANSLATION_STATUSES = frozenset({TranslationStatus.OFFICIAL})


class TranslationStatusError(StatementError, TransitionError):
    """The translation's status does not allow the change asked for."""


def source_hash(text: str) -> str:
    """What a translated part remembers of the source text it translated."""
    return hashlib.sha256(text.encode()).hexdigest()


class StatementTranslation(db.Model):
    __table_args__ = (
        UniqueConstraint("statement_id", "language"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The unique constraint's index, led by statement_id, serves lookups by statement.
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"))
    # A lower-case language code ("uk", "crh"), as addressees' languages are written.
    language: Mapped[str] = mapped_column(String(16))
    status: Mapped[TranslationStatus] = mapped_column(
        enum_column(TranslationStatus, "translation_status"), default=TranslationStatus.DRAFT)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    statement: Mapped[Statement] = relationship()
    parts: Mapped[list[TranslatedPart]] = relationship(
        back_populates="translation", cascade="all, delete-orphan",
        order_by="TranslatedPart.id")

    @property
    def is_official(self) -> bool:
        return self.status in PUBLIC_TRANSLATION_STATUSES

    def approve(self, now: datetime) -> None:
        """Official: shown to the public and sent to addressees in its language.
        Whether every part is translated is the service's check, which names them."""
        if self.status not in APPROVABLE_TRANSLATION_STATUSES:
            raise TranslationStatusError(_("This translation is already official."))
        self.status = TranslationStatus.OFFICIAL
        self.approved_at = now

    def withdraw(self) -> None:
        """Back to a draft: no longer public, kept for the team to work on."""
        if self.status not in WITHDRAWABLE_TRANSLATION_STATUSES:
            raise TranslationStatusError(_("This translation is a draft already."))
        self.status = TranslationStatus.DRAFT
        self.approved_at = None


class TranslationPartKind(enum.StrEnum):
    TITLE = "title"
    BODY = "body"
    INTRO = "intro"
    DEMAND = "demand"
    ADDRESSEE = "addressee"


class TranslatedPart(db.Model):
    """One part of the statement in the translation's language. A part of a group, a
    demand or an addressee goes with it when it is removed from the statement."""

    __table_args__ = (
        UniqueConstraint("translation_id", "key"),
        CheckConstraint(
            "(kind IN ('title', 'body') AND demand_group_id IS NULL AND demand_id IS NULL"
            " AND addressee_id IS NULL)"
            " OR (kind = 'intro' AND demand_group_id IS NOT NULL)"
            " OR (kind = 'demand' AND demand_id IS NOT NULL)"
            " OR (kind = 'addressee' AND addressee_id IS NOT NULL)",
            name="part_has_its_source"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    translation_id: Mapped[int] = mapped_column(
        ForeignKey("statement_translation.id", ondelete="CASCADE"), index=True)
    kind: Mapped[TranslationPartKind] = mapped_column(
        enum_column(TranslationPartKind, "translation_part_kind"))
    # "title", "body", "intro-12", "demand-34", "addressee-5": unique in a translation.
    key: Mapped[str] = mapped_column(String(40))
    demand_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("demand_group.id", ondelete="CASCADE"), index=True)
    demand_id: Mapped[int | None] = mapped_column(
        ForeignKey("demand.id", ondelete="CASCADE"), index=True)
    addressee_id: Mapped[int | None] = mapped_column(
        ForeignKey("addressee.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    source_hash: Mapped[str] = mapped_column(String(64))
    translated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    translation: Mapped[StatementTranslation] = relationship(back_populates="parts")
