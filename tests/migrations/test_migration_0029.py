"""Migration 0029: mail that left before it keeps no working link in its context."""

from __future__ import annotations

from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from campaign.extensions import db
from campaign.outbox.models import OutboxMessage, OutboxStatus

LINKS = {"token": "t", "link_secret": "s", "signer_page_url": "https://x/s/1"}


def test_0029_forgets_the_links_of_mail_that_left_and_keeps_those_of_mail_waiting(
        app: Flask):
    with app.app_context():
        # Written as they were before the transitions forgot them.
        db.session.add_all([
            OutboxMessage(to_address=f"{status.value}@example.org", subject="s",
                          template="confirm_signature", status=status,
                          context={**LINKS, "statement_slug": "crimea"})
            for status in OutboxStatus])
        db.session.commit()
        # 0029's downgrade puts nothing back: going down and up again runs its upgrade
        # on this database, whichever it is.
        downgrade(revision="0028")
        upgrade()
        db.session.remove()

        contexts = dict(db.session.execute(
            select(OutboxMessage.status, OutboxMessage.context)).all())

    for status in (OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.CANCELLED):
        assert contexts[status] == {"statement_slug": "crimea"}, status
    for status in (OutboxStatus.PENDING, OutboxStatus.SENDING):
        assert contexts[status] == {**LINKS, "statement_slug": "crimea"}, status
