"""What the benchmarks share: a database of their own, the app under gunicorn with its
production settings, wrk in a process of its own, and the table they print.

Settings, from the environment:
    BENCH_DATABASE_URL  PostgreSQL database the benchmarks own; its `public` schema is
                        dropped and made again by every run
                        (default postgresql+psycopg://postgres@127.0.0.1:5432/undersigned_bench,
                        created if missing)
    BENCH_REDIS_URL     the app's REDIS_URL, which its production settings require
                        (default redis://127.0.0.1:6379/13); nothing measured publishes
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from sqlalchemy import create_engine, make_url, text

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
WRK_DIR = BENCH_DIR / "wrk"
EXAMPLE = ROOT / "campaign/demo/crimea-statement-2020.txt"
SLUG = "bench"

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/undersigned_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")

sys.path[:0] = [str(ROOT), str(BENCH_DIR)]


@dataclass(frozen=True)
class ServerSettings:
    """gunicorn's settings, the same for every app a benchmark compares."""

    workers: int = 4
    threads: int = 1

    def describe(self) -> str:
        return f"gunicorn, {self.workers} workers x {self.threads} thread(s)"


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    sent: int
    accepted: int
    refused: int
    first_refusal: str
    socket_errors: int
    # CPU seconds spent during the load by wrk and, when the app was named, by each of
    # CPU_KINDS.
    cpu_seconds: dict[str, float]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    def cpu_ms_per_request(self, kind: str) -> float:
        return 1000 * self.cpu_seconds[kind] / self.requests


def fresh_database(url: str = DATABASE_URL) -> None:
    """Create the database if it is missing, and give it an empty `public` schema."""
    if not url.startswith("postgresql"):
        sys.exit(f"The benchmarks run against PostgreSQL; BENCH_DATABASE_URL is {url}")
    target = make_url(url)
    server = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                   {"name": target.database})
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    server.dispose()
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def in_process_app(url: str = DATABASE_URL) -> Flask:
    """The app in this process, for setting up (the measured one runs under gunicorn);
    tasks it would publish go to an in-memory broker."""
    from campaign import create_app
    from campaign.config import celery_settings

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                       "SERVER_NAME": "bench.test", "CELERY": celery_settings("memory://")})


def migrate_and_import(url: str = DATABASE_URL) -> int:
    """The product's schema, by its migrations, and the example statement, published.
    Returns the statement's id."""
    from flask_migrate import upgrade

    from campaign.extensions import db

    with in_process_app(url).app_context():
        upgrade()
        db.engine.dispose()
    return import_statement(SLUG, url)


def import_statement(slug: str, url: str = DATABASE_URL) -> int:
    """Another copy of the example statement, published under SLUG; returns its id."""
    from campaign.drafting.importer import parse_statement
    from campaign.drafting.services import create_statement_from_text
    from campaign.extensions import db

    with in_process_app(url).app_context():
        statement = create_statement_from_text(
            parse_statement(EXAMPLE.read_text(encoding="utf-8")), slug=slug, publish=True)
        db.session.commit()
        statement_id = statement.id
        db.engine.dispose()
    return statement_id


def add_confirmed_signers(statement_id: int, count: int, url: str = DATABASE_URL) -> None:
    """COUNT confirmed individual signatures who want updates, made by PostgreSQL itself
    (a million in seconds, not through the app), and counted in the statement's tally
    as confirming them would."""
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO individual_signature (statement_id, name, email, email_key, "
            "  link_secret, country, name_display, wants_updates, status, confirmed_at, "
            "  created_at) "
            "SELECT :statement_id, 'Signer ' || n, 'signer' || n || '@example.org', "
            "  'signer' || n || '@example.org', replace(gen_random_uuid()::text, '-', ''), 'UA', "
            "  'full', true, 'confirmed', now() - make_interval(secs => :count - n), now() "
            "FROM generate_series(1, :count) AS n"),
            {"statement_id": statement_id, "count": count})
        connection.execute(text(
            "UPDATE signature_tally SET count = count + :count "
            "WHERE statement_id = :statement_id AND kind = 'individuals' AND shard = 0"),
            {"statement_id": statement_id, "count": count})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE"))
    engine.dispose()


def create_bare_table(url: str = DATABASE_URL) -> None:
    import bare_app

    app = bare_app.create_app(url)
    with app.app_context():
        bare_app.db.create_all()
        bare_app.db.engine.dispose()


def fresh_signing_database() -> None:
    """What the signing benchmarks start from: a fresh database with the example
    statement published and the bare insert's table beside it."""
    fresh_database()
    migrate_and_import()
    create_bare_table()


def production_env(port: int, settings: ServerSettings, url: str = DATABASE_URL) -> dict[str, str]:
    return {
        **os.environ,
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": url,
        "REDIS_URL": REDIS_URL,
        "SERVER_NAME": f"127.0.0.1:{port}",
        "MAIL_DEFAULT_SENDER": "Undersigned <statements@bench.example.org>",
        "PREFERRED_URL_SCHEME": "http",
        "PYTHONPATH": str(BENCH_DIR),
    }


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# The gunicorn serving each base URL, so that wrk can tell the app's processes.
_GUNICORN_MASTERS: dict[str, int] = {}


@contextmanager
def gunicorn(app_spec: str, settings: ServerSettings, probe_path: str = "/",
             env_for_port=production_env) -> Iterator[str]:
    """Serve APP_SPEC under gunicorn on a free port until the block ends; yields its
    base URL once PROBE_PATH answers."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
               "--workers", str(settings.workers), "--threads", str(settings.threads),
               "--backlog", "2048", app_spec]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env_for_port(port, settings),
                                   stdout=log, stderr=subprocess.STDOUT)
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_serving(base_url + probe_path, process, log)
            _GUNICORN_MASTERS[base_url] = process.pid
            yield base_url
        finally:
            _GUNICORN_MASTERS.pop(base_url, None)
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_serving(url: str, process: subprocess.Popen[bytes], log, timeout: float = 60
                        ) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            sys.exit(f"gunicorn exited with {process.returncode}:\n"
                     f"{log.read().decode(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError as error:
            if error.code < 500:
                return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit(f"gunicorn did not answer {url} within {timeout:.0f} s")


def cookies_and_token(page_url: str, field: str = "person-csrf_token") -> tuple[str, str]:
    """What a browser holds after opening the statement page: the cookies it was given
    (the forms' nonce, campaign.form_tokens) and the signing form's CSRF token."""
    with urllib.request.urlopen(page_url, timeout=10) as response:
        pairs = [header.split(";", 1)[0] for header in response.headers.get_all("Set-Cookie")]
        cookie = "; ".join(pair for pair in pairs if not pair.endswith("="))
        page = response.read().decode()
    match = re.search(rf'name="{re.escape(field)}"[^>]*value="([^"]+)"', page) or re.search(
        rf'value="([^"]+)"[^>]*name="{re.escape(field)}"', page)
    if match is None:
        sys.exit(f"no {field} on {page_url}")
    return cookie, match.group(1)


# Where a run's CPU goes, by the processes serving it. Throughput on a saturated machine
# is its cores divided by the CPU a request costs all of them together, so this says
# which process a difference in throughput is in. Processes are counted by what they
# belong to, not by name, so that another cluster, database or test on the machine does
# not count: the app is the gunicorn master and its workers; PostgreSQL the bench
# database's backends and the cluster's own helpers (checkpointer, WAL writer,
# autovacuum); Redis the server REDIS_URL names; wrk its own process.
CPU_KINDS = ("app (gunicorn)", "PostgreSQL", "Redis")
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class _Process:
    parent: int
    # CPU seconds of the process itself, and of its children that ended and were reaped
    # (a backend closed during the run, an autovacuum worker).
    own: float
    reaped: float


def _processes() -> dict[int, _Process]:
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # gone meanwhile
            user, system, children_user, children_system = map(int, fields[11:15])
            found[int(entry.name)] = _Process(int(fields[1]), (user + system) / _CLOCK_TICKS,
                                              (children_user + children_system) / _CLOCK_TICKS)
    return found


def _tree(processes: dict[int, _Process], root: int) -> set[int]:
    tree, grown = {root}, True
    while grown:
        more = {pid for pid, process in processes.items() if process.parent in tree} - tree
        tree |= more
        grown = bool(more)
    return tree


def _postgres_pids() -> tuple[int, set[int]]:
    """The postmaster, and its processes that work for the bench database."""
    engine = create_engine(DATABASE_URL)
    with engine.connect() as connection:
        backend = connection.scalar(text("SELECT pg_backend_pid()"))
        pids = set(connection.scalars(text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "OR datname IS NULL")))
        postmaster = _processes()[backend].parent
    engine.dispose()
    return postmaster, pids - {backend}


def _redis_pid() -> int:
    import redis

    return int(redis.Redis.from_url(REDIS_URL).info("server")["process_id"])


class CpuMeter:
    """CPU seconds spent between start() and stop() by the processes of CPU_KINDS that
    serve the app whose gunicorn master is APP."""

    def __init__(self, app: int) -> None:
        self.app = app

    def start(self) -> None:
        self.postmaster, postgres = _postgres_pids()
        self.before = _processes()
        self.groups = {"app (gunicorn)": _tree(self.before, self.app), "PostgreSQL": postgres,
                       "Redis": {_redis_pid()}}

    def stop(self) -> dict[str, float]:
        after = _processes()
        # Processes started during the run (a new connection's backend) count from
        # their start.
        self.groups["PostgreSQL"] |= _postgres_pids()[1]
        self.groups["app (gunicorn)"] |= _tree(after, self.app)
        spent = {kind: sum(after[pid].own - (self.before[pid].own if pid in self.before
                                             else 0.0)
                           for pid in pids if pid in after)
                 for kind, pids in self.groups.items()}
        # What ended during the run, as its parent reaped it: gunicorn's workers, and
        # the cluster's backends (of any database: the one inexact part).
        for kind, parent in (("app (gunicorn)", self.app), ("PostgreSQL", self.postmaster)):
            if parent in after and parent in self.before:
                spent[kind] += after[parent].reaped - self.before[parent].reaped
        return spent


def wrk(url: str, script: str, script_args: Sequence[str], seconds: int,
        connections: int = 32, threads: int = 2) -> WrkResult:
    """wrk's load on URL and, when gunicorn() serves it, the CPU each kind of process
    spent on it."""
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")
    app = _GUNICORN_MASTERS.get(url)
    meter = CpuMeter(app) if app is not None else None
    if meter is not None:
        meter.start()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(
            ["wrk", "--threads", str(threads), "--connections", str(connections),
             "--duration", f"{seconds}s", "--timeout", "10s", "--script", script, url,
             "--", *script_args],
            cwd=WRK_DIR, stdout=out, stderr=err)
        # wait4 rather than wait: wrk's own CPU, not that of any child reaped meanwhile.
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    cpu_seconds = meter.stop() if meter is not None else {}
    cpu_seconds["wrk"] = usage.ru_utime + usage.ru_stime
    line = next((line for line in stdout.splitlines() if line.startswith("BENCH ")), None)
    if process.returncode != 0 or line is None:
        sys.exit(f"wrk failed ({process.returncode}):\n{stdout}{stderr}")
    report = json.loads(line.removeprefix("BENCH "))
    return WrkResult(
        requests=report["requests"], seconds=report["duration_us"] / 1e6,
        p50_ms=report["p50_us"] / 1000, p99_ms=report["p99_us"] / 1000,
        sent=report["sent"], accepted=report["accepted"], refused=report["refused"],
        first_refusal=report["first_refusal"],
        socket_errors=sum(report[name] for name in (
            "connect_errors", "read_errors", "write_errors", "timeouts")),
        cpu_seconds=cpu_seconds,
    )


def print_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A table for people, whose columns split on two spaces for machines."""
    cells = [list(header)] + [[_cell(value) for value in row] for row in rows]
    widths = [max(len(row[column]) for row in cells) for column in range(len(header))]
    for row in cells:
        print("  ".join(value.rjust(width) for value, width in zip(row, widths, strict=True)))


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)
