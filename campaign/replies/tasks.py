"""Telling signers of a published reply."""

from __future__ import annotations

from celery import shared_task

from campaign.outbox.tasks import fan_out
from campaign.queue import NOTIFY_SIGNERS_OF_REPLY_TASK
from campaign.replies.services import reply_notification_batches


def notify_signers_of_reply(reply_id: int) -> int:
    """E-mail every recipient of a published reply who has not had this e-mail yet,
    committing batch by batch; returns how many new e-mails were queued."""
    return fan_out(reply_notification_batches(reply_id))


@shared_task(name=NOTIFY_SIGNERS_OF_REPLY_TASK)
def tell_signers_of_reply(reply_id: int) -> int:
    # Safe to run twice: every address gets one outbox row per reply (its dedupe key).
    return notify_signers_of_reply(reply_id)
