"""A service down during signing, then back: the SMTP server, the broker, PostgreSQL.

People sign through gunicorn over HTTP; a real worker and beat deliver. Nothing
accepted may be lost, every confirmation must arrive exactly once, and nobody may
see a 500."""

from __future__ import annotations

import http.client
import itertools
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select

from campaign.extensions import db
from campaign.outbox.models import OutboxMessage
from campaign.signing.models import IndividualSignature
from tests.conftest import free_port, import_example, make_app
from tests.faults.support import (
    Answer,
    Figure,
    PostgresCluster,
    RedisServer,
    SmtpServer,
    WebServer,
    accepted,
    outbox_counts,
    product_env,
    settle_outbox,
    sign,
    statuses,
)
from tests.support import wait_for

pytestmark = pytest.mark.faults


def sign_many(web_url: str, slug: str, prefix: str, count: int,
              answers: dict[str, list[Answer]]) -> None:
    for n in range(count):
        address = f"{prefix}{n}@example.org"
        answers[address] = sign(web_url, slug, address)


def server_errors(answers: dict[str, list[Answer]]) -> list[tuple[str, int]]:
    return [(address, answer.status) for address, tried in answers.items()
            for answer in tried if answer.status >= 500]


def assert_each_confirmation_arrived_once(app: Flask, smtp: SmtpServer,
                                          answers: dict[str, list[Answer]]) -> None:
    signed = {address for address, tried in answers.items() if accepted(tried)}
    assert signed == set(answers), "every signature should have been accepted"
    with app.app_context():
        stored = set(db.session.scalars(select(IndividualSignature.email)))
    assert signed <= stored, f"accepted but not stored: {sorted(signed - stored)}"
    copies = smtp.mailbox.copies_by_recipient()
    assert {address: copies.get(address, 0) for address in signed} == dict.fromkeys(signed, 1)
    assert all(item.message["Subject"].startswith("Please confirm your signature")
               for item in smtp.mailbox.received)


def test_smtp_server_down_during_signing_then_up_delivers_each_confirmation_once(
        stack: tuple[WebServer, object], fault_app: Flask, fault_smtp: SmtpServer,
        record_figure: Callable[[Figure], None]):
    web, _ = stack
    with fault_app.app_context():
        slug = import_example().slug
    started = time.monotonic()
    answers: dict[str, list[Answer]] = {}
    sign_many(web.base_url, slug, "before", 5, answers)
    settle_outbox(fault_app, fault_smtp.mailbox, timeout=30)

    # Taken down between two messages: the window in which a server that falls over
    # mid-message repeats it is another test's (test_worker_kills).
    fault_smtp.stop()
    sign_many(web.base_url, slug, "during", 20, answers)
    wait_for(lambda: outbox_counts(fault_app).get("pending", 0) == 20
             and all(row.attempts for row in _rows(fault_app)),
             timeout=30, what="the worker to try, and fail, every confirmation")
    fault_smtp.start()
    sign_many(web.base_url, slug, "after", 5, answers)

    # The failed ones are retried 30 s after their attempt (the first backoff step).
    settle_outbox(fault_app, fault_smtp.mailbox, timeout=90)

    assert server_errors(answers) == []
    assert_each_confirmation_arrived_once(fault_app, fault_smtp, answers)
    retried = sum(1 for row in _rows(fault_app) if row.attempts > 1)
    assert retried == 20
    record_figure(Figure(
        "SMTP server down, then up",
        "30 signatures over HTTP, 20 while the SMTP server was down; retried after 30 s",
        len(answers), len(fault_smtp.mailbox.received), 0, "0 / 0",
        time.monotonic() - started))


def _rows(app: Flask) -> list[OutboxMessage]:
    with app.app_context():
        rows = list(db.session.scalars(select(OutboxMessage)))
        db.session.remove()
    return rows


def test_broker_down_during_signing_keeps_signing_and_delivers_each_once_when_back(
        stack: tuple[WebServer, object], fault_app: Flask, fault_smtp: SmtpServer,
        fault_redis: RedisServer, record_figure: Callable[[Figure], None]):
    web, _ = stack
    with fault_app.app_context():
        slug = import_example().slug
    started = time.monotonic()
    answers: dict[str, list[Answer]] = {}
    sign_many(web.base_url, slug, "before", 5, answers)
    settle_outbox(fault_app, fault_smtp.mailbox, timeout=30)

    # Killed, without persistence: whatever the broker held is gone with it.
    fault_redis.kill()
    down: dict[str, list[Answer]] = {}
    sign_many(web.base_url, slug, "during", 20, down)
    sent_while_down = len(fault_smtp.mailbox.received)
    fault_redis.start()
    answers.update(down)
    sign_many(web.base_url, slug, "after", 5, answers)

    # Tasks published in the instant the broker died are lost with it; their rows
    # are relayed again after two minutes, which this lets pass rather than waits.
    relayed_again = settle_outbox(fault_app, fault_smtp.mailbox, timeout=90,
                                  let_time_pass=True)

    assert server_errors(answers) == []
    assert all(accepted(tried) for tried in down.values())
    slowest = max(answer.seconds for tried in down.values() for answer in tried)
    assert slowest < 2, f"a signature took {slowest:.1f} s while the broker was down"
    assert sent_while_down == 5
    assert_each_confirmation_arrived_once(fault_app, fault_smtp, answers)
    record_figure(Figure(
        "broker (Redis) killed, then back empty",
        f"30 signatures over HTTP, 20 while Redis was down (slowest {slowest * 1000:.0f} ms); "
        f"{relayed_again} rows relayed again after the 2-minute wait",
        len(answers), len(fault_smtp.mailbox.received), 0, "0 / 0",
        time.monotonic() - started))


@pytest.fixture
def private_cluster(fault_redis: RedisServer, fault_smtp: SmtpServer, mail_dir,
                    tmp_path) -> Iterator[tuple[PostgresCluster, WebServer, Flask, str]]:
    """A PostgreSQL cluster of this test's own, migrated, with the example statement,
    and gunicorn serving the app on it."""
    cluster = PostgresCluster()
    web: WebServer | None = None
    try:
        cluster.init()
        cluster.start()
        port = free_port()
        cluster_app = make_app(cluster.url, mail_dir, SERVER_NAME=f"127.0.0.1:{port}")
        with cluster_app.app_context():
            upgrade()
            slug = import_example().slug
            db.engine.dispose()
        web = WebServer(product_env(database_url=cluster.url, broker_url=fault_redis.url,
                                    server_name=f"127.0.0.1:{port}",
                                    smtp_port=fault_smtp.port),
                        port, tmp_path / "web.log")
        web.start()
        yield cluster, web, cluster_app, slug
    finally:
        if web is not None:
            web.stop()
        cluster.remove()


class SigningStream:
    """Four people at a time signing, each with a new address, until stopped; every
    attempt is kept with the phase it began in."""

    def __init__(self, web_url: str, slug: str) -> None:
        self.web_url, self.slug = web_url, slug
        self.phase = "before"
        self.attempts: list[tuple[str, str, list[Answer] | str]] = []
        self._stop = threading.Event()
        self._count = itertools.count()
        self._threads = [threading.Thread(target=self._sign) for _ in range(4)]

    def _sign(self) -> None:
        while not self._stop.is_set():
            phase, address = self.phase, f"stream{next(self._count)}@example.org"
            try:
                outcome: list[Answer] | str = sign(self.web_url, self.slug, address)
            except (OSError, http.client.HTTPException) as error:
                outcome = f"{type(error).__name__}: {error}"
            self.attempts.append((phase, address, outcome))

    def count(self, phase: str, wanted: Callable[[list[Answer] | str], bool]) -> int:
        return sum(1 for began, _, outcome in list(self.attempts)
                   if began == phase and wanted(outcome))

    def __enter__(self) -> SigningStream:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=120)


def _answered(outcome: list[Answer] | str) -> bool:
    return not isinstance(outcome, str)


def _accepted(outcome: list[Answer] | str) -> bool:
    return _answered(outcome) and accepted(outcome)  # type: ignore[arg-type]


def test_postgresql_restarted_during_a_stream_of_signatures_loses_none_and_answers_503(
        private_cluster: tuple[PostgresCluster, WebServer, Flask, str],
        record_figure: Callable[[Figure], None]):
    cluster, web, cluster_app, slug = private_cluster
    started = time.monotonic()

    with SigningStream(web.base_url, slug) as stream:
        wait_for(lambda: stream.count("before", _accepted) >= 20, timeout=60,
                 what="signatures before the restart")
        stream.phase = "down"
        cluster.stop("immediate")  # a crash: the WAL is replayed when it starts
        wait_for(lambda: stream.count("down", _answered) >= 20, timeout=60,
                 what="answers while PostgreSQL is down")
        cluster.start()
        stream.phase = "after"
        wait_for(lambda: stream.count("after", _accepted) >= 20, timeout=60,
                 what="signatures after the restart")

    promised = {address for _, address, outcome in stream.attempts if _accepted(outcome)}
    with cluster_app.app_context():
        stored = set(db.session.scalars(select(IndividualSignature.email)))
        db.engine.dispose()
    answers = [answer for _, _, outcome in stream.attempts if _answered(outcome)
               for answer in outcome]
    unanswered = [outcome for _, _, outcome in stream.attempts if not _answered(outcome)]
    failures = [answer for answer in answers if answer.status >= 500]
    seen = statuses(answers)
    record_figure(Figure(
        "PostgreSQL (private cluster) crashed and restarted",
        f"{len(stream.attempts)} signing attempts over HTTP by 4 clients, "
        f"{stream.count('down', _answered)} while it was down; statuses {seen}",
        len(promised), 0, 0,
        f"{sum(1 for a in failures if a.status != 503)} / {len(promised - stored)}",
        time.monotonic() - started))

    assert promised - stored == set(), "accepted signatures are missing after the restart"
    assert unanswered == []
    assert [a.status for a in failures if a.status != 503] == [], f"5xx answers: {seen}"
    assert failures, "PostgreSQL's restart should have been seen by some request"
    assert all(a.headers.get("retry-after") for a in failures)
