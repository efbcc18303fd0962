"""Mail to many (a reply announced, an update published), streamed and deduplicated.

Recipients are read on a connection of their own (a server-side cursor on PostgreSQL
would close at the first commit of the session's) `batch_size` rows at a time, so a
fan-out to 100,000 holds one batch in memory. Each batch's outbox rows are inserted
with INSERT … ON CONFLICT DO NOTHING on their dedupe key, and must be committed
before their ids go to the delivery task: a run that stops halfway keeps what it
wrote, and a second run, a retry or a restart skips every recipient that already has
its row. A fan-out in one transaction would hold every row, and lose them all, until
its end.

The commits follow the project's one convention: services never commit; the view or
the task that called them does. Work that is several transactions by nature is a
loop in the task over service calls that each do one step, and the task commits after
each: here `new_rows_in_batches` yields each batch's ids uncommitted, and the loop
(campaign.outbox.tasks.fan_out, which the updates' and replies' tasks run) commits
the batch and hands it to delivery before asking for the next. Delivery's claim, send
and record are likewise steps in campaign.outbox.delivery, looped and committed by
campaign.outbox.tasks. tests/test_architecture.py holds every other module to it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Executable, Row

from campaign.database import READ_ONLY, insert_unless_present, utcnow
from campaign.extensions import db
from campaign.outbox.models import OutboxMessage


def insert_new_outbox_rows(rows: Iterable[dict[str, Any]]) -> list[int]:
    """Insert the rows whose dedupe key is not in the outbox yet; the ids written."""
    by_key: dict[str, dict[str, Any]] = {}
    for row in rows:
        by_key.setdefault(row["dedupe_key"], row)
    if not by_key:
        return []
    # Given as a list of parameters, not as .values(rows): the statement is compiled
    # once and cached, and SQLAlchemy sends the rows in multi-row batches
    # ("insertmanyvalues"); a VALUES clause of 1,000 rows would be compiled anew
    # for every batch, which cost most of a fan-out's time.
    statement = (insert_unless_present(OutboxMessage.__table__, ["dedupe_key"])
                 .returning(OutboxMessage.id))
    # The fan-out hands its rows to delivery itself, batch by batch: the relay
    # leaves them be unless their tasks are lost.
    queued_at = utcnow()
    rows = [{**row, "queued_at": queued_at} for row in by_key.values()]
    return list(db.session.connection().execute(statement, rows).scalars())


def new_rows_in_batches(
        recipients: Executable,
        rows_for: Callable[[Sequence[Row[Any]]], Iterable[dict[str, Any]]], *,
        batch_size: int) -> Iterator[list[int]]:
    """Write the outbox rows `rows_for` makes of each batch of `recipients`, yielding
    the ids of each batch's new rows in the session, uncommitted: the caller commits
    them (and hands them to delivery) before taking the next batch."""
    with db.engine.connect() as reader:
        # A deferred transaction on SQLite, which holds no lock against the writes.
        reader.execution_options(**{READ_ONLY: True})
        result = reader.execute(recipients.execution_options(yield_per=batch_size))
        for batch in result.partitions():
            yield insert_new_outbox_rows(rows_for(batch))
