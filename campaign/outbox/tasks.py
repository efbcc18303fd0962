"""The outbox's tasks: delivering a batch of messages, the relay that hands due ones
over, and the fan-out loop that the areas mailing many (updates, replies) run.

Here, not in the services, are the commits of work that is several transactions by
nature (see campaign.outbox.delivery and campaign.outbox.fanout for why each step
commits on its own); every service below leaves the commit to its caller.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

from celery import shared_task

from campaign.extensions import db
from campaign.outbox import delivery
from campaign.outbox.delivery import (
    DeliveryResult,
    Mailer,
    claim_messages,
    compose_email,
    due_message_ids,
    hand_to_delivery,
    holding_what_is_loaded,
    mark_next_relay_batch,
    one_batch,
    out_of_time,
    record_failure,
    record_sent,
    release_stale_claims,
    to_send,
)
from campaign.outbox.requests import answer_mail_requests
from campaign.queue import (
    ANSWER_MAIL_REQUESTS_TASK,
    DELIVER_EMAIL_TASK,
    PURGE_BROKER_TASK,
    RELAY_OUTBOX_TASK,
    purge_consumed_broker_messages,
)


def deliver_messages(message_ids: Sequence[int]) -> dict[int, DeliveryResult]:
    """Claim the messages that are due, then send them over one connection, each
    outcome committed before the next send; the outcome of each id asked for."""
    claimed = claim_messages(message_ids)
    db.session.commit()
    outcomes = dict.fromkeys(message_ids, DeliveryResult.NOT_DUE)
    started = time.monotonic()
    with Mailer() as mailer, one_batch():
        for message_id in claimed:
            with holding_what_is_loaded():
                outcomes[message_id] = _deliver_claimed(message_id, mailer, started)
    return outcomes


def _deliver_claimed(message_id: int, mailer: Mailer, started: float) -> DeliveryResult:
    claimed = to_send(message_id)
    if claimed is None:
        db.session.commit()
        return DeliveryResult.CANCELLED
    accepted = False
    try:
        if (late := out_of_time(started)) is not None:
            raise late
        # Building is inside the try: an attachment that fails to render is a failed
        # attempt of this message alone, retried like a refused send.
        mailer.send(compose_email(claimed.message, claimed.hooks))
        accepted = True
        # Committed while the connection is still open: from the server's acceptance
        # to this commit is the one window in which a crash sends the message again
        # (its claim is released after STALE_CLAIM_AFTER), and the goodbye is kept
        # out of it.
        record_sent(claimed)
        db.session.commit()
    except Exception as error:
        if accepted:
            raise  # the server has it: not a failed send, never retried as one
        result = record_failure(claimed, error)
        db.session.commit()
        return result
    return DeliveryResult.SENT


def deliver_message(message_id: int) -> DeliveryResult:
    return deliver_messages([message_id])[message_id]


def deliver_due_messages() -> dict[DeliveryResult, int]:
    """Answer the mail requests waiting, then deliver everything that is due, in this
    process, without a worker (the tests use it to be the worker)."""
    _answer_waiting_mail_requests()
    release_stale_claims()
    db.session.commit()
    outcomes: dict[DeliveryResult, int] = {}
    due = due_message_ids()
    for start in range(0, len(due), delivery.DELIVERY_BATCH_SIZE):
        for result in deliver_messages(due[start:start + delivery.DELIVERY_BATCH_SIZE]).values():
            outcomes[result] = outcomes.get(result, 0) + 1
    return outcomes


def relay_due_messages() -> int:
    """Hand what is due and not handed over already to the delivery task, a batch at
    a time, each marked in the database before it is published; returns how many."""
    release_stale_claims()
    db.session.commit()
    relayed = 0
    for _ in range(delivery.RELAY_BATCHES_PER_RUN):
        ids = mark_next_relay_batch()
        db.session.commit()
        hand_to_delivery(ids)
        relayed += len(ids)
        # A run stops after RELAY_BATCHES_PER_RUN, so that runs do not pile up behind
        # a backlog; the next second's run goes on with it.
        if len(ids) < delivery.RELAY_BATCH_SIZE:
            break
    return relayed


def fan_out(batches: Iterable[list[int]]) -> int:
    """Run a fan-out (campaign.outbox.fanout.new_rows_in_batches): commit each batch
    of outbox rows, then hand it to delivery; returns how many rows were written."""
    queued = 0
    for new_ids in batches:
        db.session.commit()
        hand_to_delivery(new_ids)
        queued += len(new_ids)
    return queued


@shared_task(name=DELIVER_EMAIL_TASK)
def deliver_email(message_ids: list[int] | int) -> dict[str, int]:
    # A failed send is recorded on the row with its next attempt time; the relay
    # retries it then, so no retry is held in a worker's memory. One id is what a
    # task published before batches were sent (still in a broker at an upgrade).
    ids = [message_ids] if isinstance(message_ids, int) else list(message_ids)
    outcomes: dict[str, int] = {}
    for result in deliver_messages(ids).values():
        outcomes[result.value] = outcomes.get(result.value, 0) + 1
    return outcomes


@shared_task(name=RELAY_OUTBOX_TASK)
def relay_outbox() -> int:
    return relay_due_messages()


@shared_task(name=ANSWER_MAIL_REQUESTS_TASK)
def answer_mail_requests_waiting() -> int:
    return _answer_waiting_mail_requests()


def _answer_waiting_mail_requests() -> int:
    answered = 0
    while taken := answer_mail_requests():
        db.session.commit()
        answered += taken
    return answered


@shared_task(name=PURGE_BROKER_TASK)
def purge_broker_messages() -> int:
    return purge_consumed_broker_messages()
