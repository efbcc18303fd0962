"""Removing an addressee who was written to. A letter that reached them stays on
record, and so do they; one still on its way keeps them until it has gone or failed;
letters that all failed reached nobody, and go with them, after a confirmation that
says so."""

from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import select

from campaign.database import utcnow
from campaign.extensions import db
from campaign.letters.models import Letter, LetterStatus
from campaign.letters.services import send_letters
from campaign.outbox.delivery import DeliveryResult
from campaign.outbox.models import OutboxMessage
from campaign.outbox.tasks import deliver_due_messages
from campaign.statements.models import Addressee
from tests.conftest import sign_in
from tests.example_statement import ADDRESSEES
from tests.letters.letters_setup import COORDINATORS, addressee_named
from tests.letters.test_letters_sending import prepare
from tests.support import csrf_token, hidden_fields

# Group 3 has others: its addressee may go for that reason alone.
NAME = ADDRESSEES[2][0]


def _signed_in(app):
    client = app.test_client()
    sign_in(client, COORDINATORS[0])
    return client


def _remove_url(slug: str, addressee_id: int) -> str:
    return f"/coordinate/{slug}/addressees/{addressee_id}/remove"


def _confirm_removal(client, url: str):
    asked = client.get(url)
    return asked, client.post(url, data=hidden_fields(asked.text))


def _told(client, response) -> str:
    return unescape(client.get(response.headers["Location"]).text)


def _refused_twice(client, url: str) -> tuple[str, str]:
    """What asking to remove says, and what pressing the button of a page opened
    earlier says."""
    asked = client.get(url)
    assert asked.status_code == 302
    told = _told(client, asked)
    refused = client.post(url, data={"csrf_token": csrf_token(told)})
    return told, _told(client, refused)


@pytest.mark.pdf
def test_an_addressee_whose_letters_all_failed_goes_with_them_once_confirmed(
        app, smtp_app, smtp):
    with smtp_app.app_context():
        statement, coordinator = prepare()
        slug, addressee = statement.slug, addressee_named(statement.slug, NAME)
        addressee_id = addressee.id
        for _attempt in range(2):
            send_letters(statement, [addressee], by=coordinator)
            db.session.commit()
            message = db.session.scalars(select(OutboxMessage)
                                         .order_by(OutboxMessage.id.desc())).first()
            message.attempts = smtp_app.config["OUTBOX_MAX_ATTEMPTS"] - 1
            db.session.commit()
            smtp.refuse_next = 1
            assert deliver_due_messages() == {DeliveryResult.GAVE_UP: 1}
        assert [letter.status for letter in db.session.scalars(select(Letter))] == [
            LetterStatus.FAILED, LetterStatus.FAILED]
    client = _signed_in(app)
    url = _remove_url(slug, addressee_id)

    assert f'href="{url}"' in client.get(f"/coordinate/{slug}/edit").text
    asked, removed = _confirm_removal(client, url)

    assert asked.status_code == 200
    page = unescape(asked.text)
    assert f"Remove {NAME}?" in page
    assert "The 2 letters to them that failed are deleted with them" in page
    assert f"{NAME} is removed from the statement" in _told(client, removed)
    with app.app_context():
        assert db.session.get(Addressee, addressee_id) is None
        assert db.session.scalars(select(Letter)).all() == []
        assert db.session.scalars(select(OutboxMessage)).all() == []


def test_asking_to_remove_an_addressee_changes_nothing_until_confirmed(app):
    with app.app_context():
        statement, _coordinator = prepare()
        slug, addressee_id = statement.slug, addressee_named(statement.slug, NAME).id
    client = _signed_in(app)

    asked = client.get(_remove_url(slug, addressee_id))

    assert asked.status_code == 200
    assert "failed" not in asked.text
    with app.app_context():
        assert db.session.get(Addressee, addressee_id) is not None


def test_an_addressee_who_was_sent_a_letter_is_not_removed_and_is_told_why(app):
    with app.app_context():
        statement, coordinator = prepare()
        slug, addressee = statement.slug, addressee_named(statement.slug, NAME)
        addressee_id = addressee.id
        send_letters(statement, [addressee], by=coordinator)
        db.session.commit()
        [letter] = db.session.scalars(select(Letter)).all()
        letter.mark_sent(utcnow())
        db.session.commit()
    client = _signed_in(app)

    on_asking, on_pressing = _refused_twice(client, _remove_url(slug, addressee_id))

    told = f"{NAME} was sent letters, which stay on record: {NAME} cannot be removed."
    assert told in on_asking and told in on_pressing
    with app.app_context():
        assert db.session.get(Addressee, addressee_id) is not None
        assert [letter.status for letter in db.session.scalars(select(Letter))] == [
            LetterStatus.SENT]


@pytest.mark.pdf
def test_an_addressee_whose_letter_is_on_its_way_stays_and_the_letter_still_goes(
        app, smtp_app, smtp):
    with smtp_app.app_context():
        statement, coordinator = prepare()
        slug, addressee = statement.slug, addressee_named(statement.slug, NAME)
        addressee_id = addressee.id
        send_letters(statement, [addressee], by=coordinator)
        db.session.commit()
    client = _signed_in(app)

    on_asking, on_pressing = _refused_twice(client, _remove_url(slug, addressee_id))

    told = (f"A letter to {NAME} is still on its way (queued for e-mail, or waiting to be "
            f"delivered by hand): {NAME} cannot be removed while it is.")
    assert told in on_asking and told in on_pressing
    with smtp_app.app_context():
        assert deliver_due_messages() == {DeliveryResult.SENT: 1}
        assert db.session.get(Addressee, addressee_id) is not None
        [letter] = db.session.scalars(select(Letter)).all()
        assert letter.status is LetterStatus.SENT
    assert len(smtp.messages) == 1


def test_removing_an_addressee_removed_already_says_so_and_their_page_is_not_found(app):
    with app.app_context():
        statement, _coordinator = prepare()
        slug, addressee_id = statement.slug, addressee_named(statement.slug, NAME).id
    client = _signed_in(app)
    url = _remove_url(slug, addressee_id)
    # Two tabs on the confirmation: the first removes, the second is stale.
    asked, removed = _confirm_removal(client, url)
    assert removed.status_code == 302

    stale = client.post(url, data=hidden_fields(asked.text))

    assert stale.status_code == 302
    assert "This addressee was already removed." in _told(client, stale)
    assert client.get(url).status_code == 404
