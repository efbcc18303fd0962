"""What runs on a schedule."""

from __future__ import annotations

from typing import Any

from celery.schedules import crontab

from campaign.queue import (
    ANNOUNCE_MILESTONES_TASK,
    ANSWER_MAIL_REQUESTS_TASK,
    CLOSE_STATEMENTS_PAST_DEADLINE_TASK,
    DELETE_EXPIRED_UNCONFIRMED_TASK,
    ERASE_ADDRESSES_AFTER_CLOSE_TASK,
    PURGE_BROKER_TASK,
    RELAY_OUTBOX_TASK,
    RESUME_INVALIDATIONS_TASK,
    RESUME_UPDATE_FAN_OUTS_TASK,
    SEND_DIGESTS_TASK,
)


def beat_schedule(config: Any) -> dict[str, dict[str, Any]]:
    schedule: dict[str, dict[str, Any]] = {
        # Every e-mail reaches the delivery task this way: new ones, those due for a
        # retry, and those whose task was lost.
        "relay-outbox": {"task": RELAY_OUTBOX_TASK,
                         "schedule": float(config["OUTBOX_RELAY_SECONDS"])},
        # "Send me my link" and forgotten passwords: the requests only write the
        # address down (campaign.outbox.requests), so they are answered from here.
        "answer-mail-requests": {"task": ANSWER_MAIL_REQUESTS_TASK,
                                 "schedule": float(config["OUTBOX_RELAY_SECONDS"])},
        # Fan-outs of published updates whose task was lost or whose worker died.
        "resume-update-fan-outs": {"task": RESUME_UPDATE_FAN_OUTS_TASK, "schedule": 120.0},
        # Bulk invalidations likewise.
        "resume-invalidations": {"task": RESUME_INVALIDATIONS_TASK, "schedule": 120.0},
        # Personal data kept no longer than needed (campaign.privacy.services).
        "delete-expired-unconfirmed": {"task": DELETE_EXPIRED_UNCONFIRMED_TASK,
                                       "schedule": 3600.0},
        "erase-addresses-after-close": {"task": ERASE_ADDRESSES_AFTER_CLOSE_TASK,
                                        "schedule": 3600.0},
        # Each coordinator's digest goes at the first run at or after their hour (a few
        # minutes late at most); DigestSent keeps it to one a day.
        "send-digests": {"task": SEND_DIGESTS_TASK, "schedule": crontab(minute="*/15")},
        "announce-milestones": {"task": ANNOUNCE_MILESTONES_TASK, "schedule": 60.0},
        # Signing already stops at the deadline (the signing path compares it); this
        # makes the statement closed, and tells its coordinators.
        "close-statements-past-deadline": {"task": CLOSE_STATEMENTS_PAST_DEADLINE_TASK,
                                           "schedule": 60.0},
    }
    if config["CELERY"]["broker_url"].startswith("sqla+"):
        schedule["purge-consumed-broker-messages"] = {"task": PURGE_BROKER_TASK,
                                                      "schedule": 3600.0}
    return schedule
