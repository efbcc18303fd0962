"""Coordinator accounts: passwords, signing in, and who may run which statement."""

from __future__ import annotations

from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _
from sqlalchemy import select

from campaign.accounts.models import Coordinator, TeamMembership
from campaign.database import utcnow
from campaign.extensions import db
from campaign.signing.validation import normalize_email, normalize_name
from campaign.statements.models import Statement

MIN_PASSWORD_LENGTH = 10
# After this many wrong passwords in a row, each further attempt must wait, twice as
# long each time: slow enough to stop guessing, short enough not to lock anyone out.
FREE_ATTEMPTS = 5
FIRST_WAIT = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)

_hasher = PasswordHasher()
# Checked against when the address is unknown, so that the answer takes as long as
# for a known one and timing tells nothing about who has an account.
_UNKNOWN_ACCOUNT_HASH = _hasher.hash("no account has this password")


class AccountError(Exception):
    """The message is fit to show the person."""


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_("Use a password of at least %(count)d characters.",
                             count=MIN_PASSWORD_LENGTH))


def set_password(coordinator: Coordinator, password: str) -> None:
    check_password_strength(password)
    coordinator.password_hash = _hasher.hash(password)


def find_coordinator(email: str) -> Coordinator | None:
    return db.session.scalars(
        select(Coordinator).where(Coordinator.email == normalize_email(email))
    ).one_or_none()


def create_coordinator(email: str, name: str, password: str) -> Coordinator:
    address = normalize_email(email)
    if find_coordinator(address) is not None:
        raise AccountError(_("A coordinator with this e-mail address exists already."))
    coordinator = Coordinator(email=address, name=normalize_name(name))
    set_password(coordinator, password)
    db.session.add(coordinator)
    return coordinator


def authenticate(email: str, password: str) -> Coordinator:
    """The coordinator with this address and password. A wrong attempt is counted on
    the account (the caller commits it) and raises AccountError."""
    wrong = AccountError(_("The e-mail address or the password is not right."))
    coordinator = find_coordinator(email)
    if coordinator is None:
        _verify(_UNKNOWN_ACCOUNT_HASH, password)
        raise wrong
    now = utcnow()
    if coordinator.sign_in_blocked_until and coordinator.sign_in_blocked_until > now:
        seconds = int((coordinator.sign_in_blocked_until - now).total_seconds()) + 1
        raise AccountError(_(
            "Too many wrong passwords. Wait %(seconds)d seconds, then try again, or reset "
            "your password.", seconds=seconds))
    if not _verify(coordinator.password_hash, password):
        coordinator.failed_sign_ins += 1
        extra = coordinator.failed_sign_ins - FREE_ATTEMPTS
        if extra >= 0:
            coordinator.sign_in_blocked_until = now + min(FIRST_WAIT * 2 ** extra, LONGEST_WAIT)
        raise wrong
    coordinator.failed_sign_ins = 0
    coordinator.sign_in_blocked_until = None
    coordinator.last_signed_in_at = now
    if _hasher.check_needs_rehash(coordinator.password_hash):
        coordinator.password_hash = _hasher.hash(password)
    return coordinator


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def is_on_team(coordinator: Coordinator, statement: Statement) -> bool:
    return db.session.get(TeamMembership, (statement.id, coordinator.id)) is not None


def add_to_team(statement: Statement, coordinator: Coordinator) -> None:
    if not is_on_team(coordinator, statement):
        db.session.add(TeamMembership(statement=statement, coordinator=coordinator))


def team_statements(coordinator: Coordinator) -> list[Statement]:
    return list(db.session.scalars(
        select(Statement)
        .join(TeamMembership, TeamMembership.statement_id == Statement.id)
        .where(TeamMembership.coordinator_id == coordinator.id)
        .order_by(Statement.created_at.desc())
    ))
