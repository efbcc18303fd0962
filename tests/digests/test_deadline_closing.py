"""Beat closes a statement at its deadline through the close button's own service,
tells each coordinator once in their own language, and a second run (or a run
racing it) closes and sends nothing more."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from campaign.accounts.models import Coordinator
from campaign.digests import deadlines as deadline_closing
from campaign.digests.deadlines import close_statements_past_deadline
from campaign.extensions import db
from campaign.outbox.delivery import build_email
from campaign.outbox.models import OutboxMessage
from campaign.statements import services as statement_services
from campaign.statements.deadlines import DeadlineChoice, set_deadline
from campaign.statements.models import Statement, StatementStatus
from tests.conftest import create_coordinator_for, import_example
from tests.support import text_of

SET_AT = datetime(2026, 9, 20, 12, 0, tzinfo=UTC)
DEADLINE = datetime(2026, 10, 1, 15, 0, tzinfo=UTC)  # 18:00 in Kyiv


@pytest.fixture
def statement(app_context) -> Statement:
    statement = import_example()
    create_coordinator_for("mariia@example.org", statement.slug, name="Mariia")
    oleksandr = create_coordinator_for("oleksandr@example.org", statement.slug,
                                       name="Oleksandr")
    db.session.get(Coordinator, oleksandr).language = "uk"
    set_deadline(statement, DeadlineChoice(date(2026, 10, 1), time(18, 0), "Europe/Kyiv",
                                           None), SET_AT)
    db.session.commit()
    return statement


def deadline_mail() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.template == "deadline_closed").order_by(OutboxMessage.to_address)))


def test_nothing_closes_before_the_deadline(statement):
    assert close_statements_past_deadline(DEADLINE - timedelta(seconds=1)) == 0
    assert statement.status is StatementStatus.PUBLISHED
    assert deadline_mail() == []


def test_the_deadline_closes_the_statement_at_its_moment_and_tells_each_coordinator_once(
        statement):
    assert close_statements_past_deadline(DEADLINE + timedelta(minutes=1)) == 1
    db.session.commit()
    assert close_statements_past_deadline(DEADLINE + timedelta(minutes=2)) == 0
    db.session.commit()

    db.session.refresh(statement)
    assert statement.status is StatementStatus.CLOSED
    assert statement.closed_at == DEADLINE
    assert statement.closed_by_deadline
    english, ukrainian = deadline_mail()
    assert english.to_address == "mariia@example.org"
    assert english.subject == f"Sign-on has closed at its deadline: {statement.title}"
    assert ("closed at its deadline, October 1, 2026 at 18:00 (Kyiv time)"
            in " ".join(text_of(build_email(english)).split()))
    assert ukrainian.to_address == "oleksandr@example.org"
    assert ukrainian.subject.startswith("Збір підписів закрито в кінцевий термін")
    assert "о 18:00 (час: Київ)" in " ".join(text_of(build_email(ukrainian)).split())


def test_beat_uses_the_close_buttons_service(statement, monkeypatch):
    calls = []
    monkeypatch.setattr(deadline_closing, "close_statement",
                        lambda found, now: calls.append((found.id, now))
                        or statement_services.close_statement(found, now))
    close_statements_past_deadline(DEADLINE)
    assert calls == [(statement.id, DEADLINE)]


def test_a_statement_closed_by_hand_earlier_is_left_alone(statement):
    statement_services.close_statement(statement, DEADLINE - timedelta(days=1))
    db.session.commit()
    assert close_statements_past_deadline(DEADLINE + timedelta(hours=1)) == 0
    assert statement.closed_at == DEADLINE - timedelta(days=1)
    assert deadline_mail() == []


def test_an_extended_deadline_closes_again_and_tells_again(statement):
    close_statements_past_deadline(DEADLINE)
    db.session.commit()
    set_deadline(statement, DeadlineChoice(date(2026, 10, 8), time(18, 0), "Europe/Kyiv",
                                           None), DEADLINE + timedelta(hours=1))
    db.session.commit()
    assert statement.status is StatementStatus.PUBLISHED
    assert close_statements_past_deadline(DEADLINE + timedelta(days=3)) == 0
    assert close_statements_past_deadline(DEADLINE + timedelta(days=7)) == 1
    db.session.commit()
    assert len(deadline_mail()) == 4
