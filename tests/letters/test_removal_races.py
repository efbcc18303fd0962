"""Letters and the removal of their addressee, raced as two coordinators
would race them."""

from __future__ import annotations

from sqlalchemy import select

from campaign.extensions import db
from campaign.letters.models import Letter, LetterStatus
from tests.letters.letters_setup import WITH_EMAIL, confirm
from tests.letters.test_letters_pages import _a_failed_letter, _told_after
from tests.support import committed_meanwhile


def test_a_retry_confirmed_as_a_colleague_removes_the_addressee_is_no_server_error(
        app, coordinator_client, statement_slug):
    """The colleague's removal commits while this retry waits for the addressee's lock
    (PostgreSQL: FOR NO KEY UPDATE against FOR UPDATE); the retry then finds no addressee
    and must say so, not crash on a letter whose addressee is gone."""
    name = WITH_EMAIL[0]
    failed = _a_failed_letter(app, coordinator_client, statement_slug, name)
    addressee_id = failed.addressee_id
    retry = f"/coordinate/{statement_slug}/letters/{failed.id}/retry"
    confirmation = coordinator_client.get(retry).text
    # What the colleague's removal commits: the failed letter, then its addressee.
    at_the_lock = lambda sql: sql.startswith("SELECT addressee.id")  # noqa: E731
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        with committed_meanwhile(app, f"DELETE FROM letter WHERE addressee_id = {addressee_id}",
                                 at=at_the_lock), \
             committed_meanwhile(app, f"DELETE FROM addressee WHERE id = {addressee_id}",
                                 at=at_the_lock) as ran:
            raced = confirm(coordinator_client, retry, confirmation)
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    assert ran, "the removal was never interleaved"

    assert raced.status_code == 302, raced.status_code
    told = _told_after(coordinator_client, raced)
    assert f"{name} was removed from the statement meanwhile: nothing was sent." in told
    # (The removal ran in this request's own transaction, which the refusal rolls back:
    # whether the addressee is gone afterwards says nothing here.)
    with app.app_context():
        assert db.session.scalars(select(Letter).where(
            Letter.status == LetterStatus.QUEUED)).all() == []


def test_a_sending_confirmed_as_a_colleague_removes_the_addressee_does_not_say_queued(
        app, coordinator_client, statement_slug):
    """The removal commits between the sending's check of whom the page showed and the
    letter's insert, which the foreign key then refuses (PostgreSQL: the insert's KEY
    SHARE waits for the removal's FOR UPDATE, then fails): the coordinator must be told
    the addressee is gone, not shown a 500 nor told a letter to them "is already
    queued"."""
    from tests.letters.letters_setup import address_the_addressees, addressee_named

    name = WITH_EMAIL[0]
    with app.app_context():
        address_the_addressees(statement_slug)
        addressee_id = addressee_named(statement_slug, name).id
    send = f"/coordinate/{statement_slug}/letters/send/to/{addressee_id}"
    confirmation = coordinator_client.get(send).text

    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        with committed_meanwhile(app, f"DELETE FROM addressee WHERE id = {addressee_id}",
                                 at=lambda sql: sql.startswith("SAVEPOINT")) as ran:
            raced = confirm(coordinator_client, send, confirmation)
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    assert ran, "the removal was never interleaved"

    # Today: the insert's IntegrityError is taken for "already queued", and the flash
    # that says so reads the deleted addressee's name after the commit: a 500.
    assert raced.status_code in (302, 409), raced.status_code

    told = _told_after(coordinator_client, raced) if raced.status_code == 302 else raced.text
    with app.app_context():
        assert db.session.scalars(select(Letter)).all() == []
    assert f"a letter is already queued: {name}" not in told
    assert f"Not sent, removed from the statement meanwhile: {name}." in told
