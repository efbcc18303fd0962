"""Celery tasks. They take ids, call services, and hold no rules of their own."""

from __future__ import annotations

from celery import shared_task

from campaign import digests, retention
from campaign.abuse.invalidation import invalidate_next_batch, resume_unfinished_invalidations
from campaign.database import utcnow
from campaign.extensions import db
from campaign.letters.replies import notify_signers_of_reply
from campaign.outbox.delivery import deliver_message, relay_due_messages
from campaign.queue import (
    ANNOUNCE_MILESTONES_TASK,
    DELETE_EXPIRED_UNCONFIRMED_TASK,
    DELIVER_EMAIL_TASK,
    ERASE_ADDRESSES_AFTER_CLOSE_TASK,
    FAN_OUT_UPDATE_TASK,
    INVALIDATE_SIGNATURES_TASK,
    NOTIFY_SIGNERS_OF_REPLY_TASK,
    PURGE_BROKER_TASK,
    RELAY_OUTBOX_TASK,
    RESUME_INVALIDATIONS_TASK,
    RESUME_UPDATE_FAN_OUTS_TASK,
    SEND_DIGESTS_TASK,
    purge_consumed_broker_messages,
)
from campaign.updates.services import fan_out_update, resume_unfinished_fan_outs


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


@shared_task(name=NOTIFY_SIGNERS_OF_REPLY_TASK)
def tell_signers_of_reply(reply_id: int) -> int:
    # Safe to run twice: every address gets one outbox row per reply (its dedupe key).
    return notify_signers_of_reply(reply_id)


@shared_task(name=FAN_OUT_UPDATE_TASK)
def fan_out_update_task(update_id: int) -> int:
    # Safe to run twice or after a kill: every signature gets one row per update.
    return fan_out_update(update_id)


@shared_task(name=RESUME_UPDATE_FAN_OUTS_TASK)
def resume_update_fan_outs() -> list[int]:
    return resume_unfinished_fan_outs()


@shared_task(name=DELETE_EXPIRED_UNCONFIRMED_TASK)
def delete_expired_unconfirmed() -> dict[str, int]:
    now = utcnow()
    report = retention.delete_expired_unconfirmed(now=now)
    # The same hourly sweep clears what the abuse defences kept of old signatures' clients.
    retention.clear_client_data(now=now)
    db.session.commit()
    return {"individuals": report.individuals, "organizations": report.organizations}


@shared_task(name=ERASE_ADDRESSES_AFTER_CLOSE_TASK)
def erase_addresses_after_close() -> int:
    report = retention.erase_addresses_after_close(now=utcnow())
    db.session.commit()
    return report.individuals


@shared_task(name=SEND_DIGESTS_TASK)
def send_digests() -> int:
    # Safe to run several times in the hour: each digest is noted (DigestSent) first.
    sent = digests.send_due_digests(now=utcnow())
    db.session.commit()
    return sent


@shared_task(name=ANNOUNCE_MILESTONES_TASK)
def announce_milestones() -> int:
    # Safe to run twice: each milestone is noted (MilestoneReached) first.
    announced = digests.announce_milestones()
    db.session.commit()
    return announced


@shared_task(name=INVALIDATE_SIGNATURES_TASK)
def invalidate_signatures(invalidation_id: int) -> None:
    # A commit per batch: the page shows the progress, and a killed run, started
    # again, goes on where it stopped.
    while invalidate_next_batch(invalidation_id):
        db.session.commit()
    db.session.commit()


@shared_task(name=RESUME_INVALIDATIONS_TASK)
def resume_invalidations() -> list[int]:
    return resume_unfinished_invalidations()
