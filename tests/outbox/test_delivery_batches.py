"""A delivery task sends its batch over one SMTP connection; a connection dropped in the
middle of a batch loses no message and sends none twice (the one window for a second
copy stays the commit after a server's acceptance: tests/faults/test_duplicate_window.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import select, update

from campaign.database import utcnow
from campaign.extensions import db
from campaign.outbox.delivery import DeliveryResult
from campaign.outbox.models import OutboxMessage, OutboxStatus
from campaign.outbox.services import queue_email
from campaign.outbox.tasks import deliver_due_messages, deliver_messages
from tests.conftest import free_port, make_app

ADDRESSES = [f"signer{number}@example.org" for number in range(1, 6)]


class CountingServer:
    """Accepts everything, counting connections (EHLO) and copies per recipient; told
    to, it drops the connection before answering the n-th message's end (not
    accepted) or the n-th MAIL FROM (the message before it was accepted)."""

    def __init__(self) -> None:
        self.connections = 0
        self.copies: Counter[str] = Counter()
        self.messages = 0
        self.drop_at_data: int | None = None
        self.mails = 0
        self.drop_at_mail: int | None = None

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.mails += 1
        if self.mails == self.drop_at_mail:
            server.transport.abort()
            return "421 closing"
        envelope.mail_from = address
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages += 1
        if self.messages == self.drop_at_data:
            server.transport.abort()
            return "421 closing"
        for recipient in envelope.rcpt_tos:
            self.copies[recipient] += 1
        return "250 OK"


@pytest.fixture
def counting_smtp(app: Flask, database_url: str, mail_dir: Path
                  ) -> Iterator[tuple[CountingServer, Flask]]:
    server = CountingServer()
    controller = Controller(server, hostname="127.0.0.1", port=free_port())
    controller.start()
    smtp_app = make_app(database_url, mail_dir, MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1",
                        MAIL_PORT=controller.port, MAIL_TIMEOUT=5)
    with smtp_app.app_context():
        yield server, smtp_app
        db.session.rollback()
    controller.stop()


def queue_five() -> list[int]:
    messages = [queue_email(to=address, subject="An update", template="already_signed",
                            context={"statement_title": "A statement", "statement_slug": "a",
                                     "signer_name": "Olena"})
                for address in ADDRESSES]
    db.session.commit()
    return [message.id for message in messages]


def make_due_now() -> None:
    db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()
                                                    - timedelta(seconds=1)))
    db.session.commit()


def test_a_batch_goes_over_one_connection(counting_smtp):
    server, _ = counting_smtp
    ids = queue_five()

    outcomes = deliver_messages(ids)

    assert set(outcomes.values()) == {DeliveryResult.SENT}
    assert server.connections == 1
    assert server.copies == dict.fromkeys(ADDRESSES, 1)
    assert db.session.scalars(select(OutboxMessage.status)).all() == [OutboxStatus.SENT] * 5


def test_a_second_task_for_the_same_batch_sends_nothing(counting_smtp):
    server, _ = counting_smtp
    ids = queue_five()
    deliver_messages(ids)

    assert set(deliver_messages(ids).values()) == {DeliveryResult.NOT_DUE}
    assert server.copies == dict.fromkeys(ADDRESSES, 1)


@pytest.mark.parametrize("drop", ["drop_at_data", "drop_at_mail"],
                         ids=["dropped-before-accepting-the-third",
                              "dropped-after-accepting-the-third"])
def test_a_connection_dropped_mid_batch_loses_nothing_and_doubles_nothing(
        counting_smtp, drop):
    server, _ = counting_smtp
    setattr(server, drop, 3 if drop == "drop_at_data" else 4)
    ids = queue_five()

    outcomes = deliver_messages(ids)

    # One message failed with the connection, and waits for its retry; the rest of
    # the batch went on over a new connection.
    assert Counter(outcomes.values()) == {DeliveryResult.SENT: 4,
                                          DeliveryResult.RETRY_LATER: 1}
    assert server.connections == 2
    assert sum(server.copies.values()) == 4
    make_due_now()
    assert deliver_due_messages() == {DeliveryResult.SENT: 1}
    assert server.copies == dict.fromkeys(ADDRESSES, 1)
    assert deliver_due_messages() == {}


def test_a_server_that_cannot_be_reached_leaves_the_whole_batch_for_a_retry(
        app: Flask, database_url: str, mail_dir: Path):
    # Nothing listens on the port: each message is a failed attempt, retried later.
    down = make_app(database_url, mail_dir, MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1",
                    MAIL_PORT=free_port(), MAIL_TIMEOUT=5)
    with down.app_context():
        ids = queue_five()

        outcomes = deliver_messages(ids)

        assert set(outcomes.values()) == {DeliveryResult.RETRY_LATER}
        rows = db.session.scalars(select(OutboxMessage)).all()
        assert {(row.status, row.attempts) for row in rows} == {(OutboxStatus.PENDING, 1)}
        assert all("ConnectionRefusedError" in row.last_error for row in rows)
