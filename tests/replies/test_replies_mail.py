"""Telling the signers that an addressee replied: who is told, once, and who never is."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import select

from campaign import queue
from campaign.accounts.models import Coordinator
from campaign.extensions import db
from campaign.moderation.services import approve_organization, hide_individual
from campaign.outbox.models import OutboxMessage
from campaign.outbox.tasks import deliver_due_messages
from campaign.queue import DELIVER_EMAIL_TASK
from campaign.replies.models import Reply
from campaign.replies.services import ReplyDetails, publish_reply, record_reply, unpublish_reply
from campaign.replies.tasks import notify_signers_of_reply, tell_signers_of_reply
from campaign.signing.models import IndividualSignature, OrganizationSignature
from campaign.statements.models import Addressee
from campaign.statements.services import get_statement
from tests.conftest import create_coordinator_for
from tests.moderation import factories
from tests.support import read_mail_dir, text_of

SUBJECT_START = "A reply to"
OPTED_IN = "olena@example.org"
ORGANIZATION_CONTACT = "iryna@solidarity.example.org"


@pytest.fixture
def published_reply(app_context, statement_slug, monkeypatch) -> int:
    """A published reply of the President of Ukraine, and signers of every kind."""
    factories.individual(statement_slug, "Olena Kovalenko", OPTED_IN, wants_updates=True)
    factories.individual(statement_slug, "Taras Melnyk", "taras@example.org",
                         wants_updates=False)
    factories.individual(statement_slug, "Not Confirmed", "unconfirmed@example.org",
                         wants_updates=True, confirm=False)
    hidden = factories.individual(statement_slug, "Abusive Name", "hidden@example.org",
                                  wants_updates=True)
    approved = factories.organization(statement_slug, "Kharkiv Solidarity Network",
                                      ORGANIZATION_CONTACT)
    factories.organization(statement_slug, "Still Waiting", "waiting@example.org")
    coordinator = db.session.get(Coordinator, create_coordinator_for(
        "moderator@example.org", statement_slug))
    approve_organization(db.session.get(OrganizationSignature, approved), by=coordinator)
    hide_individual(db.session.get(IndividualSignature, hidden), by=coordinator)
    db.session.commit()

    statement = get_statement(statement_slug)
    president = db.session.scalars(select(Addressee).where(
        Addressee.statement_id == statement.id, Addressee.name == "President of Ukraine")).one()
    reply = record_reply(statement, ReplyDetails(
        addressee_id=president.id, demand_group_id=None, received_on=date(2020, 3, 2),
        text="We have received your statement."), recorded_by_id=coordinator.id)
    db.session.commit()
    monkeypatch.setattr(queue, "enqueue", lambda task, args_list: None)
    publish_reply(reply)
    db.session.commit()
    return reply.id


def reply_mail_by_recipient(mail_dir) -> Counter[str]:
    deliver_due_messages()
    return Counter(message["To"] for message in read_mail_dir(mail_dir)
                   if message["Subject"].startswith(SUBJECT_START))


def test_opted_in_individual_and_approved_organizations_contact_each_get_one_email(
    published_reply, mail_dir
):
    # The task's body, as the worker runs it (here in the test's application context).
    assert tell_signers_of_reply.run(published_reply) == 2

    assert reply_mail_by_recipient(mail_dir) == {OPTED_IN: 1, ORGANIZATION_CONTACT: 1}
    [to_olena] = [message for message in read_mail_dir(mail_dir)
                  if message["To"] == OPTED_IN and message["Subject"].startswith(SUBJECT_START)]
    body = text_of(to_olena)
    assert "President of Ukraine has replied to the statement" in body
    assert "http://undersigned.test/s/crimea-2020" in body


def test_running_the_task_again_sends_nobody_a_second_copy(published_reply, mail_dir):
    tell_signers_of_reply.run(published_reply)
    assert tell_signers_of_reply.run(published_reply) == 0

    assert reply_mail_by_recipient(mail_dir) == {OPTED_IN: 1, ORGANIZATION_CONTACT: 1}


def test_unpublishing_mails_nobody_and_publishing_again_mails_nobody_twice(
    published_reply, mail_dir
):
    notify_signers_of_reply(published_reply)
    reply = db.session.get(Reply, published_reply)
    unpublish_reply(reply)
    db.session.commit()
    assert notify_signers_of_reply(published_reply) == 0

    publish_reply(reply)
    db.session.commit()
    notify_signers_of_reply(published_reply)

    assert reply_mail_by_recipient(mail_dir) == {OPTED_IN: 1, ORGANIZATION_CONTACT: 1}


def test_each_batch_is_handed_to_the_delivery_task_after_its_commit(
    published_reply, monkeypatch
):
    monkeypatch.setattr("campaign.replies.services.NOTIFICATION_BATCH", 1)
    handed: list[list[tuple[int]]] = []

    def enqueue(task: str, args_list):
        assert task == DELIVER_EMAIL_TASK
        ids = [message_id for (batch,) in args_list for message_id in batch]
        # Committed: visible from another session.
        with db.engine.connect() as other:
            assert other.scalar(select(OutboxMessage.id).where(
                OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id.desc()))
        handed.append(list(args_list))

    monkeypatch.setattr("campaign.outbox.delivery.enqueue", enqueue)
    notify_signers_of_reply(published_reply)

    assert len(handed) == 2
    keys = db.session.scalars(select(OutboxMessage.dedupe_key).where(
        OutboxMessage.template == "reply_published")).all()
    assert sorted(keys) == [f"reply:{published_reply}:{ORGANIZATION_CONTACT}",
                            f"reply:{published_reply}:{OPTED_IN}"]


def test_reply_unpublished_before_the_task_ran_mails_nobody(published_reply, mail_dir):
    unpublish_reply(db.session.get(Reply, published_reply))
    db.session.commit()

    assert notify_signers_of_reply(published_reply) == 0
    assert reply_mail_by_recipient(mail_dir) == {}


def test_an_organization_contact_who_unsubscribed_hears_nothing_of_replies(
    published_reply, mail_dir
):
    organization = db.session.scalars(select(OrganizationSignature).where(
        OrganizationSignature.contact_email == ORGANIZATION_CONTACT)).one()
    organization.wants_updates = False
    db.session.commit()

    assert tell_signers_of_reply.run(published_reply) == 1

    assert reply_mail_by_recipient(mail_dir) == {OPTED_IN: 1}


def test_unpublishing_while_the_signers_are_being_told_stops_the_batches_not_yet_written(
    published_reply, monkeypatch
):
    monkeypatch.setattr("campaign.replies.services.NOTIFICATION_BATCH", 1)

    def unpublish_after_the_first_batch(task: str, args_list) -> None:
        reply = db.session.get(Reply, published_reply)
        if reply.published:
            unpublish_reply(reply)
            db.session.commit()

    monkeypatch.setattr("campaign.outbox.delivery.enqueue", unpublish_after_the_first_batch)

    assert notify_signers_of_reply(published_reply) == 1
    assert len(db.session.scalars(select(OutboxMessage.id).where(
        OutboxMessage.template == "reply_published")).all()) == 1
