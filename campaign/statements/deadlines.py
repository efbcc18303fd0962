"""A statement's sign-on deadline and planned delivery date, in the coalition's time
zone: setting and extending them, finding the statements whose deadline has passed,
and saying the deadline as a reader reads it ("October 1, 2026 at 18:00, Kyiv time").

The deadline is stored as a UTC instant and the zone beside it: the instant is what
the signing path and beat compare with, the zone only how people type and read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.dates import format_date, format_time, get_timezone_location
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from campaign.extensions import db
from campaign.statements.models import Statement, StatementError, StatementStatus


@cache
def time_zone_names() -> tuple[str, ...]:
    """The zones a coordinator may choose: the IANA database's, less its "Etc/GMT+3"
    kind, whose sign is the reverse of what people expect; UTC stays."""
    names = {name for name in available_timezones() if not name.startswith(("Etc/", "SystemV/"))}
    return tuple(sorted(names | {"UTC"}))


def zone(name: str) -> ZoneInfo:
    """The statement's zone; one no longer in the system's database reads as UTC
    rather than taking the page down."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@dataclass(frozen=True)
class DeadlineChoice:
    """What the coordinator typed: a wall-clock date and time in TIME_ZONE (both or
    neither), and a planned delivery date."""

    deadline_date: date | None
    deadline_time: time | None
    time_zone: str
    delivery_date: date | None


# A deadline further off than a lifetime is no sign-on deadline but a mistyped year
# ("2206" for "2026"). Above all, the bound keeps every deadline far from the end of
# Python's calendar (the year 9999), where an instant that exists in UTC is the year
# 10000 on a clock ahead of it, and could not be shown to a colleague there. Relative
# to today, it never needs raising.
DEADLINE_HORIZON_YEARS = 100


def deadline_instant(choice: DeadlineChoice, now: datetime) -> datetime | None:
    if choice.deadline_date is None:
        return None
    if choice.deadline_time is None:
        raise StatementError(_("Give the time of day the sign-on closes."), field="deadline_time")
    if choice.deadline_date.year > now.year + DEADLINE_HORIZON_YEARS:
        raise StatementError(_(
            "The deadline is more than %(years)d years away: check its year. A statement "
            "that stays open for good needs no deadline.", years=DEADLINE_HORIZON_YEARS),
            field="deadline_date")
    # A wall-clock time skipped or repeated by a clock change is read as zoneinfo
    # reads it (fold 0): the first of two, or an hour on from a gap.
    local = datetime.combine(choice.deadline_date, choice.deadline_time,
                             tzinfo=ZoneInfo(choice.time_zone))
    try:
        return local.astimezone(UTC)
    except OverflowError as error:
        # Only the first day of the calendar is left to overflow, and it is long past.
        raise StatementError(_("Choose a deadline in the future."),
                             field="deadline_date") from error


def set_deadline(statement: Statement, choice: DeadlineChoice, now: datetime) -> None:
    """Set, move or clear the sign-on deadline and the delivery date (see
    Statement.move_deadline for what an extension does)."""
    if choice.time_zone not in time_zone_names():
        raise StatementError(_("Choose a time zone from the list."), field="time_zone")
    deadline = deadline_instant(choice, now)
    statement.move_deadline(deadline, now)
    statement.time_zone = choice.time_zone
    statement.delivery_date = choice.delivery_date


def statements_past_deadline(now: datetime) -> list[Statement]:
    """Published statements whose deadline has come, locked so that two beats at once
    close each one once (the second skips what the first holds, then finds it closed)."""
    return list(db.session.scalars(
        select(Statement)
        .where(Statement.status == StatementStatus.PUBLISHED,
               Statement.signing_deadline.is_not(None), Statement.signing_deadline <= now)
        .order_by(Statement.id)
        .with_for_update(skip_locked=True)
    ))


# --- Saying it -------------------------------------------------------------------------


def local_deadline(statement: Statement, time_zone: str | None = None) -> datetime | None:
    """The deadline on the clock of TIME_ZONE, by default the statement's own; on the
    UTC clock when that clock's date is beyond the calendar (a deadline stored before
    DEADLINE_HORIZON_YEARS was held, near the year 9999): a page that shows it must
    not fail."""
    if statement.signing_deadline is None:
        return None
    try:
        return statement.signing_deadline.astimezone(zone(time_zone or statement.time_zone))
    except OverflowError:
        return statement.signing_deadline.astimezone(ZoneInfo("UTC"))


def zone_label(name: str, locale: str | None = None) -> str:
    """"Kyiv", "Київ", "UTC": the zone's city in the reader's language."""
    return get_timezone_location(zone(name), locale=locale or str(get_locale()),
                                 return_city=True)


def describe_deadline(statement: Statement,
                      time_zone: str | None = None) -> dict[str, str] | None:
    """The parts of the deadline as the reader's language writes them, for a sentence
    of the template's: date, time and zone, on the clock of TIME_ZONE (a coordinator's
    own), by default the statement's."""
    local = local_deadline(statement, time_zone)
    if local is None:
        return None
    locale = str(get_locale())
    # The zone of the clock it is shown on, which is UTC when the asked one overflows.
    shown_in = local.tzinfo.key if isinstance(local.tzinfo, ZoneInfo) else "UTC"
    return {"date": format_date(local.date(), "long", locale=locale),
            "time": format_time(local, "HH:mm", locale=locale),
            "zone": zone_label(shown_in, locale)}
