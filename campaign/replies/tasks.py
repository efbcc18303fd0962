"""Telling signers of a published reply."""

from __future__ import annotations

from celery import shared_task

from campaign.queue import NOTIFY_SIGNERS_OF_REPLY_TASK
from campaign.replies.services import notify_signers_of_reply


@shared_task(name=NOTIFY_SIGNERS_OF_REPLY_TASK)
def tell_signers_of_reply(reply_id: int) -> int:
    # Safe to run twice: every address gets one outbox row per reply (its dedupe key).
    return notify_signers_of_reply(reply_id)
