"""Retention: what each task deletes or erases, and, on the other side of each
boundary, what it must leave alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from campaign.config import load_settings
from campaign.extensions import db
from campaign.outbox.delivery import DeliveryResult
from campaign.outbox.models import OutboxMessage, OutboxStatus
from campaign.outbox.tasks import deliver_message
from campaign.privacy.services import delete_expired_unconfirmed, erase_addresses_after_close
from campaign.signing.models import (
    IndividualSignature,
    IndividualStatus,
    NameDisplay,
    OrganizationSignature,
    OrganizationStatus,
)
from campaign.statements.models import Statement, StatementStatus
from tests.conftest import import_example
from tests.support import read_mail_dir

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def individual(statement: Statement, email: str, *, age: timedelta,
               status: IndividualStatus = IndividualStatus.UNCONFIRMED,
               wants_updates: bool = False) -> int:
    signature = IndividualSignature(
        statement=statement, name=email.split("@")[0].title(), email=email, country="UA",
        name_display=NameDisplay.FULL, status=status, wants_updates=wants_updates,
        created_at=NOW - age,
        confirmed_at=None if status is IndividualStatus.UNCONFIRMED else NOW - age)
    db.session.add(signature)
    db.session.flush()
    return signature.id


def organization(statement: Statement, name: str, email: str, *, age: timedelta,
                 status: OrganizationStatus = OrganizationStatus.UNCONFIRMED) -> int:
    signature = OrganizationSignature(
        statement=statement, name=name, name_key=name.lower(), contact_name="Contact",
        contact_email=email, authorized_to_sign=True, status=status, created_at=NOW - age)
    db.session.add(signature)
    db.session.flush()
    return signature.id


def mail(to: str, statement: Statement, status: OutboxStatus = OutboxStatus.PENDING,
         template: str = "confirm_signature") -> int:
    message = OutboxMessage(
        to_address=to, subject="Please confirm", template=template, status=status,
        context={"statement_slug": statement.slug, "signer_name": "Someone"},
        last_error="550 no such user " + to if status is OutboxStatus.FAILED else None)
    db.session.add(message)
    db.session.flush()
    return message.id


@pytest.fixture
def statements(app_context) -> tuple[Statement, Statement]:
    first = import_example("first")
    second = import_example("second")
    return first, second


def ids(model) -> set[int]:
    return set(db.session.scalars(select(model.id)))


def test_unconfirmed_signatures_older_than_the_period_go_and_nothing_else(statements):
    first, second = statements
    old = individual(first, "old@example.org", age=14 * DAY + timedelta(seconds=1))
    just_young_enough = individual(first, "young@example.org", age=14 * DAY)
    recent = individual(first, "recent@example.org", age=DAY)
    confirmed = individual(first, "confirmed@example.org", age=400 * DAY,
                           status=IndividualStatus.CONFIRMED)
    withdrawn = individual(first, "withdrawn@example.org", age=400 * DAY,
                           status=IndividualStatus.WITHDRAWN)
    old_org = organization(first, "Old Unconfirmed Union", "old-org@example.org",
                           age=15 * DAY)
    young_org = organization(first, "Young Union", "young-org@example.org", age=13 * DAY)
    awaiting_org = organization(first, "Awaiting Union", "awaiting@example.org",
                                age=400 * DAY, status=OrganizationStatus.AWAITING_APPROVAL)
    # The same person signed the second statement too, and confirmed there.
    other = individual(second, "old@example.org", age=400 * DAY,
                       status=IndividualStatus.CONFIRMED)
    old_pending = mail("old@example.org", first)
    old_org_pending = mail("old-org@example.org", first)
    old_sent = mail("old@example.org", first, OutboxStatus.SENT)
    about_second = mail("old@example.org", second)
    young_pending = mail("young@example.org", first)
    individuals_before, organizations_before = ids(IndividualSignature), ids(OrganizationSignature)
    db.session.commit()

    report = delete_expired_unconfirmed(now=NOW)
    db.session.commit()

    assert (report.individuals, report.organizations) == (1, 1)
    assert ids(IndividualSignature) == individuals_before - {old}
    assert {just_young_enough, recent, confirmed, withdrawn, other} <= ids(IndividualSignature)
    assert ids(OrganizationSignature) == organizations_before - {old_org}
    assert {young_org, awaiting_org} <= ids(OrganizationSignature)
    assert ids(OutboxMessage) == {old_sent, about_second, young_pending}
    assert old_pending not in ids(OutboxMessage) and old_org_pending not in ids(OutboxMessage)
    kept_record = db.session.get(OutboxMessage, old_sent)
    assert (kept_record.to_address, kept_record.context) == ("erased", {})
    assert db.session.get(OutboxMessage, about_second).to_address == "old@example.org"


def test_the_period_is_the_setting(statements, app, monkeypatch):
    first, _ = statements
    signature = individual(first, "old@example.org", age=5 * DAY)
    db.session.commit()
    delete_expired_unconfirmed(now=NOW)
    assert db.session.get(IndividualSignature, signature) is not None
    monkeypatch.setitem(app.config, "UNCONFIRMED_SIGNATURE_DAYS", 4)
    delete_expired_unconfirmed(now=NOW)
    db.session.commit()
    assert db.session.get(IndividualSignature, signature) is None


def close(statement: Statement, ago: timedelta) -> None:
    statement.status = StatementStatus.CLOSED
    statement.closed_at = NOW - ago


def test_addresses_of_individuals_who_did_not_opt_in_are_erased_after_close(statements):
    long_closed, recently_closed = statements
    close(long_closed, 90 * DAY + timedelta(seconds=1))
    close(recently_closed, 90 * DAY)
    open_statement = import_example("still-open")
    confirmed = IndividualStatus.CONFIRMED
    silent = individual(long_closed, "silent@example.org", age=200 * DAY, status=confirmed)
    withdrawn = individual(long_closed, "gone@example.org", age=200 * DAY,
                           status=IndividualStatus.WITHDRAWN)
    opted_in = individual(long_closed, "updates@example.org", age=200 * DAY,
                          status=confirmed, wants_updates=True)
    not_yet = individual(recently_closed, "silent@example.org", age=200 * DAY,
                         status=confirmed)
    still_open = individual(open_statement, "open@example.org", age=200 * DAY,
                            status=confirmed)
    sent = mail("silent@example.org", long_closed, OutboxStatus.SENT)
    failed = mail("gone@example.org", long_closed, OutboxStatus.FAILED)
    waiting = mail("silent@example.org", long_closed)
    about_other = mail("silent@example.org", recently_closed, OutboxStatus.SENT)
    to_opted_in = mail("updates@example.org", long_closed, OutboxStatus.SENT)
    db.session.commit()

    report = erase_addresses_after_close(now=NOW)
    db.session.commit()

    assert report.individuals == 2
    emails = dict(db.session.execute(
        select(IndividualSignature.id, IndividualSignature.email)).all())
    assert emails[silent] == f"erased:{silent}"
    assert emails[withdrawn] == f"erased:{withdrawn}"
    assert emails[opted_in] == "updates@example.org"
    assert emails[not_yet] == "silent@example.org"
    assert emails[still_open] == "open@example.org"
    # The names stay on the statement as the signers chose to show them.
    assert db.session.get(IndividualSignature, silent).name == "Silent"
    messages = {message.id: message for message in db.session.scalars(select(OutboxMessage))}
    assert waiting not in messages
    assert (messages[sent].to_address, messages[sent].context) == ("erased", {})
    assert (messages[failed].to_address, messages[failed].last_error) == ("erased", None)
    assert messages[about_other].to_address == "silent@example.org"
    assert messages[to_opted_in].to_address == "updates@example.org"
    # Nothing of the erased addresses is left anywhere in the outbox.
    assert not set(db.session.scalars(select(OutboxMessage.to_address))) & {
        "gone@example.org"}

    assert erase_addresses_after_close(now=NOW).individuals == 0
    # A day later the other statement has been closed long enough too.
    assert erase_addresses_after_close(now=NOW + DAY).individuals == 1
    assert db.session.get(IndividualSignature, not_yet).email == f"erased:{not_yet}"
    assert db.session.get(IndividualSignature, still_open).email == "open@example.org"


def test_an_erased_placeholder_is_never_mailed(app_context, mail_dir: Path):
    statement = import_example()
    message_id = mail("erased:41", statement)
    db.session.commit()
    assert deliver_message(message_id) is DeliveryResult.CANCELLED
    assert db.session.get(OutboxMessage, message_id).status is OutboxStatus.CANCELLED
    assert read_mail_dir(mail_dir) == []


def test_retention_settings_come_from_the_environment(tmp_path):
    defaults = load_settings(tmp_path, {})
    assert (defaults["UNCONFIRMED_SIGNATURE_DAYS"],
            defaults["EMAIL_RETENTION_DAYS_AFTER_CLOSE"]) == (14, 90)
    chosen = load_settings(tmp_path, {"UNCONFIRMED_SIGNATURE_DAYS": "7",
                                      "EMAIL_RETENTION_DAYS_AFTER_CLOSE": "30"})
    assert (chosen["UNCONFIRMED_SIGNATURE_DAYS"],
            chosen["EMAIL_RETENTION_DAYS_AFTER_CLOSE"]) == (7, 30)


def test_the_privacy_page_states_the_periods_in_force(app: Flask, client: FlaskClient,
                                                      monkeypatch):
    monkeypatch.setitem(app.config, "UNCONFIRMED_SIGNATURE_DAYS", 11)
    monkeypatch.setitem(app.config, "EMAIL_RETENTION_DAYS_AFTER_CLOSE", 45)
    page = client.get("/privacy")
    assert page.status_code == 200
    text = " ".join(page.text.split())
    assert "deleted 11 days after it was made" in text
    assert "45 days after a statement closes, we erase the e-mail address" in text
    assert "E-mail addresses are never shown publicly" in text
    assert "withdraw your signature" in text and "or erase it" in text
    home = client.get("/")
    assert 'href="/privacy"' in home.text


def test_the_worker_tasks_apply_the_rules_now_and_commit(app_context):
    from campaign.database import utcnow
    from campaign.privacy.tasks import delete_expired_unconfirmed as delete_task
    from campaign.privacy.tasks import erase_addresses_after_close as erase_task

    statement = import_example()
    statement.status = StatementStatus.CLOSED
    statement.closed_at = utcnow() - 91 * DAY
    stale = IndividualSignature(
        statement=statement, name="Stale", email="stale@example.org", country="UA",
        name_display=NameDisplay.FULL, created_at=utcnow() - 15 * DAY)
    silent = IndividualSignature(
        statement=statement, name="Silent", email="silent@example.org", country="UA",
        name_display=NameDisplay.FULL, status=IndividualStatus.CONFIRMED,
        created_at=utcnow() - 100 * DAY, confirmed_at=utcnow() - 100 * DAY)
    db.session.add_all([stale, silent])
    db.session.commit()
    stale_id, silent_id = stale.id, silent.id

    assert delete_task.run() == {"individuals": 1, "organizations": 0}
    assert erase_task.run() == 1
    db.session.rollback()  # whatever the tasks did not commit is gone now
    assert db.session.get(IndividualSignature, stale_id) is None
    assert db.session.get(IndividualSignature, silent_id).email == f"erased:{silent_id}"


def test_held_signatures_go_after_the_same_period_as_unconfirmed_ones(statements):
    first, _second = statements
    held = individual(first, "held@example.org", age=15 * DAY,
                      status=IndividualStatus.SUSPECTED)
    young_held = individual(first, "young-held@example.org", age=DAY,
                            status=IndividualStatus.SUSPECTED)
    held_org = organization(first, "Held Union", "held-org@example.org", age=15 * DAY,
                            status=OrganizationStatus.SUSPECTED)
    db.session.commit()

    report = delete_expired_unconfirmed(now=NOW)
    db.session.commit()

    assert (report.individuals, report.organizations) == (1, 1)
    assert held not in ids(IndividualSignature) and young_held in ids(IndividualSignature)
    assert held_org not in ids(OrganizationSignature)


def test_signatures_invalidated_before_anyone_confirmed_them_go_after_the_same_period(
        statements):
    """A flood's addresses are someone else's: invalidating them must not keep them."""
    first, _second = statements
    invalidated = IndividualStatus.INVALIDATED
    flooded = individual(first, "flooded@example.org", age=15 * DAY, status=invalidated)
    young_flooded = individual(first, "young-flooded@example.org", age=DAY,
                               status=invalidated)
    judged_after_confirming = individual(first, "judged@example.org", age=15 * DAY,
                                         status=invalidated)
    flooded_org = organization(first, "Flooded Union", "flooded-org@example.org",
                               age=15 * DAY, status=OrganizationStatus.INVALIDATED)
    for never_confirmed in (flooded, young_flooded):
        db.session.get(IndividualSignature, never_confirmed).confirmed_at = None
    db.session.commit()

    report = delete_expired_unconfirmed(now=NOW)
    db.session.commit()

    assert (report.individuals, report.organizations) == (1, 1)
    assert flooded not in ids(IndividualSignature)
    assert {young_flooded, judged_after_confirming} <= ids(IndividualSignature)
    assert flooded_org not in ids(OrganizationSignature)


def test_an_invalidated_signers_address_is_erased_after_close_even_if_they_asked_for_updates(
        statements):
    long_closed, _recently_closed = statements
    close(long_closed, 90 * DAY + timedelta(seconds=1))
    judged = individual(long_closed, "judged@example.org", age=200 * DAY,
                        status=IndividualStatus.INVALIDATED, wants_updates=True)
    db.session.commit()

    assert erase_addresses_after_close(now=NOW).individuals == 1
    db.session.commit()
    assert db.session.get(IndividualSignature, judged).email == f"erased:{judged}"


def test_a_signature_mailed_a_new_link_late_in_its_period_stays_until_the_link_expires(
        statements):
    first, _second = statements
    late = individual(first, "late@example.org", age=14 * DAY - timedelta(hours=1))
    lapsed = individual(first, "lapsed@example.org", age=15 * DAY)
    db.session.get(IndividualSignature, late).confirmation_expires_at = NOW + 2 * DAY
    db.session.get(IndividualSignature, lapsed).confirmation_expires_at = NOW - DAY
    db.session.commit()

    delete_expired_unconfirmed(now=NOW + DAY)
    db.session.commit()

    assert late in ids(IndividualSignature)
    assert lapsed not in ids(IndividualSignature)
    delete_expired_unconfirmed(now=NOW + 3 * DAY)
    db.session.commit()
    assert late not in ids(IndividualSignature)
