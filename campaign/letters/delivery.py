"""Where a statement was delivered: each addressee a letter reached (sent by e-mail,
or marked delivered by hand), and when it first did. The public page of a closed
statement says so."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from campaign.extensions import db
from campaign.letters.models import DELIVERED_STATUSES, Letter
from campaign.statements.models import Addressee


@dataclass(frozen=True)
class Delivery:
    addressee: str
    delivered_at: datetime


def deliveries(statement_id: int) -> list[Delivery]:
    first = func.min(Letter.sent_at)
    return [Delivery(name, delivered_at) for name, delivered_at in db.session.execute(
        select(Addressee.name, first)
        .join(Letter, Letter.addressee_id == Addressee.id)
        .where(Letter.statement_id == statement_id, Letter.status.in_(DELIVERED_STATUSES),
               Letter.sent_at.is_not(None))
        .group_by(Addressee.id, Addressee.name)
        .order_by(first, Addressee.name))]
