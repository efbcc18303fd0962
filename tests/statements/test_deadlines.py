"""The sign-on deadline's rules, tested on the services: typed in the coalition's
time zone and kept as an instant, refused in the past, extended and shown as such,
reopening a statement its deadline closed (and only that), and signing refused from
the deadline on, before beat has closed anything."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from flask_babel import force_locale

from campaign.database import utcnow
from campaign.extensions import db
from campaign.signing.models import NameDisplay
from campaign.signing.services import (
    IndividualSignatureRequest,
    SigningError,
    sign_as_individual,
)
from campaign.statements.deadlines import (
    DeadlineChoice,
    describe_deadline,
    set_deadline,
    time_zone_names,
)
from campaign.statements.models import (
    Statement,
    StatementError,
    StatementStatus,
    StatementStatusError,
    deadline_has_passed,
)
from campaign.statements.services import close_statement, reopen_statement
from tests.conftest import import_example

NOW = datetime(2026, 9, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def statement(app_context) -> Statement:
    return import_example()


def kyiv(day: date, at: time = time(18, 0), delivery: date | None = None) -> DeadlineChoice:
    return DeadlineChoice(deadline_date=day, deadline_time=at, time_zone="Europe/Kyiv",
                          delivery_date=delivery)


def test_a_deadline_typed_in_kyiv_time_is_kept_as_the_instant_it_names(statement):
    # 1 October 2026 is summer time in Kyiv (UTC+3).
    set_deadline(statement, kyiv(date(2026, 10, 1), delivery=date(2026, 10, 5)), NOW)
    assert statement.signing_deadline == datetime(2026, 10, 1, 15, 0, tzinfo=UTC)
    assert statement.time_zone == "Europe/Kyiv"
    assert statement.delivery_date == date(2026, 10, 5)
    assert not statement.deadline_extended


def test_the_deadline_reads_in_the_zone_and_the_readers_language(statement):
    set_deadline(statement, kyiv(date(2026, 10, 1)), NOW)
    with force_locale("en"):
        assert describe_deadline(statement) == {
            "date": "October 1, 2026", "time": "18:00", "zone": "Kyiv"}
    with force_locale("uk"):
        assert describe_deadline(statement) == {
            "date": "1 жовтня 2026\u202fр.", "time": "18:00", "zone": "Київ"}


def test_a_deadline_in_the_past_is_refused_and_nothing_changes(statement):
    with pytest.raises(StatementError) as refused:
        set_deadline(statement, kyiv(date(2026, 9, 20), time(14, 0)), NOW)  # 11:00 UTC
    assert refused.value.field == "deadline_date"
    assert statement.signing_deadline is None
    assert statement.time_zone == "UTC"


def test_a_date_without_a_time_or_an_unknown_zone_is_refused(statement):
    with pytest.raises(StatementError) as no_time:
        set_deadline(statement, kyiv(date(2026, 10, 1), at=None), NOW)
    assert no_time.value.field == "deadline_time"
    with pytest.raises(StatementError) as bad_zone:
        set_deadline(statement, DeadlineChoice(date(2026, 10, 1), time(18, 0),
                                               "Mars/Olympus\x00", None), NOW)
    assert bad_zone.value.field == "time_zone"
    assert "Europe/Kyiv" in time_zone_names() and "Etc/GMT+3" not in time_zone_names()


def test_clearing_the_deadline_leaves_signing_open_for_good(statement):
    set_deadline(statement, kyiv(date(2026, 10, 1)), NOW)
    set_deadline(statement, kyiv(None), NOW)
    assert statement.signing_deadline is None
    assert statement.accepts_signatures_at(NOW + timedelta(days=365))


def test_moving_a_public_deadline_later_is_an_extension_and_earlier_is_not(statement):
    set_deadline(statement, kyiv(date(2026, 10, 1)), NOW)
    set_deadline(statement, kyiv(date(2026, 10, 8)), NOW)
    assert statement.deadline_extended
    # Saving the same deadline again (with another delivery date) keeps the mark.
    set_deadline(statement, kyiv(date(2026, 10, 8), delivery=date(2026, 10, 9)), NOW)
    assert statement.deadline_extended
    set_deadline(statement, kyiv(date(2026, 10, 3)), NOW)
    assert not statement.deadline_extended


def test_changing_a_drafts_deadline_is_no_extension(app_context):
    draft = import_example(slug="draft", publish=False)
    set_deadline(draft, kyiv(date(2026, 10, 1)), NOW)
    set_deadline(draft, kyiv(date(2026, 10, 8)), NOW)
    assert not draft.deadline_extended


def test_signing_is_refused_from_the_deadline_on_before_beat_has_closed_it(statement):
    set_deadline(statement, kyiv(date(2026, 10, 1)), NOW)
    deadline = statement.signing_deadline
    assert statement.accepts_signatures_at(deadline - timedelta(seconds=1))
    assert not statement.accepts_signatures_at(deadline)
    assert deadline_has_passed(deadline, deadline) and not deadline_has_passed(None, deadline)

    statement.signing_deadline = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert statement.status is StatementStatus.PUBLISHED
    with pytest.raises(SigningError):
        sign_as_individual(statement, IndividualSignatureRequest(
            name="Olena Kovalenko", email="olena@example.org", country="UA",
            name_display=NameDisplay.FULL, wants_updates=False))


def test_a_later_deadline_reopens_a_statement_its_deadline_closed(statement):
    set_deadline(statement, kyiv(date(2026, 10, 1)), NOW)
    after = statement.signing_deadline + timedelta(minutes=1)
    close_statement(statement, statement.signing_deadline)
    assert statement.closed_by_deadline
    set_deadline(statement, kyiv(date(2026, 10, 8)), after)
    assert statement.status is StatementStatus.PUBLISHED
    assert statement.closed_at is None
    assert statement.deadline_extended
    assert statement.accepts_signatures_at(after)


def test_a_later_deadline_leaves_a_statement_closed_by_hand_closed(statement):
    set_deadline(statement, kyiv(date(2026, 10, 1)), NOW)
    close_statement(statement, NOW + timedelta(days=1))  # before the deadline
    assert not statement.closed_by_deadline
    set_deadline(statement, kyiv(date(2026, 10, 8)), NOW + timedelta(days=2))
    assert statement.status is StatementStatus.CLOSED


def test_reopening_by_hand_past_the_deadline_asks_for_a_later_deadline(statement):
    statement.signing_deadline = utcnow() - timedelta(hours=1)
    close_statement(statement)
    with pytest.raises(StatementStatusError, match="set a later deadline"):
        reopen_statement(statement)
    statement.signing_deadline = None
    reopen_statement(statement)
    assert statement.status is StatementStatus.PUBLISHED


def test_a_deadline_beyond_the_horizon_is_refused_and_nothing_changes(statement):
    # 31 December 9999, 23:00 in Honolulu is the year 10000 in UTC; 20:00 UTC that day
    # is the year 10000 in Kiritimati.
    for choice in (DeadlineChoice(date(9999, 12, 31), time(23, 0), "Pacific/Honolulu", None),
                   DeadlineChoice(date(9999, 12, 31), time(20, 0), "UTC", None),
                   kyiv(date(NOW.year + 101, 1, 1))):
        with pytest.raises(StatementError, match="years away") as refused:
            set_deadline(statement, choice, NOW)
        assert refused.value.field == "deadline_date"
    assert statement.signing_deadline is None
    set_deadline(statement, kyiv(date(NOW.year + 100, 12, 31)), NOW)
    assert statement.signing_deadline is not None


def test_a_deadline_no_clock_ahead_of_utc_can_show_is_said_in_utc(statement):
    # A deadline saved before the horizon was held, at the calendar's very end.
    statement.signing_deadline = datetime(9999, 12, 31, 20, 0, tzinfo=UTC)
    statement.time_zone = "Pacific/Kiritimati"
    with force_locale("en"):
        assert describe_deadline(statement) == {
            "date": "December 31, 9999", "time": "20:00", "zone": "UTC"}
        assert describe_deadline(statement, "Europe/Kyiv")["date"] == "December 31, 9999"
