"""The review queue of held signatures: what coordinators see (never an address),
releasing (the signer is sent the link then) and invalidating, each in the log."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import select

from campaign.abuse.models import HoldReason
from campaign.abuse.services import Client
from campaign.extensions import db, limiter
from campaign.moderation.services import ModerationError, release_signature
from campaign.outbox.models import OutboxMessage
from campaign.signing.models import (
    IndividualSignature,
    IndividualStatus,
    NameDisplay,
    OrganizationSignature,
    OrganizationStatus,
    OrganizationType,
)
from campaign.signing.services import (
    IndividualSignatureRequest,
    OrganizationSignatureRequest,
    SigningOutcome,
    sign_as_individual,
    sign_for_organization,
)
from campaign.signing.tally import read_counts
from campaign.statements.services import get_statement
from tests.moderation.factories import press
from tests.support import csrf_token

BOT = Client("203.0.113.5", honeypot_filled=True)


def held_individual(slug: str, email: str = "held@example.org", *,
                    client: Client = BOT) -> int:
    outcome = sign_as_individual(get_statement(slug), IndividualSignatureRequest(
        name="Held Person", email=email, country="UA", name_display=NameDisplay.FULL,
        wants_updates=False), client=client)
    db.session.commit()
    assert outcome is SigningOutcome.HELD
    return db.session.scalars(
        select(IndividualSignature.id).where(IndividualSignature.email == email)).one()


def held_organization(slug: str) -> int:
    sign_for_organization(get_statement(slug), OrganizationSignatureRequest(
        name="Held Org", country="UA", organization_type=OrganizationType.NGO, website=None,
        contact_name="Held Contact", contact_email="contact@held.example.org",
        authorized_to_sign=True), client=BOT)
    db.session.commit()
    return db.session.scalars(select(OrganizationSignature.id).where(
        OrganizationSignature.name == "Held Org")).one()


def queue(slug: str) -> str:
    return f"/coordinate/{slug}/held"


def action(slug: str, kind: str, signature_id: int, verb: str) -> str:
    return f"/coordinate/{slug}/held/{kind}s/{signature_id}/{verb}"


def mail_to(app: Flask, address: str) -> list[OutboxMessage]:
    with app.app_context():
        return list(db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.to_address == address)))


@pytest.fixture
def over_the_limit(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Client:
    monkeypatch.setitem(app.config, "SIGNING_RATE_LIMIT", "1 per minute")
    limiter.reset()
    return Client("198.51.100.23")


def test_the_queue_shows_reason_time_and_network_but_never_an_address(
        app, coordinator_client, statement_slug, over_the_limit):
    with app.app_context():
        sign_as_individual(get_statement(statement_slug), IndividualSignatureRequest(
            name="First Person", email="first@example.org", country="UA",
            name_display=NameDisplay.FULL, wants_updates=False), client=over_the_limit)
        db.session.commit()
        held_individual(statement_slug, "flood@example.net", client=over_the_limit)
        held_organization(statement_slug)

    page = coordinator_client.get(queue(statement_slug)).text

    individuals = page.split('id="held-individuals"')[1].split('id="held-organizations"')[0]
    assert "Held Person" in individuals and "First Person" not in individuals
    assert "Too many signatures from one network" in individuals
    assert "198.51.100.0/24" in individuals and "198.51.100.23" not in page
    assert "example.net" in individuals and "flood@example.net" not in page
    assert re.search(r'<time datetime="[\d-]+T', individuals)
    organizations = page.split('id="held-organizations"')[1]
    assert "Held Org" in organizations
    assert "Filled in a field hidden from people" in organizations
    assert "203.0.113.0/24" in organizations
    assert re.search(r"Held signatures <span class=\"count\">\(2\)</span>", page)


def test_releasing_sends_the_link_and_the_signature_counts_once_confirmed(
        app, coordinator_client, client, statement_slug):
    with app.app_context():
        signature_id = held_individual(statement_slug)
    assert mail_to(app, "held@example.org") == []

    response = press(coordinator_client, queue(statement_slug),
                     action(statement_slug, "individual", signature_id, "release"))

    assert response.status_code == 302
    page = coordinator_client.get(response.location).text
    assert "Released: Held Person has been sent the link" in page
    assert "No individual signature is held." in page
    [confirmation] = mail_to(app, "held@example.org")
    assert confirmation.template == "confirm_signature"
    confirm_page = client.get(f"/confirm/{confirmation.context['token']}")
    client.post(f"/confirm/{confirmation.context['token']}",
                data={"csrf_token": csrf_token(confirm_page.text)})
    with app.app_context():
        signature = db.session.get(IndividualSignature, signature_id)
        assert signature.status is IndividualStatus.CONFIRMED
        assert read_counts(signature.statement_id).individuals == 1
    log = coordinator_client.get(f"/coordinate/{statement_slug}/moderation-log").text
    assert "Released a held signature" in log and "Held Person" in log
    assert "Filled in a field hidden from people" in log


def test_releasing_an_organization_mails_its_contact(app, coordinator_client, statement_slug):
    with app.app_context():
        organization_id = held_organization(statement_slug)

    press(coordinator_client, queue(statement_slug),
          action(statement_slug, "organization", organization_id, "release"))

    with app.app_context():
        assert db.session.get(OrganizationSignature, organization_id).status is (
            OrganizationStatus.UNCONFIRMED)
    [confirmation] = mail_to(app, "contact@held.example.org")
    assert confirmation.template == "confirm_signature"


def test_invalidating_takes_it_out_silently_and_a_later_submission_starts_over(
        app, coordinator_client, statement_slug):
    with app.app_context():
        signature_id = held_individual(statement_slug)

    response = press(coordinator_client, queue(statement_slug),
                     action(statement_slug, "individual", signature_id, "invalidate"))

    assert "Invalidated: the signature of Held Person" in coordinator_client.get(
        response.location).text
    with app.app_context():
        assert db.session.get(IndividualSignature, signature_id).status is (
            IndividualStatus.INVALIDATED)
    assert mail_to(app, "held@example.org") == []
    assert "Invalidated a held signature" in coordinator_client.get(
        f"/coordinate/{statement_slug}/moderation-log").text
    with app.app_context():
        # The address may be a real signer's, typed by whoever was judged: signing
        # again, from a client nothing holds, starts over with a link to that mailbox,
        # and counts only once confirmed from it.
        outcome = sign_as_individual(get_statement(statement_slug), IndividualSignatureRequest(
            name="Held Person", email="held@example.org", country="UA",
            name_display=NameDisplay.FULL, wants_updates=False),
            client=Client("192.0.2.1"))
        db.session.commit()
        assert outcome is SigningOutcome.CONFIRMATION_SENT
        assert db.session.get(IndividualSignature, signature_id).status is (
            IndividualStatus.UNCONFIRMED)
    assert len(mail_to(app, "held@example.org")) == 1


def test_only_a_held_signature_can_be_released_or_invalidated(
        app, coordinator_client, statement_slug):
    with app.app_context():
        signature_id = held_individual(statement_slug)
    press(coordinator_client, queue(statement_slug),
          action(statement_slug, "individual", signature_id, "release"))
    token = csrf_token(coordinator_client.get(queue(statement_slug)).text)

    for verb in ("release", "invalidate"):
        response = coordinator_client.post(
            action(statement_slug, "individual", signature_id, verb), data={"csrf_token": token})
        assert "This signature is not held" in coordinator_client.get(response.location).text

    with app.app_context():
        assert db.session.get(IndividualSignature, signature_id).status is (
            IndividualStatus.UNCONFIRMED)
        with pytest.raises(ModerationError):
            release_signature(db.session.get(IndividualSignature, signature_id), by=None)
    assert len(mail_to(app, "held@example.org")) == 1


def test_held_signatures_are_not_counted_on_the_dashboard(app, coordinator_client,
                                                          statement_slug):
    with app.app_context():
        held_individual(statement_slug)
        held_organization(statement_slug)

    page = coordinator_client.get(f"/coordinate/{statement_slug}/").text

    for figure in ("organizations-awaiting", "individuals-confirmed",
                   "individuals-unconfirmed"):
        assert f'<dd id="{figure}">0</dd>' in page
    public = coordinator_client.get(f"/s/{statement_slug}").text
    assert "Held Person" not in public and "Held Org" not in public
    assert HoldReason.HONEYPOT.value not in public
