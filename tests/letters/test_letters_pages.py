"""The Letters page of the workspace: previews, sending, and what became of each letter."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from campaign.extensions import db
from campaign.letters.models import Letter, LetterStatus
from tests.example_statement import ADDRESSEES, TITLE
from tests.letters.letters_setup import BY_HAND, address_the_addressees, addressee_named
from tests.moderation.factories import press


@pytest.mark.pdf
def test_the_page_lists_each_addressee_with_demands_delivery_and_previews(
        app, coordinator_client, statement_slug):
    with app.app_context():
        address_the_addressees(statement_slug)
        by_hand_id = addressee_named(statement_slug, BY_HAND).id
    page = coordinator_client.get(f"/coordinate/{statement_slug}/letters")

    assert page.status_code == 200
    assert page.text.count("no e-mail: deliver by hand") == 1
    assert f'href="/coordinate/{statement_slug}/letters"' in page.text  # in the nav
    for suffix, kind in (("", "text/html"), ("/text", "text/plain"), ("/pdf", "application/pdf")):
        preview = coordinator_client.get(
            f"/coordinate/{statement_slug}/letters/to/{by_hand_id}{suffix}")
        assert preview.status_code == 200 and preview.mimetype == kind
        assert preview.get_data()  # streamed: read it all before the next request
    html = coordinator_client.get(f"/coordinate/{statement_slug}/letters/to/{by_hand_id}").text
    assert TITLE in html and f"Our demands to {BY_HAND}" in html


def test_sending_to_all_from_the_page_then_marking_a_letter_delivered_by_hand(
        app, coordinator_client, statement_slug):
    with app.app_context():
        address_the_addressees(statement_slug)
    letters_page = f"/coordinate/{statement_slug}/letters"

    summary = coordinator_client.get(f"{letters_page}/send")
    assert "Confirm sending" in summary.text
    assert not coordinator_client.get(letters_page).text.count("Queued for e-mail:")
    sent = press(coordinator_client, f"{letters_page}/send", f"{letters_page}/send")
    assert sent.status_code == 302
    page = coordinator_client.get(letters_page).text
    assert "Queued for e-mail:" in page and "to deliver by hand" in page
    assert page.count("<strong>Queued</strong>") == sum(map(len, ADDRESSEES)) - 1

    again = coordinator_client.post(f"{letters_page}/send", follow_redirects=True, data={
        "csrf_token": _token(coordinator_client, letters_page)})
    assert "Skipped, a letter is already queued" in again.text

    with app.app_context():
        letter_id = db.session.scalars(select(Letter.id).where(
            Letter.status == LetterStatus.TO_DELIVER_BY_HAND)).one()
    press(coordinator_client, letters_page, f"{letters_page}/{letter_id}/delivered")
    assert "<strong>Delivered by hand</strong>" in coordinator_client.get(letters_page).text
    with app.app_context():
        assert db.session.get(Letter, letter_id).status is LetterStatus.DELIVERED_BY_HAND


def _token(client, url: str) -> str:
    from tests.support import csrf_token

    return csrf_token(client.get(url).text)
