"""Mailing a published update to its signers, and taking up fan-outs that stopped."""

from __future__ import annotations

from celery import shared_task

from campaign.extensions import db
from campaign.outbox.tasks import fan_out
from campaign.queue import FAN_OUT_UPDATE_TASK, RESUME_UPDATE_FAN_OUTS_TASK
from campaign.updates.services import finish_fan_out, resume_unfinished_fan_outs, start_fan_out


def fan_out_update(update_id: int) -> int:
    """Write one outbox row per recipient of a published update and hand them to
    delivery; returns how many new rows were written. Commits recipients_total
    first, then each batch, then fanned_out_at."""
    batches = start_fan_out(update_id)
    if batches is None:
        return 0
    db.session.commit()
    queued = fan_out(batches)
    finish_fan_out(update_id)
    db.session.commit()
    return queued


@shared_task(name=FAN_OUT_UPDATE_TASK)
def fan_out_update_task(update_id: int) -> int:
    # Safe to run twice or after a kill: every signature gets one row per update.
    return fan_out_update(update_id)


@shared_task(name=RESUME_UPDATE_FAN_OUTS_TASK)
def resume_update_fan_outs() -> list[int]:
    return resume_unfinished_fan_outs()
