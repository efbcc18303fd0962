"""A coordinator sets the sign-on deadline, extends it, and chooses affiliations and
how signatories are listed, on the statement's page in the workspace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html import unescape

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from campaign.accounts.models import Coordinator
from campaign.database import utcnow
from campaign.extensions import db
from campaign.outbox.models import OutboxMessage
from campaign.statements.models import SignatoryGrouping, Statement, StatementStatus
from campaign.statements.services import close_statement, get_statement
from tests.support import csrf_token


def edit_page(client: FlaskClient, slug: str) -> str:
    page = client.get(f"/coordinate/{slug}/edit")
    assert page.status_code == 200
    return page.text


def save_deadline(client: FlaskClient, slug: str, **fields: str):
    token = csrf_token(edit_page(client, slug))
    return client.post(f"/coordinate/{slug}/deadline", data={"csrf_token": token, **fields})


def statement_of(app: Flask, slug: str) -> Statement:
    with app.app_context():
        statement = get_statement(slug)
        db.session.expunge(statement)
        return statement


def test_the_deadline_is_offered_in_utc_and_set_in_the_zone_chosen(
        app, coordinator_client, statement_slug):
    page = edit_page(coordinator_client, statement_slug)
    assert "No deadline: the statement takes signatures until you close it." in page
    assert '<option selected value="UTC">UTC</option>' in page

    response = save_deadline(coordinator_client, statement_slug, deadline_date="2099-10-01",
                             deadline_time="18:00", time_zone="Europe/Kyiv",
                             delivery_date="2099-10-05")
    assert response.status_code == 302
    statement = statement_of(app, statement_slug)
    assert statement.signing_deadline == datetime(2099, 10, 1, 15, 0, tzinfo=UTC)
    assert statement.time_zone == "Europe/Kyiv"
    page = unescape(edit_page(coordinator_client, statement_slug))
    assert "The sign-on deadline and delivery date are saved." in page
    assert "Sign-on closes on October 1, 2099 at 18:00, Kyiv time." in page
    assert 'value="2099-10-01"' in page and 'value="18:00"' in page

    save_deadline(coordinator_client, statement_slug, deadline_date="2099-10-08",
                  deadline_time="18:00", time_zone="Europe/Kyiv")
    page = unescape(edit_page(coordinator_client, statement_slug))
    assert "The deadline is extended; the public page says so." in page
    assert "Kyiv time. (extended)" in page


def test_a_deadline_in_the_past_or_without_a_time_is_refused_next_to_its_field(
        app, coordinator_client, statement_slug):
    past = save_deadline(coordinator_client, statement_slug, deadline_date="2020-01-01",
                         deadline_time="18:00", time_zone="UTC")
    assert past.status_code == 400
    assert "Choose a deadline in the future." in unescape(past.text)
    no_time = save_deadline(coordinator_client, statement_slug, deadline_date="2099-01-01",
                            time_zone="UTC")
    assert no_time.status_code == 400
    assert "Give the time of day the sign-on closes." in unescape(no_time.text)
    bad_zone = save_deadline(coordinator_client, statement_slug, deadline_date="2099-01-01",
                             deadline_time="18:00", time_zone="Nowhere/Atlantis")
    assert bad_zone.status_code == 400
    assert "Choose a time zone from the list." in unescape(bad_zone.text)
    not_a_date = save_deadline(coordinator_client, statement_slug, deadline_date="31/31/2099",
                               deadline_time="25:99", time_zone="UTC")
    assert not_a_date.status_code == 400
    assert statement_of(app, statement_slug).signing_deadline is None


def test_extending_the_deadline_of_a_statement_it_closed_reopens_it(
        app, coordinator_client, statement_slug):
    with app.app_context():
        statement = get_statement(statement_slug)
        statement.signing_deadline = utcnow() - timedelta(hours=1)
        close_statement(statement, statement.signing_deadline)
        db.session.commit()
    response = save_deadline(coordinator_client, statement_slug, deadline_date="2099-10-01",
                             deadline_time="18:00", time_zone="UTC")
    assert response.status_code == 302
    assert statement_of(app, statement_slug).status is StatementStatus.PUBLISHED
    assert ("The deadline is extended and the statement is open for signing again."
            in edit_page(coordinator_client, statement_slug))


def test_the_reopen_button_past_the_deadline_says_to_extend_it(
        app, coordinator_client, statement_slug):
    with app.app_context():
        statement = get_statement(statement_slug)
        statement.signing_deadline = utcnow() - timedelta(hours=1)
        close_statement(statement)
        db.session.commit()
    token = csrf_token(edit_page(coordinator_client, statement_slug))
    coordinator_client.post(f"/coordinate/{statement_slug}/reopen", data={"csrf_token": token})
    assert "set a later deadline" in unescape(edit_page(coordinator_client, statement_slug))
    assert statement_of(app, statement_slug).status is StatementStatus.CLOSED
    with app.app_context():
        assert db.session.scalars(select(OutboxMessage)).all() == []


def test_affiliations_are_asked_with_a_disclaimer_and_signatories_grouped(
        app, coordinator_client, statement_slug):
    token = csrf_token(edit_page(coordinator_client, statement_slug))
    response = coordinator_client.post(f"/coordinate/{statement_slug}/affiliations", data={
        "csrf_token": token, "asks_affiliation": "y",
        "affiliation_disclaimer": "  Titles are for identification only. ",
        "signatory_grouping": "country"})
    assert response.status_code == 302
    statement = statement_of(app, statement_slug)
    assert statement.asks_affiliation
    assert statement.affiliation_disclaimer == "Titles are for identification only."
    assert statement.signatory_grouping is SignatoryGrouping.COUNTRY

    too_long = coordinator_client.post(f"/coordinate/{statement_slug}/affiliations", data={
        "csrf_token": token, "affiliation_disclaimer": "x" * 301,
        "signatory_grouping": "everywhere"})
    assert too_long.status_code == 400
    assert "Use at most 300 characters." in unescape(too_long.text)
    assert statement_of(app, statement_slug).asks_affiliation


def test_a_coordinator_elsewhere_reads_the_deadline_on_their_own_clock_too(
        app, coordinator_client, statement_slug):
    from campaign.accounts.models import Coordinator

    def on_the_clock_of(time_zone: str) -> str:
        with app.app_context():
            db.session.execute(update(Coordinator).values(time_zone=time_zone))
            db.session.commit()
        return unescape(edit_page(coordinator_client, statement_slug))

    save_deadline(coordinator_client, statement_slug, deadline_date="2099-10-01",
                  deadline_time="18:00", time_zone="Europe/Kyiv")

    page = on_the_clock_of("America/New_York")
    assert "Sign-on closes on October 1, 2099 at 18:00, Kyiv time." in page
    assert "On your clock: October 1, 2099 at 11:00, New York time." in page
    # On the statement's own clock, once is enough.
    assert "On your clock" not in on_the_clock_of("Europe/Kyiv")


def test_a_deadline_at_the_calendars_end_is_refused_at_its_field(
        app, coordinator_client, statement_slug):
    # 31 December 9999, 23:00 in Honolulu is 1 January 10000 in UTC.
    refused = save_deadline(coordinator_client, statement_slug, deadline_date="9999-12-31",
                            deadline_time="23:00", time_zone="Pacific/Honolulu")
    assert refused.status_code == 400
    assert 'id="deadline_date-error"' in refused.text
    assert "The deadline is more than 100 years away: check its year." in unescape(refused.text)
    assert statement_of(app, statement_slug).signing_deadline is None


def test_a_deadline_at_the_calendars_end_does_not_take_a_colleagues_page_down(
        app, coordinator_client, statement_slug):
    # Saved before the horizon was held: 20:00 UTC on the calendar's last day, which
    # is already the year 10000 on the clock of Kiritimati (UTC+14).
    with app.app_context():
        db.session.execute(update(Statement).where(Statement.slug == statement_slug).values(
            signing_deadline=datetime(9999, 12, 31, 20, 0, tzinfo=UTC)))
        coordinator = db.session.scalars(select(Coordinator).where(
            Coordinator.email == "coordinator@example.org")).one()
        coordinator.time_zone = "Pacific/Kiritimati"
        db.session.commit()

    page = unescape(edit_page(coordinator_client, statement_slug))

    assert "Sign-on closes on December 31, 9999 at 20:00, UTC time." in page
