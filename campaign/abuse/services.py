"""Whether a submission is held as suspected instead of being sent its confirmation,
and holding it.

A held signature is stored, not counted and not mailed, and the signer is shown the
same page as anyone else: whoever is blocked learns nothing from our answer.
"""

from __future__ import annotations

from typing import Any

from campaign.abuse.clients import client_address
from campaign.abuse.lists import is_blocked
from campaign.database import insert_unless_present
from campaign.extensions import db
from campaign.signing.models import (
    HoldReason,
    IndividualSignature,
    IndividualStatus,
    OrganizationSignature,
    OrganizationStatus,
)


def hold_reason_for(statement_id: int, *, email: str | None,
                    address: str | None = None) -> HoldReason | None:
    """Why a submission to the statement with this (normalized) e-mail, from this client
    address (the current request's by default), is to be held; None if it is not."""
    if is_blocked(statement_id, email=email,
                  address=address if address is not None else client_address()):
        return HoldReason.BLOCK_LIST
    return None


def hold_signature(model: type[IndividualSignature] | type[OrganizationSignature],
                   identity: dict[str, Any], details: dict[str, Any],
                   reason: HoldReason) -> None:
    """Store a new signature as suspected, with no confirmation link. One that exists
    already is left as it is: a held submission changes nothing and mails nobody."""
    status = (IndividualStatus.SUSPECTED if model is IndividualSignature
              else OrganizationStatus.SUSPECTED)
    db.session.execute(
        insert_unless_present(model, identity)
        .values(**identity, **details, status=status, hold_reason=reason))
