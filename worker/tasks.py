"""Celery tasks. They take ids, call services, and hold no rules of their own."""

from __future__ import annotations

from celery import shared_task

from campaign.letters.replies import notify_signers_of_reply
from campaign.outbox.delivery import deliver_due_messages, deliver_message
from campaign.queue import (
    DELIVER_EMAIL_TASK,
    NOTIFY_SIGNERS_OF_REPLY_TASK,
    PURGE_BROKER_TASK,
    SWEEP_OUTBOX_TASK,
    purge_consumed_broker_messages,
)


@shared_task(name=DELIVER_EMAIL_TASK)
def deliver_email(message_id: int) -> str:
    # A failed send is recorded on the row with its next attempt time; the sweep
    # retries it then, so no retry is held in a worker's memory.
    return deliver_message(message_id).value


@shared_task(name=SWEEP_OUTBOX_TASK)
def sweep_outbox() -> dict[str, int]:
    return {result.value: count for result, count in deliver_due_messages().items()}


@shared_task(name=PURGE_BROKER_TASK)
def purge_broker_messages() -> int:
    return purge_consumed_broker_messages()


@shared_task(name=NOTIFY_SIGNERS_OF_REPLY_TASK)
def tell_signers_of_reply(reply_id: int) -> int:
    # Safe to run twice: every address gets one outbox row per reply (its dedupe key).
    return notify_signers_of_reply(reply_id)
