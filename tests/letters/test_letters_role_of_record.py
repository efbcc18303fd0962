"""A letter of record keeps its addressee's name and role as it went: one printed or
retried after the entry was edited must not pair the name with someone else's role."""

from __future__ import annotations

import html
import re

import pytest

from campaign.addressees.services import AddresseeDetails, update_addressee
from campaign.extensions import db
from campaign.letters.services import send_letters
from tests.conftest import sign_in
from tests.letters.letters_setup import BY_HAND, COORDINATORS, addressee_named
from tests.letters.test_letters_of_record import RENAMED, pdf_text
from tests.letters.test_letters_sending import prepare

NEW_ROLE = "Head of the Harbour Authority"


@pytest.mark.pdf
def test_a_letter_printed_after_its_addressee_was_replaced_keeps_the_role_it_was_sent_to(app):
    """The entry is reused for someone else (another name, another role) after the
    letter to deliver by hand was made. Its PDF keeps the recorded name but takes the
    entry's new role: "To: <the old name>, <the new person's role>", a letter to
    nobody that exists."""
    with app.app_context():
        statement, coordinator = prepare()
        slug = statement.slug
        addressee = addressee_named(slug, BY_HAND)
        send_letters(statement, [addressee], by=coordinator)
        db.session.commit()
        update_addressee(addressee, AddresseeDetails(
            name=RENAMED, role=NEW_ROLE, email=None, language=addressee.language))
        db.session.commit()
    client = app.test_client()
    sign_in(client, COORDINATORS[0])

    page = client.get(f"/coordinate/{slug}/letters").text
    row = page[page.index('<tr class="letter-to_deliver_by_hand">'):]
    link = re.search(r'<a href="([^"]+)">Download the PDF', row[:row.index("</tr>")])[1]
    printed = pdf_text(client.get(html.unescape(link)).data)

    assert f"Dear {BY_HAND}," in printed
    assert NEW_ROLE not in printed


def test_a_retry_goes_to_the_role_the_failed_letter_recorded(
        app, coordinator_client, statement_slug):
    """The entry's role is edited after the letter failed: the retry's confirmation shows,
    and its new letter records, the role the failed letter went to, as it does the
    name."""
    from sqlalchemy import select

    from campaign.letters.models import Letter
    from tests.letters.letters_setup import WITH_EMAIL, confirm
    from tests.letters.test_letters_pages import _a_failed_letter

    name, old_role = WITH_EMAIL[0], "Minister of Foreign Affairs"
    with app.app_context():
        addressee_named(statement_slug, name).role = old_role
        db.session.commit()
    failed = _a_failed_letter(app, coordinator_client, statement_slug, name)
    with app.app_context():
        addressee_named(statement_slug, name).role = NEW_ROLE
        db.session.commit()
    retry = f"/coordinate/{statement_slug}/letters/{failed.id}/retry"

    page = coordinator_client.get(retry).text
    assert old_role in page and NEW_ROLE not in page
    assert confirm(coordinator_client, retry, page).status_code == 302
    with app.app_context():
        assert db.session.scalars(select(Letter.addressee_role).order_by(Letter.id)).all() == [
            old_role, old_role]
