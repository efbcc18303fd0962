"""Requests answered by e-mail in the worker (campaign.outbox.requests): one that
cannot be answered holds up no other, and the address typed is kept no longer than
it takes to answer."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from campaign.database import utcnow
from campaign.extensions import db
from campaign.outbox import requests
from campaign.outbox.models import MailRequest, OutboxMessage
from campaign.outbox.tasks import deliver_due_messages
from campaign.signing.models import IndividualSignature
from campaign.signing.signer_services import SIGNER_LINKS_REQUEST
from campaign.statements.services import get_statement
from tests.moderation import factories
from worker.beat import beat_schedule


def waiting() -> int:
    return db.session.scalar(select(func.count()).select_from(MailRequest))


def test_a_request_whose_answer_fails_is_dropped_and_the_next_one_answered(
        app, app_context, statement_slug, monkeypatch, caplog):
    monkeypatch.setattr(requests.log, "disabled", False)
    statement = get_statement(statement_slug)
    factories.individual(statement_slug, "Olena Kovalenko", "olena@example.org")
    # Mailed long enough ago that her link may be sent again.
    db.session.execute(update(IndividualSignature)
                       .values(last_mailed_at=utcnow() - timedelta(days=1)))
    db.session.commit()

    def broken(statement_id: int | None, email: str) -> None:
        db.session.add(OutboxMessage(to_address=email, subject="half", template="x",
                                     context={}))
        db.session.flush()
        raise RuntimeError("the answer broke")

    monkeypatch.setitem(requests._answers, "broken", broken)
    requests.ask_by_mail("broken", "first@example.org", statement.id)
    requests.ask_by_mail(SIGNER_LINKS_REQUEST, "olena@example.org", statement.id)
    db.session.commit()
    before = db.session.scalar(select(func.count()).select_from(OutboxMessage))

    with caplog.at_level(logging.ERROR, logger=requests.log.name):
        deliver_due_messages()

    assert waiting() == 0
    mailed = db.session.scalars(select(OutboxMessage.to_address)
                                .where(OutboxMessage.template == "signer_link")).all()
    assert mailed == ["olena@example.org"]
    # Nothing the broken answer wrote was kept.
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == before + 1
    assert "could not answer mail request" in caplog.text
    assert "first@example.org" not in caplog.text


def test_asking_for_a_kind_nobody_answers_is_a_programming_error(app_context):
    with pytest.raises(LookupError):
        requests.ask_by_mail("nobody answers this", "olena@example.org")
    assert waiting() == 0


def test_beat_answers_the_requests_as_often_as_it_relays_the_outbox(app):
    schedule = beat_schedule(app.config)
    assert schedule["answer-mail-requests"]["schedule"] == schedule["relay-outbox"]["schedule"]
