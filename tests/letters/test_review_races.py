"""Hostile review: letters and the removal of their addressee, raced as two coordinators
would race them."""

from __future__ import annotations

from sqlalchemy import select

from campaign.extensions import db
from campaign.letters.models import Letter, LetterStatus
from campaign.statements.models import Addressee
from tests.letters.letters_setup import WITH_EMAIL, confirm
from tests.letters.test_letters_pages import _a_failed_letter
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

    assert raced.status_code in (302, 404), raced.status_code
    with app.app_context():
        assert db.session.get(Addressee, addressee_id) is None
        assert db.session.scalars(select(Letter).where(
            Letter.status == LetterStatus.QUEUED)).all() == []
