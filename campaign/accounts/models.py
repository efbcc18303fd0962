"""Coordinators, the teams (coalitions) that run statements, and invitations to join one."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, datetime

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.database import UTCDateTime, utcnow
from campaign.extensions import db


class Coordinator(UserMixin, db.Model):
    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lower_case"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Repeated wrong passwords make the next attempt wait longer (see accounts.services).
    failed_sign_ins: Mapped[int] = mapped_column(default=0)
    sign_in_blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_reset_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    password_reset_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The hour (0–23, in their own time zone) of this coordinator's daily digest;
    # None for no digest.
    digest_hour: Mapped[int | None] = mapped_column(default=7)
    # An IANA zone name ("Europe/Kyiv"): digests are sent and times shown in it.
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    # The last day whose digests were looked at for them, sent or with nothing to say:
    # the runs after their hour skip them until the next day's (campaign.digests).
    digests_done_for: Mapped[date | None] = mapped_column(Date)
    # The language of every e-mail to this coordinator (chosen in their settings).
    language: Mapped[str] = mapped_column(String(16), default="en", server_default="en")
    # An instance admin manages the instance-wide block and allow lists; set from the
    # command line only (`flask make-admin`).
    is_admin: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Raised by every sign-out: it is in each session's stamp, so a session cookie
    # copied before (from a shared or seized computer) stops working with it.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")

    memberships: Mapped[list[TeamMembership]] = relationship(
        back_populates="coordinator", cascade="all, delete-orphan"
    )

    def get_id(self) -> str:
        """The session's reference to this coordinator. It carries a stamp of the
        password hash and of the sign-outs, so that a new password (after a reset) or
        signing out ends every session opened before."""
        return f"{self.id}:{self.session_stamp()}"

    def session_stamp(self) -> str:
        # Keyed, so that the cookie reveals nothing of the hash itself.
        stamped = f"{self.password_hash}:{self.session_generation}"
        return hmac.new(current_app.secret_key.encode(), stamped.encode(),
                        hashlib.sha256).hexdigest()[:24]

    def end_sessions(self) -> None:
        """Signing out: every session of this coordinator ends, on every device, and
        so does a reset link not used yet, which would open a new one."""
        self.session_generation += 1
        self.forget_reset_link()

    def forget_reset_link(self) -> None:
        self.password_reset_token_hash = None
        self.password_reset_expires_at = None


class Team(db.Model):
    """A coalition: it owns statements, and each of its members sees and runs all of
    them. Only its owner changes who is on it."""

    # Its ids are in links: SQLite must not reuse a deleted one.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("coordinator.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    owner: Mapped[Coordinator | None] = relationship()


class TeamMembership(db.Model):
    """A coordinator sees and changes only the statements of the teams they are on."""

    __tablename__ = "team_member"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("team.id", ondelete="CASCADE"), primary_key=True
    )
    coordinator_id: Mapped[int] = mapped_column(
        ForeignKey("coordinator.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    team: Mapped[Team] = relationship()
    coordinator: Mapped[Coordinator] = relationship(back_populates="memberships")


# An address has one open invitation to a team at most: inviting it again renews it.
INVITATION_OPEN = text("accepted_at IS NULL")


class TeamInvitation(db.Model):
    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_lower_case"),
        Index("uq_team_invitation_open", "team_id", "email", unique=True,
              postgresql_where=INVITATION_OPEN, sqlite_where=INVITATION_OPEN),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("coordinator.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When it was last mailed: it is mailed again only after the resend interval.
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    team: Mapped[Team] = relationship()
    invited_by: Mapped[Coordinator | None] = relationship()
