"""What the abuse defences keep of a signature's client (a keyed hash of its address
and its network prefix) is cleared after CLIENT_DATA_RETENTION_DAYS, by the hourly
retention task, and the privacy page says so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient

from campaign.abuse.models import HoldReason
from campaign.database import utcnow
from campaign.extensions import db
from campaign.privacy.services import clear_client_data
from campaign.signing.models import (
    IndividualSignature,
    IndividualStatus,
    NameDisplay,
    OrganizationSignature,
)
from campaign.statements.models import Statement
from tests.conftest import import_example

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
