"""A statement, its groups of demands and the addressees of each group."""

from __future__ import annotations

import enum
import hashlib
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.database import UTCDateTime, enum_column, utcnow
from campaign.domain import DomainError, TransitionError
from campaign.extensions import db


class StatementStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"


# A closed statement keeps its page and its signatories; only signing stops.
VISIBLE_STATUSES = frozenset({StatementStatus.PUBLISHED, StatementStatus.CLOSED})
SIGNABLE_STATUSES = frozenset({StatementStatus.PUBLISHED})
PUBLISHABLE_STATUSES = frozenset({StatementStatus.DRAFT})
CLOSABLE_STATUSES = SIGNABLE_STATUSES
REOPENABLE_STATUSES = frozenset({StatementStatus.CLOSED})
# Only a draft needs a private link: once published, anyone may co-sign.
SIGN_ON_LINK_STATUSES = frozenset({StatementStatus.DRAFT})


SENDER_NAME_LENGTH = 120
class SignatoryGrouping(enum.StrEnum):
    """How the public page lists its signatories."""

    NONE = "none"
    COUNTRY = "country"
    # Individuals by the affiliation they gave (organizations have none).
    AFFILIATION = "affiliation"


# An affiliation or title, as "Professor of Law, Kyiv University".
AFFILIATION_LENGTH = 200
DISCLAIMER_LENGTH = 300
# A demand or a group's introduction is a paragraph or two, and each is shown on the
# public page, in letters and in every translation: a bound keeps one team's paste
# from making those pages slow for every coalition on the instance. (The lead text is
# Markdown, held to campaign.rendering.MARKDOWN_LENGTH.)
DEMAND_TEXT_LENGTH = 10_000
ADDRESSEE_NAME_LENGTH = 300


def default_affiliation_disclaimer() -> str:
    return _("Affiliations are for identification only and do not imply institutional "
             "endorsement.")


def deadline_has_passed(deadline: datetime | None, now: datetime) -> bool:
    """The signing path's check: a comparison, so that a signature that comes after
    the deadline but before beat closes the statement is refused all the same."""
    return deadline is not None and now >= deadline


class StatementError(DomainError):
    """The statement cannot be created or changed as asked; the message says why, and
    ``field`` names the form field it is about, when there is one."""


class StatementStatusError(StatementError, TransitionError):
    """The statement's status does not allow the change asked for."""


class StatementIncomplete(StatementError):
    """The statement lacks what publishing needs; ``problems`` says what and where
    (campaign.statements.services.MissingPart)."""

    def __init__(self, problems: list) -> None:
        super().__init__(" ".join(problem.message for problem in problems))
        self.problems = problems


class Statement(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    statement_date: Mapped[date | None]
    body_markdown: Mapped[str] = mapped_column(Text, default="")
    # The language the statement is written in; its translations are StatementTranslation.
    language: Mapped[str] = mapped_column(String(16), default="en", server_default="en")
    status: Mapped[StatementStatus] = mapped_column(
        enum_column(StatementStatus, "statement_status"), default=StatementStatus.DRAFT
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A capability link for co-signing before launch: whoever holds it may sign the
    # draft. Kept readable so coordinators can copy it again; revoked by clearing it.
    sign_on_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The coalition's name: the display name of every e-mail about the statement (its
    # address stays the instance's own, so that SPF, DKIM and DMARC pass) and the
    # letterhead of its letters. None: the instance's name.
    sender_name: Mapped[str | None] = mapped_column(String(SENDER_NAME_LENGTH))
    # Where addressees' replies to its letters go (their Reply-To): a mailbox the
    # coalition shares. None: the coordinators' own addresses, which the addressees,
    # who may be the very government the statement is about, then see.
    reply_address: Mapped[str | None] = mapped_column(String(254))
    # Whether the letters' signatory list shows the organizations' logos.
    letter_logos: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The coalition that runs it (campaign.accounts.models.Team); a statement with no
    # team is seen by no coordinator.
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("team.id", ondelete="RESTRICT"), index=True)
    # The coalition's time zone (an IANA name): the deadline is typed and shown in it.
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    # Signing stops at this instant (beat closes the statement; see
    # campaign.statements.deadlines). None: closed by hand only.
    signing_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when a public deadline was moved later, so the page can say "extended".
    deadline_extended: Mapped[bool] = mapped_column(Boolean, default=False,
                                                    server_default=false())
    delivery_date: Mapped[date | None]
    asks_affiliation: Mapped[bool] = mapped_column(Boolean, default=False,
                                                   server_default=false())
    # None: the standard disclaimer, in the reader's language.
    affiliation_disclaimer: Mapped[str | None] = mapped_column(String(DISCLAIMER_LENGTH))
    signatory_grouping: Mapped[SignatoryGrouping] = mapped_column(
        enum_column(SignatoryGrouping, "signatory_grouping"), default=SignatoryGrouping.NONE,
        server_default=SignatoryGrouping.NONE.value)

    demand_groups: Mapped[list[DemandGroup]] = relationship(
        back_populates="statement", order_by="DemandGroup.position",
        cascade="all, delete-orphan",
    )
    addressees: Mapped[list[Addressee]] = relationship(
        back_populates="statement", cascade="all, delete-orphan"
    )

    @property
    def is_visible(self) -> bool:
        return self.status in VISIBLE_STATUSES

    @property
    def is_open_for_signing(self) -> bool:
        return self.accepts_signatures_at(utcnow())

    def accepts_signatures_at(self, now: datetime) -> bool:
        return (self.status in SIGNABLE_STATUSES
                and not deadline_has_passed(self.signing_deadline, now))

    @property
    def shown_affiliation_disclaimer(self) -> str:
        return self.affiliation_disclaimer or default_affiliation_disclaimer()

    @property
    def closed_by_deadline(self) -> bool:
        """Closed at (or after) its deadline, by beat or by hand: extending the
        deadline opens it again, as the close was the deadline's and not a choice."""
        return (self.status is StatementStatus.CLOSED and self.closed_at is not None
                and deadline_has_passed(self.signing_deadline, self.closed_at))

    @property
    def status_label(self) -> str:
        """The state in the reader's words, for messages about it."""
        return {StatementStatus.DRAFT: _("draft"), StatementStatus.PUBLISHED: _("published"),
                StatementStatus.CLOSED: _("closed")}[self.status]

    def publish(self) -> None:
        if self.status not in PUBLISHABLE_STATUSES:
            raise StatementStatusError(_(
                "Only a draft can be published; this statement is %(status)s.",
                status=self.status_label))
        # The check is a service (the pages show it before anyone presses Publish);
        # calling it here holds it on every way of publishing.
        from campaign.statements.services import publication_problems

        problems = publication_problems(self)
        if problems:
            raise StatementIncomplete(problems)
        self.status = StatementStatus.PUBLISHED
        self.published_at = self.published_at or utcnow()

    def close(self, now: datetime) -> None:
        if self.status not in CLOSABLE_STATUSES:
            raise StatementStatusError(_(
                "Only a published statement can be closed; this one is %(status)s.",
                status=self.status_label))
        self.status = StatementStatus.CLOSED
        self.closed_at = now

    def reopen(self, now: datetime) -> None:
        if self.status not in REOPENABLE_STATUSES:
            raise StatementStatusError(_(
                "Only a closed statement can be reopened; this one is %(status)s.",
                status=self.status_label))
        if deadline_has_passed(self.signing_deadline, now):
            # Beat would close it again within the minute.
            raise StatementStatusError(_(
                "The sign-on deadline has passed: set a later deadline (or none) to open "
                "the statement for signing again."))
        self.status = StatementStatus.PUBLISHED
        self.closed_at = None

    @property
    def is_draft(self) -> bool:
        return self.status is StatementStatus.DRAFT
    def move_deadline(self, deadline: datetime | None, now: datetime) -> None:
        """A public deadline moved later is an extension, shown as such; a statement
        closed by its deadline opens again. A new deadline must be ahead of us."""
        if deadline is not None and deadline != self.signing_deadline and deadline <= now:
            raise StatementError(_("Choose a deadline in the future."), field="deadline_date")
        was = self.signing_deadline
        reopens = deadline is not None and self.closed_by_deadline
        self.deadline_extended = bool(
            self.published_at is not None and was is not None and deadline is not None
            and (deadline > was or (deadline == was and self.deadline_extended)))
        self.signing_deadline = deadline
        # Clearing the deadline does not reopen: "no deadline" may only mean "stop
        # showing it", and the reopen button says what it does.
        if reopens:
            self.reopen(now)

    def open_sign_on_link(self, token: str) -> None:
        """A new private sign-on link (replacing any earlier one, which then stops
        working)."""
        if self.status not in SIGN_ON_LINK_STATUSES:
            raise StatementStatusError(_(
                "A private sign-on link is for a draft; this statement is %(status)s and "
                "anyone may co-sign it.", status=self.status_label))
        self.sign_on_token = token


class AddressBookEntry(db.Model):
    """A government or institution kept from statement to statement, so that a
    coalition does not retype "President of Ukraine" each time. Each coordinator
    has their own book (see campaign.addressees)."""

    __table_args__ = (
        UniqueConstraint("coordinator_id", "name"),
        # Its ids are in links: SQLite must not reuse a deleted one.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    coordinator_id: Mapped[int] = mapped_column(
        ForeignKey("coordinator.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    role: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Addressee(db.Model):
    """A government or institution a statement addresses; it may stand in several
    of the statement's groups of demands."""

    __table_args__ = (
        UniqueConstraint("statement_id", "name"),
        # Its ids are in links: SQLite must not reuse a deleted one.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(ADDRESSEE_NAME_LENGTH))
    role: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str | None] = mapped_column(String(16))
    book_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("address_book_entry.id", ondelete="SET NULL")
    )

    statement: Mapped[Statement] = relationship(back_populates="addressees")
    book_entry: Mapped[AddressBookEntry | None] = relationship()


class DemandGroup(db.Model):
    __table_args__ = (
        UniqueConstraint("statement_id", "position"),
        # Its ids are in links: SQLite must not reuse a deleted one.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(
        ForeignKey("statement.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    intro: Mapped[str] = mapped_column(Text, default="")
    # The letter's own words to this group's addressees; None: the default wording,
    # in the addressee's language (campaign.letters.building).
    letter_salutation: Mapped[str | None] = mapped_column(Text)
    letter_note: Mapped[str | None] = mapped_column(Text)
    letter_closing: Mapped[str | None] = mapped_column(Text)

    statement: Mapped[Statement] = relationship(back_populates="demand_groups")
    addressee_links: Mapped[list[DemandGroupAddressee]] = relationship(
        order_by="DemandGroupAddressee.position", cascade="all, delete-orphan"
    )
    addressees: Mapped[list[Addressee]] = relationship(
        secondary="demand_group_addressee", order_by="DemandGroupAddressee.position",
        viewonly=True,
    )

    def address_to(self, addressees: list[Addressee]) -> None:
        self.addressee_links = [
            DemandGroupAddressee(addressee=addressee, position=position)
            for position, addressee in enumerate(addressees)
        ]
    demands: Mapped[list[Demand]] = relationship(
        back_populates="group", order_by="Demand.position", cascade="all, delete-orphan"
    )


class DemandGroupAddressee(db.Model):
    """An addressee of a group of demands, in the order the statement names them."""

    demand_group_id: Mapped[int] = mapped_column(
        ForeignKey("demand_group.id", ondelete="CASCADE"), primary_key=True
    )
    addressee_id: Mapped[int] = mapped_column(
        ForeignKey("addressee.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int]

    addressee: Mapped[Addressee] = relationship()


class Demand(db.Model):
    __table_args__ = (
        UniqueConstraint("group_id", "position"),
        # Its ids are in links: SQLite must not reuse a deleted one.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("demand_group.id", ondelete="CASCADE"))
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)

    group: Mapped[DemandGroup] = relationship(back_populates="demands")


# --- Translations ----------------------------------------------------------------------
# The same statement in another language, part by part. A translation is a draft until
# its coordinators approve it as official; only an official one is shown to the public
# or sent to an addressee. Each translated part keeps a hash of the source text it
# translated, so the workspace can tell a part whose source changed since (outdated)
# from one still current, without keeping old versions of the source.


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
