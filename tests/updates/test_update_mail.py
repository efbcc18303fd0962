"""An update's e-mail: one copy to every signer who asked for updates, over real SMTP,
never a second, and none to a signer who stopped updates before it left."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from campaign.accounts.models import Coordinator
from campaign.database import utcnow
from campaign.extensions import db
from campaign.moderation.services import approve_organization, hide_individual
from campaign.outbox.models import OutboxMessage, OutboxStatus
from campaign.outbox.tasks import deliver_due_messages
from campaign.privacy.services import withdraw_signature
from campaign.queue import FAN_OUT_UPDATE_TASK
from campaign.signing.models import IndividualSignature, OrganizationSignature
from campaign.statements.services import get_statement
from campaign.updates import services, tasks
from campaign.updates.models import Update
from campaign.updates.tasks import fan_out_update_task, resume_update_fan_outs
from tests.conftest import create_coordinator_for
from tests.example_statement import TITLE as EXAMPLE_TITLE
from tests.moderation import factories

OPTED_IN = "olena@example.org"
ORGANIZATION_CONTACT = "iryna@solidarity.example.org"
TITLE = "The court of appeal meets on 3 March"


@pytest.fixture
def signers(smtp_context, statement_slug) -> dict[str, int]:
    """Signers of every kind; only the first two asked for updates and may get them."""
    ids = {
        "olena": factories.individual(statement_slug, "Olena Kovalenko", OPTED_IN,
                                      wants_updates=True),
        "taras": factories.individual(statement_slug, "Taras Melnyk", "taras@example.org"),
        "unconfirmed": factories.individual(statement_slug, "Not Confirmed",
                                            "unconfirmed@example.org", wants_updates=True,
                                            confirm=False),
        "hidden": factories.individual(statement_slug, "Abusive Name", "hidden@example.org",
                                       wants_updates=True),
        "withdrawn": factories.individual(statement_slug, "Changed Mind",
                                          "withdrawn@example.org", wants_updates=True),
        "approved": factories.organization(statement_slug, "Kharkiv Solidarity Network",
                                           ORGANIZATION_CONTACT),
        "quiet": factories.organization(statement_slug, "Quiet Group", "quiet@example.org"),
        "waiting": factories.organization(statement_slug, "Still Waiting",
                                          "waiting@example.org"),
    }
    coordinator = db.session.get(Coordinator, create_coordinator_for(
        "moderator@example.org", statement_slug))
    for name in ("approved", "quiet"):
        approve_organization(db.session.get(OrganizationSignature, ids[name]), by=coordinator)
    db.session.get(OrganizationSignature, ids["quiet"]).wants_updates = False
    hide_individual(db.session.get(IndividualSignature, ids["hidden"]), by=coordinator)
    withdraw_signature(db.session.get(IndividualSignature, ids["withdrawn"]))
    db.session.commit()
    # Only the update's mail from here on.
    db.session.execute(OutboxMessage.__table__.delete())
    db.session.commit()
    return ids


@pytest.fixture
def published_update(signers, statement_slug) -> int:
    update = services.write_update(get_statement(statement_slug), TITLE,
                                   "The hearing is **public**.\n\n<script>alert(1)</script>",
                                   by=None)
    db.session.commit()
    services.publish_update(update)
    db.session.commit()
    return update.id


def received_by_recipient(smtp) -> Counter[str]:
    return Counter(message["To"] for message in smtp.messages)


def test_every_signer_who_asked_gets_one_copy_and_nobody_else_any(published_update, smtp):
    assert fan_out_update_task.run(published_update) == 2
    deliver_due_messages()

    assert received_by_recipient(smtp) == {OPTED_IN: 1, ORGANIZATION_CONTACT: 1}
    [to_olena] = [message for message in smtp.messages if message["To"] == OPTED_IN]
    assert TITLE in to_olena["Subject"]
    text = to_olena.get_body(("plain",)).get_content()
    assert "The hearing is **public**." in text
    assert "http://undersigned.test/s/crimea-2020" in text
    assert "http://undersigned.test/signer/" in text
    html = to_olena.get_body(("html",)).get_content()
    assert "<strong>public</strong>" in html and "<script>" not in html
    update = db.session.get(Update, published_update)
    assert update.recipients_total == 2 and update.fanned_out_at is not None


def test_a_title_with_line_breaks_reaches_every_recipient_on_one_line(published_update, smtp):
    # Written before titles were refused line breaks, or by any other way in.
    db.session.get(Update, published_update).title = \
        "Hearing moved\r\nBcc: intruder@evil.example\r\n"
    db.session.commit()

    assert fan_out_update_task.run(published_update) == 2
    deliver_due_messages()

    assert received_by_recipient(smtp) == {OPTED_IN: 1, ORGANIZATION_CONTACT: 1}
    assert sorted(smtp.recipients) == [[ORGANIZATION_CONTACT], [OPTED_IN]]
    for message in smtp.messages:
        assert message["Subject"] == ("Hearing moved Bcc: intruder@evil.example — an update "
                                      f"on “{EXAMPLE_TITLE}”")
        assert message["Bcc"] is None


def test_running_the_fan_out_again_sends_no_second_copy(
    published_update, signers, smtp, monkeypatch
):
    monkeypatch.setattr(services, "FAN_OUT_BATCH", 1)
    fan_out_update_task.run(published_update)
    deliver_due_messages()
    assert fan_out_update_task.run(published_update) == 0
    deliver_due_messages()

    assert received_by_recipient(smtp) == {OPTED_IN: 1, ORGANIZATION_CONTACT: 1}
    keys = db.session.scalars(select(OutboxMessage.dedupe_key).where(
        OutboxMessage.update_id == published_update)).all()
    assert sorted(keys) == [f"update:{published_update}:i{signers['olena']}",
                            f"update:{published_update}:o{signers['approved']}"]


def test_a_fan_out_killed_halfway_is_resumed_where_it_stopped(
    published_update, smtp, monkeypatch
):
    monkeypatch.setattr(services, "FAN_OUT_BATCH", 1)

    class Killed(Exception):
        pass

    real_rows = services._update_rows
    batches = []

    def dies_after_first_batch(*args, **kwargs):
        if batches:
            raise Killed
        batches.append(1)
        return real_rows(*args, **kwargs)

    monkeypatch.setattr(services, "_update_rows", dies_after_first_batch)
    with pytest.raises(Killed):
        tasks.fan_out_update(published_update)
    db.session.rollback()
    assert db.session.get(Update, published_update).fanned_out_at is None
    assert len(db.session.scalars(select(OutboxMessage.id).where(
        OutboxMessage.update_id == published_update)).all()) == 1

    # The beat task takes up fan-outs that stopped a while ago.
    db.session.get(Update, published_update).published_at = utcnow() - timedelta(minutes=10)
    db.session.commit()
    handed = []
    monkeypatch.setattr("campaign.updates.services.enqueue",
                        lambda task, args_list: handed.extend((task, *args)
                                                              for args in args_list))
    assert resume_update_fan_outs.run() == [published_update]
    assert handed == [(FAN_OUT_UPDATE_TASK, published_update)]

    monkeypatch.setattr(services, "_update_rows", real_rows)
    assert fan_out_update_task.run(published_update) == 1
    deliver_due_messages()
    assert received_by_recipient(smtp) == {OPTED_IN: 1, ORGANIZATION_CONTACT: 1}
    assert resume_update_fan_outs.run() == []


def test_a_signer_who_unsubscribes_before_delivery_gets_nothing(
    published_update, signers, smtp
):
    fan_out_update_task.run(published_update)
    db.session.get(IndividualSignature, signers["olena"]).wants_updates = False
    db.session.commit()

    deliver_due_messages()

    assert received_by_recipient(smtp) == {ORGANIZATION_CONTACT: 1}
    statuses = dict(db.session.execute(
        select(OutboxMessage.to_address, OutboxMessage.status)
        .where(OutboxMessage.update_id == published_update)).all())
    assert statuses == {OPTED_IN: OutboxStatus.CANCELLED, ORGANIZATION_CONTACT: OutboxStatus.SENT}


def test_a_signer_who_withdraws_before_delivery_gets_nothing(published_update, signers, smtp):
    fan_out_update_task.run(published_update)
    withdraw_signature(db.session.get(IndividualSignature, signers["olena"]))
    db.session.commit()
    # Whatever withdrawing did to the row, delivery asks again.
    db.session.execute(OutboxMessage.__table__.update().where(
        OutboxMessage.to_address == OPTED_IN).values(status=OutboxStatus.PENDING))
    db.session.commit()

    deliver_due_messages()

    assert received_by_recipient(smtp) == {ORGANIZATION_CONTACT: 1}


def test_list_unsubscribe_headers_and_the_one_click_post_stops_updates(
    published_update, signers, smtp, smtp_app
):
    fan_out_update_task.run(published_update)
    deliver_due_messages()
    [to_olena] = [message for message in smtp.messages if message["To"] == OPTED_IN]

    assert to_olena["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # A long header may be folded; unfolded, it keeps the space before the URL.
    header = str(to_olena["List-Unsubscribe"]).strip()
    assert header.startswith("<http://undersigned.test/unsubscribe/") and header.endswith(">")
    assert header.strip("<>") in to_olena.get_body(("plain",)).get_content()

    # As a mail client does it: a POST, no session, no CSRF token.
    response = smtp_app.test_client().post(
        urlsplit(header.strip("<>")).path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(IndividualSignature, signers["olena"]).wants_updates is False


def test_progress_counts_sent_and_cancelled_of_the_total(published_update, signers, smtp):
    fan_out_update_task.run(published_update)
    db.session.get(IndividualSignature, signers["olena"]).wants_updates = False
    db.session.commit()
    deliver_due_messages()

    update = db.session.get(Update, published_update)
    assert services.progress_of([update]) == {published_update: services.UpdateProgress(
        total=2, sent=1, cancelled=1, failed=0)}


def test_a_row_whose_signature_is_gone_is_cancelled_not_sent(published_update, signers, smtp):
    fan_out_update_task.run(published_update)
    # The signature's row deleted behind the outbox's back (erasure removes the
    # waiting rows too; delivery does not rely on it).
    db.session.execute(IndividualSignature.__table__.delete().where(
        IndividualSignature.id == signers["olena"]))
    db.session.commit()

    deliver_due_messages()

    assert received_by_recipient(smtp) == {ORGANIZATION_CONTACT: 1}
    assert db.session.scalars(select(OutboxMessage.status).where(
        OutboxMessage.to_address == OPTED_IN)).one() is OutboxStatus.CANCELLED
