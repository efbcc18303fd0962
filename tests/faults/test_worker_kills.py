"""The worker killed (SIGKILL) five times while an update goes out to 2,000 signers.

Every recipient must get the update. A message is sent at least once, not exactly
once: the worker claims a row (committed), sends it, and records it as sent
(committed). A kill after the SMTP server has accepted the message and before that
last commit leaves the row claimed; the claim is released after STALE_CLAIM_AFTER
and the message sent again. That window is the only one allowed to repeat a
message, and each kill can repeat at most the one message in flight.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import func, select

from campaign.database import utcnow
from campaign.extensions import db
from campaign.outbox.models import OutboxMessage, OutboxStatus
from campaign.signing.models import IndividualSignature, IndividualStatus, NameDisplay
from campaign.updates.models import Update
from campaign.updates.services import publish_update, write_update
from tests.conftest import import_example
from tests.faults.support import (
    CeleryProcesses,
    Figure,
    RedisServer,
    SmtpServer,
    advance_outbox_clock,
    settle_outbox,
)
from tests.support import wait_for

pytestmark = pytest.mark.faults

RECIPIENTS = 2000
KILL_AFTER_SENT = (400, 800, 1200, 1600)


@dataclass(frozen=True)
class Kill:
    fan_out_writing: bool
    in_flight: frozenset[int]


def add_opted_in_signers(statement_id: int, count: int) -> None:
    now = utcnow()
    db.session.add_all(
        IndividualSignature(statement_id=statement_id, name=f"Signer {n}",
                            email=f"signer{n}@example.org", country="UA",
                            name_display=NameDisplay.FULL, wants_updates=True,
                            status=IndividualStatus.CONFIRMED, confirmed_at=now)
        for n in range(count))


def update_rows(app: Flask, update_id: int) -> dict[OutboxStatus, int]:
    with app.app_context():
        counts = dict(db.session.execute(
            select(OutboxMessage.status, func.count()).where(OutboxMessage.update_id == update_id)
            .group_by(OutboxMessage.status)).all())
        db.session.remove()
    return counts


def kill_and_restart(app: Flask, update_id: int, celery: CeleryProcesses,
                     broker: RedisServer) -> Kill:
    celery.kill_worker()
    with app.app_context():
        writing = db.session.get(Update, update_id).fanned_out_at is None
        in_flight = frozenset(db.session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.SENDING)))
        db.session.remove()
    # What would happen with time, at once: Redis hands the dead worker's task to
    # another after its visibility timeout (an hour; a fan-out is resumed by beat
    # after 5 minutes anyway), and the relay releases its claim after 10 minutes.
    broker.requeue_unacknowledged()
    advance_outbox_clock(app, statuses=("sending",))
    celery.start_worker()
    return Kill(writing, in_flight)


def test_worker_killed_five_times_during_a_fan_out_to_2000_signers_reaches_every_one(
        stack: tuple[object, CeleryProcesses], fault_app: Flask, fault_smtp: SmtpServer,
        fault_redis: RedisServer, record_figure: Callable[[Figure], None]):
    _, celery = stack
    with fault_app.app_context():
        statement = import_example()
        add_opted_in_signers(statement.id, RECIPIENTS)
        update = write_update(statement, "The letter was delivered",
                              "We handed the letter over this morning.", by=None)
        db.session.commit()
        update_id = update.id
    mailbox = fault_smtp.mailbox
    started = time.monotonic()

    with fault_app.app_context():
        publish_update(db.session.get(Update, update_id))
        db.session.commit()  # and the fan-out's task is published
    wait_for(lambda: update_rows(fault_app, update_id), timeout=30,
             what="the fan-out's first rows")
    kills = [kill_and_restart(fault_app, update_id, celery, fault_redis)]
    for sent in KILL_AFTER_SENT:
        wait_for(lambda sent=sent: len(mailbox.received) >= sent, timeout=120,
                 what=f"{sent} e-mails")
        kills.append(kill_and_restart(fault_app, update_id, celery, fault_redis))
    relayed_again = settle_outbox(fault_app, mailbox, timeout=180, let_time_pass=True)

    with fault_app.app_context():
        rows = dict(db.session.execute(
            select(OutboxMessage.id, OutboxMessage.to_address)
            .where(OutboxMessage.update_id == update_id)).all())
        update = db.session.get(Update, update_id)
        fanned_out = update.fanned_out_at is not None and update.recipients_total == RECIPIENTS
    copies: dict[int, int] = {}
    for item in mailbox.received:
        copies[item.outbox_id] = copies.get(item.outbox_id, 0) + 1
    in_flight = frozenset().union(*(kill.in_flight for kill in kills))
    repeated = {row_id: count for row_id, count in copies.items() if count > 1}
    duplicates = sum(count - 1 for count in repeated.values())
    record_figure(Figure(
        "worker SIGKILLed 5 times during a fan-out",
        f"update to {RECIPIENTS:,} opted-in signers; "
        f"{sum(kill.fan_out_writing for kill in kills)} kill(s) while the fan-out wrote its "
        f"rows, {sum(bool(kill.in_flight) for kill in kills)} with a message in flight; "
        f"{relayed_again} rows relayed again after the 2-minute wait",
        RECIPIENTS, len(mailbox.received), duplicates, "- / 0", time.monotonic() - started))

    assert fanned_out
    assert len(rows) == RECIPIENTS
    assert update_rows(fault_app, update_id) == {OutboxStatus.SENT: RECIPIENTS}
    assert {item.recipients[0] for item in mailbox.received} == set(rows.values())
    assert set(copies) == set(rows)
    # Only a message in flight at a kill may arrive twice, and never more than twice.
    assert set(repeated) <= in_flight, (repeated, kills)
    assert all(count == 2 for count in repeated.values())
