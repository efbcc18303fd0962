"""Peak memory of the streamed CSV export and of an update's fan-out, by size.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/undersigned_bench \
        .venv/bin/python bench/streaming_memory.py [--export-counts 1000 10000 1000000] \
        [--fanout-counts 1000 10000 100000] [--check]

One fresh PostgreSQL database (see harness.py; its `public` schema is dropped), built
by the migrations. For each count, a statement of its own and that many confirmed
signatures, made by PostgreSQL itself with one INSERT … SELECT generate_series, then,
in this process:
- CSV export: the individuals' export streamed as its view streams it
  (`csv_lines(INDIVIDUAL_COLUMNS, individual_rows(id))` under `stream_with_context`,
  in a request context), every line encoded and counted, nothing kept;
- update fan-out: one published update fanned out by the service the Celery task
  calls. The ids handed to the delivery task are counted, not published to a broker
  (an in-memory broker would hold them all and measure itself).

Memory is the tracemalloc peak (Python allocations) and the growth of the process's
peak RSS (getrusage maxrss; it also sees what libpq holds, which tracemalloc does not)
during that work only. The last column is the peak's growth over the smallest count of
the same subject; with --check the exit status is 1 unless it stays within 5 MiB.
Seconds are wall time with tracemalloc on, which slows Python down several times.
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness
from flask import Flask, stream_with_context
from sqlalchemy import create_engine, func, make_url, select, text

from campaign.database import utcnow
from campaign.exports.services import BATCH_SIZE as EXPORT_BATCH_SIZE
from campaign.exports.services import INDIVIDUAL_COLUMNS, csv_lines, individual_rows
from campaign.extensions import db
from campaign.outbox import delivery
from campaign.outbox.models import OutboxMessage
from campaign.updates.models import Update, UpdateStatus
from campaign.updates.services import FAN_OUT_BATCH
from campaign.updates.tasks import fan_out_update

EXPORT = "CSV export"
FAN_OUT = "update fan-out"
CONSTANT_WITHIN_MIB = 5.0
# A whole batch of each (1,000 rows read at a time by both), so that the heap a batch
# needs is already there when the smallest count is measured.
WARM_UP_SIGNERS = max(EXPORT_BATCH_SIZE, FAN_OUT_BATCH)

# Names in two scripts, and every thousandth one starting with "=", so that the
# measured export also encodes non-ASCII text and escapes would-be formulas.
# Half want updates: the export then writes the e-mail of some rows and not of others.
EXPORT_SIGNERS = text(
    "INSERT INTO individual_signature (statement_id, name, email, email_key, link_secret, "
    "  country, name_display, wants_updates, status, confirmed_at, created_at) "
    "SELECT :statement_id, "
    "  CASE WHEN n % 1000 = 0 THEN '=' ELSE '' END "
    "    || (ARRAY['Олена Коваленко', 'Jan Kowalski'])[1 + n % 2] || ' ' || n, "
    "  'signer' || n || '@example.org', 'signer' || n || '@example.org', "
    "  replace(gen_random_uuid()::text, '-', ''), (ARRAY['UA', 'PL', 'DE', 'GB'])[1 + n % 4], "
    "  (ARRAY['full', 'first_name_and_initial', 'hidden'])[1 + n % 3], n % 2 = 0, "
    "  'confirmed', "
    # The column is a UTC timestamp without zone (UTCDateTime); now() is in the
    # session's zone.
    "  (now() AT TIME ZONE 'UTC') - make_interval(secs => :count - n), "
    "  now() AT TIME ZONE 'UTC' "
    "FROM generate_series(1, :count) AS n")


@dataclass(frozen=True)
class Result:
    subject: str
    count: int
    rows: int
    tracemalloc_peak: int
    maxrss_growth_kib: int
    seconds: float
    output_bytes: int = 0

    @property
    def peak_mib(self) -> float:
        return self.tracemalloc_peak / 2**20

    @property
    def maxrss_growth_mib(self) -> float:
        return self.maxrss_growth_kib / 1024


@dataclass(frozen=True)
class Measured:
    value: tuple[int, int]
    tracemalloc_peak: int
    maxrss_growth_kib: int
    seconds: float


def _maxrss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _reset_peak_rss() -> bool:
    """Lower the process's peak RSS to its current RSS (Linux 4.0+), so that a run
    after a bigger one still shows its own growth instead of 0."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


def measure(work: Callable[[], tuple[int, int]]) -> Measured:
    gc.collect()
    _reset_peak_rss()
    rss_before = _maxrss_kib()
    tracemalloc.start()
    started = time.perf_counter()
    try:
        value = work()
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return Measured(value, peak, _maxrss_kib() - rss_before, seconds)


def add_export_signers(url: str, statement_id: int, count: int) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(EXPORT_SIGNERS, {"statement_id": statement_id, "count": count})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE individual_signature"))
    engine.dispose()


def stream_export(app: Flask, statement_id: int) -> tuple[int, int]:
    """The export's data rows and its bytes as sent (UTF-8, as Werkzeug encodes them)."""
    # The view records the export before streaming; that is one row, not part of what
    # grows with the signatures, and it needs a signed-in coordinator.
    with app.app_context(), app.test_request_context():
        lines = size = 0
        for line in stream_with_context(
                csv_lines(INDIVIDUAL_COLUMNS, individual_rows(statement_id))):
            lines += 1
            size += len(line.encode())
        db.session.remove()
    # csv_lines yields the header and then one line per row.
    return lines - 1, size


def publish_update(app: Flask, statement_id: int) -> int:
    with app.app_context():
        update = Update(statement_id=statement_id, title="News", body_markdown="Text.",
                        status=UpdateStatus.PUBLISHED, published_at=utcnow())
        db.session.add(update)
        db.session.commit()
        update_id = update.id
        db.session.remove()
    return update_id


def run_fan_out(app: Flask, update_id: int) -> tuple[int, int]:
    """Rows written, as the service counts them, and ids handed to delivery."""
    handed = 0

    def count_handed(task: str, args_list: list) -> None:
        nonlocal handed
        handed += sum(len(ids) for (ids,) in args_list)

    original_enqueue, delivery.enqueue = delivery.enqueue, count_handed  # type: ignore[assignment]
    try:
        with app.app_context():
            written = fan_out_update(update_id)
            db.session.remove()
    finally:
        delivery.enqueue = original_enqueue  # type: ignore[assignment]
    return written, handed


def outbox_rows(app: Flask, update_id: int) -> int:
    with app.app_context():
        rows = db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.update_id == update_id))
        db.session.remove()
    return rows or 0


def warm_up(app: Flask, url: str, statement_id: int) -> None:
    """Export and fan out a batch once, measured the same way and thrown away:
    compiling the queries, the imports done on first use and the first growth of the
    heap (and of tracemalloc's own tables) would otherwise count against the smallest
    size."""
    harness.add_confirmed_signers(statement_id, WARM_UP_SIGNERS, url)
    measure(lambda: stream_export(app, statement_id))
    update_id = publish_update(app, statement_id)
    measure(lambda: run_fan_out(app, update_id))


def export_result(app: Flask, url: str, count: int) -> Result:
    statement_id = harness.import_statement(f"export-{count}", url)
    add_export_signers(url, statement_id, count)
    measured = measure(lambda: stream_export(app, statement_id))
    rows, size = measured.value
    if rows != count:
        sys.exit(f"{EXPORT}: {rows:,} data rows for {count:,} confirmed signatures")
    return Result(EXPORT, count, rows, measured.tracemalloc_peak, measured.maxrss_growth_kib,
                  measured.seconds, size)


def fan_out_result(app: Flask, url: str, count: int) -> Result:
    statement_id = harness.import_statement(f"fan-out-{count}", url)
    harness.add_confirmed_signers(statement_id, count, url)
    update_id = publish_update(app, statement_id)
    measured = measure(lambda: run_fan_out(app, update_id))
    written, handed = measured.value
    rows = outbox_rows(app, update_id)
    if not written == handed == rows == count:
        sys.exit(f"{FAN_OUT}: {written:,} rows written, {handed:,} ids handed to delivery, "
                 f"{rows:,} outbox rows, for {count:,} recipients")
    return Result(FAN_OUT, count, rows, measured.tracemalloc_peak, measured.maxrss_growth_kib,
                  measured.seconds)


def growth_over_smallest(result: Result, results: list[Result]) -> float:
    smallest = min((other for other in results if other.subject == result.subject),
                   key=lambda other: other.count)
    return (result.tracemalloc_peak - smallest.tracemalloc_peak) / 2**20


def report(results: list[Result], url: str, rss_reset: bool) -> bool:
    """Print the table and a verdict per subject; whether every subject is constant."""
    print(f"database: {make_url(url).render_as_string(hide_password=True).split('@')[-1]}")
    if not rss_reset:
        print("maxrss growth: over the process's earlier peak (/proc/self/clear_refs is not "
              "writable), so a run after a bigger one shows little or none")
    harness.print_table(
        ("subject", "count", "rows", "tracemalloc peak MiB", "maxrss growth MiB", "seconds",
         "growth over smallest MiB"),
        [(result.subject, result.count, result.rows, result.peak_mib, result.maxrss_growth_mib,
          result.seconds, growth_over_smallest(result, results)) for result in results])
    constant = True
    for subject in dict.fromkeys(result.subject for result in results):
        runs = sorted((result for result in results if result.subject == subject),
                      key=lambda result: result.count)
        growth = max(growth_over_smallest(result, results) for result in runs)
        within = growth <= CONSTANT_WITHIN_MIB
        constant = constant and within
        verdict = "constant" if within else "NOT constant"
        rss = max(result.maxrss_growth_mib for result in runs)
        print(f"{subject}: {verdict} within {CONSTANT_WITHIN_MIB:g} MiB (peak "
              f"{runs[0].peak_mib:,.1f} MiB at {runs[0].count:,}, {runs[-1].peak_mib:,.1f} "
              f"MiB at {runs[-1].count:,}; growth {growth:+,.1f} MiB; maxrss growth at most "
              f"{rss:,.1f} MiB)")
    for result in results:
        if result.output_bytes:
            print(f"{result.subject} of {result.count:,}: {result.output_bytes / 2**20:,.1f} "
                  f"MiB of CSV streamed")
    return constant


def main(argv: list[str] | None = None) -> list[Result]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--export-counts", nargs="*", type=int, default=[1000, 10000, 1000000],
                        metavar="N", help="signatures to export (default 1,000 10,000 1,000,000)")
    parser.add_argument("--fanout-counts", nargs="*", type=int, default=[1000, 10000, 100000],
                        metavar="N", help="recipients of an update (default 1,000 10,000 100,000)")
    parser.add_argument("--check", action="store_true",
                        help=f"exit 1 unless each peak stays within {CONSTANT_WITHIN_MIB:g} MiB "
                             "of the smallest count's")
    args = parser.parse_args(argv)
    url = harness.DATABASE_URL
    if make_url(url).get_backend_name() != "postgresql":
        sys.exit("streaming_memory.py needs PostgreSQL (a server-side cursor is what it "
                 f"measures): set BENCH_DATABASE_URL to a PostgreSQL database; it is {url}")

    harness.fresh_database(url)
    warm_up_statement = harness.migrate_and_import(url)
    app = harness.in_process_app(url)
    warm_up(app, url, warm_up_statement)
    rss_reset = _reset_peak_rss()
    results = [export_result(app, url, count) for count in sorted(args.export_counts)]
    results += [fan_out_result(app, url, count) for count in sorted(args.fanout_counts)]
    with app.app_context():
        db.engine.dispose()

    constant = report(results, url, rss_reset)
    if args.check and not constant:
        sys.exit(1)
    return results


if __name__ == "__main__":
    main()
