"""Coordinator accounts: passwords, signing in, resetting a forgotten password, and
who may run which statement (teams, and invitations to join one).

Reset and invitation links follow the signing links' rule (campaign.signing.models.
Confirmable): only the token's hash is stored, so a leaked database opens no account.
"""

from __future__ import annotations

import secrets
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import ColumnElement, case, delete, literal, or_, select, update
from sqlalchemy.exc import IntegrityError

from campaign.accounts.models import (
    INVITATION_OPEN,
    Coordinator,
    Team,
    TeamInvitation,
    TeamMembership,
)
from campaign.database import UTCDateTime, insert_unless_present, utcnow
from campaign.extensions import db
from campaign.input_checks import LARGEST_ID
from campaign.languages import current_language, in_language, supported_language
from campaign.outbox.requests import ask_by_mail, register_answer
from campaign.outbox.services import queue_email
from campaign.statements.models import Statement
from campaign.text import InvalidEmail, hash_token, normalize_email, normalize_name

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


# The one answer to every refused sign-in: a wrong password, an unknown address and
# an account waiting out its wrong passwords must look alike.
SIGN_IN_REFUSED = _l(
    "We could not sign you in. Either the e-mail address or the password is not right, "
    "or too many wrong passwords were tried for this address: then wait a few minutes, "
    "or reset your password.")


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(ngettext("Use a password of at least %(num)d character.",
                                    "Use a password of at least %(num)d characters.",
                                    MIN_PASSWORD_LENGTH))


def set_password(coordinator: Coordinator, password: str) -> None:
    """A new password; a reset link sent before stops working (one stolen from the
    mailbox must not outlive the password it was asked for)."""
    check_password_strength(password)
    coordinator.password_hash = _hasher.hash(password)
    coordinator.forget_reset_link()


def find_coordinator(email: str) -> Coordinator | None:
    return db.session.scalars(
        select(Coordinator).where(Coordinator.email == normalize_email(email))
    ).one_or_none()


def create_coordinator(email: str, name: str, password: str) -> Coordinator:
    address = normalize_email(email)
    if find_coordinator(address) is not None:
        raise AccountError(_("A coordinator with this e-mail address exists already."))
    # Written to in the language they signed up in, until they choose another.
    coordinator = Coordinator(email=address, name=normalize_name(name),
                              language=current_language())
    set_password(coordinator, password)
    try:
        # The unique address decides when two accounts are made for it at once (two
        # teams' invitations accepted in two tabs): the check above saw neither.
        with db.session.begin_nested():
            db.session.add(coordinator)
    except IntegrityError as error:
        raise AccountError(_("A coordinator with this e-mail address exists already.")
                           ) from error
    return coordinator


def set_language(coordinator: Coordinator, code: str) -> None:
    language = supported_language(code)
    if language is None:
        raise AccountError(_("Choose a language from the list."))
    coordinator.language = language


@dataclass(frozen=True)
class SignInAttempt:
    """An attempt that got a slot: it is counted as a wrong password already, and
    only such an attempt has its password checked."""

    coordinator_id: int
    password_hash: str


def begin_sign_in(email: str) -> SignInAttempt | None:
    """Count an attempt on the account with this address, unless it is waiting out
    its wrong passwords; None when it is, or when no account has the address.

    One conditional UPDATE both checks the wait and counts the attempt, so that
    simultaneous attempts cannot all slip in between a read and a write: on
    PostgreSQL each waits for the previous one's row lock and sees its count and
    wait. The caller commits before the password is checked, so that the count
    holds even if the check never finishes.
    """
    try:
        address = normalize_email(email)
    except InvalidEmail:
        return None
    now = utcnow()
    count = Coordinator.failed_sign_ins + 1
    row = db.session.execute(
        update(Coordinator)
        .where(Coordinator.email == address,
               or_(Coordinator.sign_in_blocked_until.is_(None),
                   Coordinator.sign_in_blocked_until <= now))
        .values(failed_sign_ins=count, sign_in_blocked_until=_blocked_until(count, now))
        .returning(Coordinator.id, Coordinator.password_hash)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    return None if row is None else SignInAttempt(row.id, row.password_hash)


def _blocked_until(count: ColumnElement[int], now: datetime) -> ColumnElement[datetime]:
    """From the FREE_ATTEMPTS-th attempt in a row, the next one waits FIRST_WAIT,
    doubled each time up to LONGEST_WAIT (a CASE, since the count is the database's)."""
    waits = []
    extra = 0
    while FIRST_WAIT * 2 ** extra < LONGEST_WAIT:
        waits.append((count == FREE_ATTEMPTS + extra,
                       literal(now + FIRST_WAIT * 2 ** extra, UTCDateTime())))
        extra += 1
    return case((count < FREE_ATTEMPTS, Coordinator.sign_in_blocked_until), *waits,
                else_=literal(now + LONGEST_WAIT, UTCDateTime()))


def finish_sign_in(attempt: SignInAttempt | None, password: str) -> Coordinator:
    """The coordinator, if the attempt got a slot and the password is right; an
    AccountError otherwise.

    Every refusal reads the same and costs one password check (against a hash no
    password matches when the attempt got no slot), so that neither the page nor
    its timing tells whether an address has an account or is waiting.
    """
    if attempt is None:
        _verify(_UNKNOWN_ACCOUNT_HASH, password)
        raise AccountError(SIGN_IN_REFUSED)
    if not _verify(attempt.password_hash, password):
        raise AccountError(SIGN_IN_REFUSED)
    coordinator = db.session.get_one(Coordinator, attempt.coordinator_id)
    coordinator.failed_sign_ins = 0
    coordinator.sign_in_blocked_until = None
    coordinator.last_signed_in_at = utcnow()
    if _hasher.check_needs_rehash(coordinator.password_hash):
        coordinator.password_hash = _hasher.hash(password)
    return coordinator


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# --- Teams (coalitions) ------------------------------------------------------------


class NotTeamOwner(AccountError):
    """Only a team's owner changes who is on it."""


def is_member(coordinator: Coordinator, team: Team) -> bool:
    return db.session.get(TeamMembership, (team.id, coordinator.id)) is not None


def is_on_team(coordinator: Coordinator, statement: Statement) -> bool:
    """Whether the coordinator is on the team that runs the statement."""
    return statement.team_id is not None and db.session.get(
        TeamMembership, (statement.team_id, coordinator.id)) is not None


def is_owner(coordinator: Coordinator, team: Team) -> bool:
    return team.owner_id == coordinator.id


def create_team(owner: Coordinator, name: str) -> Team:
    name = normalize_name(name)
    if not name:
        raise AccountError(_("Give the team a name."))
    team = Team(name=name, owner=owner)
    db.session.add(team)
    db.session.add(TeamMembership(team=team, coordinator=owner))
    return team


def rename_team(team: Team, name: str, by: Coordinator) -> None:
    _require_owner(team, by)
    name = normalize_name(name)
    if not name:
        raise AccountError(_("Give the team a name."))
    team.name = name


def _require_owner(team: Team, coordinator: Coordinator) -> None:
    if not is_owner(coordinator, team):
        raise NotTeamOwner(_("Only the team's owner can do this."))


def teams_of(coordinator: Coordinator) -> list[Team]:
    return list(db.session.scalars(
        select(Team).join(TeamMembership, TeamMembership.team_id == Team.id)
        .where(TeamMembership.coordinator_id == coordinator.id)
        .order_by(Team.created_at, Team.id)))


def team_of_member(coordinator: Coordinator, team_id: int) -> Team | None:
    """The team with this id, if the coordinator is on it (to anyone else it does not
    exist). An id no team can have is no team, not a database error."""
    if not 0 < team_id <= LARGEST_ID:
        return None
    team = db.session.get(Team, team_id)
    return team if team is not None and is_member(coordinator, team) else None


def team_for_new_statement(coordinator: Coordinator) -> Team:
    """The team a coordinator's new statement goes to: their first team, or a team of
    their own when they are on none."""
    teams = teams_of(coordinator)
    return teams[0] if teams else create_team(coordinator, coordinator.name)


def give_statement_to_team(statement: Statement, team: Team) -> None:
    if team.id is None:
        db.session.flush()  # a team created just now gets its id
    statement.team_id = team.id


def add_to_team(statement: Statement, coordinator: Coordinator) -> None:
    """Put the coordinator on the statement's team; a statement with none gets a team
    owned by the coordinator."""
    if coordinator.id is None or statement.id is None:
        db.session.flush()  # memberships are looked up by id
    if statement.team_id is None:
        give_statement_to_team(statement, create_team(coordinator, coordinator.name))
        return
    team = db.session.get_one(Team, statement.team_id)
    if not is_member(coordinator, team):
        db.session.add(TeamMembership(team=team, coordinator=coordinator))


def team_statements(coordinator: Coordinator) -> list[Statement]:
    return list(db.session.scalars(
        select(Statement)
        .join(TeamMembership, TeamMembership.team_id == Statement.team_id)
        .where(TeamMembership.coordinator_id == coordinator.id)
        .order_by(Statement.created_at.desc(), Statement.id.desc())
    ))


def statements_of_team(team: Team) -> list[Statement]:
    return list(db.session.scalars(
        select(Statement).where(Statement.team_id == team.id)
        .order_by(Statement.created_at.desc(), Statement.id.desc())))


def team_members(team: Team) -> list[Coordinator]:
    return list(db.session.scalars(
        select(Coordinator)
        .join(TeamMembership, TeamMembership.coordinator_id == Coordinator.id)
        .where(TeamMembership.team_id == team.id)
        .order_by(Coordinator.name, Coordinator.email)
    ))


def remove_member(team: Team, coordinator_id: int, by: Coordinator) -> Coordinator:
    """Take a member off the team: they no longer see any of its statements. The
    owner stays, so that every team has someone who can change it."""
    _require_owner(team, by)
    if coordinator_id == team.owner_id:
        raise AccountError(_("The team's owner cannot be removed from it."))
    membership = db.session.get(TeamMembership, (team.id, coordinator_id))
    if membership is None:
        raise AccountError(_("This person is not on the team (any more)."))
    member = membership.coordinator
    db.session.delete(membership)
    return member


def _new_token() -> tuple[str, str]:
    """A token for a link, and the hash to store in its place."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


# --- Forgotten passwords ----------------------------------------------------------


PASSWORD_RESET_REQUEST = "password_reset"


def ask_for_password_reset(email: str) -> None:
    """The forgotten-password form: the worker answers it (request_password_reset), so
    that the request takes the same time whether or not the address has an account."""
    ask_by_mail(PASSWORD_RESET_REQUEST, email)


def register_password_reset_requests() -> None:
    register_answer(PASSWORD_RESET_REQUEST, lambda _statement_id, email: (
        request_password_reset(email)))


def request_password_reset(email: str) -> None:
    """For the worker: mail a reset link to the account with this address, if there
    is one and no link went to it within the resend interval: anyone can type an
    address into the form, and must not be able to flood its inbox."""
    try:
        address = normalize_email(email)
    except InvalidEmail:
        return
    now = utcnow()
    lifetime = _reset_link_lifetime()
    interval = timedelta(minutes=current_app.config["PASSWORD_RESET_RESEND_MINUTES"])
    token, token_hash = _new_token()
    # The account keeps no time of mailing, but a link's expiry minus its lifetime is
    # when it was issued. The check and the new link are one conditional UPDATE, so
    # of simultaneous requests only the first gets a row back and mails: the others
    # wait for its row lock, then see its link (a link issued recently is also left
    # alone, so the e-mail already on its way stays valid).
    coordinator = db.session.execute(
        update(Coordinator)
        .where(Coordinator.email == address,
               or_(Coordinator.password_reset_expires_at.is_(None),
                   Coordinator.password_reset_expires_at <= now + lifetime - interval))
        .values(password_reset_token_hash=token_hash, password_reset_expires_at=now + lifetime)
        .returning(Coordinator.email, Coordinator.name, Coordinator.language)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if coordinator is None:
        return
    with in_language(coordinator.language):
        queue_email(
            to=coordinator.email,
            subject=_("Reset your password for Undersigned"),
            template="password_reset",
            context={"coordinator_name": coordinator.name, "token": token,
                     "link_valid_minutes":
                         current_app.config["PASSWORD_RESET_LINK_MAX_AGE_MINUTES"]},
        )


def coordinator_for_reset_token(token: str, *, for_update: bool = False) -> Coordinator:
    """The account a reset link is for, or an AccountError saying why the link
    cannot be used. Locked when about to reset, so that a link works only once."""
    query = select(Coordinator).where(Coordinator.password_reset_token_hash == hash_token(token))
    coordinator = db.session.scalars(
        query.with_for_update() if for_update else query).one_or_none()
    if coordinator is None:
        raise AccountError(_(
            "This link to reset your password is not valid: it has been used already, or a "
            "newer link replaced it. Ask for a new link if you still need one."))
    if coordinator.password_reset_expires_at is None or (
        coordinator.password_reset_expires_at <= utcnow()
    ):
        raise AccountError(_("This link to reset your password has expired. Ask for a new one."))
    return coordinator


def reset_password(token: str, password: str) -> Coordinator:
    """Set a new password through a reset link, which then stops working. The
    coordinator proved they read the account's mailbox, so the slowdown after wrong
    passwords is lifted and the caller signs them in."""
    coordinator = coordinator_for_reset_token(token, for_update=True)
    set_password(coordinator, password)
    coordinator.failed_sign_ins = 0
    coordinator.sign_in_blocked_until = None
    coordinator.last_signed_in_at = utcnow()
    return coordinator


def _reset_link_lifetime() -> timedelta:
    return timedelta(minutes=current_app.config["PASSWORD_RESET_LINK_MAX_AGE_MINUTES"])


# --- Invitations to a team --------------------------------------------------------


def pending_invitations(team: Team) -> list[TeamInvitation]:
    return list(db.session.scalars(
        select(TeamInvitation)
        .where(TeamInvitation.team_id == team.id,
               TeamInvitation.accepted_at.is_(None),
               TeamInvitation.expires_at > utcnow())
        .order_by(TeamInvitation.created_at, TeamInvitation.id)
    ))


def invite_to_team(team: Team, email: str, invited_by: Coordinator) -> TeamInvitation:
    """Mail an invitation to join the team. Inviting an address again renews its open
    invitation, so only the newest link works; not within INVITATION_RESEND_MINUTES of
    the last, so that an owner's account, or a script using it, cannot flood a
    mailbox."""
    _require_owner(team, invited_by)
    address = normalize_email(email)
    existing = find_coordinator(address)
    if existing is not None and is_member(existing, team):
        raise AccountError(_("%(email)s is on the team already.", email=address))
    token, token_hash = _new_token()
    now = utcnow()
    valid_days = current_app.config["TEAM_INVITATION_MAX_AGE_DAYS"]
    sent = {"token_hash": token_hash, "invited_by_id": invited_by.id, "sent_at": now,
            "expires_at": now + timedelta(days=valid_days)}
    resend_minutes = current_app.config["INVITATION_RESEND_MINUTES"]
    open_to_address = (TeamInvitation.team_id == team.id, TeamInvitation.email == address,
                       TeamInvitation.accepted_at.is_(None))
    for _attempt in range(2):
        # The open invitation's unique index and a conditional UPDATE decide, not a
        # read before: of two requests at once, one mails and the other is told it
        # was sent.
        invitation = db.session.scalars(
            insert_unless_present(TeamInvitation, ["team_id", "email"], INVITATION_OPEN)
            .values(team_id=team.id, email=address, created_at=now, **sent)
            .returning(TeamInvitation)).one_or_none() or db.session.scalars(
            update(TeamInvitation)
            .where(*open_to_address,
                   TeamInvitation.sent_at <= now - timedelta(minutes=resend_minutes))
            .values(**sent)
            .returning(TeamInvitation)
            .execution_options(populate_existing=True)).one_or_none()
        # Neither: the open one was sent within the interval, or the hourly sweep
        # deleted it, expired, between the two statements, and the insert is tried
        # again.
        if invitation is not None or db.session.scalar(
                select(TeamInvitation.id).where(*open_to_address)) is not None:
            break
    if invitation is None:
        raise AccountError(ngettext(
            "An invitation was sent to %(email)s less than %(num)d minute ago. Give "
            "it time to arrive; you can send it again after that.",
            "An invitation was sent to %(email)s less than %(num)d minutes ago. Give "
            "it time to arrive; you can send it again after that.",
            resend_minutes, email=address))
    queue_email(
        to=address,
        subject=_("%(name)s invites you to the team “%(team)s”",
                  name=invited_by.name, team=team.name),
        template="team_invitation",
        # Replies reach the person who invited, not a no-reply address.
        reply_to=invited_by.email,
        context={"inviter_name": invited_by.name, "team_name": team.name,
                 "statement_titles": [statement.title for statement in statements_of_team(team)],
                 "token": token, "link_valid_days": valid_days},
    )
    return invitation


def cancel_invitation(team: Team, invitation_id: int, by: Coordinator) -> TeamInvitation:
    """Withdraw an open invitation: its link stops working at once."""
    _require_owner(team, by)
    now = utcnow()
    invitation = db.session.scalars(
        select(TeamInvitation).where(TeamInvitation.id == invitation_id,
                                     TeamInvitation.team_id == team.id,
                                     TeamInvitation.accepted_at.is_(None),
                                     TeamInvitation.expires_at > now)
        .with_for_update()).one_or_none()
    if invitation is None:
        raise AccountError(_("This invitation is no longer open: it was accepted or "
                             "cancelled already."))
    # Kept, expired and with a hash no link has, rather than deleted: inviting the
    # address again then waits out the resend interval, as any renewal does, where
    # cancelling and inviting again would mail it again and again.
    _token, invitation.token_hash = _new_token()
    invitation.expires_at = now
    return invitation


def delete_closed_invitations(now: datetime) -> int:
    """Delete the invitations cancelled or expired, once they may be sent anew (the
    resend interval counts from the row, and it goes only after that): the address of
    someone who never joined is kept no longer than the link could be used. How many."""
    resend_minutes = current_app.config["INVITATION_RESEND_MINUTES"]
    return db.session.execute(
        delete(TeamInvitation)
        .where(TeamInvitation.accepted_at.is_(None), TeamInvitation.expires_at <= now,
               TeamInvitation.sent_at <= now - timedelta(minutes=resend_minutes))
        .execution_options(synchronize_session=False)).rowcount


def invitation_for_token(token: str, *, for_update: bool = False) -> TeamInvitation:
    """The invitation a link is for, or an AccountError saying why it cannot be used."""
    query = select(TeamInvitation).where(TeamInvitation.token_hash == hash_token(token))
    invitation = db.session.scalars(
        query.with_for_update() if for_update else query).one_or_none()
    if invitation is None:
        raise AccountError(_(
            "This invitation link is not valid: it was cancelled or has expired, a newer "
            "invitation replaced it, or the link is incomplete. The latest invitation "
            "e-mail has the link to use; if it no longer works, ask the team's owner to "
            "invite you again."))
    if invitation.accepted_at is not None:
        raise AccountError(_(
            "This invitation has been accepted already. Sign in to find the team's "
            "statements among your statements."))
    if invitation.expires_at <= utcnow():
        raise AccountError(_(
            "This invitation has expired. Ask the team's owner to invite you again."))
    return invitation


def _join(team: Team, coordinator: Coordinator) -> None:
    # A team left without an owner (theirs was deleted, or none was known when teams
    # were made from the statements' teams) gets the next member who joins.
    if team.owner_id is None:
        team.owner_id = coordinator.id
    if not is_member(coordinator, team):
        db.session.add(TeamMembership(team=team, coordinator=coordinator))


def accept_invitation(token: str, coordinator: Coordinator) -> Team:
    """Put a signed-in coordinator on the team they were invited to; the invitation
    is for an address, so only the account with that address may accept it."""
    invitation = invitation_for_token(token, for_update=True)
    if coordinator.email != invitation.email:
        raise AccountError(_(
            "This invitation is for another e-mail address than the one you are signed in "
            "with. Sign out, then follow the link again."))
    _join(invitation.team, coordinator)
    invitation.accepted_at = utcnow()
    return invitation.team


def accept_invitation_with_new_account(token: str, name: str, password: str) -> Coordinator:
    """Create the account for the invited address and put it on the team. Following
    the e-mailed link proves the address, so the caller signs the coordinator in."""
    invitation = invitation_for_token(token, for_update=True)
    coordinator = create_coordinator(invitation.email, name, password)
    coordinator.last_signed_in_at = utcnow()
    db.session.flush()  # _join looks the membership up by the new account's id
    _join(invitation.team, coordinator)
    invitation.accepted_at = utcnow()
    return coordinator


# --- Own settings ------------------------------------------------------------------


def change_password(coordinator: Coordinator, current: str, new: str) -> None:
    """A new password for a signed-in coordinator, who must know the current one (a
    session left open on a shared computer must not be enough). Sessions opened with
    the old password end (see Coordinator.get_id); the caller signs this one in again."""
    if not _verify(coordinator.password_hash, current):
        raise AccountError(_("The current password is not right."))
    set_password(coordinator, new)


def valid_time_zone(name: str) -> str | None:
    """The IANA zone of that name, or None when there is no such zone."""
    return name if name in available_time_zones() else None


@cache
def available_time_zones() -> tuple[str, ...]:
    # "localtime" and the like are files of the system's database, not zones to choose.
    return tuple(sorted(zone for zone in zoneinfo.available_timezones()
                        if "/" in zone or zone == "UTC"))


def set_time_zone(coordinator: Coordinator, name: str) -> None:
    zone = valid_time_zone(name)
    if zone is None:
        raise AccountError(_("Choose a time zone from the list."))
    coordinator.time_zone = zone


# The hours (in their own time zone) a coordinator may choose for their daily digest.
DIGEST_HOURS = range(24)


def set_digest_hour(coordinator: Coordinator, hour: int | None) -> None:
    if hour is not None and hour not in DIGEST_HOURS:
        raise ValueError(f"a digest hour is 0–23, not {hour}")
    coordinator.digest_hour = hour
