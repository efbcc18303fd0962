"""Milestones: one e-mail per coordinator when the count crosses one, naming the
highest crossed, and never twice."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from campaign.digests.models import MilestoneReached
from campaign.digests.services import announce_milestones, highest_milestone
from campaign.extensions import db
from campaign.outbox.delivery import build_email
from campaign.outbox.models import OutboxMessage
from campaign.signing.models import TallyKind
from campaign.signing.tally import add_to_tally, read_counts
from campaign.statements.models import Statement
from tests.conftest import create_coordinator_for, import_example
from tests.support import text_of


@pytest.mark.parametrize(("count", "milestone"), [
    (0, None), (99, None), (100, 100), (499, 100), (500, 500), (999, 500), (1000, 1000),
    (4999, 1000), (5000, 5000), (10000, 10000), (49999, 10000), (50000, 50000),
    (100000, 100000), (2_000_000, 1_000_000)])
def test_the_highest_milestone_reached(count, milestone):
    assert highest_milestone(count) == milestone


@pytest.fixture
def statement(app_context) -> Statement:
    statement = import_example()
    create_coordinator_for("mariia@example.org", statement.slug, name="Mariia")
    create_coordinator_for("oleksandr@example.org", statement.slug, name="Oleksandr")
    return statement


def bring_total_to(statement: Statement, total: int) -> None:
    counts = read_counts(statement.id)
    add_to_tally(statement.id, TallyKind.INDIVIDUALS,
                 total - counts.organizations - counts.individuals)
    db.session.commit()


def milestone_mail() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.template == "milestone").order_by(OutboxMessage.id)))


def test_crossing_a_milestone_tells_each_coordinator_once(statement):
    bring_total_to(statement, 99)
    assert announce_milestones() == 0
    assert milestone_mail() == []

    bring_total_to(statement, 100)
    assert announce_milestones() == 1
    db.session.commit()
    assert announce_milestones() == 0
    db.session.commit()
    mail = milestone_mail()
    assert sorted(message.to_address for message in mail) == [
        "mariia@example.org", "oleksandr@example.org"]
    text = " ".join(text_of(build_email(mail[0])).split())
    assert "has passed 100 signatures" in text


def test_crossing_two_at_once_names_only_the_highest(statement):
    bring_total_to(statement, 120)
    announce_milestones()
    db.session.commit()
    bring_total_to(statement, 1_050)
    assert announce_milestones() == 1
    db.session.commit()
    latest = milestone_mail()[-1]
    assert "1,000" in latest.subject
    assert "has passed 1,000 signatures" in " ".join(text_of(build_email(latest)).split())
    assert len(milestone_mail()) == 4  # 100 and 1,000, to each of two coordinators
    assert sorted(db.session.scalars(select(MilestoneReached.milestone))) == [100, 1000]


def test_falling_back_and_crossing_again_announces_nothing_new(statement):
    bring_total_to(statement, 510)
    announce_milestones()
    db.session.commit()
    bring_total_to(statement, 490)  # withdrawals
    bring_total_to(statement, 505)
    assert announce_milestones() == 0
    assert len(milestone_mail()) == 2
