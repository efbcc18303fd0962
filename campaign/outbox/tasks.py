"""The outbox's tasks: delivering one message, and the relay that hands due ones over."""

from __future__ import annotations

from celery import shared_task

from campaign.outbox.delivery import deliver_message, relay_due_messages
from campaign.queue import (
    DELIVER_EMAIL_TASK,
    PURGE_BROKER_TASK,
    RELAY_OUTBOX_TASK,
    purge_consumed_broker_messages,
)


@shared_task(name=DELIVER_EMAIL_TASK)
def deliver_email(message_id: int) -> str:
    # A failed send is recorded on the row with its next attempt time; the relay
    # retries it then, so no retry is held in a worker's memory.
    return deliver_message(message_id).value


@shared_task(name=RELAY_OUTBOX_TASK)
def relay_outbox() -> int:
    return relay_due_messages()


@shared_task(name=PURGE_BROKER_TASK)
def purge_broker_messages() -> int:
    return purge_consumed_broker_messages()
