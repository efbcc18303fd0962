"""The dashboard: numbers by state, signatures per day as an SVG chart, the latest
signers, and what waits for the coordinator."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import update

from campaign.database import utcnow
from campaign.extensions import db
from campaign.progress.services import CHART_DAYS, signatures_per_day
from campaign.signing.models import IndividualSignature
from campaign.statements.services import get_statement
from tests.moderation import factories


def figure(page: str, figure_id: str) -> int:
    return int(re.search(rf'<dd id="{figure_id}">(\d+)</dd>', page)[1])


def bars(page: str) -> list[tuple[str, int]]:
    svg = re.search(r"<svg.*?</svg>", page, re.S)[0]
    return [(day, int(count)) for day, count in
            re.findall(r'<rect class="bar"[^>]*data-date="([\d-]+)" data-count="(\d+)"', svg)]


def test_dashboard_shows_the_numbers_the_chart_and_the_latest_signers(
        app, coordinator_client, statement_slug):
    with app.app_context():
        factories.individual(statement_slug, "Olena Kovalenko", "olena@example.org")
        factories.individual(statement_slug, "Taras Melnyk", "taras@example.org")
        factories.individual(statement_slug, "Not Yet", "later@example.org", confirm=False)
        factories.organization(statement_slug)

    page = coordinator_client.get(f"/coordinate/{statement_slug}/").text

    assert figure(page, "organizations-approved") == 12
    assert figure(page, "organizations-awaiting") == 1
    assert figure(page, "individuals-confirmed") == 2
    assert figure(page, "individuals-unconfirmed") == 1
    assert 'role="img"' in page and "<title id=\"signatures-chart-title\">" \
        "Signatures per day, last 30 days</title>" in page
    drawn = bars(page)
    assert len(drawn) == CHART_DAYS
    assert drawn[-1] == (utcnow().date().isoformat(), 3)
    assert sum(count for _day, count in drawn) == 3
    assert "The same numbers as a table" in page
    latest = page.split('id="latest"')[1]
    for name in ("Olena Kovalenko", "Taras Melnyk", "Kharkiv Solidarity Network"):
        assert name in latest
    assert "Not Yet" not in latest
    waiting = page.split('id="waiting"')[1].split('id="numbers"')[0]
    assert "1 organization is awaiting approval:" in waiting
    assert "Kharkiv Solidarity Network" in waiting
    assert f'href="/coordinate/{statement_slug}/organizations"' in waiting
    assert 'aria-current="page"' in page


def test_an_empty_dashboard_says_what_to_do(coordinator_client, statement_slug):
    page = coordinator_client.get(f"/coordinate/{statement_slug}/").text

    assert "Nothing waits for you: no organization is awaiting approval." in page
    assert "Nobody has signed yet." in page
    drawn = bars(page)
    assert len(drawn) == CHART_DAYS and all(count == 0 for _day, count in drawn)
    assert 'height="0"' in page


def test_signatures_are_counted_on_the_day_they_were_confirmed(app, statement_slug):
    today = utcnow().date()
    with app.app_context():
        recent = factories.individual(statement_slug, "Olena Kovalenko", "olena@example.org")
        old = factories.individual(statement_slug, "Taras Melnyk", "taras@example.org")
        factories.individual(statement_slug, "Today Signer", "today@example.org")
        for signature_id, days_ago in ((recent, 3), (old, CHART_DAYS)):
            db.session.execute(update(IndividualSignature)
                               .where(IndividualSignature.id == signature_id)
                               .values(confirmed_at=utcnow() - timedelta(days=days_ago)))
        db.session.commit()

        days = signatures_per_day(get_statement(statement_slug), today)

    assert len(days) == CHART_DAYS and days[0].day == today - timedelta(days=CHART_DAYS - 1)
    assert {day.day: day.individuals for day in days if day.total} == {
        today - timedelta(days=3): 1, today: 1}
