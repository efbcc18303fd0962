"""The one window in which a message can be sent twice is kept to the commit that
records it as sent: once the SMTP server has accepted a message (its answer to the
message's end), nothing that follows (the goodbye, QUIT) can make it a failed send."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from campaign.extensions import db
from campaign.outbox.delivery import DeliveryResult
from campaign.outbox.models import OutboxMessage, OutboxStatus
from campaign.outbox.services import queue_email
from campaign.outbox.tasks import deliver_due_messages
from tests.conftest import make_app
from tests.faults.support import Mailbox, SmtpServer

pytestmark = pytest.mark.faults


class HangsUpOnQuit(Mailbox):
    """A server that accepts the message, then drops the connection instead of
    answering QUIT (overloaded, restarting, or a middlebox timing out)."""

    async def handle_QUIT(self, server, session: object, envelope: object) -> str:
        server.transport.abort()
        return "221 Bye"


@pytest.fixture
def hangs_up_on_quit(app: Flask, database_url: str, mail_dir: Path):
    server = SmtpServer()
    server.mailbox = HangsUpOnQuit()
    server.start()
    yield server, make_app(database_url, mail_dir, MAIL_BACKEND="smtp",
                           MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_TIMEOUT=5)
    server.stop()


def test_a_message_accepted_by_the_smtp_server_is_sent_once_when_the_goodbye_fails(
        hangs_up_on_quit: tuple[SmtpServer, Flask]):
    server, smtp_app = hangs_up_on_quit
    with smtp_app.app_context():
        queue_email(to="olena@example.org", subject="Your signature", template="signer_link",
                    context={"statement_title": "A statement", "statement_slug": "s",
                             "signer_name": "Olena", "organization_name": None,
                             "signer_page_url": "http://undersigned.test/signer/x"})
        db.session.commit()

        outcome = deliver_due_messages()

        assert outcome == {DeliveryResult.SENT: 1}
        assert db.session.scalars(select(OutboxMessage.status)).all() == [OutboxStatus.SENT]
        # Nothing is due again: no second copy is coming.
        assert deliver_due_messages() == {}
    assert len(server.mailbox.received) == 1
