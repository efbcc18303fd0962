"""Bulk invalidation, run batch by batch, and taken up again when its task was lost."""

from __future__ import annotations

from celery import shared_task

from campaign.extensions import db
from campaign.moderation.invalidation import (
    invalidate_next_batch,
    resume_unfinished_invalidations,
)
from campaign.queue import INVALIDATE_SIGNATURES_TASK, RESUME_INVALIDATIONS_TASK


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
