"""Delivering the outbox: once, with retries, and whatever the broker's state."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from flask import render_template
from sqlalchemy import select

from campaign.config import celery_settings
from campaign.database import utcnow
from campaign.extensions import db
from campaign.languages import in_language
from campaign.outbox import delivery
from campaign.outbox.delivery import (
    Attachment,
    DeliveryResult,
    TemplateHooks,
    register_template_hooks,
)
from campaign.outbox.models import OutboxMessage, OutboxStatus
from campaign.outbox.services import queue_email
from campaign.outbox.tasks import deliver_due_messages, deliver_message, relay_due_messages
from campaign.signing.models import IndividualSignature
from tests.conftest import import_example, make_app
from tests.support import individual_fields, post_form, read_mail_dir


def queue_confirmation_like_email() -> int:
    message = queue_email(to="olena@example.org", subject="Please confirm",
                          template="already_signed",
                          context={"statement_title": "A statement", "statement_slug": "a",
                                   "signer_name": "Olena"})
    db.session.commit()
    return message.id


@pytest.mark.usefixtures("smtp_context")
def test_pending_email_is_sent_once_over_smtp_and_marked_sent(smtp):
    message_id = queue_confirmation_like_email()

    assert deliver_due_messages() == {DeliveryResult.SENT: 1}
    assert deliver_message(message_id) is DeliveryResult.NOT_DUE
    assert deliver_due_messages() == {}

    [received] = smtp.messages
    assert received["To"] == "olena@example.org"
    assert received["Subject"] == "Please confirm"
    assert received["Message-ID"] == f"<outbox-{message_id}@undersigned.test>"
    assert "already signed" in received.get_body(("plain",)).get_content()
    row = db.session.get(OutboxMessage, message_id)
    assert row.status is OutboxStatus.SENT and row.sent_at is not None


@pytest.mark.usefixtures("smtp_context")
def test_refused_delivery_is_retried_after_a_delay_and_then_sent_once(smtp):
    message_id = queue_confirmation_like_email()
    smtp.refuse_next = 1

    assert deliver_message(message_id) is DeliveryResult.RETRY_LATER
    row = db.session.get(OutboxMessage, message_id)
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
    assert "451" in row.last_error
    assert row.next_attempt_at > utcnow()
    # Handed to the relay again, which waits for that time.
    assert row.queued_at is None
    # Not due yet: it is left alone.
    assert deliver_due_messages() == {}
    assert smtp.messages == []

    row.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert deliver_due_messages() == {DeliveryResult.SENT: 1}
    assert len(smtp.messages) == 1
    assert db.session.get(OutboxMessage, message_id).attempts == 2


@pytest.mark.usefixtures("smtp_context")
def test_the_log_of_a_failed_send_names_no_recipient(smtp, caplog, monkeypatch):
    # Alembic's logging setup, run by the suite's migrations, disabled the logger.
    monkeypatch.setattr(delivery.log, "disabled", False)
    refused, unavailable = queue_confirmation_like_email(), queue_confirmation_like_email()
    smtp.refuse_recipient_next = 1

    with caplog.at_level(logging.WARNING, logger="campaign.outbox.delivery"):
        assert deliver_message(refused) is DeliveryResult.RETRY_LATER
        smtp.refuse_next = 1
        assert deliver_message(unavailable) is DeliveryResult.RETRY_LATER

    assert "SMTPRecipientsRefused (550)" in caplog.text
    assert "SMTPDataError (451)" in caplog.text
    assert "olena@example.org" not in caplog.text
    # A failed connection still says what to mend.
    assert delivery._without_addresses(OSError(111, "Connection refused")) == (
        "ConnectionRefusedError: Connection refused")
    # The server's whole reply is kept with the message, for whoever reads the outbox.
    assert "olena@example.org" in db.session.get(OutboxMessage, refused).last_error


@pytest.mark.usefixtures("smtp_context")
def test_delivery_gives_up_after_the_last_attempt(smtp_app, smtp):
    message_id = queue_confirmation_like_email()
    row = db.session.get(OutboxMessage, message_id)
    row.attempts = smtp_app.config["OUTBOX_MAX_ATTEMPTS"] - 1
    db.session.commit()
    smtp.refuse_next = 1

    assert deliver_message(message_id) is DeliveryResult.GAVE_UP
    assert db.session.get(OutboxMessage, message_id).status is OutboxStatus.FAILED
    assert deliver_due_messages() == {}


@pytest.mark.parametrize(("claimed_ago", "copies_sent"), [
    (timedelta(minutes=11), 1),
    (timedelta(seconds=5), 0),
], ids=["worker-died-mid-send", "worker-still-sending"])
@pytest.mark.usefixtures("smtp_context")
def test_message_claimed_by_a_worker_is_swept_only_once_that_worker_is_presumed_dead(
    smtp, claimed_ago, copies_sent
):
    message_id = queue_confirmation_like_email()
    row = db.session.get(OutboxMessage, message_id)
    row.status = OutboxStatus.SENDING
    row.claimed_at = utcnow() - claimed_ago
    db.session.commit()

    deliver_due_messages()

    assert len(smtp.messages) == copies_sent


@pytest.fixture
def published(monkeypatch) -> list[list[tuple[int]]]:
    """The delivery tasks that would reach the broker, in order."""
    calls: list[list[tuple[list[int]]]] = []
    monkeypatch.setattr(delivery, "enqueue",
                        lambda task, args_list: calls.append(list(args_list)))
    return calls


def test_the_relay_hands_an_email_to_the_worker_once_it_is_committed(app, published):
    with app.app_context():
        queue_email(to="x@example.org", subject="s", template="already_signed", context={})
        db.session.flush()
        db.session.rollback()
        message_id = queue_confirmation_like_email()
        # Writing an e-mail publishes nothing: signing never waits on the broker.
        assert published == []

        assert relay_due_messages() == 1
        assert published == [[([message_id],)]]
        assert db.session.scalars(select(OutboxMessage.id)).all() == [message_id]
        # Handed over already: the next run leaves it to its task.
        assert relay_due_messages() == 0
        assert published == [[([message_id],)]]


def test_the_relay_hands_over_again_only_what_its_task_did_not_claim_in_time(app, published):
    with app.app_context():
        message_id = queue_confirmation_like_email()
        relay_due_messages()
        row = db.session.get(OutboxMessage, message_id)
        row.queued_at = utcnow() - timedelta(minutes=3)
        db.session.commit()

        assert relay_due_messages() == 1
        assert published == [[([message_id],)], [([message_id],)]]

        # A failed attempt waits for its retry time, then goes again.
        row.queued_at, row.next_attempt_at = None, utcnow() + timedelta(minutes=5)
        db.session.commit()
        assert relay_due_messages() == 0
        row.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert relay_due_messages() == 1


def test_the_relay_hands_over_a_backlog_in_batches(app, published, monkeypatch):
    monkeypatch.setattr(delivery, "RELAY_BATCH_SIZE", 2)
    with app.app_context():
        ids = [queue_confirmation_like_email() for _ in range(5)]

        assert relay_due_messages() == 5
        assert published == [[([ids[0], ids[1]],)], [([ids[2], ids[3]],)], [([ids[4]],)]]


def test_signature_is_saved_when_the_broker_is_down_and_mailed_once_it_is_back(
    app, database_url, mail_dir
):
    # Nothing listens on port 1: publishing fails at once, as with a broker that is down.
    broker_down = make_app(database_url, mail_dir, CELERY=celery_settings("redis://127.0.0.1:1/0"))
    with app.app_context():
        slug = import_example().slug
    client = broker_down.test_client()

    response = post_form(client, f"/s/{slug}", f"/s/{slug}/sign", individual_fields())

    assert response.status_code == 302
    with broker_down.app_context():
        assert db.session.scalars(select(IndividualSignature.email)).all() == ["olena@example.org"]
        assert db.session.scalars(select(OutboxMessage.status)).all() == [OutboxStatus.PENDING]
        # The broker is back: the worker's work.
        assert deliver_due_messages() == {DeliveryResult.SENT: 1}
    [sent] = read_mail_dir(mail_dir)
    assert sent["To"] == "olena@example.org"


@pytest.fixture
def hooks_for_test_template():
    """Hooks on an existing template name, as the letters area registers its own."""
    calls: list[tuple[str, int]] = []
    failing = {"render": False}

    def attachments(message):
        if failing["render"]:
            raise RuntimeError("the PDF could not be rendered")
        return [Attachment("letter.pdf", "application/pdf", b"%PDF-1.7 test")]

    register_template_hooks("already_signed", TemplateHooks(
        attachments=attachments,
        on_sent=lambda message: calls.append(("sent", message.id)),
        on_given_up=lambda message: calls.append(("given up", message.id)),
    ))
    yield calls, failing
    register_template_hooks("already_signed", TemplateHooks())


@pytest.mark.usefixtures("smtp_context")
def test_a_message_whose_recipient_no_longer_wants_it_is_cancelled_not_sent(smtp):
    wanted = {"olena@example.org": False}
    register_template_hooks("already_signed", TemplateHooks(
        should_send=lambda message: wanted.get(message.to_address, True)))
    try:
        message_id = queue_confirmation_like_email()

        assert deliver_due_messages() == {DeliveryResult.CANCELLED: 1}
    finally:
        register_template_hooks("already_signed", TemplateHooks())

    assert smtp.messages == []
    assert db.session.get(OutboxMessage, message_id).status is OutboxStatus.CANCELLED
    assert deliver_due_messages() == {}


@pytest.mark.usefixtures("smtp_context")
def test_registered_hooks_attach_files_and_hear_that_the_message_was_sent(
    smtp, hooks_for_test_template
):
    calls, _ = hooks_for_test_template
    message_id = queue_confirmation_like_email()

    assert deliver_due_messages() == {DeliveryResult.SENT: 1}

    [received] = smtp.messages
    [attachment] = list(received.iter_attachments())
    assert attachment.get_filename() == "letter.pdf"
    assert attachment.get_content() == b"%PDF-1.7 test"
    assert calls == [("sent", message_id)]


@pytest.mark.usefixtures("smtp_context")
def test_an_attachment_that_fails_to_render_fails_only_its_message(
    smtp_app, smtp, hooks_for_test_template
):
    calls, failing = hooks_for_test_template
    failing["render"] = True
    broken = queue_confirmation_like_email()
    row = db.session.get(OutboxMessage, broken)
    row.attempts = smtp_app.config["OUTBOX_MAX_ATTEMPTS"] - 1
    db.session.commit()
    fine = queue_email(to="taras@example.org", subject="Fine", template="confirm_signature",
                       context={"statement_title": "A", "statement_slug": "a",
                                "signer_name": "Taras", "token": "t", "link_valid_hours": 1})
    db.session.commit()

    assert deliver_due_messages() == {DeliveryResult.GAVE_UP: 1, DeliveryResult.SENT: 1}

    assert [message["To"] for message in smtp.messages] == ["taras@example.org"]
    assert "could not be rendered" in db.session.get(OutboxMessage, broken).last_error
    assert calls == [("given up", broken)]
    assert db.session.get(OutboxMessage, fine.id).status is OutboxStatus.SENT


@pytest.mark.usefixtures("smtp_context")
def test_an_email_with_a_very_long_line_is_accepted_and_arrives_whole(smtp):
    long_name = "Асоціація " * 200  # 2,000 characters on one line, 3,800 bytes in UTF-8
    message = queue_email(to="olena@example.org", subject="Long", template="already_signed",
                          context={"statement_title": long_name, "statement_slug": "a",
                                   "signer_name": "Olena"})
    db.session.commit()

    assert deliver_due_messages() == {DeliveryResult.SENT: 1}

    [received] = smtp.messages
    assert long_name in " ".join(received.get_body(("plain",)).get_content().split("\n"))
    assert db.session.get(OutboxMessage, message.id).status is OutboxStatus.SENT


@pytest.mark.usefixtures("smtp_context")
def test_both_bodies_arrive_exactly_as_rendered(smtp):
    # What quoted-printable and SMTP treat specially: "=", a line starting with a dot
    # or "From ", spaces and tabs at a line's end, and text of several scripts.
    title = "a = b =3D c\n.\n.hidden\nFrom here  \nend\t\nЗаява «Крим» — 中文 😀 "
    context = {"statement_title": title, "statement_slug": "a", "signer_name": "Olena"}
    queue_email(to="olena@example.org", subject="Exact", template="already_signed",
                context=context)
    db.session.commit()

    assert deliver_due_messages() == {DeliveryResult.SENT: 1}

    [received] = smtp.messages
    for subtype, template in (("plain", "txt"), ("html", "html")):
        with in_language("en"):
            rendered = render_template(f"emails/already_signed.{template}", **context)
        # As it is sent, and as Python reads it back: CRLF line ends.
        written = "\r\n".join(rendered.splitlines()) + "\r\n"
        assert received.get_body((subtype,)).get_content() == written
        assert received.get_body((subtype,))["Content-Transfer-Encoding"] == \
            "quoted-printable"


def test_a_shared_rendering_that_alters_a_recipients_own_value_fails_the_message(
        app_context, monkeypatch):
    # A template that showed `signer_name | upper` (or cut it) could not have each
    # recipient's own name put in; it must fail, not show the first recipient's.
    monkeypatch.setattr(delivery, "_render_bodies",
                        lambda template, locale, context: (context["signer_name"].upper(),
                                                           context["signer_name"][:12]))
    with pytest.raises(ValueError, match="changes one of"):
        delivery._shared_bodies_for("altering", "en", "key", ("signer_name",),
                                    {"signer_name": "Olena"})
