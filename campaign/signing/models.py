"""Signatures: individuals and organizations, each confirmed by e-mail."""

from __future__ import annotations

import enum
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from flask_babel import gettext as _
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from sqlalchemy.sql.expression import TextClause, true

from campaign.abuse.models import HoldReason
from campaign.database import UTCDateTime, enum_column, utcnow
from campaign.domain import TransitionError
from campaign.extensions import db
from campaign.statements.models import AFFILIATION_LENGTH, Statement
from campaign.text import address_key, hash_token


class Confirmable:
    """A single-use confirmation link: only the token's hash is stored, and it is
    cleared once used, so a reused or leaked link confirms nothing."""

    confirmation_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    confirmation_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def issue_confirmation_token(self, valid_for: timedelta) -> str:
        """A new link replaces any earlier one; returns the token to put in the e-mail."""
        token = new_confirmation_token()
        for name, value in token.columns(valid_for).items():
            setattr(self, name, value)
        return token.value

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    def confirmation_expired(self) -> bool:
        return self.confirmation_expires_at is None or self.confirmation_expires_at <= utcnow()

    def _mark_confirmed(self, now: datetime) -> None:
        self.confirmed_at = now
        self.confirmation_token_hash = None
        self.confirmation_expires_at = None



@dataclass(frozen=True)
class ConfirmationToken:
    value: str

    def columns(self, valid_for: timedelta) -> dict[str, Any]:
        """What a signature stores of it: the hash, never the token; and it is mailed now."""
        now = utcnow()
        return {"confirmation_token_hash": hash_token(self.value),
                "confirmation_expires_at": now + valid_for, "last_mailed_at": now}


def new_confirmation_token() -> ConfirmationToken:
    return ConfirmationToken(secrets.token_urlsafe(32))


def new_link_secret() -> str:
    return secrets.token_urlsafe(16)


class SignerLinkSecret:
    """The secret every link to the signer's own page carries (campaign.signing.
    signer_links), beside the signature's id: a link then opens this signature and no
    other, and dies with it, even where a deleted row's id could come back. Stored as
    is, not hashed: every e-mail to the signer is built with it."""

    link_secret: Mapped[str] = mapped_column(String(32), default=new_link_secret)



class SignatureStatusError(TransitionError):
    """A change of status that does not fit the signature's state; the message is fit
    to show a coordinator or the signer."""


class ClientTrace:
    """What the abuse defences keep of the client that submitted a signature (see
    campaign.abuse.clients): never the address, only its keyed hash and network prefix,
    and those only for CLIENT_DATA_RETENTION_DAYS. A held signature says why.

    Holding a signature is a state of its own (SUSPECTED in both models' statuses,
    named by each model's `statuses`), left only through `release` or `invalidate`."""

    ip_hash: Mapped[str | None] = mapped_column(String(32))
    ip_prefix: Mapped[str | None] = mapped_column(String(43))
    hold_reason: Mapped[HoldReason | None] = mapped_column(enum_column(HoldReason, "hold_reason"))

    @property
    def is_held(self) -> bool:
        return self.status is self.statuses.SUSPECTED  # type: ignore[attr-defined]

    def traced_to(self, trace: Mapping[str, str]) -> None:
        """The client this row now answers for (Client.trace)."""
        self.ip_hash = trace["ip_hash"]
        self.ip_prefix = trace["ip_prefix"]

    @property
    def is_invalidated(self) -> bool:
        return self.status is self.statuses.INVALIDATED  # type: ignore[attr-defined]

    def release(self) -> None:
        """Out of the hold: unconfirmed, as if just signed; the caller sends the link.
        The reason it was held stays, for the record."""
        if not self.is_held:
            raise SignatureStatusError(_("This signature is not held, so it cannot be released."))
        self.status = self.statuses.UNCONFIRMED  # type: ignore[attr-defined]

    def invalidate(self) -> None:
        """Judged not genuine: never listed, counted or mailed. Only a held signature,
        which counts nowhere, is invalidated this way."""
        if not self.is_held:
            raise SignatureStatusError(_(
                "This signature is not held, so it cannot be invalidated here."))
        self.status = self.statuses.INVALIDATED  # type: ignore[attr-defined]
        self.confirmation_token_hash = None
        self.confirmation_expires_at = None


class NameDisplay(enum.StrEnum):
    FULL = "full"
    FIRST_NAME_AND_INITIAL = "first_name_and_initial"
    HIDDEN = "hidden"

    def shows_more_than(self, other: NameDisplay) -> bool:
        return _NAME_SHOWN[self] > _NAME_SHOWN[other]


# How much of a name each choice shows.
_NAME_SHOWN = {NameDisplay.HIDDEN: 0, NameDisplay.FIRST_NAME_AND_INITIAL: 1,
               NameDisplay.FULL: 2}


class IndividualStatus(enum.StrEnum):
    UNCONFIRMED = "unconfirmed"
    CONFIRMED = "confirmed"
    # Hidden by a coordinator as abusive: out of the public list and the counts.
    HIDDEN = "hidden"
    # Withdrawn by the signer: out of the lists, the counts and every mailing.
    WITHDRAWN = "withdrawn"
    # Held by the abuse defences: stored, not counted, not mailed, until a coordinator
    # releases it (it becomes unconfirmed and is sent its link) or invalidates it.
    SUSPECTED = "suspected"
    # Judged not genuine by a coordinator: out of the lists and counts for good.
    INVALIDATED = "invalidated"


# The active signers: listed, counted, and the only ones letters, exports and mail
# to signers go to (each of those selects them by this set).
ACTIVE_INDIVIDUAL_STATUSES = frozenset({IndividualStatus.CONFIRMED})
# Held signatures were never confirmed either: kept no longer than unconfirmed ones.
NEVER_CONFIRMED_INDIVIDUAL_STATUSES = frozenset({IndividualStatus.UNCONFIRMED,
                                                 IndividualStatus.SUSPECTED})
# Signatures nobody is written to about themselves, not even their own link, until a
# coordinator releases them (if ever).
UNMAILED_INDIVIDUAL_STATUSES = frozenset({IndividualStatus.SUSPECTED,
                                          IndividualStatus.INVALIDATED})
CONFIRMABLE_INDIVIDUAL_STATUSES = frozenset({IndividualStatus.UNCONFIRMED})
HIDEABLE_STATUSES = ACTIVE_INDIVIDUAL_STATUSES
UNHIDEABLE_STATUSES = frozenset({IndividualStatus.HIDDEN})
WITHDRAWABLE_STATUSES = frozenset(IndividualStatus) - {IndividualStatus.WITHDRAWN}
# Someone who withdrew and signs again starts over.
SIGN_AGAIN_STATUSES = frozenset({IndividualStatus.WITHDRAWN})
# What a bulk invalidation (campaign.moderation.invalidation) may take out: anything not
# already out by the signer's own choice or a coordinator's judgement.
INVALIDATABLE_INDIVIDUAL_STATUSES = frozenset({
    IndividualStatus.UNCONFIRMED, IndividualStatus.CONFIRMED, IndividualStatus.HIDDEN,
    IndividualStatus.SUSPECTED})


class WrittenToInLanguage:
    """The language of the pages the signer signed on: every e-mail to them is written
    in it (campaign.languages; one we no longer offer falls back to the default)."""

    language: Mapped[str] = mapped_column(String(16), default="en", server_default="en")


class IndividualSignature(Confirmable, SignerLinkSecret, ClientTrace, WrittenToInLanguage,
                          db.Model):
    __table_args__ = (
        # One mailbox signs a statement at most once, however its address is spelled
        # (see canonical_email): a Gmail address with dots or a +tag is the same one.
        UniqueConstraint("statement_id", "email_key"),
        CheckConstraint("email = lower(email)", name="email_lower_case"),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
        Index("ix_individual_signature_public_list", "statement_id", "status", "confirmed_at"),
        # The trending view and bulk invalidation look for recent signatures by network.
        Index("ix_individual_signature_ip_prefix", "statement_id", "ip_prefix", "created_at"),
        # Bulk invalidation and the trending view look for signatures by e-mail domain.
        Index("ix_individual_signature_email_domain", "statement_id", "email_domain",
              "created_at"),
        # Ids are in links and e-mails: SQLite must never hand a deleted one out again.
        {"sqlite_autoincrement": True},
    )

    statuses: ClassVar[type[IndividualStatus]] = IndividualStatus

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    # The address as typed (normalized): the one we write to.
    email: Mapped[str] = mapped_column(String(254))
    # The mailbox it reaches, kept in step with `email`; see campaign.signing.
    # validation.canonical_email. Longer than an address: the migration that brought
    # it in had to tell apart old rows of one mailbox by a suffix.
    email_key: Mapped[str] = mapped_column(String(300))
    # The e-mail's domain, lower-cased and in ASCII (IDNA): see campaign.abuse.domains.
    email_domain: Mapped[str | None] = mapped_column(String(253))
    country: Mapped[str] = mapped_column(String(2))
    # "Professor of Law, Kyiv University": shown beside the name, with the
    # statement's disclaimer, only while the statement asks for it.
    affiliation: Mapped[str | None] = mapped_column(String(AFFILIATION_LENGTH))
    name_display: Mapped[NameDisplay] = mapped_column(enum_column(NameDisplay, "name_display"))
    wants_updates: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[IndividualStatus] = mapped_column(
        enum_column(IndividualStatus, "individual_status"), default=IndividualStatus.UNCONFIRMED
    )
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    statement: Mapped[Statement] = relationship()

    @validates("email")
    def _keep_email_key(self, _key: str, address: str) -> str:
        self.email_key = address_key(address)
        return address

    @property
    def public_name(self) -> str | None:
        """The name as the signer chose to show it, or None when it is not shown."""
        if self.name_display is NameDisplay.FULL:
            return self.name
        if self.name_display is NameDisplay.FIRST_NAME_AND_INITIAL:
            first, *rest = self.name.split()
            return f"{first} {rest[-1][0]}." if rest else first
        return None

    @property
    def shown_affiliation(self) -> str | None:
        """The affiliation as the public, letters and exports see it: only when the
        statement asks for affiliations, and never beside a name not shown."""
        if not self.statement.asks_affiliation or self.name_display is NameDisplay.HIDDEN:
            return None
        return self.affiliation or None

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_INDIVIDUAL_STATUSES

    @property
    def is_confirmable(self) -> bool:
        return self.status in CONFIRMABLE_INDIVIDUAL_STATUSES

    def confirm(self, now: datetime) -> None:
        """The signer followed their link: listed and counted from now (the caller
        adds it to the tally)."""
        if not self.is_confirmable:
            raise SignatureStatusError(_("This signature cannot be confirmed now."))
        self._mark_confirmed(now)
        self.status = IndividualStatus.CONFIRMED

    def hide(self, now: datetime) -> None:
        """Out of the public list and the counts (the caller takes it off the tally).
        Only a confirmed signature: an unconfirmed one is not public, and its signer
        could still confirm it, which would make it public again."""
        if self.status is IndividualStatus.HIDDEN:
            raise SignatureStatusError(_("This signature is already hidden."))
        if self.status not in HIDEABLE_STATUSES:
            raise SignatureStatusError(_("This signature is not confirmed, so it is not public."))
        self.status = IndividualStatus.HIDDEN
        self.hidden_at = now

    def unhide(self) -> None:
        if self.status not in UNHIDEABLE_STATUSES:
            raise SignatureStatusError(_("This signature is not hidden."))
        self.status = IndividualStatus.CONFIRMED
        self.hidden_at = None

    def withdraw(self, now: datetime) -> None:
        """Out of the lists, the counts and every mailing, by the signer's choice; an
        unconfirmed signature must not become public through an old link."""
        if self.status not in WITHDRAWABLE_STATUSES:
            raise SignatureStatusError(_("You have already withdrawn this signature."))
        self.status = IndividualStatus.WITHDRAWN
        self.withdrawn_at = now
        self.wants_updates = False
        self.confirmation_token_hash = None
        self.confirmation_expires_at = None

    def sign_again(self) -> None:
        """A signer who withdrew and signs again starts over: confirming counts them anew."""
        if self.status not in SIGN_AGAIN_STATUSES:
            raise SignatureStatusError(_("This signature was not withdrawn."))
        self.status = IndividualStatus.UNCONFIRMED
        self.confirmed_at = None
        self.withdrawn_at = None

    def take_again(self) -> None:
        """Judged not genuine before anyone confirmed it, and sent again by a submission
        nothing holds: unconfirmed, as if just signed; the caller sends the link. A flood
        that used real people's addresses is invalidated whole, and one of those people
        signing later must not be turned away unseen: only their mailbox can confirm."""
        if not (self.is_invalidated and self.confirmed_at is None):
            raise SignatureStatusError(_(
                "Only a signature invalidated before it was confirmed can be taken again."))
        self.status = IndividualStatus.UNCONFIRMED


class OrganizationType(enum.StrEnum):
    NGO = "ngo"
    UNION = "union"
    FAITH_GROUP = "faith_group"
    ACADEMIC = "academic"
    MEDIA = "media"
    OTHER = "other"


ORGANIZATION_NAME_LENGTH = 200


class OrganizationStatus(enum.StrEnum):
    UNCONFIRMED = "unconfirmed"
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    REJECTED = "rejected"
    # As for individuals: held by the abuse defences, or judged not genuine.
    SUSPECTED = "suspected"
    INVALIDATED = "invalidated"


# Listed and counted: approved by a coordinator (or founding, which come approved).
ACTIVE_ORGANIZATION_STATUSES = frozenset({OrganizationStatus.APPROVED})
NEVER_CONFIRMED_ORGANIZATION_STATUSES = frozenset({OrganizationStatus.UNCONFIRMED,
                                                   OrganizationStatus.SUSPECTED})
UNMAILED_ORGANIZATION_STATUSES = frozenset({OrganizationStatus.SUSPECTED,
                                            OrganizationStatus.INVALIDATED})
# Organizations that confirmed by e-mail, whatever a coordinator decided since.
CONFIRMED_ORGANIZATION_STATUSES = frozenset({OrganizationStatus.AWAITING_APPROVAL,
                                             OrganizationStatus.APPROVED,
                                             OrganizationStatus.REJECTED})
# In a statement's export: approved, and those a coordinator has still to decide on.
EXPORTED_ORGANIZATION_STATUSES = frozenset({OrganizationStatus.APPROVED,
                                            OrganizationStatus.AWAITING_APPROVAL})
CONFIRMABLE_ORGANIZATION_STATUSES = frozenset({OrganizationStatus.UNCONFIRMED})
APPROVABLE_STATUSES = frozenset({OrganizationStatus.AWAITING_APPROVAL})
REJECTABLE_STATUSES = frozenset({OrganizationStatus.AWAITING_APPROVAL})
# A coordinator's decision, which can be undone (back to awaiting approval).
DECIDED_STATUSES = frozenset({OrganizationStatus.APPROVED, OrganizationStatus.REJECTED})
# The co-signature that holds its organization's name on the statement, so that no
# other can be listed by it: the approved one. Anyone can send a real organization's
# name first, with an address of their own, confirmed or not; such a co-signature
# must not keep the organization from co-signing, nor may what a stranger is told
# say whether a co-signature by that name awaits its contact, is held or awaits the
# coordinators. So several contacts' co-signatures by one name may wait side by side,
# and the coordinators, who see them together, approve one
# (campaign.moderation.services.approve_organization).
NAME_HOLDING_STATUSES = frozenset({OrganizationStatus.APPROVED})
# Decided against: its own contact, co-signing again, is answered about it.
NAME_RELEASED_STATUSES = frozenset({OrganizationStatus.REJECTED, OrganizationStatus.INVALIDATED})
# Neither decided nor given up: each contact has one such co-signature by a name at
# most, which its submissions renew.
UNDECIDED_ORGANIZATION_STATUSES = frozenset({
    OrganizationStatus.UNCONFIRMED, OrganizationStatus.SUSPECTED,
    OrganizationStatus.AWAITING_APPROVAL})


def _status_in(statuses: frozenset[OrganizationStatus]) -> TextClause:
    # Written out, not bound: the predicate of a partial unique index, which an
    # INSERT's ON CONFLICT must repeat for the database to find the index.
    return text("status IN ({})".format(
        ", ".join(f"'{status.value}'" for status in sorted(statuses))))


_HOLDS_ITS_NAME = _status_in(NAME_HOLDING_STATUSES)
_UNDECIDED = _status_in(UNDECIDED_ORGANIZATION_STATUSES)
INVALIDATABLE_ORGANIZATION_STATUSES = frozenset({
    OrganizationStatus.UNCONFIRMED, OrganizationStatus.AWAITING_APPROVAL,
    OrganizationStatus.APPROVED, OrganizationStatus.REJECTED, OrganizationStatus.SUSPECTED})


class OrganizationSignature(Confirmable, SignerLinkSecret, ClientTrace, WrittenToInLanguage,
                            db.Model):
    __table_args__ = (
        # One organization of a name per statement, among those that hold it.
        Index("uq_organization_signature_name_held", "statement_id", "name_key",
              unique=True, postgresql_where=_HOLDS_ITS_NAME, sqlite_where=_HOLDS_ITS_NAME),
        # One undecided co-signature per name and contact.
        Index("uq_organization_signature_undecided", "statement_id", "name_key",
              "contact_email_key", unique=True, postgresql_where=_UNDECIDED,
              sqlite_where=_UNDECIDED),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
        # Founding signatories come with the imported text; everyone else must give
        # a contact and say they may sign for the organization.
        CheckConstraint(
            "founding OR (contact_email IS NOT NULL AND contact_name IS NOT NULL "
            "AND authorized_to_sign)",
            name="contact_and_authority",
        ),
        Index("ix_organization_signature_listing", "statement_id", "status"),
        Index("ix_organization_signature_ip_prefix", "statement_id", "ip_prefix", "created_at"),
        Index("ix_organization_signature_email_domain", "statement_id", "email_domain",
              "created_at"),
        {"sqlite_autoincrement": True},
    )

    statuses: ClassVar[type[OrganizationStatus]] = OrganizationStatus

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(ORGANIZATION_NAME_LENGTH))
    # The name folded for comparison, so "ZMINA" and "Zmina " are one organization.
    # Folding can make a name longer ("ß" is "ss"), each character at most three.
    name_key: Mapped[str] = mapped_column(String(3 * ORGANIZATION_NAME_LENGTH))
    country: Mapped[str | None] = mapped_column(String(2))
    organization_type: Mapped[OrganizationType | None] = mapped_column(
        enum_column(OrganizationType, "organization_type")
    )
    website: Mapped[str | None] = mapped_column(String(300))
    contact_name: Mapped[str | None] = mapped_column(String(120))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    # As an individual's email_key: how a contact is recognized, and found.
    contact_email_key: Mapped[str | None] = mapped_column(String(300))
    # The contact's e-mail domain, as for individuals.
    email_domain: Mapped[str | None] = mapped_column(String(253))
    authorized_to_sign: Mapped[bool] = mapped_column(Boolean, default=False)
    founding: Mapped[bool] = mapped_column(Boolean, default=False)
    # A co-signing organization hears of updates unless its contact opts out.
    wants_updates: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    status: Mapped[OrganizationStatus] = mapped_column(
        enum_column(OrganizationStatus, "organization_status"),
        default=OrganizationStatus.UNCONFIRMED,
    )
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    # How a coordinator chose to show the name (a typo fixed, a long name shortened);
    # the name as submitted stays in `name`.
    display_name: Mapped[str | None] = mapped_column(String(200))
    # The file name of its logo in the logo store (campaign.signing.logos): the
    # digest of the re-encoded image, so the same logo is one file.
    logo: Mapped[str | None] = mapped_column(String(80), index=True)

    statement: Mapped[Statement] = relationship()

    @validates("contact_email")
    def _keep_contact_email_key(self, _key: str, address: str | None) -> str | None:
        self.contact_email_key = None if address is None else address_key(address)
        return address

    @property
    def shown_name(self) -> str:
        return self.display_name or self.name

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_ORGANIZATION_STATUSES

    @staticmethod
    def is_undecided() -> TextClause:
        """Neither decided by the coordinators nor given up: awaiting its contact, held
        or awaiting approval (the predicate of uq_organization_signature_undecided)."""
        return _UNDECIDED

    @staticmethod
    def holds_its_name() -> TextClause:
        """Of the co-signatures by one name, the one that holds it (at most one: the
        unique index uq_organization_signature_name_held, whose predicate this is)."""
        return _HOLDS_ITS_NAME

    @property
    def is_confirmable(self) -> bool:
        return self.status in CONFIRMABLE_ORGANIZATION_STATUSES

    def confirm(self, now: datetime) -> None:
        """Its contact followed the link; it is listed only once a coordinator approves it."""
        if not self.is_confirmable:
            raise SignatureStatusError(_("This signature cannot be confirmed now."))
        self._mark_confirmed(now)
        self.status = OrganizationStatus.AWAITING_APPROVAL

    def approve(self, now: datetime) -> None:
        if self.status not in APPROVABLE_STATUSES:
            raise SignatureStatusError({
                OrganizationStatus.APPROVED: _("%(name)s is already approved.",
                                               name=self.shown_name),
                OrganizationStatus.UNCONFIRMED: _(
                    "%(name)s cannot be approved yet: its contact has not confirmed by e-mail.",
                    name=self.shown_name),
                OrganizationStatus.REJECTED: _(
                    "%(name)s was rejected. Undo the rejection first if you want to approve it.",
                    name=self.shown_name),
            }.get(self.status) or _("This signature is not awaiting approval."))
        self.status = OrganizationStatus.APPROVED
        self.approved_at = now

    def reject(self, reason: str, now: datetime) -> None:
        if self.status not in REJECTABLE_STATUSES:
            raise SignatureStatusError(_(
                "Only an organization awaiting approval can be rejected; undo the decision on "
                "%(name)s first.", name=self.shown_name))
        self.status = OrganizationStatus.REJECTED
        self.rejected_at = now
        self.rejection_reason = reason

    def undo_decision(self) -> OrganizationStatus:
        """Back to awaiting approval; returns the decision undone. The reason given for
        a rejection stays in the audit log entry of the rejection."""
        if self.status not in DECIDED_STATUSES:
            raise SignatureStatusError(_("%(name)s has no decision to undo.",
                                         name=self.shown_name))
        undone = self.status
        self.status = OrganizationStatus.AWAITING_APPROVAL
        self.approved_at = None
        self.rejected_at = None
        self.rejection_reason = None
        return undone


class TallyKind(enum.StrEnum):
    INDIVIDUALS = "individuals"
    ORGANIZATIONS = "organizations"


class SignatureTally(db.Model):
    """Counts kept in shards; see campaign.signing.tally for why."""

    __table_args__ = (PrimaryKeyConstraint("statement_id", "kind", "shard"),)

    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"))
    kind: Mapped[TallyKind] = mapped_column(enum_column(TallyKind, "tally_kind"))
    shard: Mapped[int] = mapped_column(SmallInteger)
    count: Mapped[int] = mapped_column(default=0)

    statement: Mapped[Statement] = relationship()
