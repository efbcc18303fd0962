"""The retention sweeps, hourly (see worker.beat)."""

from __future__ import annotations

from celery import shared_task

from campaign.accounts.services import delete_closed_invitations
from campaign.database import utcnow
from campaign.extensions import db
from campaign.privacy import services as retention
from campaign.queue import DELETE_EXPIRED_UNCONFIRMED_TASK, ERASE_ADDRESSES_AFTER_CLOSE_TASK
from campaign.signing.logos import remove_orphan_logos


@shared_task(name=DELETE_EXPIRED_UNCONFIRMED_TASK)
def delete_expired_unconfirmed() -> dict[str, int]:
    now = utcnow()
    report = retention.delete_expired_unconfirmed(now=now)
    # The same hourly sweep clears what the abuse defences kept of old signatures' clients,
    # and the addresses of invitations that were never taken up.
    retention.clear_client_data(now=now)
    delete_closed_invitations(now)
    db.session.commit()
    # And, once the deletions are committed, the logos no signature names any more.
    remove_orphan_logos(now=now)
    return {"individuals": report.individuals, "organizations": report.organizations}


@shared_task(name=ERASE_ADDRESSES_AFTER_CLOSE_TASK)
def erase_addresses_after_close() -> int:
    report = retention.erase_addresses_after_close(now=utcnow())
    db.session.commit()
    return report.individuals
