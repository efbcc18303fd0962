"""The confirmation before an addressee's removal, and pressing it."""

from __future__ import annotations

from html import unescape

from campaign.extensions import db
from campaign.statements.models import Addressee
from tests.example_statement import ADDRESSEES
from tests.letters.letters_setup import addressee_named
from tests.support import hidden_fields

# The only addressee of group 1: a published statement cannot lose them.
SOLE = ADDRESSEES[0][0]
# One of group 3's several: may go.
ONE_OF_MANY = ADDRESSEES[2][1]


def _remove_url(slug: str, addressee_id: int) -> str:
    return f"/coordinate/{slug}/addressees/{addressee_id}/remove"


def test_the_removal_of_a_groups_only_addressee_is_refused_before_its_confirmation(
        app, coordinator_client, statement_slug):
    """The removal of an addressee with a letter sent is refused on asking (GET), with
    the reason; the removal of a published group's only addressee is refused only after
    the coordinator confirmed a page that said "Remove …? This cannot be undone.",
    which offered what could never happen."""
    with app.app_context():
        addressee_id = addressee_named(statement_slug, SOLE).id

    asked = coordinator_client.get(_remove_url(statement_slug, addressee_id))

    assert "Remove the addressee" not in asked.text
    assert asked.status_code == 302
    told = unescape(coordinator_client.get(asked.headers["Location"]).text)
    assert "Group 1 of demands is addressed to nobody." in told


def test_a_removal_pressed_twice_tells_the_second_press_it_is_done(
        app, coordinator_client, statement_slug):
    """A double click on "Remove the addressee" (or a second tab): the first press
    removes them, the browser shows the answer to the second, which is a bare 404
    "Not Found" page, as if nothing had happened."""
    with app.app_context():
        addressee_id = addressee_named(statement_slug, ONE_OF_MANY).id
    url = _remove_url(statement_slug, addressee_id)
    form = hidden_fields(coordinator_client.get(url).text)

    first = coordinator_client.post(url, data=form)
    second = coordinator_client.post(url, data=form)

    assert first.status_code == 302
    with app.app_context():
        assert db.session.get(Addressee, addressee_id) is None
    assert second.status_code == 302, second.status_code
    told = unescape(coordinator_client.get(second.headers["Location"]).text)
    assert ONE_OF_MANY in told
    assert "This addressee was already removed." in told
    # A page for an addressee that is not there is still not found.
    assert coordinator_client.get(url).status_code == 404


def test_a_letter_that_failed_after_the_removal_page_opened_is_not_deleted_unseen(
        app, coordinator_client, statement_slug):
    """The page said nothing of letters (there were none); meanwhile a colleague sent
    them one, which failed. Pressing the button deletes that letter and its e-mail,
    which the page never mentioned: the removal is not pinned to what its page showed,
    as sending (recipients) and publishing (shown) are."""
    from sqlalchemy import select

    from campaign.letters.models import Letter
    from campaign.letters.services import send_letters
    from campaign.statements.services import get_statement
    from tests.letters.letters_setup import address_the_addressees

    with app.app_context():
        address_the_addressees(statement_slug)
        addressee_id = addressee_named(statement_slug, ONE_OF_MANY).id
    url = _remove_url(statement_slug, addressee_id)
    page = coordinator_client.get(url).text
    assert "failed" not in page
    with app.app_context():  # the colleague's letter, given up by the mail server
        statement = get_statement(statement_slug)
        send_letters(statement, [db.session.get(Addressee, addressee_id)], by=None)
        db.session.commit()
        [letter] = db.session.scalars(select(Letter)).all()
        letter.mark_failed("550 mailbox unavailable")
        db.session.commit()

    pressed = coordinator_client.post(url, data=hidden_fields(page))

    with app.app_context():
        assert db.session.scalars(select(Letter)).all() != [], (
            "a failed letter the confirmation never showed was deleted")
        assert db.session.get(Addressee, addressee_id) is not None
    assert pressed.status_code == 409
    shown_again = unescape(pressed.text)
    assert (f"The letters to {ONE_OF_MANY} changed since you opened this page, so nothing "
            "was removed. Read the page again, then confirm.") in shown_again
    assert "The 1 letter to them that failed is deleted with them" in shown_again
    # Confirmed from the page as it now stands, the removal takes the letter with them.
    assert coordinator_client.post(url, data=hidden_fields(pressed.text)).status_code == 302
    with app.app_context():
        assert db.session.get(Addressee, addressee_id) is None
        assert db.session.scalars(select(Letter)).all() == []
