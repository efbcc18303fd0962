"""Sending letters: one per addressee, through the outbox and a real SMTP server, with
the PDF attached; the letter follows its e-mail to sent or failed."""

from __future__ import annotations

import html
import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import delete, select

from campaign.database import utcnow
from campaign.extensions import db
from campaign.letters.models import Letter, LetterStatus
from campaign.letters.services import (
    LetterError,
    RecipientsChanged,
    mark_delivered_by_hand,
    retry_letter,
    send_letters,
    send_letters_as_shown,
    sent_again,
    summarize_retry,
    summarize_sending,
)
from campaign.outbox.delivery import DeliveryResult
from campaign.outbox.models import OutboxMessage
from campaign.outbox.tasks import deliver_due_messages
from campaign.statements.services import get_statement
from tests.conftest import import_example
from tests.example_statement import ADDRESSEES, TITLE
from tests.letters.letters_setup import (
    APPROVED_ORGANIZATION,
    BY_HAND,
    COORDINATORS,
    WITH_EMAIL,
    add_signatures,
    add_team,
    address_the_addressees,
    addressee_named,
    email_of,
)


def prepare(slug: str = "crimea-2020"):
    slug = import_example(slug).slug
    address_the_addressees(slug)
    coordinator = add_team(slug)
    add_signatures(slug, coordinator)
    # The signers' confirmations are not what these tests deliver.
    db.session.execute(delete(OutboxMessage))
    db.session.commit()
    return get_statement(slug), coordinator


def letters() -> list[Letter]:
    return list(db.session.scalars(select(Letter).order_by(Letter.id)))


def send_to_all(statement, coordinator):
    report = send_letters(statement, list(statement.addressees), by=coordinator)
    db.session.commit()
    return report


@pytest.mark.usefixtures("app_context")
def test_sending_to_all_queues_one_letter_per_addressee_with_email_and_one_by_hand():
    statement, coordinator = prepare()

    report = send_to_all(statement, coordinator)

    assert sorted(report.queued) == sorted(WITH_EMAIL)
    assert report.to_deliver_by_hand == [BY_HAND]
    by_status = {(letter.addressee.name, letter.status) for letter in letters()}
    assert by_status == {*((name, LetterStatus.QUEUED) for name in WITH_EMAIL),
                         (BY_HAND, LetterStatus.TO_DELIVER_BY_HAND)}
    letter = next(letter for letter in letters() if letter.addressee.name == WITH_EMAIL[0])
    assert (letter.organizations_count, letter.individuals_count) == (13, 3)
    message = letter.outbox_message
    assert message.to_address == email_of(WITH_EMAIL[0])
    assert message.subject == TITLE
    assert message.template == "letter" and message.context == {
        "letter_id": letter.id, "statement_slug": letter.statement.slug}
    assert message.reply_to == ", ".join(COORDINATORS)


@pytest.mark.usefixtures("app_context")
def test_sending_again_while_queued_makes_no_duplicate():
    statement, coordinator = prepare()
    send_to_all(statement, coordinator)

    report = send_to_all(statement, coordinator)

    assert report.queued == [] and report.to_deliver_by_hand == []
    assert sorted(report.already_queued) == sorted(WITH_EMAIL)
    assert report.already_waiting_by_hand == [BY_HAND]
    assert len(letters()) == len(WITH_EMAIL) + 1
    assert len(db.session.scalars(select(OutboxMessage.id)).all()) == len(WITH_EMAIL)


@pytest.mark.usefixtures("app_context")
def test_the_database_refuses_a_second_queued_letter_to_one_addressee():
    from sqlalchemy.exc import IntegrityError

    statement, coordinator = prepare()
    addressee = addressee_named(statement.slug, WITH_EMAIL[0])
    send_letters(statement, [addressee], by=coordinator)
    db.session.commit()

    db.session.add(Letter(statement=statement, addressee=addressee, status=LetterStatus.QUEUED))
    with pytest.raises(IntegrityError):
        db.session.commit()


@pytest.mark.usefixtures("app_context")
def test_a_letter_by_hand_is_marked_delivered_once():
    statement, coordinator = prepare()
    send_letters(statement, [addressee_named(statement.slug, BY_HAND)], by=coordinator)
    db.session.commit()
    [letter] = letters()

    mark_delivered_by_hand(letter)
    db.session.commit()

    assert letter.status is LetterStatus.DELIVERED_BY_HAND and letter.sent_at is not None
    with pytest.raises(LetterError):
        mark_delivered_by_hand(letter)


@pytest.mark.usefixtures("smtp_context")
@pytest.mark.pdf
def test_delivered_over_smtp_with_the_pdf_attached_and_marked_sent(smtp):
    statement, coordinator = prepare()
    # Group 3's letter has paragraphs longer than SMTP's 998-byte line limit.
    group_three = addressee_named(statement.slug, ADDRESSEES[2][0])
    send_letters(statement, [group_three], by=coordinator)
    db.session.commit()

    assert deliver_due_messages() == {DeliveryResult.SENT: 1}

    [received] = smtp.messages
    assert received["To"] == email_of(group_three.name)
    assert received["Reply-To"] == ", ".join(COORDINATORS)
    # The example's title: long, with curly quotes, once broken inside words.
    assert received["Subject"] == statement.title
    [attachment] = list(received.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename().endswith(".pdf")
    pdf_text = " ".join(page.extract_text()
                        for page in PdfReader(io.BytesIO(attachment.get_content())).pages)
    assert APPROVED_ORGANIZATION in " ".join(pdf_text.split())
    body = received.get_body(("plain",)).get_content()
    assert APPROVED_ORGANIZATION in body and "@" not in body.replace(
        received["To"], "")
    [letter] = letters()
    assert letter.status is LetterStatus.SENT and letter.sent_at is not None


@pytest.mark.usefixtures("smtp_context")
@pytest.mark.pdf
def test_a_refused_delivery_is_retried_and_the_letter_ends_sent_once(smtp):
    statement, coordinator = prepare()
    send_letters(statement, [addressee_named(statement.slug, ADDRESSEES[0][0])], by=coordinator)
    db.session.commit()
    smtp.refuse_next = 1

    assert deliver_due_messages() == {DeliveryResult.RETRY_LATER: 1}
    [letter] = letters()
    assert letter.status is LetterStatus.QUEUED
    assert "451" in letter.outbox_message.last_error

    letter.outbox_message.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert deliver_due_messages() == {DeliveryResult.SENT: 1}

    assert len(smtp.messages) == 1
    db.session.refresh(letter)
    assert letter.status is LetterStatus.SENT


@pytest.mark.usefixtures("smtp_context")
@pytest.mark.pdf
def test_a_letters_pdf_is_rendered_once_whatever_the_retries(smtp, monkeypatch):
    from campaign.letters import mail

    rendered: list[bytes] = []
    real_render = mail.render_letter_pdf

    def counting_render(content):
        rendered.append(real_render(content))
        return rendered[-1]

    monkeypatch.setattr(mail, "render_letter_pdf", counting_render)
    statement, coordinator = prepare()
    send_letters(statement, [addressee_named(statement.slug, ADDRESSEES[0][0])], by=coordinator)
    db.session.commit()
    smtp.refuse_next = 2
    [letter] = letters()
    for _attempt in range(2):
        assert deliver_due_messages() == {DeliveryResult.RETRY_LATER: 1}
        letter.outbox_message.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()

    assert deliver_due_messages() == {DeliveryResult.SENT: 1}

    assert len(rendered) == 1
    [received] = smtp.messages
    [attachment] = list(received.iter_attachments())
    assert attachment.get_content() == rendered[0]
    # Kept only while an attempt may need it.
    db.session.refresh(letter)
    assert letter.status is LetterStatus.SENT and letter.pdf is None


@pytest.mark.usefixtures("smtp_context")
@pytest.mark.pdf
def test_a_letter_given_up_fails_with_the_reason_and_retry_sends_a_new_one(smtp_app, smtp):
    statement, coordinator = prepare()
    send_letters(statement, [addressee_named(statement.slug, ADDRESSEES[0][0])], by=coordinator)
    db.session.commit()
    [failed] = letters()
    failed.outbox_message.attempts = smtp_app.config["OUTBOX_MAX_ATTEMPTS"] - 1
    db.session.commit()
    smtp.refuse_next = 1

    assert deliver_due_messages() == {DeliveryResult.GAVE_UP: 1}
    db.session.refresh(failed)
    assert failed.status is LetterStatus.FAILED and "451" in failed.failure_reason

    retry_letter(failed, shown=summarize_retry(failed).recipients, by=coordinator)
    db.session.commit()
    assert deliver_due_messages() == {DeliveryResult.SENT: 1}

    first, second = letters()
    assert (first.status, second.status) == (LetterStatus.FAILED, LetterStatus.SENT)
    assert len(smtp.messages) == 1
    with pytest.raises(LetterError):
        retry_letter(second, shown=summarize_retry(failed).recipients, by=coordinator)


def _failed_letter_to(statement, addressee, coordinator) -> Letter:
    send_letters(statement, [addressee], by=coordinator)
    db.session.commit()
    letter = letters()[-1]
    letter.mark_failed("550 mailbox unavailable")
    db.session.commit()
    return letter


@pytest.mark.usefixtures("app_context")
def test_a_failed_letter_is_retried_only_until_a_later_letter_to_its_addressee_went():
    statement, coordinator = prepare()
    addressee = addressee_named(statement.slug, WITH_EMAIL[0])
    first = _failed_letter_to(statement, addressee, coordinator)
    shown = summarize_retry(first).recipients
    retry_letter(first, shown=shown, by=coordinator)
    db.session.commit()
    second = letters()[-1]
    assert sent_again(letters()) == {first.id: second}

    for outcome in (lambda: None, lambda: second.mark_sent(utcnow())):
        outcome()
        db.session.commit()
        with pytest.raises(LetterError, match="was already sent again"):
            retry_letter(first, shown=shown, by=coordinator)
        with pytest.raises(LetterError, match="was already sent again"):
            summarize_retry(first)
    assert [letter.status for letter in letters()] == [LetterStatus.FAILED, LetterStatus.SENT]


@pytest.mark.usefixtures("app_context")
def test_a_failed_letter_whose_resend_failed_too_can_be_retried_once_more():
    statement, coordinator = prepare()
    addressee = addressee_named(statement.slug, WITH_EMAIL[0])
    first = _failed_letter_to(statement, addressee, coordinator)
    second = _failed_letter_to(statement, addressee, coordinator)
    assert sent_again(letters()) == {}

    retry_letter(first, shown=summarize_retry(first).recipients, by=coordinator)
    db.session.commit()

    third = letters()[-1]
    assert third.status is LetterStatus.QUEUED
    assert sent_again(letters()) == {first.id: third, second.id: third}


@pytest.mark.usefixtures("app_context")
def test_sending_as_shown_sends_nothing_once_the_addressees_changed():
    statement, coordinator = prepare()
    addressees = list(statement.addressees)
    shown = summarize_sending(statement, addressees).recipients
    addressees[0].email = "someone-else@gov.example"

    with pytest.raises(RecipientsChanged) as refused:
        send_letters_as_shown(statement, addressees, shown=shown, by=coordinator)

    assert letters() == []
    assert refused.value.summary.recipients == summarize_sending(
        statement, addressees).recipients
    report = send_letters_as_shown(statement, addressees,
                                   shown=refused.value.summary.recipients, by=coordinator)
    assert len(report.queued) == len(WITH_EMAIL)


@pytest.mark.usefixtures("smtp_context")
@pytest.mark.pdf
def test_sending_again_after_more_signatures_makes_a_new_letter_with_the_new_counts(smtp):
    from tests.moderation import factories

    statement, coordinator = prepare()
    addressee = addressee_named(statement.slug, ADDRESSEES[0][0])
    send_letters(statement, [addressee], by=coordinator)
    db.session.commit()
    deliver_due_messages()
    factories.individual(statement.slug, "Petro Novak", "petro@example.org")

    send_letters(statement, [addressee], by=coordinator)
    db.session.commit()
    deliver_due_messages()

    assert [(letter.status, letter.individuals_count) for letter in letters()] == [
        (LetterStatus.SENT, 3), (LetterStatus.SENT, 4)]
    first, second = [message for message in smtp.messages
                     if message["To"] == email_of(addressee.name)]
    assert "Petro Novak" not in first.get_body(("plain",)).get_content()
    assert "Petro Novak" in second.get_body(("plain",)).get_content()


@pytest.mark.usefixtures("app_context")
def test_letters_are_handed_to_the_worker_by_the_relay_once_committed(monkeypatch):
    from campaign.outbox import delivery, tasks

    statement, coordinator = prepare()
    published: list[list[tuple[int]]] = []
    monkeypatch.setattr(delivery, "enqueue",
                        lambda task, args_list: published.append(list(args_list)))

    send_letters(statement, list(statement.addressees), by=coordinator)
    assert published == []
    db.session.commit()

    assert tasks.relay_due_messages() == len(WITH_EMAIL)
    # One delivery task for the batch, its ids in one argument.
    [[(ids,)]] = published
    assert len(ids) == len(WITH_EMAIL)


def test_a_draft_that_was_sent_letters_is_deleted_whole(app_context):
    """Deleting a draft takes everything in it. Its letters keep their addressees, so
    the statement goes in one DELETE that the database cascades, not addressee by
    addressee."""
    from campaign.drafting.services import delete_draft

    slug = import_example("crimea-2020-draft", publish=False).slug
    address_the_addressees(slug)
    coordinator = add_team(slug)
    send_letters(get_statement(slug), [addressee_named(slug, ADDRESSEES[0][0])],
                 by=coordinator)
    db.session.commit()

    delete_draft(get_statement(slug))
    db.session.commit()

    assert get_statement(slug) is None
    assert letters() == []


def test_the_letters_page_says_whom_a_letter_went_to_whatever_the_addressee_became(app):
    from campaign.addressees.services import AddresseeDetails, update_addressee
    from tests.conftest import sign_in

    with app.app_context():
        statement, coordinator = prepare()
        addressee = addressee_named(statement.slug, ADDRESSEES[0][0])
        sent_to = addressee.email
        send_letters(statement, [addressee], by=coordinator)
        db.session.commit()
        update_addressee(addressee, AddresseeDetails(
            name="Someone else entirely", role=None, email="other@example.org",
            language=addressee.language))
        db.session.commit()
        slug = statement.slug
    client = app.test_client()
    sign_in(client, COORDINATORS[0])

    page = html.unescape(client.get(f"/coordinate/{slug}/letters").text)

    row = page[page.index('<tr class="letter-queued">'):]
    row = row[:row.index("</tr>")]
    assert ADDRESSEES[0][0] in row and sent_to in row
    assert "Someone else entirely" not in row and "other@example.org" not in row
