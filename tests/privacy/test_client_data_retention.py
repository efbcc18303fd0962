"""What the abuse defences keep of a signature's client (a keyed hash of its address
and its network prefix) is cleared after CLIENT_DATA_RETENTION_DAYS, by the hourly
retention task, and the privacy page says so."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from campaign.abuse.models import HoldReason
from campaign.database import utcnow
from campaign.digests.services import forget_client_data, send_due_digests
from campaign.extensions import db
from campaign.outbox.delivery import build_email
from campaign.outbox.models import OutboxMessage, OutboxStatus
from campaign.privacy.services import clear_client_data
from campaign.signing.models import (
    IndividualSignature,
    IndividualStatus,
    NameDisplay,
    OrganizationSignature,
)
from campaign.statements.models import Statement
from tests.conftest import create_coordinator_for, import_example
from tests.progress.test_trending import FLOOD, sign_many
from tests.support import text_of

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
TRACE = {"ip_hash": "0123456789abcdef0123456789abcdef", "ip_prefix": "203.0.113.0/24"}


def traced_individual(statement: Statement, email: str, made: datetime, **extra) -> int:
    signature = IndividualSignature(
        statement=statement, name="Someone", email=email, country="UA",
        name_display=NameDisplay.FULL, created_at=made, **TRACE, **extra)
    db.session.add(signature)
    db.session.flush()
    return signature.id


def traced_organization(statement: Statement, name: str, made: datetime) -> int:
    signature = OrganizationSignature(
        statement=statement, name=name, name_key=name.lower(), contact_name="Contact",
        contact_email=f"contact@{name.lower()}.example.org", authorized_to_sign=True,
        created_at=made, **TRACE)
    db.session.add(signature)
    db.session.flush()
    return signature.id


def trace(model, signature_id: int) -> tuple[str | None, str | None]:
    signature = db.session.get(model, signature_id)
    db.session.refresh(signature)
    return signature.ip_hash, signature.ip_prefix


def test_client_data_older_than_the_period_is_cleared_and_nothing_else(app_context):
    statement = import_example()
    old = traced_individual(statement, "old@example.org", NOW - 31 * DAY,
                            status=IndividualStatus.SUSPECTED, hold_reason=HoldReason.RATE_LIMIT)
    recent = traced_individual(statement, "recent@example.org", NOW - 29 * DAY)
    old_org = traced_organization(statement, "Old", NOW - 30 * DAY - timedelta(minutes=1))
    recent_org = traced_organization(statement, "Recent", NOW - 1 * DAY)

    assert clear_client_data(NOW) == 2

    assert trace(IndividualSignature, old) == (None, None)
    assert trace(OrganizationSignature, old_org) == (None, None)
    assert trace(IndividualSignature, recent) == (TRACE["ip_hash"], TRACE["ip_prefix"])
    assert trace(OrganizationSignature, recent_org) == (TRACE["ip_hash"], TRACE["ip_prefix"])
    # The signature itself, and why it was held, stay.
    held = db.session.get(IndividualSignature, old)
    assert (held.email, held.status, held.hold_reason) == (
        "old@example.org", IndividualStatus.SUSPECTED, HoldReason.RATE_LIMIT)


def test_the_period_is_a_setting(app: Flask, app_context, monkeypatch):
    monkeypatch.setitem(app.config, "CLIENT_DATA_RETENTION_DAYS", 3)
    statement = import_example()
    four_days = traced_individual(statement, "four@example.org", NOW - 4 * DAY)

    clear_client_data(NOW)

    assert trace(IndividualSignature, four_days) == (None, None)


def test_the_hourly_retention_task_clears_it(app_context):
    from campaign.privacy.tasks import delete_expired_unconfirmed as retention_task

    statement = import_example()
    old = traced_individual(statement, "old@example.org", utcnow() - 31 * DAY,
                            status=IndividualStatus.CONFIRMED, confirmed_at=utcnow() - 31 * DAY)
    db.session.commit()

    retention_task.run()
    db.session.rollback()  # whatever the task did not commit is gone now

    assert trace(IndividualSignature, old) == (None, None)


def digest_of_a_flood(statement: Statement, flood: datetime, coordinator: str) -> int:
    """The digest of the day of a flood from FLOOD's network and mail.example, queued
    at 07:05 UTC the next day (the coordinators' hour)."""
    create_coordinator_for(coordinator, statement.slug, name="Mariia")
    db.session.commit()
    send_due_digests(now=(flood + DAY).replace(hour=7, minute=5))
    db.session.commit()
    return db.session.scalars(select(OutboxMessage.id).where(
        OutboxMessage.template == "digest", OutboxMessage.to_address == coordinator)).one()


def context_of(message_id: int) -> dict:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message_id).context


def test_the_networks_and_domains_a_digest_named_go_with_the_signatures(app, app_context):
    statement = import_example()
    flood = datetime(2026, 3, 1, 15, 0, tzinfo=UTC)
    sign_many(statement.id, 12, ip_prefix=FLOOD, at=flood)
    waiting = digest_of_a_flood(statement, flood, "mariia@example.org")
    sent = digest_of_a_flood(statement, flood, "oleksandr@example.org")
    db.session.get(OutboxMessage, sent).status = OutboxStatus.SENT
    db.session.commit()
    period = timedelta(days=app.config["CLIENT_DATA_RETENTION_DAYS"])

    # Well within the period the coordinators' record of what they were told keeps them.
    clear_client_data(now=flood + period - 2 * DAY)
    db.session.commit()
    assert FLOOD in str(context_of(waiting)) and FLOOD in str(context_of(sent))

    clear_client_data(now=flood + period + timedelta(minutes=1))
    db.session.commit()

    assert db.session.scalars(select(IndividualSignature.ip_prefix)).all() == [None] * 12
    for message_id in (waiting, sent):
        context = context_of(message_id)
        assert FLOOD not in str(context) and "mail.example" not in str(context)
        # What the digest said besides stays: which statement, which day.
        assert (context["statement_slug"], context["day"]) == (statement.slug, "2026-03-01")
    # The next hourly sweeps leave those rows alone.
    assert forget_client_data(through=date(2026, 3, 1)) == 0
    # A digest still waiting goes out without them.
    text = text_of(build_email(db.session.get(OutboxMessage, waiting)))
    assert statement.title in text and "bursts" not in text


def test_a_digest_of_a_day_within_the_period_keeps_its_networks(app, app_context):
    statement = import_example()
    old = datetime(2026, 3, 1, 15, 0, tzinfo=UTC)
    # A digest's day may have begun 14 hours before UTC's (UTC+14): two days later, no
    # signature it counted is out of the period yet, wherever its coordinator lives.
    recent = old + 2 * DAY
    sign_many(statement.id, 12, ip_prefix=FLOOD, at=old)
    sign_many(statement.id, 12, ip_prefix=FLOOD, at=recent, start=12)
    of_old = digest_of_a_flood(statement, old, "mariia@example.org")
    of_recent = digest_of_a_flood(statement, recent, "oleksandr@example.org")

    clear_client_data(now=old + timedelta(days=app.config["CLIENT_DATA_RETENTION_DAYS"],
                                          minutes=1))
    db.session.commit()

    assert FLOOD not in str(context_of(of_old))
    assert context_of(of_recent)["trending_networks"] == [{"value": FLOOD, "peak": 12}]


def test_the_privacy_page_says_what_is_kept_why_and_how_long(app: Flask, client: FlaskClient,
                                                              monkeypatch):
    monkeypatch.setitem(app.config, "CLIENT_DATA_RETENTION_DAYS", 21)

    text = " ".join(client.get("/privacy").text.split())

    assert "never the address itself" in text
    assert "its network" in text
    assert "to protect the statement from floods of fake signatures" in text
    assert "Coordinators see the network, never your address" in text
    assert "The scrambled address and the network a signature came from are deleted " \
           "21 days after it was made." in text
