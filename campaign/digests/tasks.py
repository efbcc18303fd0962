"""Daily digests to coordinators, and milestone announcements."""

from __future__ import annotations

from celery import shared_task

from campaign.database import utcnow
from campaign.digests import deadlines
from campaign.digests import services as digests
from campaign.extensions import db
from campaign.queue import (
    ANNOUNCE_MILESTONES_TASK,
    CLOSE_STATEMENTS_PAST_DEADLINE_TASK,
    SEND_DIGESTS_TASK,
)


@shared_task(name=SEND_DIGESTS_TASK)
def send_digests() -> int:
    # Safe to run as often as wanted: each digest is noted (DigestSent) first.
    sent = digests.send_due_digests(now=utcnow())
    db.session.commit()
    return sent


@shared_task(name=ANNOUNCE_MILESTONES_TASK)
def announce_milestones() -> int:
    # Safe to run twice: each milestone is noted (MilestoneReached) first.
    announced = digests.announce_milestones()
    db.session.commit()
    return announced


@shared_task(name=CLOSE_STATEMENTS_PAST_DEADLINE_TASK)
def close_statements_past_deadline() -> int:
    # Safe to run twice: only published statements are closed, each once.
    closed = deadlines.close_statements_past_deadline(now=utcnow())
    db.session.commit()
    return closed
