"""Mail throughput: an update fanned out to N opted-in signers by the real worker, and
delivered to a local SMTP server, every recipient exactly once.

    .venv/bin/python bench/mail_throughput.py [--signers 100000] [--concurrency 4] [--check]

On a fresh PostgreSQL database (see harness.py) the example statement gets N confirmed
signatures that asked for updates (made by PostgreSQL itself), and an update is
published. Then the product's own processes run, as in production, against the
benchmarks' Redis: `celery -A worker:celery_app worker` (prefork, --concurrency
processes) and `celery -A worker:celery_app beat` (its relay hands over again what
waits too long), with APP_ENV=production and MAIL_BACKEND=smtp pointed at an SMTP
server in this process (aiosmtpd) that counts what it accepts per recipient. Once the
worker is ready the script publishes the update's fan-out task, as publishing from the
workspace does, and the clock starts.

It polls until every outbox row of the update is sent, reading the worker's memory
(the RSS of its main process and its pool's processes, summed from /proc) at each
poll, and prints: e-mails delivered, duplicates, missing, seconds, the worker's RSS at
the start (ready, idle), its peak and at the end, the CPU time the worker's processes
spent per e-mail (a figure that other load on the machine does not change much, unlike
the rate), and e-mails per second; then the CPU time per e-mail of the worker, of the
PostgreSQL processes serving the database, and of this process (the sink, and two
queries every half second): on two cores, all of it counts against the rate; then
the RSS over time. It exits 1 when a recipient got no e-mail or more than one, and with
--check when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, create_engine, text

TARGET_PER_SECOND = 200.0
# The worker's memory must not grow with the fan-out's size: its RSS at the end may
# exceed the RSS it had once a fifth of the mail was out by at most this much.
TARGET_GROWTH_MIB = 16.0
CONCURRENCY = 4
MIB = 1024 * 1024


class Sink:
    """An SMTP handler that keeps only a count per recipient."""

    def __init__(self) -> None:
        self.copies: Counter[str] = Counter()
        self.messages = 0

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        for recipient in envelope.rcpt_tos:  # type: ignore[attr-defined]
            self.copies[recipient] += 1
        self.messages += 1
        return "250 OK"


@dataclass
class Sample:
    seconds: float
    delivered: int
    rss_mib: float


@dataclass
class Result:
    signers: int
    concurrency: int
    seconds: float
    delivered: int
    duplicates: int
    missing: int
    rows_sent: int
    worker_cpu_seconds: float
    # This process's: the SMTP sink, and the polling (a query every half second).
    sink_cpu_seconds: float
    database_cpu_seconds: float
    samples: list[Sample] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.delivered / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_email(self) -> float:
        return 1000 * self.worker_cpu_seconds / self.delivered if self.delivered else 0.0

    @property
    def sink_cpu_ms_per_email(self) -> float:
        return 1000 * self.sink_cpu_seconds / self.delivered if self.delivered else 0.0

    @property
    def database_cpu_ms_per_email(self) -> float:
        return 1000 * self.database_cpu_seconds / self.delivered if self.delivered else 0.0

    @property
    def rss_start(self) -> float:
        return self.samples[0].rss_mib

    @property
    def rss_peak(self) -> float:
        return max(sample.rss_mib for sample in self.samples)

    @property
    def rss_end(self) -> float:
        return self.samples[-1].rss_mib

    @property
    def rss_at_a_fifth(self) -> float:
        return next(sample.rss_mib for sample in self.samples
                    if sample.delivered >= self.signers / 5)


def process_tree(pid: int) -> list[int]:
    """A process and all its descendants (a prefork pool)."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        try:
            children = " ".join(path.read_text() for path in
                                Path(f"/proc/{current}/task").glob("*/children"))
        except OSError:
            continue
        found.append(current)
        pending += [int(child) for child in children.split()]
    return found


def process_tree_rss(pid: int) -> int:
    """The RSS in bytes of a process and all its descendants."""
    total = 0
    for each in process_tree(pid):
        try:
            status = Path(f"/proc/{each}/status").read_text()
        except OSError:
            continue
        total += next((int(line.split()[1]) * 1024 for line in status.splitlines()
                       if line.startswith("VmRSS:")), 0)
    return total


def process_cpu(pid: int) -> float | None:
    """CPU seconds (user and system) a process has used; None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_tree_cpu(pid: int) -> float:
    """CPU seconds a process and its descendants have used: on a machine others are
    using too, the worker's cost per e-mail, which its rate is not."""
    return sum(process_cpu(each) or 0.0 for each in process_tree(pid))


class DatabaseCpu:
    """The CPU time of the PostgreSQL server processes serving this database (read
    from /proc: the server runs on this machine), from the first reading on. Each
    reading keeps the last figure of every process it saw, so that a connection
    closed in between still counts; the server's own processes (WAL writer,
    checkpointer) are not counted, nor the benchmark's own connection."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.at_start: dict[int, float] | None = None
        self.seen: dict[int, float] = {}

    def read(self) -> None:
        with self.engine.connect() as connection:
            pids = connection.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()")).scalars().all()
        for pid in pids:
            if (cpu := process_cpu(pid)) is not None:
                self.seen[pid] = cpu
        if self.at_start is None:
            self.at_start = dict(self.seen)

    @property
    def seconds(self) -> float:
        start = self.at_start or {}
        return sum(cpu - start.get(pid, 0.0) for pid, cpu in self.seen.items())


def prepare(signers: int) -> int:
    """The database: the statement, its signers, and the update, published; the update's
    id. Its fan-out task is published later, to the worker."""
    from campaign.extensions import db
    from campaign.statements.models import Statement
    from campaign.updates.services import publish_update, write_update

    harness.fresh_database()
    statement_id = harness.migrate_and_import()
    harness.add_confirmed_signers(statement_id, signers)
    # The in-process app's broker is in memory: the task publish_update queues goes
    # nowhere, and the one the worker runs is published below, once it is ready.
    with harness.in_process_app().app_context():
        statement = db.session.get(Statement, statement_id)
        update = write_update(statement, "The letter was delivered",
                              "We delivered the letter **today**. Thank you for signing.",
                              by=None)
        db.session.flush()
        publish_update(update)
        db.session.commit()
        update_id = update.id
        db.engine.dispose()
    return update_id


def _worker_env(smtp_port: int) -> dict[str, str]:
    return {**harness.production_env(harness.free_port(), harness.ServerSettings()),
            "MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp_port),
            "MAIL_TIMEOUT": "20", "PYTHONUNBUFFERED": "1"}


@contextmanager
def celery_processes(smtp_port: int, concurrency: int, log_dir: Path) -> Iterator[int]:
    """The worker and beat, until the block ends; yields the worker's pid once it is
    ready for tasks."""
    # The broker is not emptied (its Redis database may not be ours alone): a task an
    # earlier run left there finds its rows sent or claimed, or nothing to claim.
    env = _worker_env(smtp_port)
    celery = [sys.executable, "-m", "celery", "-A", "worker:celery_app"]
    worker_log = log_dir / "worker.log"
    processes = []
    with open(worker_log, "wb") as worker_out, open(log_dir / "beat.log", "wb") as beat_out:
        worker = subprocess.Popen(
            [*celery, "worker", "--loglevel=INFO", f"--concurrency={concurrency}",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=harness.ROOT, env=env, stdout=worker_out, stderr=subprocess.STDOUT)
        processes.append(worker)
        try:
            deadline = time.monotonic() + 60
            while b" ready." not in worker_log.read_bytes():
                if worker.poll() is not None or time.monotonic() > deadline:
                    sys.exit(f"the worker did not start:\n{worker_log.read_text()}")
                time.sleep(0.2)
            processes.append(subprocess.Popen(
                [*celery, "beat", "--loglevel=WARNING",
                 f"--schedule={log_dir / 'celerybeat-schedule'}"],
                cwd=harness.ROOT, env=env, stdout=beat_out, stderr=subprocess.STDOUT))
            yield worker.pid
        finally:
            for process in reversed(processes):
                process.send_signal(signal.SIGTERM)
            for process in processes:
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def publish_fan_out(update_id: int) -> None:
    from campaign import create_app
    from campaign.config import celery_settings
    from campaign.queue import FAN_OUT_UPDATE_TASK, enqueue

    app = create_app({"SQLALCHEMY_DATABASE_URI": harness.DATABASE_URL, "SECRET_KEY": "bench",
                      "SERVER_NAME": "bench.test", "CELERY": celery_settings(harness.REDIS_URL)})
    with app.app_context():
        enqueue(FAN_OUT_UPDATE_TASK, [(update_id,)])


def outbox_counts(engine: Engine, update_id: int) -> dict[str, int]:
    with engine.connect() as connection:
        return dict(connection.execute(text(
            "SELECT status, count(*) FROM outbox_message WHERE update_id = :update_id "
            "GROUP BY status"), {"update_id": update_id}).all())


def run(signers: int, concurrency: int, timeout: float) -> Result:
    update_id = prepare(signers)
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=harness.free_port())
    controller.start()
    samples: list[Sample] = []
    engine = create_engine(harness.DATABASE_URL)
    try:
        with tempfile.TemporaryDirectory() as log_dir, \
                celery_processes(controller.port, concurrency, Path(log_dir)) as worker_pid:
            samples.append(Sample(0.0, 0, process_tree_rss(worker_pid) / MIB))
            cpu_at_start = process_tree_cpu(worker_pid)
            database_cpu = DatabaseCpu(engine)
            database_cpu.read()
            publish_fan_out(update_id)
            sink_cpu_at_start = time.process_time()
            started = time.monotonic()
            deadline = started + timeout
            while True:
                time.sleep(0.5)
                elapsed = time.monotonic() - started
                samples.append(Sample(elapsed, sink.messages,
                                      process_tree_rss(worker_pid) / MIB))
                if len(samples) % 60 == 0:  # every half a minute, for a long run
                    print(f"{elapsed:.0f} s: {sink.messages:,} delivered, worker RSS "
                          f"{samples[-1].rss_mib:.1f} MiB", file=sys.stderr, flush=True)
                database_cpu.read()
                counts = outbox_counts(engine, update_id)
                if counts.get("sent", 0) >= signers and sum(counts.values()) == counts["sent"]:
                    break
                if time.monotonic() > deadline:
                    sys.exit(f"FAILED: after {timeout:.0f} s, {sink.messages} e-mails "
                             f"delivered of {signers}; outbox rows by status: {counts}")
            # The last row recorded as sent was accepted before it was recorded.
            seconds = time.monotonic() - started
            delivered = sink.messages
            samples.append(Sample(seconds, delivered, process_tree_rss(worker_pid) / MIB))
            worker_cpu = process_tree_cpu(worker_pid) - cpu_at_start
            sink_cpu = time.process_time() - sink_cpu_at_start
            database_cpu.read()
    finally:
        controller.stop()
        engine.dispose()
    expected = {f"signer{n}@example.org" for n in range(1, signers + 1)}
    copies = dict(sink.copies)
    return Result(
        signers=signers, concurrency=concurrency, seconds=seconds, delivered=delivered,
        duplicates=sum(count - 1 for count in copies.values() if count > 1)
        + sum(count for address, count in copies.items() if address not in expected),
        missing=len(expected - copies.keys()), rows_sent=counts["sent"],
        worker_cpu_seconds=worker_cpu, sink_cpu_seconds=sink_cpu,
        database_cpu_seconds=database_cpu.seconds, samples=samples)


def rss_over_time(samples: list[Sample], points: int = 10) -> list[Sample]:
    """About `points` samples spread over the run, the first and the last included."""
    step = max(len(samples) // points, 1)
    return [*samples[:-1:step], samples[-1]]


def main(argv: list[str] | None = None) -> Result:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signers", type=int, default=100_000,
                        help="opted-in signers the update is mailed to")
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY,
                        help="the worker's pool processes (celery --concurrency)")
    parser.add_argument("--timeout", type=float, default=None,
                        help="seconds to wait for the last e-mail (default: 120 + 50 ms a "
                             "signer)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)

    result = run(args.signers, args.concurrency,
                 args.timeout or 120 + 0.05 * args.signers)

    print(f"PostgreSQL {harness.DATABASE_URL.split('@')[-1]}, Redis {harness.REDIS_URL}; "
          f"celery worker (prefork, --concurrency={args.concurrency}) and beat; "
          f"aiosmtpd in the benchmark's process")
    harness.print_table(
        ["signers", "delivered", "duplicates", "missing", "seconds", "RSS start MiB",
         "RSS peak MiB", "RSS end MiB", "e-mails/s"],
        [[result.signers, result.delivered, result.duplicates, result.missing,
          result.seconds, result.rss_start, result.rss_peak, result.rss_end,
          result.per_second]])
    print()
    print("CPU time per e-mail, ms")
    shares = [result.cpu_ms_per_email, result.database_cpu_ms_per_email,
              result.sink_cpu_ms_per_email]
    harness.print_table(["worker", "PostgreSQL", "sink", "together"],
                        [[f"{share:.2f}" for share in [*shares, sum(shares)]]])
    print()
    print("worker RSS over time")
    harness.print_table(["seconds", "delivered", "RSS MiB"],
                        [[sample.seconds, sample.delivered, sample.rss_mib]
                         for sample in rss_over_time(result.samples)])

    growth = result.rss_end - result.rss_at_a_fifth
    targets = [
        ("e-mails per second", f">= {TARGET_PER_SECOND:g}", f"{result.per_second:,.1f}",
         result.per_second >= TARGET_PER_SECOND),
        ("worker RSS, end over a fifth of the way", f"<= {TARGET_GROWTH_MIB:g} MiB",
         f"{growth:+.1f} MiB", growth <= TARGET_GROWTH_MIB),
        ("recipients not mailed exactly once", "0", str(result.duplicates + result.missing),
         result.duplicates + result.missing == 0),
    ]
    print()
    harness.print_table(["target", "wanted", "measured", "met"],
                        [[name, wanted, measured, "yes" if met else "NO"]
                         for name, wanted, measured, met in targets])

    if result.duplicates or result.missing or result.delivered != result.signers:
        sys.exit(f"FAILED: {result.duplicates} duplicate and {result.missing} missing "
                 f"e-mails ({result.delivered} delivered to {result.signers} signers)")
    if args.check and not all(met for *_, met in targets):
        sys.exit("FAILED: a target is missed")
    return result


if __name__ == "__main__":
    main()
