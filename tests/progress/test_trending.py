"""Trending sources: networks and e-mail domains signing in bulk, on the dashboard and
in the coordinators' digest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from campaign.database import utcnow
from campaign.digests.services import send_due_digests
from campaign.extensions import db
from campaign.outbox.delivery import build_email
from campaign.outbox.models import OutboxMessage
from campaign.progress.trending import Source, trending_in_period, trending_sources
from campaign.signing.models import IndividualStatus
from campaign.statements.services import get_statement
from tests.abuse import factories
from tests.conftest import create_coordinator_for, import_example
from tests.support import text_of

FLOOD = "203.0.113.0/24"


def sign_many(statement_id: int, count: int, *, domain: str = "mail.example",
              ip_prefix: str = FLOOD, at: datetime | None = None, start: int = 0) -> None:
    for number in range(start, start + count):
        factories.individual(statement_id, f"n{number}@{domain}", ip_prefix=ip_prefix,
                             status=IndividualStatus.SUSPECTED, created_at=at or utcnow())


def test_sources_at_the_threshold_in_the_last_hour_trend(app_context):
    statement, other = import_example(), import_example("other")
    now = utcnow()
    sign_many(statement.id, 10, at=now - timedelta(minutes=5))
    sign_many(statement.id, 9, domain="gmail.com", ip_prefix="198.51.100.0/24", start=10)
    # Outside the hour, or on another statement: not counted here.
    sign_many(statement.id, 5, domain="gmail.com", ip_prefix="198.51.100.0/24",
              at=now - timedelta(minutes=61), start=20)
    sign_many(other.id, 30, domain="gmail.com", ip_prefix="198.51.100.0/24")
    factories.organization(statement.id, "Front", "front@mail.example", ip_prefix=FLOOD)
    db.session.commit()

    trending = trending_sources(statement.id, utcnow())

    assert trending.networks == [Source(FLOOD, 11)]
    assert trending.domains == [Source("mail.example", 11)]


def test_the_threshold_is_configured(app, app_context):
    statement = import_example()
    sign_many(statement.id, 3)
    db.session.commit()
    assert not trending_sources(statement.id, utcnow())

    app.config["TRENDING_THRESHOLD"] = 3
    try:
        assert trending_sources(statement.id, utcnow()).networks == [Source(FLOOD, 3)]
    finally:
        app.config["TRENDING_THRESHOLD"] = 10


def test_a_day_trends_by_its_busiest_clock_hour(app_context):
    statement = import_example()
    day = datetime(2026, 3, 1, tzinfo=UTC)
    # 8 + 8 in two hours is not a burst; 12 in one hour is.
    sign_many(statement.id, 8, domain="slow.example", ip_prefix="192.0.2.0/24",
              at=day.replace(hour=9, minute=10))
    sign_many(statement.id, 8, domain="slow.example", ip_prefix="192.0.2.0/24",
              at=day.replace(hour=10, minute=10), start=8)
    sign_many(statement.id, 12, at=day.replace(hour=23, minute=59), start=20)
    db.session.commit()

    trending = trending_in_period(statement.id, day, day + timedelta(days=1))

    assert trending.networks == [Source(FLOOD, 12)]
    assert trending.domains == [Source("mail.example", 12)]


def test_the_dashboard_shows_them_with_a_link_to_the_preview(app, coordinator_client,
                                                            statement_slug):
    with app.app_context():
        sign_many(get_statement(statement_slug).id, 12)
        db.session.commit()

    page = coordinator_client.get(f"/coordinate/{statement_slug}/").text

    assert "Trending sources in the last hour" in page
    assert f"Network <code>{FLOOD}</code></th><td>12</td>" in page
    assert "E-mail domain <code>mail.example</code></th><td>12</td>" in page
    link = f"/coordinate/{statement_slug}/invalidations/preview?ip_range=203.0.113.0/24"
    assert f'href="{link}"' in page
    preview = coordinator_client.get(link)
    assert preview.status_code == 200
    assert "12 signatures would be invalidated." in preview.text


def test_a_quiet_dashboard_says_nothing_trends(coordinator_client, statement_slug):
    page = coordinator_client.get(f"/coordinate/{statement_slug}/").text

    assert "No network or e-mail domain signed 10 times or more in the last hour." in page


@pytest.mark.parametrize("only_trending", [True, False])
def test_the_digest_mentions_them(app_context, only_trending):
    statement = import_example()
    create_coordinator_for("mariia@example.org", statement.slug, name="Mariia")
    sign_many(statement.id, 15, at=datetime(2026, 3, 1, 14, 5, tzinfo=UTC))
    if not only_trending:
        factories.individual(statement.id, "olena@example.org",
                             created_at=datetime(2026, 3, 1, 9, tzinfo=UTC))
    db.session.commit()

    assert send_due_digests(now=datetime(2026, 3, 2, 7, 5, tzinfo=UTC)) == 1
    db.session.commit()

    message = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.template == "digest")).one()
    email = build_email(message)
    text = " ".join(text_of(email).split())
    assert "Signatures came in bursts from these sources" in text
    assert (f"network {FLOOD}: 15 http://undersigned.test/coordinate/{statement.slug}/"
            f"invalidations/preview?ip_range=203.0.113.0/24") in text
    assert "e-mail domain mail.example: 15" in text
    html = email.get_body(preferencelist=("html",)).get_content()
    assert "email_domain=mail.example" in html


def test_a_digest_without_bursts_says_nothing_of_them(app_context):
    statement = import_example()
    create_coordinator_for("mariia@example.org", statement.slug, name="Mariia")
    factories.individual(statement.id, "olena@example.org",
                         created_at=datetime(2026, 3, 1, 9, tzinfo=UTC))
    db.session.commit()

    send_due_digests(now=datetime(2026, 3, 2, 7, 5, tzinfo=UTC))
    db.session.commit()

    message = db.session.scalars(select(OutboxMessage)).one()
    assert "bursts" not in text_of(build_email(message))
