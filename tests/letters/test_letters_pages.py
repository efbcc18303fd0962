"""The Letters page of the workspace: previews, sending, and what became of each letter."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import func, select

from campaign.database import utcnow
from campaign.extensions import db
from campaign.letters.models import Letter, LetterStatus
from campaign.statements.models import Addressee
from campaign.statements.services import get_statement
from tests.example_statement import ADDRESSEES, TITLE
from tests.letters.letters_setup import (
    BY_HAND,
    HOMOGRAPH,
    HOMOGRAPH_ASCII,
    IDN_ADDRESS,
    IDN_ASCII,
    NOT_PLAIN_LATIN,
    WITH_EMAIL,
    address_the_addressees,
    addressee_named,
    confirm,
)
from tests.moderation.factories import press
from tests.support import committed_meanwhile, page_text


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
        # The PDF lists the signatories: kept by no cache, like the pages.
        assert preview.headers["Cache-Control"] == "no-store"
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
    sent = confirm(coordinator_client, f"{letters_page}/send", summary.text)
    assert sent.status_code == 302
    page = coordinator_client.get(letters_page).text
    assert "Queued for e-mail:" in page and "to deliver by hand" in page
    assert page.count("<strong>Queued</strong>") == sum(map(len, ADDRESSEES)) - 1

    # The same page confirmed again (a second tab, a colleague's) sends nothing more.
    again = confirm(coordinator_client, f"{letters_page}/send", summary.text)
    assert again.status_code == 409
    assert "The list of addressees changed since you opened this page" in again.text
    assert "There is nothing to send" in again.text
    with app.app_context():
        assert db.session.scalar(select(func.count(Letter.id))) == sum(map(len, ADDRESSEES))

    with app.app_context():
        letter_id = db.session.scalars(select(Letter.id).where(
            Letter.status == LetterStatus.TO_DELIVER_BY_HAND)).one()
    press(coordinator_client, letters_page, f"{letters_page}/{letter_id}/delivered")
    assert "<strong>Delivered by hand</strong>" in coordinator_client.get(letters_page).text
    with app.app_context():
        assert db.session.get(Letter, letter_id).status is LetterStatus.DELIVERED_BY_HAND


# --- Sending only what the confirmation showed ----------------------------------------


def _letters_to(app, name: str) -> list[Letter]:
    with app.app_context():
        return list(db.session.scalars(select(Letter).where(Letter.addressee_name == name)
                                       .order_by(Letter.id)))


def _statuses_to(app, name: str) -> list[LetterStatus]:
    return [letter.status for letter in _letters_to(app, name)]


def _told_after(client, response) -> str:
    """The page a redirect leads to, with its flashed message, as the reader sees it."""
    return html.unescape(client.get(response.headers["Location"]).text)


def _a_failed_letter(app, coordinator_client, slug: str, name: str) -> Letter:
    with app.app_context():
        address_the_addressees(slug)
        addressee_id = addressee_named(slug, name).id
    assert confirm(coordinator_client,
                   f"/coordinate/{slug}/letters/send/to/{addressee_id}").status_code == 302
    [letter] = _letters_to(app, name)
    with app.app_context():  # the mail server gave up on it
        db.session.get(Letter, letter.id).mark_failed("550 mailbox unavailable")
        db.session.commit()
    return letter


def test_retry_shows_what_it_will_send_to_whom_and_sends_only_once_confirmed(
        app, coordinator_client, statement_slug):
    name = WITH_EMAIL[0]
    failed = _a_failed_letter(app, coordinator_client, statement_slug, name)
    letters_page = f"/coordinate/{statement_slug}/letters"
    retry = f"{letters_page}/{failed.id}/retry"
    assert f'href="{retry}"' in coordinator_client.get(letters_page).text

    confirmation = coordinator_client.get(retry)

    assert confirmation.status_code == 200 and "Confirm sending" in confirmation.text
    text = html.unescape(confirmation.text)
    assert f"in place of the letter to {name} of " in text
    assert "550 mailbox unavailable" in text
    assert f"E-mail to {failed.to_address}" in text and "Send 1 letter" in text
    # A POST without the page's token sends nothing.
    assert coordinator_client.post(retry).status_code == 400
    assert len(_letters_to(app, name)) == 1

    assert confirm(coordinator_client, retry, confirmation.text).status_code == 302
    assert _statuses_to(app, name) == [LetterStatus.FAILED, LetterStatus.QUEUED]


def test_a_failed_letter_already_sent_again_is_not_sent_a_third_time_by_its_retry(
        app, coordinator_client, statement_slug):
    name = WITH_EMAIL[0]
    first = _a_failed_letter(app, coordinator_client, statement_slug, name)
    letters_page = f"/coordinate/{statement_slug}/letters"
    retry = f"{letters_page}/{first.id}/retry"
    # Two coordinators open the retry's confirmation; the first confirms, and the new
    # letter is delivered.
    colleagues_page = coordinator_client.get(retry).text
    assert confirm(coordinator_client, retry).status_code == 302
    [_failed, second] = _letters_to(app, name)
    with app.app_context():
        db.session.get(Letter, second.id).mark_sent(utcnow())
        db.session.commit()

    page = coordinator_client.get(letters_page).text
    assert f'href="{retry}"' not in page
    assert "Sent again on " in page

    refused = confirm(coordinator_client, retry, colleagues_page)

    assert refused.status_code == 302
    told = _told_after(coordinator_client, refused)
    assert f"The failed letter to {name} was already sent again" in told
    assert _statuses_to(app, name) == [LetterStatus.FAILED, LetterStatus.SENT]
    assert coordinator_client.get(retry).status_code == 302


def test_two_retries_at_once_make_one_new_letter_and_the_second_is_told(
        app, coordinator_client, statement_slug):
    name = WITH_EMAIL[0]
    failed = _a_failed_letter(app, coordinator_client, statement_slug, name)
    retry = f"/coordinate/{statement_slug}/letters/{failed.id}/retry"
    confirmation = coordinator_client.get(retry).text
    # The other retry queues its letter once this one has checked, before it inserts.
    other_retry = (
        "INSERT INTO letter (statement_id, addressee_id, addressee_name, to_address, status, "
        "organizations_count, individuals_count, created_at) SELECT statement_id, "
        "addressee_id, addressee_name, to_address, 'queued', 0, 0, created_at FROM letter "
        f"WHERE id = {failed.id}")

    with committed_meanwhile(app, other_retry, at=lambda sql: sql.startswith("SAVEPOINT")):
        raced = confirm(coordinator_client, retry, confirmation)

    assert raced.status_code == 302
    told = _told_after(coordinator_client, raced)
    assert f"Skipped, a letter is already queued: {name}." in told
    assert _statuses_to(app, name) == [LetterStatus.FAILED, LetterStatus.QUEUED]


def test_confirming_sends_only_to_the_addressees_the_confirmation_page_showed(
        app, coordinator_client, statement_slug):
    with app.app_context():
        address_the_addressees(statement_slug)
    send_all = f"/coordinate/{statement_slug}/letters/send"
    confirmation = coordinator_client.get(send_all)
    assert confirmation.status_code == 200
    # Meanwhile a colleague adds an addressee (with an address) to the statement.
    with app.app_context():
        statement = get_statement(statement_slug)
        statement.addressees.append(Addressee(name="Embassy added meanwhile",
                                              email="embassy@gov.example"))
        db.session.commit()
    assert "Embassy added meanwhile" not in confirmation.text

    refused = confirm(coordinator_client, send_all, confirmation.text)

    assert refused.status_code == 409
    assert ("The list of addressees changed since you opened this page, so nothing was "
            "sent. Check the list below and confirm again.") in html.unescape(refused.text)
    assert "Embassy added meanwhile" in refused.text
    with app.app_context():
        assert db.session.scalar(select(func.count(Letter.id))) == 0
    # Confirmed again from the page as it now stands, it sends to them too.
    assert confirm(coordinator_client, send_all, refused.text).status_code == 302
    assert len(_letters_to(app, "Embassy added meanwhile")) == 1


def test_a_send_page_confirmed_again_after_its_letters_went_sends_no_second_copies(
        app, coordinator_client, statement_slug):
    """A second tab, or the back button: confirmed once its letters have left (no
    longer waiting, so not skipped), the old page must not send them all again."""
    with app.app_context():
        address_the_addressees(statement_slug)
    send_all = f"/coordinate/{statement_slug}/letters/send"
    page = coordinator_client.get(send_all).text
    assert confirm(coordinator_client, send_all, page).status_code == 302
    with app.app_context():
        for letter in db.session.scalars(select(Letter)):
            if letter.status is LetterStatus.QUEUED:
                letter.mark_sent(utcnow())
            else:
                letter.mark_delivered_by_hand(utcnow())
        db.session.commit()
        sent = db.session.scalar(select(func.count(Letter.id)))

    again = confirm(coordinator_client, send_all, page)

    assert again.status_code == 409
    with app.app_context():
        assert db.session.scalar(select(func.count(Letter.id))) == sent


def test_confirming_to_one_addressee_whose_address_changed_meanwhile_sends_nothing(
        app, coordinator_client, statement_slug):
    name = WITH_EMAIL[0]
    with app.app_context():
        address_the_addressees(statement_slug)
        addressee_id = addressee_named(statement_slug, name).id
    send_one = f"/coordinate/{statement_slug}/letters/send/to/{addressee_id}"
    confirmation = coordinator_client.get(send_one).text
    with app.app_context():
        addressee_named(statement_slug, name).email = "someone-else@gov.example"
        db.session.commit()

    refused = confirm(coordinator_client, send_one, confirmation)

    assert refused.status_code == 409
    assert "E-mail to someone-else@gov.example" in refused.text
    assert _letters_to(app, name) == []


def test_an_address_with_a_non_latin_domain_is_shown_in_its_ascii_form_before_sending(
        app, coordinator_client, statement_slug):
    with app.app_context():
        address_the_addressees(statement_slug)
        first, second = ADDRESSEES[1]
        addressee_named(statement_slug, first).email = IDN_ADDRESS
        addressee_named(statement_slug, second).email = HOMOGRAPH
        db.session.commit()
        plain = addressee_named(statement_slug, ADDRESSEES[0][0]).email

    confirmation = page_text(coordinator_client.get(
        f"/coordinate/{statement_slug}/letters/send").text)
    letters_page = page_text(coordinator_client.get(
        f"/coordinate/{statement_slug}/letters").text)

    assert f"E-mail to {IDN_ADDRESS} (sent as {IDN_ASCII}: {NOT_PLAIN_LATIN})" in confirmation
    assert f"E-mail to {HOMOGRAPH} (sent as {HOMOGRAPH_ASCII}: {NOT_PLAIN_LATIN})" in (
        confirmation)
    assert f"{IDN_ADDRESS} (sent as {IDN_ASCII}: {NOT_PLAIN_LATIN})" in letters_page
    assert f"{HOMOGRAPH} (sent as {HOMOGRAPH_ASCII}: {NOT_PLAIN_LATIN})" in letters_page
    # An address of plain ASCII is shown as it is, with no note.
    assert f"E-mail to {plain}" in confirmation
    for page in (confirmation, letters_page):
        assert page.count(NOT_PLAIN_LATIN) == 2
