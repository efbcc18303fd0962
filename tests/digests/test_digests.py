"""Daily digests: sent at each coordinator's hour, of exactly the day before, once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from campaign.accounts.models import Coordinator
from campaign.digests import services as digest_services
from campaign.digests.models import DigestSent
from campaign.digests.services import send_due_digests
from campaign.extensions import db
from campaign.letters.models import Letter, LetterStatus
from campaign.outbox.delivery import build_email
from campaign.outbox.models import OutboxMessage
from campaign.replies.models import Reply
from campaign.signing.models import (
    IndividualSignature,
    IndividualStatus,
    NameDisplay,
    OrganizationSignature,
    OrganizationStatus,
)
from campaign.statements.models import Statement
from tests.conftest import create_coordinator_for, import_example

# The digest hour of 07:00 UTC on 2 March reports on 1 March.
NOW = datetime(2026, 3, 2, 7, 5, tzinfo=UTC)
YESTERDAY = datetime(2026, 3, 1, 15, 0, tzinfo=UTC)
DAY_BEFORE = datetime(2026, 2, 28, 23, 59, tzinfo=UTC)
TODAY = datetime(2026, 3, 2, 0, 1, tzinfo=UTC)


def organization(statement: Statement, name: str, confirmed_at: datetime,
                 status: OrganizationStatus = OrganizationStatus.AWAITING_APPROVAL) -> None:
    db.session.add(OrganizationSignature(
        statement=statement, name=name, name_key=name.lower(), contact_name="Contact",
        contact_email=name.split()[0].lower() + "@example.org", authorized_to_sign=True,
        status=status, created_at=confirmed_at, confirmed_at=confirmed_at))


def individual(statement: Statement, email: str, confirmed_at: datetime) -> None:
    db.session.add(IndividualSignature(
        statement=statement, name="Someone Else", email=email, country="UA",
        name_display=NameDisplay.FULL, status=IndividualStatus.CONFIRMED,
        created_at=confirmed_at, confirmed_at=confirmed_at))


def letter(statement: Statement, addressee: int, status: LetterStatus,
           when: datetime) -> None:
    db.session.add(Letter(statement=statement, addressee=statement.addressees[addressee],
                          status=status, created_at=when,
                          sent_at=when if status is LetterStatus.SENT else None))


def reply(statement: Statement, addressee: int, recorded: datetime) -> None:
    db.session.add(Reply(statement=statement, addressee=statement.addressees[addressee],
                         received_on=recorded.date(), text="We have received it.",
                         created_at=recorded))


@pytest.fixture
def statement(app_context) -> Statement:
    statement = import_example()
    create_coordinator_for("mariia@example.org", statement.slug, name="Mariia")
    return statement


def digests() -> list[OutboxMessage]:
    return list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.template == "digest")
        .order_by(OutboxMessage.id)))


def text_of(message: OutboxMessage) -> str:
    return " ".join(build_email(message).get_body(("plain",)).get_content().split())


def test_a_digest_lists_exactly_the_day_before(statement):
    addressees = statement.addressees
    organization(statement, "Yesterday Union", YESTERDAY)
    organization(statement, "Approved Yesterday Network", YESTERDAY,
                 OrganizationStatus.APPROVED)
    organization(statement, "Day Before Union", DAY_BEFORE)
    organization(statement, "Today Union", TODAY)
    individual(statement, "a@example.org", YESTERDAY)
    individual(statement, "b@example.org", YESTERDAY.replace(hour=0, minute=0))
    individual(statement, "c@example.org", DAY_BEFORE)
    individual(statement, "d@example.org", TODAY)
    letter(statement, 0, LetterStatus.SENT, YESTERDAY)
    letter(statement, 1, LetterStatus.FAILED, YESTERDAY)
    letter(statement, 2, LetterStatus.SENT, DAY_BEFORE)
    letter(statement, 3, LetterStatus.FAILED, TODAY)
    reply(statement, 4, YESTERDAY)
    reply(statement, 5, TODAY)
    db.session.commit()

    assert send_due_digests(now=NOW) == 1
    db.session.commit()

    [message] = digests()
    assert message.to_address == "mariia@example.org"
    assert "Mar 1, 2026" in message.subject  # the day, as the reader writes dates
    text = text_of(message)
    assert "Yesterday Union (awaiting approval)" in text
    assert "Approved Yesterday Network (approved)" in text
    assert "Day Before Union" not in text and "Today Union" not in text
    assert "2 individuals confirmed their signatures." in text
    assert f"{addressees[0].name}: sent" in text
    assert f"{addressees[1].name}: failed" in text
    assert addressees[2].name not in text and addressees[3].name not in text
    assert f"{addressees[4].name} (received 2026-03-01)" in text
    assert addressees[5].name not in text
    # Waiting for moderation now: everything awaiting, whatever day it came.
    assert "3 organizations wait for moderation." in text
    assert "https://undersigned.test/coordinate/settings" in text \
        or "http://undersigned.test/coordinate/settings" in text


def test_a_digest_goes_once_however_often_the_task_runs(statement):
    individual(statement, "a@example.org", YESTERDAY)
    db.session.commit()
    assert send_due_digests(now=NOW) == 1
    db.session.commit()
    assert send_due_digests(now=NOW + timedelta(minutes=15)) == 0
    db.session.commit()
    assert len(digests()) == 1
    assert db.session.scalars(select(DigestSent.day)).all() == [date(2026, 3, 1)]


def test_no_digest_on_a_quiet_day_or_before_the_hour(statement):
    individual(statement, "c@example.org", DAY_BEFORE)
    individual(statement, "d@example.org", TODAY)
    quiet = import_example("quiet")
    create_coordinator_for("oleksandr@example.org", quiet.slug, name="Oleksandr")
    db.session.commit()
    assert send_due_digests(now=NOW) == 0
    db.session.commit()
    assert digests() == []
    assert db.session.scalar(select(func.count()).select_from(DigestSent)) == 0

    individual(statement, "a@example.org", YESTERDAY)
    db.session.commit()
    assert send_due_digests(now=NOW.replace(hour=6, minute=59)) == 0  # not their hour yet
    assert digests() == []


def test_each_coordinator_at_their_own_hour_and_none_for_who_wants_none(statement):
    create_coordinator_for("night@example.org", statement.slug, name="Night Owl")
    create_coordinator_for("none@example.org", statement.slug, name="No Digest")
    for address, hour in [("night@example.org", 22), ("none@example.org", None)]:
        db.session.scalars(select(Coordinator).where(
            Coordinator.email == address)).one().digest_hour = hour
    individual(statement, "a@example.org", YESTERDAY)
    db.session.commit()
    for hour in range(24):
        send_due_digests(now=datetime(2026, 3, 2, hour, 0, tzinfo=UTC))
        db.session.commit()
    assert [message.to_address for message in digests()] == [
        "mariia@example.org", "night@example.org"]


def test_a_digest_hour_skipped_by_the_clock_change_still_gets_its_digest(statement):
    """03:00 never comes in Kyiv on 29 March 2026: the clocks go from 03:00 to 04:00."""
    mariia = db.session.scalars(select(Coordinator)).one()
    mariia.time_zone, mariia.digest_hour = "Europe/Kyiv", 3
    individual(statement, "a@example.org", datetime(2026, 3, 28, 12, 0, tzinfo=UTC))
    db.session.commit()

    now = datetime(2026, 3, 28, 22, 0, tzinfo=UTC)  # midnight in Kyiv
    while now < datetime(2026, 3, 29, 22, 0, tzinfo=UTC):
        send_due_digests(now=now)
        db.session.commit()
        now += timedelta(minutes=10)

    [message] = digests()
    assert message.context["day"] == "2026-03-28"


def test_a_digest_missed_all_through_its_hour_goes_at_the_next_run_and_once_a_day(statement):
    individual(statement, "a@example.org", YESTERDAY)  # 1 March
    individual(statement, "d@example.org", TODAY)  # 2 March
    db.session.commit()

    sent_at = {}
    now = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    while now < datetime(2026, 3, 4, 0, 0, tzinfo=UTC):
        # The worker is down from 07:00 to 08:00 on 2 March, their digest hour.
        if not datetime(2026, 3, 2, 7, 0, tzinfo=UTC) <= now < datetime(2026, 3, 2, 8, 0,
                                                                         tzinfo=UTC):
            if send_due_digests(now=now):
                sent_at[now] = [message.context["day"] for message in digests()][-1]
            db.session.commit()
        now += timedelta(minutes=15)

    # Each day's digest at the first run at or after the hour, never before, once.
    assert sent_at == {datetime(2026, 3, 2, 8, 0, tzinfo=UTC): "2026-03-01",
                       datetime(2026, 3, 3, 7, 0, tzinfo=UTC): "2026-03-02"}
    assert len(digests()) == 2


def test_a_quiet_day_is_looked_at_once_not_at_every_run_until_midnight(
        statement, monkeypatch):
    built: list[tuple[object, ...]] = []
    real = digest_services.digest_of
    monkeypatch.setattr(digest_services, "digest_of",
                        lambda *args: built.append(args) or real(*args))
    now = NOW.replace(hour=7, minute=0)
    while now.date() == NOW.date():
        assert send_due_digests(now=now) == 0
        db.session.commit()
        now += timedelta(minutes=15)

    assert len(built) == 1


def test_the_runs_after_the_days_digest_went_do_not_build_it_again(statement, monkeypatch):
    individual(statement, "a@example.org", YESTERDAY)
    db.session.commit()
    assert send_due_digests(now=NOW) == 1
    db.session.commit()

    def build_again(*args: object) -> None:
        pytest.fail(f"the digest was built again: {args}")

    monkeypatch.setattr(digest_services, "digest_of", build_again)
    for hour in range(8, 24):
        assert send_due_digests(now=NOW.replace(hour=hour)) == 0
