"""How much memory and time an update's fan-out takes, by number of recipients.

    .venv/bin/python bench/fanout_memory.py 1000 100000
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/undersigned_bench \
        .venv/bin/python bench/fanout_memory.py 1000 100000

For each count: a fresh schema built by the migrations (on PostgreSQL the database's
`public` schema is dropped and made again: give it a database of its own; by default
a temporary SQLite file), that many confirmed signers who asked for updates inserted
in bulk, then one published update fanned out in this process by the same service
the Celery task calls. Delivery is not part of it: the ids handed to the delivery
task are counted, not published to a broker (an in-memory broker would hold them all
and measure itself). Memory is the fan-out's tracemalloc peak (Python allocations)
and the growth of the process's peak RSS (getrusage maxrss) during the fan-out;
seconds are wall time with tracemalloc on, which slows Python down.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, insert, select, text

from campaign import create_app
from campaign.config import celery_settings
from campaign.database import utcnow
from campaign.extensions import db
from campaign.outbox import fanout
from campaign.outbox.models import OutboxMessage
from campaign.signing.models import (
    IndividualSignature,
    IndividualStatus,
    NameDisplay,
)
from campaign.statements.importer import parse_statement
from campaign.statements.services import create_statement_from_text
from campaign.updates.models import Update, UpdateStatus
from campaign.updates.services import fan_out_update

EXAMPLE = Path(__file__).resolve().parent.parent / "campaign/demo/crimea-statement-2020.txt"
INSERT_CHUNK = 5000


@dataclass
class Result:
    recipients: int
    outbox_rows: int
    tracemalloc_peak: int
    maxrss_growth_kib: int
    seconds: float


def fresh_schema(url: str) -> None:
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()


def add_signers(statement_id: int, count: int) -> None:
    now = utcnow()
    for start in range(0, count, INSERT_CHUNK):
        db.session.execute(insert(IndividualSignature), [{
            "statement_id": statement_id, "name": f"Signer {n}",
            "email": f"signer{n}@example.org", "country": "UA",
            "name_display": NameDisplay.FULL, "wants_updates": True,
            "status": IndividualStatus.CONFIRMED, "confirmed_at": now, "created_at": now,
        } for n in range(start, min(start + INSERT_CHUNK, count))])
        db.session.commit()


def run(url: str, count: int) -> Result:
    fresh_schema(url)
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "SERVER_NAME": "bench.test",
        "MAIL_BACKEND": "file", "MAIL_FILE_DIR": tempfile.mkdtemp(),
        "CELERY": celery_settings("memory://"),
    })
    handed = 0

    def count_handed(task: str, args_list: list) -> None:
        nonlocal handed
        handed += len(args_list)

    original_enqueue, fanout.enqueue = fanout.enqueue, count_handed  # type: ignore[assignment]
    try:
        return _measure(app, count, lambda: handed)
    finally:
        fanout.enqueue = original_enqueue  # type: ignore[assignment]


def _measure(app: Flask, count: int, handed: Callable[[], int]) -> Result:
    with app.app_context():
        upgrade()
        statement = create_statement_from_text(
            parse_statement(EXAMPLE.read_text(encoding="utf-8")), slug="bench", publish=True)
        db.session.commit()
        add_signers(statement.id, count)
        update = Update(statement_id=statement.id, title="News", body_markdown="Text.",
                        status=UpdateStatus.PUBLISHED, published_at=utcnow())
        db.session.add(update)
        db.session.commit()
        update_id = update.id
        db.session.remove()

        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        tracemalloc.start()
        started = time.perf_counter()
        written = fan_out_update(update_id)
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before

        rows = db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.update_id == update_id))
        assert written == rows == handed() == count, (written, rows, handed(), count)
        db.session.remove()
        db.engine.dispose()
    return Result(count, rows, peak, rss_growth, seconds)


def main(argv: list[str] | None = None) -> list[Result]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("counts", nargs="*", type=int, default=[1000, 100000])
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL")
    results = []
    with tempfile.TemporaryDirectory() as directory:
        for count in args.counts:
            target = url or f"sqlite:///{Path(directory) / f'bench-{count}.sqlite'}"
            results.append(run(target, count))
    shown = (url or "SQLite (temporary file)").split("@")[-1]
    print(f"database: {shown}")
    print(f"{'recipients':>10}  {'tracemalloc peak':>16}  {'maxrss growth':>13}  "
          f"{'seconds':>8}")
    for result in results:
        print(f"{result.recipients:>10,}  {result.tracemalloc_peak / 2**20:>13.1f} MiB  "
              f"{result.maxrss_growth_kib / 1024:>9.1f} MiB  {result.seconds:>8.2f}")
    return results


if __name__ == "__main__":
    main()
