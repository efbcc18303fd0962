"""Mailing a published update to its signers, and taking up fan-outs that stopped."""

from __future__ import annotations

from celery import shared_task

from campaign.queue import FAN_OUT_UPDATE_TASK, RESUME_UPDATE_FAN_OUTS_TASK
from campaign.updates.services import fan_out_update, resume_unfinished_fan_outs


@shared_task(name=FAN_OUT_UPDATE_TASK)
def fan_out_update_task(update_id: int) -> int:
    # Safe to run twice or after a kill: every signature gets one row per update.
    return fan_out_update(update_id)


@shared_task(name=RESUME_UPDATE_FAN_OUTS_TASK)
def resume_update_fan_outs() -> list[int]:
    return resume_unfinished_fan_outs()
