"""The coalition's own voice (issue 15, point 4): its name as every e-mail's sender
with the instance's own address, the coordinators as Reply-To, a letter's own words,
the summary before sending, and a test copy that is never counted as sent."""

from __future__ import annotations

import html
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from campaign.extensions import db
from campaign.letters.building import build_letter
from campaign.letters.models import Letter
from campaign.letters.pdf import render_letter_html, render_letter_pdf
from campaign.letters.services import (
    CLOSING_LENGTH,
    NOTE_LENGTH,
    SALUTATION_LENGTH,
    LetterError,
    send_letters,
    send_test_letter,
    set_group_wording,
    set_letter_voice,
    set_reply_address,
    summarize_sending,
)
from campaign.outbox.models import OutboxMessage
from campaign.outbox.tasks import deliver_due_messages
from campaign.signing.models import OrganizationSignature
from campaign.statements.services import get_statement
from tests.conftest import sign_in
from tests.example_statement import ADDRESSEES, TITLE
from tests.letters.letters_setup import (
    BY_HAND,
    COORDINATORS,
    NOT_PLAIN_LATIN,
    addressee_named,
    email_of,
)
from tests.letters.test_letters_sending import prepare
from tests.support import csrf_token, page_text

IDN_ASCII_REPLIES = "replies@xn--80aikifvh.xn--j1amh"
COALITION = "Коаліція «Україна — 5 ранку», Kyiv"


# --- The summary before sending ------------------------------------------------------


@pytest.mark.usefixtures("app_context")
def test_the_summary_says_who_gets_what_and_sends_nothing():
    statement, _ = prepare()
    group_three = [addressee_named(statement.slug, name) for name in ADDRESSEES[2]]
    summary = summarize_sending(statement, group_three)

    assert [line.addressee.name for line in summary.lines] == ADDRESSEES[2]
    by_name = {line.addressee.name: line for line in summary.lines}
    assert by_name[BY_HAND].by_email is False
    assert by_name[ADDRESSEES[2][0]].by_email is True
    assert {line.demands_count for line in summary.lines} == {4}
    assert by_name[ADDRESSEES[2][0]].attachment.startswith("crimea-2020-")
    assert by_name[ADDRESSEES[2][0]].attachment.endswith(".pdf")
    assert (summary.organizations, summary.individuals) == (13, 3)
    assert db.session.scalar(select(func.count(Letter.id))) == 0


@pytest.mark.usefixtures("app_context")
def test_the_summary_marks_who_would_be_skipped():
    statement, coordinator = prepare()
    first = addressee_named(statement.slug, ADDRESSEES[0][0])
    send_letters(statement, [first], by=coordinator)
    db.session.commit()
    summary = summarize_sending(statement, list(statement.addressees))
    assert [line.addressee.name for line in summary.lines if line.skipped] == [first.name]
    assert len(summary.to_send) == len(summary.lines) - 1


def test_sending_asks_for_confirmation_on_a_page_of_its_own(app, coordinator_client,
                                                            statement_slug):
    url = f"/coordinate/{statement_slug}/letters/send"
    page = coordinator_client.get(url)
    assert page.status_code == 200 and "Confirm sending" in page.text
    assert "Who gets what" in page.text
    # A POST without the page's token sends nothing.
    assert coordinator_client.post(url).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count(Letter.id))) == 0


# --- A test copy ---------------------------------------------------------------------


@pytest.mark.usefixtures("smtp_context")
@pytest.mark.pdf
def test_a_test_copy_reaches_the_coordinator_only_and_is_not_a_letter(smtp):
    statement, coordinator = prepare()
    addressee = addressee_named(statement.slug, ADDRESSEES[0][0])
    send_test_letter(addressee, coordinator)
    db.session.commit()
    deliver_due_messages()

    [received] = smtp.messages
    assert smtp.recipients == [[coordinator.email]]
    assert received["Subject"] == f"[Test] {TITLE}"
    text = received.get_body(("plain",)).get_content()
    assert "Test copy." in text and addressee.name in text
    [attachment] = list(received.iter_attachments())
    assert attachment.get_content().startswith(b"%PDF")
    assert db.session.scalar(select(func.count(Letter.id))) == 0
    assert db.session.scalars(select(OutboxMessage)).one().status.value == "sent"


# --- The sender's name, the address and Reply-To ------------------------------------


@pytest.mark.usefixtures("smtp_context")
@pytest.mark.pdf
def test_every_mail_about_the_statement_comes_in_the_coalitions_name(smtp_app, smtp):
    statement, coordinator = prepare()
    set_letter_voice(statement, sender_name=f"  {COALITION}\n ", letter_logos=False)
    db.session.commit()
    send_letters(statement, [addressee_named(statement.slug, ADDRESSEES[0][0])], by=coordinator)
    db.session.commit()
    deliver_due_messages()

    [received] = smtp.messages
    [sender] = received["From"].addresses
    assert sender.display_name == COALITION
    # The instance's own address: SPF, DKIM and DMARC are the instance's.
    assert sender.addr_spec == "no-reply@undersigned.invalid"
    assert received["Reply-To"] == ", ".join(COORDINATORS)
    assert received["To"] == email_of(ADDRESSEES[0][0])


def test_a_signers_confirmation_speaks_in_the_coalitions_name_too(app, client, smtp_app,
                                                                   smtp, statement_slug):
    from campaign.statements.services import get_statement
    from tests.support import individual_fields, post_form

    with app.app_context():
        set_letter_voice(get_statement(statement_slug), sender_name=COALITION,
                         letter_logos=False)
        db.session.commit()
    assert post_form(client, f"/s/{statement_slug}", f"/s/{statement_slug}/sign",
                     individual_fields()).status_code == 302
    with smtp_app.app_context():
        deliver_due_messages()
    [received] = smtp.messages
    assert received["From"].addresses[0].display_name == COALITION
    # Whoever signs is not told who the coordinators are: only letters carry Reply-To.
    assert received["Reply-To"] is None


@pytest.mark.usefixtures("app_context")
def test_a_sender_name_is_one_line_and_not_too_long():
    statement, _ = prepare()
    set_letter_voice(statement, sender_name="   ", letter_logos=True)
    assert statement.sender_name is None and statement.letter_logos is True
    with pytest.raises(LetterError):
        set_letter_voice(statement, sender_name="x" * 121, letter_logos=False)


# --- The letter's own words, letterhead and logos -----------------------------------


@pytest.mark.usefixtures("app_context")
def test_defaults_are_in_the_addressees_language_and_a_groups_words_win():
    statement, _ = prepare()
    addressee = addressee_named(statement.slug, ADDRESSEES[2][0])
    from campaign.languages import in_language

    addressee.language = "uk"
    with in_language("uk"):
        html = render_letter_html(build_letter(addressee))
    assert "З повагою," in html

    group = build_letter(addressee).demand_groups[0]
    set_group_wording(group, salutation="Шановний пане Президенте,",
                      note="We write **before** the hearing.", closing="  ")
    set_letter_voice(statement, sender_name=COALITION, letter_logos=False)
    db.session.commit()
    with in_language("uk"):
        html = render_letter_html(build_letter(addressee))
    assert "Шановний пане Президенте," in html
    assert "<strong>before</strong>" in html
    assert "З повагою," in html, "an empty closing keeps the default"
    assert html.count(COALITION.replace("«", "&#171;")) + html.count(COALITION) >= 2


@pytest.mark.usefixtures("app_context")
@pytest.mark.pdf
def test_the_pdf_has_a_letterhead_and_the_logos_when_chosen():
    from campaign.signing.logos import prepare_logo, store_logo
    from tests.signing.test_logos import image_bytes

    statement, _ = prepare()
    founding = db.session.scalars(select(OrganizationSignature).where(
        OrganizationSignature.statement_id == statement.id,
        OrganizationSignature.founding.is_(True))).first()
    founding.logo = store_logo(prepare_logo(io.BytesIO(image_bytes(size=(200, 100)))))
    addressee = addressee_named(statement.slug, ADDRESSEES[0][0])

    set_letter_voice(statement, sender_name=COALITION, letter_logos=False)
    db.session.commit()
    without = PdfReader(io.BytesIO(render_letter_pdf(build_letter(addressee))))
    assert COALITION in without.pages[0].extract_text()
    assert not any(page.images for page in without.pages)

    set_letter_voice(statement, sender_name=COALITION, letter_logos=True)
    db.session.commit()
    with_logos = PdfReader(io.BytesIO(render_letter_pdf(build_letter(addressee))))
    assert any(page.images for page in with_logos.pages)
    # The founding organization's logo: once in the letterhead, once in the list; and
    # never in the e-mail or its preview, which would have to fetch it.
    html = render_letter_html(build_letter(addressee), for_print=True)
    assert html.count(f"{founding.logo}\"") == 2
    assert founding.logo not in render_letter_html(build_letter(addressee))


# --- Where the addressees' replies go -------------------------------------------------


def _voice_page_fields(client, slug: str) -> dict[str, str]:
    page = client.get(f"/coordinate/{slug}/letters/voice")
    assert page.status_code == 200
    return {"csrf_token": csrf_token(page.text), "sender_name": COALITION}


@pytest.mark.pdf
def test_a_shared_address_for_replies_keeps_the_coordinators_own_from_the_addressees(
        app, smtp_app, smtp):
    with app.app_context():
        statement, _ = prepare()
        slug = statement.slug
    client = app.test_client()
    sign_in(client, COORDINATORS[0])
    letters = client.get(f"/coordinate/{slug}/letters").text
    # Until one is set, the coordinators are told that the addressees see their own.
    assert "which the addressees see: " + ", ".join(COORDINATORS) in html.unescape(letters)

    saved = client.post(f"/coordinate/{slug}/letters/voice", data={
        **_voice_page_fields(client, slug), "reply_address": " Replies@Coalition.example.org "})
    assert saved.status_code == 302
    letters = client.get(f"/coordinate/{slug}/letters").text
    assert "The addressees' replies go to replies@coalition.example.org." in html.unescape(
        letters)
    confirm = client.get(f"/coordinate/{slug}/letters/send")
    assert "The addressees' replies go to replies@coalition.example.org." in html.unescape(
        confirm.text)

    with smtp_app.app_context():
        statement = get_statement(slug)
        send_letters(statement, [addressee_named(slug, ADDRESSEES[0][0])], by=None)
        db.session.commit()
        deliver_due_messages()
    [received] = smtp.messages
    assert received["Reply-To"] == "replies@coalition.example.org"
    for own in COORDINATORS:
        assert own not in received.as_string()


def test_an_address_for_replies_that_cannot_be_mailed_is_refused_at_its_field(app):
    with app.app_context():
        statement, _ = prepare()
        slug = statement.slug
    client = app.test_client()
    sign_in(client, COORDINATORS[0])

    refused = client.post(f"/coordinate/{slug}/letters/voice", data={
        **_voice_page_fields(client, slug), "reply_address": "replies at coalition"})

    assert refused.status_code == 400
    assert "Enter a valid e-mail address" in refused.text
    with app.app_context():
        assert get_statement(slug).reply_address is None


# --- How long a group's words may be ---------------------------------------------------

WORDING_LIMITS = {"salutation": SALUTATION_LENGTH, "note": NOTE_LENGTH,
                  "closing": CLOSING_LENGTH}


def _group_wording(app, slug: str):
    """The first group's words as stored, and its form's URL and field prefix."""
    with app.app_context():
        group = get_statement(slug).demand_groups[0]
        return ((group.letter_salutation, group.letter_note, group.letter_closing),
                f"/coordinate/{slug}/letters/voice/group/{group.id}", f"group-{group.id}")


@pytest.mark.parametrize("field", list(WORDING_LIMITS))
def test_a_groups_words_past_their_limit_are_refused_at_their_field(app, field):
    with app.app_context():
        slug = prepare()[0].slug
    before, url, prefix = _group_wording(app, slug)
    client = app.test_client()
    sign_in(client, COORDINATORS[0])
    page = client.get(f"/coordinate/{slug}/letters/voice").text

    refused = client.post(url, data={f"{prefix}-csrf_token": csrf_token(page),
                                     f"{prefix}-{field}": "x" * (WORDING_LIMITS[field] + 1)})

    assert refused.status_code == 400
    error = refused.text[refused.text.index(f'id="{prefix}-{field}-error"'):]
    assert f"Use at most {WORDING_LIMITS[field]} characters." in error[:error.index("</p>")]
    assert _group_wording(app, slug)[0] == before == (None, None, None)


def test_a_groups_words_at_their_limits_are_saved(app):
    with app.app_context():
        slug = prepare()[0].slug
    _before, url, prefix = _group_wording(app, slug)
    client = app.test_client()
    sign_in(client, COORDINATORS[0])
    page = client.get(f"/coordinate/{slug}/letters/voice").text
    # The spaces around a value are not kept, and not counted.
    words = {field: " " + "ж" * limit + " " for field, limit in WORDING_LIMITS.items()}

    saved = client.post(url, data={f"{prefix}-csrf_token": csrf_token(page),
                                   **{f"{prefix}-{field}": text
                                      for field, text in words.items()}})

    assert saved.status_code == 302
    assert _group_wording(app, slug)[0] == tuple(text.strip() for text in words.values())


@pytest.mark.usefixtures("app_context")
@pytest.mark.parametrize("field", list(WORDING_LIMITS))
def test_the_service_refuses_a_groups_words_past_their_limit_whatever_calls_it(field):
    group = prepare()[0].demand_groups[0]
    words = {name: "fits" for name in WORDING_LIMITS} | {
        field: "x" * (WORDING_LIMITS[field] + 1)}

    with pytest.raises(LetterError, match=f"at most {WORDING_LIMITS[field]} characters") as refused:
        set_group_wording(group, **words)

    assert refused.value.field == field
    assert (group.letter_salutation, group.letter_note, group.letter_closing) == (
        None, None, None)


def test_a_reply_address_with_a_non_latin_domain_is_shown_in_its_ascii_form_too(app):
    with app.app_context():
        statement, _ = prepare()
        slug = statement.slug
    client = app.test_client()
    sign_in(client, COORDINATORS[0])

    saved = client.post(f"/coordinate/{slug}/letters/voice", data={
        **_voice_page_fields(client, slug), "reply_address": "Replies@Приклад.укр"})

    assert saved.status_code == 302
    shown = ("The addressees' replies go to replies@приклад.укр (sent as "
             f"{IDN_ASCII_REPLIES}: {NOT_PLAIN_LATIN}).")
    for page in (f"/coordinate/{slug}/letters", f"/coordinate/{slug}/letters/send"):
        assert shown in page_text(client.get(page).text)


@pytest.mark.usefixtures("smtp_context")
@pytest.mark.pdf
def test_a_reply_address_with_a_non_latin_domain_is_sent_in_its_ascii_form(smtp):
    statement, _ = prepare()
    set_reply_address(statement, "Replies@Приклад.укр")
    db.session.commit()

    send_letters(statement, [addressee_named(statement.slug, ADDRESSEES[0][0])], by=None)
    db.session.commit()
    deliver_due_messages()

    # Sent without SMTPUTF8, a message's headers are ASCII: To is, and so is Reply-To.
    [received] = smtp.messages
    assert received["Reply-To"] == IDN_ASCII_REPLIES
