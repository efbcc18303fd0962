"""Mail that has left (sent, given up or cancelled) keeps no working link in its
context: a backup of the database must not open every signer's page."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from campaign.database import utcnow
from campaign.extensions import db
from campaign.outbox.models import OutboxMessage, OutboxStatus
from campaign.signing.models import IndividualSignature
from tests.public.test_signer_page import sign_and_confirm, signer_page_link
from tests.public.test_signing_pages import sign


def _contexts_of_mail_that_left(app: Flask, expected: int) -> str:
    with app.app_context():
        messages = db.session.scalars(select(OutboxMessage)).all()
        assert [message.status for message in messages] == [OutboxStatus.SENT] * expected
        return json.dumps([message.context for message in messages])


def test_sent_confirmations_and_notices_keep_no_link_to_the_signers_page(
        app: Flask, client: FlaskClient, mail_dir: Path, statement_slug: str):
    # The quick path's confirmation (its token and the secret its page link is built
    # from), then the full path's notice to a signer who signed already (its link).
    sign_and_confirm(app, client, mail_dir, statement_slug)
    with app.app_context():
        # Past the resend interval, so that the notice is mailed.
        db.session.execute(update(IndividualSignature)
                           .values(last_mailed_at=utcnow() - timedelta(days=1)))
        db.session.commit()
    sign(app.test_client(), statement_slug)
    page_link = signer_page_link(app, mail_dir)

    contexts = _contexts_of_mail_that_left(app, expected=2)

    with app.app_context():
        secret = db.session.scalars(select(IndividualSignature.link_secret)).one()
    assert secret not in contexts
    assert page_link.rsplit("/", 1)[-1] not in contexts
    assert '"token"' not in contexts
    # What the record of the mail is for stays: which statement it was about.
    assert f'"statement_slug": "{statement_slug}"' in contexts


def test_mail_given_up_or_cancelled_forgets_its_links_and_mail_waiting_keeps_them(
        app_context):
    links = {"token": "t", "link_secret": "s", "signer_page_url": "https://x/s/1",
             "statement_slug": "crimea", "letter_id": 7}
    given_up, cancelled, waiting = (
        OutboxMessage(to_address="a@example.org", subject="s", template="t",
                      status=status, context=dict(links))
        for status in (OutboxStatus.SENDING, OutboxStatus.PENDING, OutboxStatus.PENDING))
    db.session.add_all([given_up, cancelled, waiting])
    db.session.flush()

    given_up.give_up("550 no such user")
    cancelled.cancel()
    db.session.commit()

    kept = {"statement_slug": "crimea", "letter_id": 7}
    assert db.session.get(OutboxMessage, given_up.id).context == kept
    assert db.session.get(OutboxMessage, cancelled.id).context == kept
    assert db.session.get(OutboxMessage, waiting.id).context == links
