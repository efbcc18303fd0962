"""Hiding an abusive individual signature, and showing it again."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from campaign.extensions import db
from campaign.moderation.models import ModerationAction, ModerationActionKind
from campaign.outbox.models import OutboxMessage
from campaign.signing.models import IndividualSignature, IndividualStatus, NameDisplay
from campaign.signing.tally import read_counts
from campaign.statements.services import get_statement
from tests.moderation import factories


def list_url(slug: str) -> str:
    return f"/coordinate/{slug}/individuals"


def action_url(slug: str, signature_id: int, action: str) -> str:
    return f"/coordinate/{slug}/individuals/{signature_id}/{action}"


def signatures(app: Flask, slug: str) -> dict[str, int]:
    with app.app_context():
        return {
            "abusive": factories.individual(slug, "Abusive Slur", "troll@example.org"),
            "olena": factories.individual(slug, "Olena Kovalenko", "olena@example.org",
                                          name_display=NameDisplay.FIRST_NAME_AND_INITIAL),
            "unconfirmed": factories.individual(slug, "Not Yet", "later@example.org",
                                                confirm=False),
        }


def stored(app: Flask, signature_id: int) -> IndividualSignature:
    with app.app_context():
        signature = db.session.get(IndividualSignature, signature_id)
        db.session.expunge(signature)
        return signature


def individual_count(app: Flask, slug: str) -> int:
    with app.app_context():
        return read_counts(get_statement(slug).id).individuals


def outbox_size(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def test_list_shows_confirmed_signatures_without_any_email(app, coordinator_client,
                                                            statement_slug):
    signatures(app, statement_slug)

    page = coordinator_client.get(list_url(statement_slug)).text

    assert "Abusive Slur" in page and "Olena Kovalenko" in page
    assert "First name and initial: “Olena K.”" in page
    assert "Ukraine" in page and "<time datetime=" in page
    assert "Not Yet" not in page
    assert "@example.org" not in page
    assert "No signature is hidden." in page


def test_list_says_what_to_do_when_nobody_signed(coordinator_client, statement_slug):
    page = coordinator_client.get(list_url(statement_slug)).text

    assert "Nobody has confirmed a signature yet." in page


def test_hiding_takes_the_signature_off_the_statement_and_the_counts_silently(
        app, client, coordinator_client, statement_slug):
    ids = signatures(app, statement_slug)
    assert "Abusive Slur" in client.get(f"/s/{statement_slug}").text
    assert individual_count(app, statement_slug) == 2
    mails_before = outbox_size(app)

    response = factories.press(coordinator_client, list_url(statement_slug),
                               action_url(statement_slug, ids["abusive"], "hide"))

    assert "The signature of Abusive Slur is hidden from the statement and its counts." in \
        coordinator_client.get(response.location).text
    signature = stored(app, ids["abusive"])
    assert signature.status is IndividualStatus.HIDDEN and signature.hidden_at is not None
    public = client.get(f"/s/{statement_slug}").text
    assert "Abusive Slur" not in public and "Olena K." in public
    assert "1 individual has signed" in public
    assert client.get(f"/api/v1/statements/{statement_slug}").get_json()[
        "counts"]["individuals"] == 1
    assert individual_count(app, statement_slug) == 1
    assert outbox_size(app) == mails_before
    page = coordinator_client.get(list_url(statement_slug)).text
    assert "Abusive Slur" in page.split('id="hidden"')[1]
    with app.app_context():
        logged = db.session.scalars(select(ModerationAction)).one()
        assert (logged.kind, logged.individual_signature_id, logged.coordinator.name) == (
            ModerationActionKind.HIDE, ids["abusive"], "Mariia Tomak")


def test_showing_again_restores_the_signature_and_the_counts(
        app, client, coordinator_client, statement_slug):
    ids = signatures(app, statement_slug)
    factories.press(coordinator_client, list_url(statement_slug),
                    action_url(statement_slug, ids["abusive"], "hide"))

    response = factories.press(coordinator_client, list_url(statement_slug),
                               action_url(statement_slug, ids["abusive"], "unhide"))

    assert "The signature of Abusive Slur is shown again." in coordinator_client.get(
        response.location).text
    signature = stored(app, ids["abusive"])
    assert signature.status is IndividualStatus.CONFIRMED and signature.hidden_at is None
    assert "Abusive Slur" in client.get(f"/s/{statement_slug}").text
    assert client.get(f"/api/v1/statements/{statement_slug}").get_json()[
        "counts"]["individuals"] == 2
    assert individual_count(app, statement_slug) == 2
    with app.app_context():
        assert list(db.session.scalars(
            select(ModerationAction.kind).order_by(ModerationAction.id))) == [
            ModerationActionKind.HIDE, ModerationActionKind.UNHIDE]


def test_hiding_twice_counts_once(app, coordinator_client, statement_slug):
    ids = signatures(app, statement_slug)
    page = coordinator_client.get(list_url(statement_slug)).text
    token = factories.csrf_token(page)
    url = action_url(statement_slug, ids["abusive"], "hide")

    coordinator_client.post(url, data={"csrf_token": token})
    again = coordinator_client.post(url, data={"csrf_token": token})

    assert "This signature is already hidden." in coordinator_client.get(again.location).text
    assert individual_count(app, statement_slug) == 1


def test_an_unconfirmed_signature_cannot_be_hidden(app, coordinator_client, statement_slug):
    ids = signatures(app, statement_slug)
    token = factories.csrf_token(coordinator_client.get(list_url(statement_slug)).text)

    response = coordinator_client.post(action_url(statement_slug, ids["unconfirmed"], "hide"),
                                       data={"csrf_token": token})

    assert "not confirmed, so it is not public" in coordinator_client.get(response.location).text
    assert stored(app, ids["unconfirmed"]).status is IndividualStatus.UNCONFIRMED
    assert individual_count(app, statement_slug) == 2
