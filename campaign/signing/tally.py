"""Signature counts, kept rather than counted.

The statement page and the API must not run COUNT(*) over signatures per request, and
a single counter row updated by every confirmation becomes the hot row that stalled
the UK Parliament's petitions site: each "+1" locks the row until its transaction
ends, so concurrent signers queue behind one another and block the page's readers.
We keep the counts in shards instead: each change adds to one of SHARDS rows picked at
random, so concurrent confirmations rarely touch the same row, and a read sums a
fixed, small number of rows through the primary key, whatever the number of
signatures. Changes happen in the transaction of the change they count, so the count
is never off by a signature that was or was not committed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import func, select, update

from campaign.extensions import db
from campaign.signing.models import SignatureTally, TallyKind
from campaign.statements.models import Statement

SHARDS = 16


@dataclass(frozen=True)
class Counts:
    organizations: int = 0
    individuals: int = 0


def create_tally(statement: Statement) -> None:
    for kind in TallyKind:
        for shard in range(SHARDS):
            db.session.add(SignatureTally(statement=statement, kind=kind, shard=shard, count=0))


def add_to_tally(statement_id: int, kind: TallyKind, delta: int = 1) -> None:
    db.session.execute(
        update(SignatureTally)
        .where(SignatureTally.statement_id == statement_id, SignatureTally.kind == kind,
               SignatureTally.shard == random.randrange(SHARDS))
        .values(count=SignatureTally.count + delta)
        .execution_options(synchronize_session=False)
    )


def read_counts(statement_id: int) -> Counts:
    totals = dict(db.session.execute(
        select(SignatureTally.kind, func.sum(SignatureTally.count))
        .where(SignatureTally.statement_id == statement_id)
        .group_by(SignatureTally.kind)
    ).all())
    return Counts(
        organizations=int(totals.get(TallyKind.ORGANIZATIONS) or 0),
        individuals=int(totals.get(TallyKind.INDIVIDUALS) or 0),
    )
