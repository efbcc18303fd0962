"""What runs on a schedule."""

from __future__ import annotations

from typing import Any

from campaign.queue import PURGE_BROKER_TASK, SWEEP_OUTBOX_TASK


def beat_schedule(config: Any) -> dict[str, dict[str, Any]]:
    schedule: dict[str, dict[str, Any]] = {
        # Mail that was never published (broker down) or is due for a retry.
        "sweep-outbox": {"task": SWEEP_OUTBOX_TASK,
                         "schedule": float(config["OUTBOX_SWEEP_SECONDS"])},
    }
    if config["CELERY"]["broker_url"].startswith("sqla+"):
        schedule["purge-consumed-broker-messages"] = {"task": PURGE_BROKER_TASK,
                                                      "schedule": 3600.0}
    return schedule
