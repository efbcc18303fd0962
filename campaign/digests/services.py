"""What coordinators are told without asking: a daily digest, and milestones.

Digest: at their `digest_hour` in their own time zone each coordinator gets, for each
statement of their teams, what happened on their previous day (the last whole day,
midnight to midnight where they live): organizations
that confirmed their co-signature, individuals who confirmed, letters sent or
failed, replies recorded; and what waits for moderation now. Nothing happened, no
digest. It goes at the beat task's first run at or after that hour, not only within
it: the hour may never come on their clock (03:00 on the night clocks go forward) or
the worker may be down all through it. Each coordinator's day is looked at once
(`Coordinator.digests_done_for`), and `DigestSent` (written first, unique per
coordinator, statement and day) keeps two workers racing from sending it twice.

Milestones: a beat task every minute compares each statement's count (from the
sharded tally, so the signing path does none of this) with the milestones already
announced; crossing one or several at once sends one e-mail naming the highest.
`MilestoneReached` is written first, so a repeated run announces nothing twice.

Services only: the worker's tasks commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from sqlalchemy import JSON, Text, and_, cast, func, or_, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError

from campaign.accounts.models import Coordinator, TeamMembership
from campaign.digests.models import DigestSent, MilestoneReached
from campaign.extensions import db
from campaign.languages import format_count, in_language
from campaign.letters.models import Letter, LetterStatus
from campaign.outbox.models import OutboxMessage
from campaign.outbox.services import queue_email
from campaign.progress.trending import trending_in_period
from campaign.replies.models import Reply
from campaign.signing.models import (
    ACTIVE_INDIVIDUAL_STATUSES,
    CONFIRMED_ORGANIZATION_STATUSES,
    IndividualSignature,
    OrganizationSignature,
    OrganizationStatus,
)
from campaign.signing.tally import read_counts
from campaign.statements.models import Addressee, Statement, StatementStatus

DIGEST_TEMPLATE = "digest"
MILESTONE_TEMPLATE = "milestone"
# What a digest's context holds of the signers' clients (networks and e-mail domains
# seen in a flood): kept no longer than the signatures keep it (forget_client_data).
CLIENT_DATA_KEYS = ("trending_networks", "trending_domains")



# --- The daily digest -------------------------------------------------------------


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        # A zone the zone database lost in an upgrade: UTC rather than no digest.
        return UTC


def _day_bounds(day: date, zone: str = "UTC") -> tuple[datetime, datetime]:
    """Midnight to midnight in the zone (a day of 23 or 25 hours when clocks change)."""
    tz = _zone(zone)
    start = datetime.combine(day, time(), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def digest_of(statement_id: int, day: date, zone: str = "UTC") -> dict[str, Any] | None:
    """What happened on a statement on that day in that time zone, as plain values for
    the e-mail; None when nothing did."""
    start, end = _day_bounds(day, zone)
    organizations = [
        {"name": name, "status": status.value}
        for name, status in db.session.execute(
            select(OrganizationSignature.name, OrganizationSignature.status)
            .where(OrganizationSignature.statement_id == statement_id,
                   OrganizationSignature.status.in_(CONFIRMED_ORGANIZATION_STATUSES),
                   OrganizationSignature.confirmed_at >= start,
                   OrganizationSignature.confirmed_at < end)
            .order_by(OrganizationSignature.confirmed_at, OrganizationSignature.id))
    ]
    individuals = db.session.scalar(
        select(func.count()).select_from(IndividualSignature)
        .where(IndividualSignature.statement_id == statement_id,
               IndividualSignature.status.in_(ACTIVE_INDIVIDUAL_STATUSES),
               IndividualSignature.confirmed_at >= start,
               IndividualSignature.confirmed_at < end)) or 0
    letters = [
        {"addressee": name, "status": status.value}
        for name, status in db.session.execute(
            select(Addressee.name, Letter.status)
            .join(Addressee, Letter.addressee_id == Addressee.id)
            .where(Letter.statement_id == statement_id,
                   ((Letter.status == LetterStatus.SENT) & (Letter.sent_at >= start)
                    & (Letter.sent_at < end))
                   | ((Letter.status == LetterStatus.FAILED) & (Letter.created_at >= start)
                      & (Letter.created_at < end)))
            .order_by(Letter.id))
    ]
    replies = [
        {"addressee": reply.addressee.name if reply.addressee else None,
         "received_on": reply.received_on.isoformat()}
        for reply in db.session.scalars(
            select(Reply).where(Reply.statement_id == statement_id, Reply.created_at >= start,
                                Reply.created_at < end).order_by(Reply.id))
    ]
    trending = trending_in_period(statement_id, start, end)
    if not (organizations or individuals or letters or replies or trending):
        return None
    awaiting = db.session.scalar(
        select(func.count()).select_from(OrganizationSignature)
        .where(OrganizationSignature.statement_id == statement_id,
               OrganizationSignature.status == OrganizationStatus.AWAITING_APPROVAL)) or 0
    return {"day": day.isoformat(), "organizations": organizations,
            "individuals": individuals, "letters": letters, "replies": replies,
            "awaiting_moderation": awaiting,
            "trending_networks": [{"value": source.value, "peak": source.count}
                                  for source in trending.networks],
            "trending_domains": [{"value": source.value, "peak": source.count}
                                 for source in trending.domains]}


def forget_client_data(through: date) -> int:
    """Take the networks and e-mail domains out of the digests of every day up to
    `through`, whatever became of them; returns how many.

    Waiting ones too: a digest that has not gone by then never will in time to help,
    and the period is how long the data lives, not how long it waits. One UPDATE of
    only the rows that still hold some, so the hourly sweep does not rewrite them."""
    context = OutboxMessage.context
    if db.session.get_bind().dialect.name == "postgresql":
        kept: Any = cast(context, JSONB)
        for key in CLIENT_DATA_KEYS:
            kept = kept.op("-")(cast(key, Text))
        kept = cast(kept, JSON)
    else:
        kept = func.json_remove(context, *(f"$.{key}" for key in CLIENT_DATA_KEYS))
    return db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.template == DIGEST_TEMPLATE,
               context["day"].as_string() <= through.isoformat(),
               or_(*(context[key].as_string().is_not(None) for key in CLIENT_DATA_KEYS)))
        .values(context=kept)
        .execution_options(synchronize_session=False)
    ).rowcount


def _local_times(now: datetime) -> dict[str, datetime]:
    """`now` on the clock of each time zone a coordinator with a digest lives in."""
    zones = db.session.scalars(select(Coordinator.time_zone).distinct()
                               .where(Coordinator.digest_hour.is_not(None)))
    return {zone: now.astimezone(_zone(zone)) for zone in zones}


def _due_recipients(local_times: dict[str, datetime]
                    ) -> list[tuple[int, str, str, str, str, Statement]]:
    """Each coordinator whose digest hour has come today on their own clock and whose
    digests of yesterday were not looked at yet, with each statement of their teams.
    Before the hour nobody is due, so today's digest cannot go early; once looked at
    (sent or quiet), a day is noted on the coordinator (digests_done_for), so the runs
    until midnight skip them without building anything again."""
    if not local_times:
        return []
    rows = db.session.execute(
        select(Coordinator.id, Coordinator.email, Coordinator.name, Coordinator.language,
               Coordinator.time_zone, Statement)
        .join(TeamMembership, TeamMembership.coordinator_id == Coordinator.id)
        .join(Statement, Statement.team_id == TeamMembership.team_id)
        .where(or_(*(and_(Coordinator.time_zone == zone, Coordinator.digest_hour <= local.hour,
                          or_(Coordinator.digests_done_for.is_(None),
                              Coordinator.digests_done_for < local.date() - timedelta(days=1)))
                     for zone, local in local_times.items())))
        .order_by(Coordinator.id, Statement.id))
    return [tuple(row) for row in rows]  # type: ignore[misc]


def send_due_digests(now: datetime) -> int:
    """Queue the digests due at `now` on each coordinator's clock, each of the day
    before theirs; returns how many."""
    local_times = _local_times(now)
    sent = 0
    digests: dict[tuple[int, date, str], dict[str, Any] | None] = {}
    looked_at: dict[date, set[int]] = {}
    for coordinator_id, address, name, language, zone, statement in _due_recipients(
            local_times):
        day = local_times[zone].date() - timedelta(days=1)
        looked_at.setdefault(day, set()).add(coordinator_id)
        if (statement.id, day, zone) not in digests:
            digests[statement.id, day, zone] = digest_of(statement.id, day, zone)
        digest = digests[statement.id, day, zone]
        if digest is None:
            continue
        if not _note_once(DigestSent(coordinator_id=coordinator_id, statement_id=statement.id,
                                     day=day)):
            continue
        with in_language(language):
            queue_email(
                to=address, template=DIGEST_TEMPLATE,
                subject=_("Your daily digest: %(title)s (%(day)s)", title=statement.title,
                          day=format_date(day)),
                context={"coordinator_name": name, "statement_title": statement.title,
                         "statement_slug": statement.slug, **digest})
        sent += 1
    for day, coordinator_ids in looked_at.items():
        db.session.execute(update(Coordinator).where(Coordinator.id.in_(coordinator_ids))
                           .values(digests_done_for=day))
    return sent


def _note_once(row: DigestSent | MilestoneReached) -> bool:
    """Insert the note first: if it is already there (a second run, a retry, another
    worker), the unique constraint says so and nothing is sent."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return False
    return True


# --- Milestones -------------------------------------------------------------------


def milestones() -> Iterator[int]:
    """100, 500, 1,000, 5,000, 10,000, 50,000 …"""
    value = 100
    while True:
        yield value
        yield value * 5
        value *= 10


def highest_milestone(count: int) -> int | None:
    reached = None
    for milestone in milestones():
        if milestone > count:
            return reached
        reached = milestone
    return None  # pragma: no cover - the generator never ends


def announce_milestones() -> int:
    """Queue one e-mail per coordinator for each statement past a new milestone;
    returns how many statements had one."""
    announced = 0
    already = dict(db.session.execute(
        select(MilestoneReached.statement_id, func.max(MilestoneReached.milestone))
        .group_by(MilestoneReached.statement_id)).all())
    statements = db.session.scalars(
        select(Statement).where(Statement.status != StatementStatus.DRAFT)
        .order_by(Statement.id)).all()
    for statement in statements:
        counts = read_counts(statement.id)
        total = counts.organizations + counts.individuals
        milestone = highest_milestone(total)
        if milestone is None or milestone <= already.get(statement.id, 0):
            continue
        if not _note_once(MilestoneReached(statement_id=statement.id, milestone=milestone)):
            continue
        for address, name, language in coordinators_to_tell(statement):
            with in_language(language):
                queue_email(
                    to=address, template=MILESTONE_TEMPLATE,
                    subject=ngettext("“%(title)s” has passed %(milestone)s signature",
                                     "“%(title)s” has passed %(milestone)s signatures",
                                     milestone, title=statement.title,
                                     milestone=format_count(milestone)),
                    context={"coordinator_name": name, "statement_title": statement.title,
                             "statement_slug": statement.slug, "milestone": milestone,
                             "organizations": counts.organizations,
                             "individuals": counts.individuals})
        announced += 1
    return announced


def coordinators_to_tell(statement: Statement) -> list[tuple[str, str, str]]:
    """Whom news of a statement goes to: its team's coordinators, each with the name
    and the language they are written to in."""
    return [(address, name, language) for address, name, language in db.session.execute(
        select(Coordinator.email, Coordinator.name, Coordinator.language)
        .join(TeamMembership)
        .where(TeamMembership.team_id == statement.team_id)
        .order_by(Coordinator.id))]
