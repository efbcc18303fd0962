"""The fault tier's machinery: services it can stop and start (Redis, an SMTP server,
a private PostgreSQL cluster), the product's processes (gunicorn, a Celery worker,
beat), and a browser that speaks HTTP to them."""

from __future__ import annotations

import email
import email.policy
import glob
import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.message import EmailMessage
from functools import cached_property
from http.cookies import SimpleCookie
from pathlib import Path

import kombu
import redis
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope
from flask import Flask

from tests.conftest import free_port
from tests.support import PROJECT_ROOT, csrf_token, ends_with_the_tests, wait_for

SECRET_KEY = "fault-tier-secret-key"
_MESSAGE_ID = re.compile(rb"^Message-ID: <outbox-(\d+)@", re.MULTILINE | re.IGNORECASE)


# --- Mail ------------------------------------------------------------------------------


@dataclass
class Received:
    """One message as the SMTP server accepted it."""

    recipients: list[str]
    content: bytes

    @cached_property
    def outbox_id(self) -> int | None:
        """The outbox row it was sent from (its fixed Message-ID names it)."""
        match = _MESSAGE_ID.search(self.content.split(b"\r\n\r\n", 1)[0])
        return int(match[1]) if match else None

    @cached_property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.content, policy=email.policy.default)  # type: ignore[return-value]


class Mailbox:
    """An SMTP handler keeping everything it accepts, in order."""

    def __init__(self) -> None:
        self.received: list[Received] = []

    async def handle_DATA(self, server: object, session: object, envelope: Envelope) -> str:
        self.received.append(Received(list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 OK"

    def to(self, address: str) -> list[Received]:
        return [item for item in list(self.received) if address in item.recipients]

    def copies_by_recipient(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for item in list(self.received):
            for recipient in item.recipients:
                counts[recipient] = counts.get(recipient, 0) + 1
        return counts


class SmtpServer:
    """aiosmtpd on a port of its own that can be taken down and brought back."""

    def __init__(self) -> None:
        self.mailbox = Mailbox()
        self.port = free_port()
        self._controller: Controller | None = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


# --- Redis -----------------------------------------------------------------------------


class RedisServer:
    """redis-server on a port of its own, without persistence (as `.ci/run` and the
    redis image run it): killed, it comes back empty, and whatever it held is lost."""

    def __init__(self, directory: Path, *, cluster: bool = False) -> None:
        self.directory = directory
        self.port = free_port()
        # A cluster of this one node, holding every slot: what a client of Redis
        # Cluster meets, keys in different slots included.
        self.cluster = cluster
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        if self.cluster:
            return f"redis+cluster://127.0.0.1:{self.port}"
        return f"redis://127.0.0.1:{self.port}/0"

    def answers(self) -> bool:
        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=1).ping())
        except redis.RedisError:
            return False

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory),
             "--logfile", str(self.directory / "redis.log"),
             # The cluster's bus on a port of its own: by default it is the port plus
             # 10,000, beyond 65,535 for a third of the ports free_port gives.
             *(["--cluster-enabled", "yes", "--cluster-port", str(free_port()),
                "--cluster-config-file", str(self.directory / "nodes.conf")]
               if self.cluster else [])],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, preexec_fn=ends_with_the_tests)
        wait_for(lambda: self.process.poll() is not None or self.answers(), timeout=20,
                 what="redis-server to answer")
        assert self.process.poll() is None, (self.directory / "redis.log").read_text()
        if self.cluster:
            node = redis.Redis(port=self.port)
            node.execute_command("CLUSTER ADDSLOTSRANGE", 0, 16383)
            wait_for(lambda: node.cluster("INFO")["cluster_state"] == "ok", timeout=20,
                     what="the one-node Redis Cluster to serve every slot")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def requeue_unacknowledged(self) -> int:
        """What Redis does for a dead worker once the visibility timeout (an hour) has
        passed: its unacknowledged tasks go back to the queue. Call it only while no
        worker runs: every unacknowledged task is then a dead worker's."""
        with kombu.Connection(self.url) as connection:
            channel = connection.default_channel
            tags = channel.client.hkeys(channel.unacked_key)
            for tag in tags:
                channel.qos.restore_by_tag(tag, leftmost=True)
        return len(tags)


# --- The product's processes -----------------------------------------------------------


def product_env(*, database_url: str, broker_url: str, server_name: str,
                smtp_port: int) -> dict[str, str]:
    """Settings as an operator gives them: through the environment."""
    return {
        **os.environ,
        "APP_ENV": "development",
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker_url,
        "SERVER_NAME": server_name,
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        "MAIL_TIMEOUT": "5",
        "OUTBOX_RELAY_SECONDS": "0.5",
        # The tier's load is many submissions from one address on purpose.
        "RATELIMIT_ENABLED": "0",
        "PYTHONUNBUFFERED": "1",
    }


def _stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


class CeleryProcesses:
    """`celery worker` (solo pool: the process that is killed is the one sending) and
    `celery beat`, each a process of its own, as in production."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.worker: subprocess.Popen[bytes] | None = None
        self.beat: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def _spawn(self, arguments: list[str], log_path: Path) -> subprocess.Popen[bytes]:
        with log_path.open("ab") as log:
            return subprocess.Popen([sys.executable, "-m", "celery", "-A", "worker:celery_app",
                                     *arguments], cwd=PROJECT_ROOT, env=self.env,
                                    stdout=log, stderr=subprocess.STDOUT,
                                    preexec_fn=ends_with_the_tests)

    def start_worker(self) -> None:
        self.starts += 1
        log_path = self.log_dir / f"worker-{self.starts}.log"
        self.worker = self._spawn(["worker", "--pool=solo", "--without-heartbeat",
                                   "--without-mingle", "--without-gossip", "--loglevel=INFO"],
                                  log_path)
        wait_for(lambda: self.worker.poll() is not None or b" ready." in log_path.read_bytes(),
                 timeout=60, what="the Celery worker to start")
        assert self.worker.poll() is None, log_path.read_text()

    def start_beat(self) -> None:
        self.beat = self._spawn(["beat", "--loglevel=INFO", "--schedule",
                                 str(self.log_dir / "beat-schedule")],
                                self.log_dir / "beat.log")

    def ensure_running(self) -> None:
        if self.worker is None or self.worker.poll() is not None:
            self.start_worker()
        if self.beat is None or self.beat.poll() is not None:
            self.start_beat()

    def kill_worker(self) -> None:
        """SIGKILL: no goodbye, no acknowledgement, no rollback."""
        assert self.worker is not None
        self.worker.kill()
        self.worker.wait(timeout=10)

    def stop(self) -> None:
        _stop(self.beat)
        _stop(self.worker)


class WebServer:
    """The app under gunicorn, as the Dockerfile serves it: 4 processes of 8 threads,
    so that 32 requests are in flight at once."""

    def __init__(self, env: dict[str, str], port: int, log_path: Path) -> None:
        self.env = env
        self.port = port
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}",
                 "--workers", "4", "--threads", "8", "--backlog", "512",
                 "campaign:create_app()"],
                cwd=PROJECT_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                preexec_fn=ends_with_the_tests)

        def serving() -> bool:
            assert self.process.poll() is None, self.log_path.read_text()
            try:
                return Browser(self.base_url).get("/").status == 200
            except OSError:
                return False

        wait_for(serving, timeout=60, what="gunicorn to serve")

    def ensure_running(self) -> None:
        if self.process is None or self.process.poll() is not None:
            self.start()

    def stop(self) -> None:
        # SIGINT is gunicorn's quick shutdown: nothing is left to finish.
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        _stop(self.process)


# --- A browser -------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    text: str
    seconds: float

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


@dataclass
class Browser:
    """One person's browser over real HTTP: keeps its cookies, follows no redirect."""

    base_url: str
    cookies: dict[str, str] = field(default_factory=dict)
    # The address the browser connects from (any of 127.0.0.0/8 on Linux), so that
    # several clients can be told apart on one machine; None lets the system choose.
    source_address: str | None = None
    # Sent with every request (a client forging X-Forwarded-For, say).
    headers: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, fields: dict[str, str] | None = None) -> Answer:
        url = urllib.parse.urlsplit(self.base_url)
        source = (self.source_address, 0) if self.source_address else None
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60,
                                                source_address=source)
        headers = {**self.headers, "Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.monotonic()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(header)
            self.cookies.update({name: morsel.value for name, morsel in cookie.items()})
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()},
                      text, time.monotonic() - started)

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post(self, path: str, fields: dict[str, str]) -> Answer:
        return self.request("POST", path, fields)

    def submit(self, page: str, action: str, fields: dict[str, str],
               token_field: str = "csrf_token") -> list[Answer]:
        """Open the page, then send its form: both answers (one, if the page failed)."""
        opened = self.get(page)
        if opened.status != 200:
            return [opened]
        return [opened, self.post(action, {**fields, token_field: csrf_token(opened.text)})]


def path_of(link: str) -> str:
    return urllib.parse.urlsplit(link).path


# --- A private PostgreSQL cluster ------------------------------------------------------


def postgres_bin_dir() -> Path | None:
    """Where initdb and pg_ctl are: on PATH, or Debian's /usr/lib/postgresql/N/bin."""
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda path: int(Path(path).parts[-3]))
    return Path(candidates[-1]).parent if candidates else None


def cluster_missing() -> str | None:
    """Why a private cluster cannot be made here, or None."""
    if postgres_bin_dir() is None:
        return "initdb is missing (apt-get install postgresql)"
    if os.geteuid() == 0 and (shutil.which("runuser") is None or _postgres_user() is None):
        return "initdb refuses root, and there is no `postgres` user and runuser to run it"
    return None


def _postgres_user() -> tuple[int, int] | None:
    import pwd

    try:
        entry = pwd.getpwnam("postgres")
    except KeyError:
        return None
    return entry.pw_uid, entry.pw_gid


class PostgresCluster:
    """initdb into a temporary folder, on a port of its own; run as `postgres` when we
    are root, since initdb and postgres refuse to run as root."""

    def __init__(self) -> None:
        bin_dir = postgres_bin_dir()
        assert bin_dir is not None
        self.bin_dir = bin_dir
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="undersigned-faults-pg-"))
        self.data = self.directory / "data"
        self._as_postgres: list[str] = []
        if os.geteuid() == 0:
            owner = _postgres_user()
            assert owner is not None
            os.chown(self.directory, *owner)
            self._as_postgres = ["runuser", "-u", "postgres", "--"]

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        result = subprocess.run([*self._as_postgres, *command], capture_output=True,
                                text=True, cwd=self.directory)
        assert result.returncode == 0, f"{command[0]} failed: {result.stdout}{result.stderr}"

    def init(self) -> None:
        self._run(str(self.bin_dir / "initdb"), "-D", str(self.data), "-U", "postgres",
                  "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions")

    def start(self) -> None:
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-w", "-t", "60",
                  "-l", str(self.directory / "server.log"), "-o",
                  f"-p {self.port} -c listen_addresses=127.0.0.1 "
                  f"-c unix_socket_directories={self.directory}", "start")

    def stop(self, mode: str = "fast") -> None:
        """`immediate` is a crash: no checkpoint, and the WAL is replayed at start."""
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-w", "-m", mode, "stop")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop("immediate")
        shutil.rmtree(self.directory, ignore_errors=True)


# --- Figures ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One line of the tier's table (printed at the end of the run, kept in
    bench/RESULTS.md)."""

    scenario: str
    done: str
    accepted: int
    emails: int
    duplicates: int
    errors: str
    seconds: float


def statuses(answers: Iterable[Answer]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for answer in answers:
        counts[answer.status] = counts.get(answer.status, 0) + 1
    return dict(sorted(counts.items()))


# --- Signing, and the outbox as the database holds it ----------------------------------


def sign(web_url: str, slug: str, address: str, **fields: str) -> list[Answer]:
    """A person signing on the statement's page, in a browser of their own."""
    from tests.support import individual_fields

    name = address.split("@")[0].replace(".", " ").title()
    return Browser(web_url).submit(
        f"/s/{slug}", f"/s/{slug}/sign",
        individual_fields(**{"person-email": address, "person-name": name, **fields}),
        token_field="person-csrf_token")


def accepted(answers: list[Answer]) -> bool:
    """Told to check their e-mail: the signature is promised to be there."""
    last = answers[-1]
    return last.status in (302, 303) and last.location.endswith("/check-your-email")


def outbox_counts(app: Flask) -> dict[str, int]:
    from sqlalchemy import func, select

    from campaign.extensions import db
    from campaign.outbox.models import MailRequest, OutboxMessage

    with app.app_context():
        rows = db.session.execute(select(OutboxMessage.status, func.count())
                                  .group_by(OutboxMessage.status)).all()
        # A request beat has yet to answer is mail that may still be written.
        requests = db.session.scalar(select(func.count()).select_from(MailRequest))
        db.session.remove()
    counts = {status.value: count for status, count in rows}
    if requests:
        counts["pending"] = counts.get("pending", 0) + requests
    return counts


def advance_outbox_clock(app: Flask, statuses: tuple[str, ...] = ("pending", "sending"),
                         ) -> int:
    """Let the outbox's waits pass for the rows that wait on them, as if the clock had
    moved on: a claim left by a dead worker is released after STALE_CLAIM_AFTER (10
    minutes), and a row whose task was lost is relayed again after REQUEUE_AFTER (2
    minutes). Returns how many rows it moved."""
    from sqlalchemy import bindparam, text

    from campaign.extensions import db
    from campaign.outbox.delivery import REQUEUE_AFTER, STALE_CLAIM_AFTER

    with app.app_context():
        moved = db.session.execute(text(
            "UPDATE outbox_message SET claimed_at = claimed_at - make_interval(secs => :s), "
            "queued_at = queued_at - make_interval(secs => :s) "
            "WHERE status IN :statuses").bindparams(bindparam("statuses", expanding=True)),
            {"s": max(STALE_CLAIM_AFTER, REQUEUE_AFTER).total_seconds() + 1,
             "statuses": list(statuses)}).rowcount
        db.session.commit()
        db.session.remove()
    return moved


def settle_outbox(app: Flask, mailbox: Mailbox, *, timeout: float,
                  let_time_pass: bool = False, stalled_after: float = 3.0) -> int:
    """Wait until no row is pending or sending and the SMTP server holds at least one
    message for each sent row. With `let_time_pass`, when nothing has moved for
    `stalled_after` seconds the outbox's clock is advanced (advance_outbox_clock).
    Returns how many rows had to wait for that."""
    deadline = time.monotonic() + timeout
    last: tuple[object, ...] = ()
    last_change = time.monotonic()
    waited_for_clock = 0
    while True:
        counts = outbox_counts(app)
        received = len(mailbox.received)
        waiting = counts.get("pending", 0) + counts.get("sending", 0)
        if not waiting and received >= counts.get("sent", 0):
            return waited_for_clock
        now = time.monotonic()
        if (snapshot := (tuple(sorted(counts.items())), received)) != last:
            last, last_change = snapshot, now
        elif let_time_pass and now - last_change > stalled_after:
            waited_for_clock += advance_outbox_clock(app)
            last_change = now
        if now > deadline:
            raise AssertionError(f"the outbox did not settle in {timeout} s: {counts}, "
                                 f"{received} received by the SMTP server")
        time.sleep(0.1)
