"""The fault tier: the product's own processes (gunicorn, a Celery worker, beat) on
PostgreSQL, with a Redis, an SMTP server and a PostgreSQL cluster of the tier's own
that it takes down, kills and brings back.

It needs PostgreSQL (TEST_DATABASE_URL), redis-server and initdb. Without them the
tier is deselected, never skipped, and the run says so; with TEST_REQUIRE_SERVICES=1
(as in `.ci/run`) anything missing fails the run instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text

from campaign.config import celery_settings
from campaign.extensions import db
from tests.conftest import free_port, make_app
from tests.faults.support import (
    SECRET_KEY,
    CeleryProcesses,
    Figure,
    RedisServer,
    SmtpServer,
    WebServer,
    cluster_missing,
    product_env,
)
from tests.support import tier_hooks

_FIGURES = pytest.StashKey[list[Figure]]()


def _missing() -> str | None:
    if not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        return "set TEST_DATABASE_URL to a PostgreSQL database"
    if shutil.which("redis-server") is None:
        return "redis-server is missing (apt-get install redis-server)"
    return cluster_missing()


pytest_collection_modifyitems, pytest_report_collectionfinish = tier_hooks(
    marker="faults", name="fault tier (tests/faults)", missing=_missing)


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    figures = config.stash.get(_FIGURES, [])
    if not figures:
        return
    terminalreporter.section("fault tier figures")
    terminalreporter.write_line(
        "| scenario | what was done | accepted | e-mails | duplicates | 5xx / lost | s |")
    terminalreporter.write_line("| --- | --- | ---: | ---: | ---: | --- | ---: |")
    for figure in figures:
        terminalreporter.write_line(
            f"| {figure.scenario} | {figure.done} | {figure.accepted:,} | {figure.emails:,} "
            f"| {figure.duplicates} | {figure.errors} | {figure.seconds:.0f} |")


@pytest.fixture
def record_figure(request: pytest.FixtureRequest):
    def record(figure: Figure) -> None:
        request.config.stash.setdefault(_FIGURES, []).append(figure)
        print(figure)

    return record


# --- The services and processes, shared by the tier's tests ----------------------------


@pytest.fixture(scope="session")
def fault_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("fault-redis"))
    server.start()
    yield server
    server.kill()


@pytest.fixture(scope="session")
def fault_smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def web_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def fault_env(app: Flask, database_url: str, fault_redis: RedisServer, fault_smtp: SmtpServer,
              web_port: int) -> dict[str, str]:
    """The app's settings; `app` has migrated the test database already."""
    return product_env(database_url=database_url, broker_url=fault_redis.url,
                       server_name=f"127.0.0.1:{web_port}", smtp_port=fault_smtp.port)


# The worker, beat and web server work on the suite's test database: they live no longer
# than the module that uses them, or they would relay and deliver the mail of every test
# that runs after the tier.
@pytest.fixture(scope="module")
def celery_processes(fault_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory,
                     ) -> Iterator[CeleryProcesses]:
    processes = CeleryProcesses(fault_env, tmp_path_factory.mktemp("fault-celery"))
    yield processes
    processes.stop()


@pytest.fixture(scope="module")
def web_server(fault_env: dict[str, str], web_port: int,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    server = WebServer(fault_env, web_port, tmp_path_factory.mktemp("fault-web") / "web.log")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def fault_app(app: Flask, database_url: str, mail_dir: Path, fault_redis: RedisServer,
              web_port: int) -> Flask:
    """The app in the test process, for setting up and for reading the database; what
    it publishes goes to the tier's Redis."""
    return make_app(database_url, mail_dir, SECRET_KEY=SECRET_KEY,
                    SERVER_NAME=f"127.0.0.1:{web_port}",
                    CELERY=celery_settings(fault_redis.url))


@pytest.fixture
def stack(app: Flask, fault_app: Flask, fault_redis: RedisServer, fault_smtp: SmtpServer,
          celery_processes: CeleryProcesses, web_server: WebServer,
          ) -> Iterator[tuple[WebServer, CeleryProcesses]]:
    """Everything up, and the mailbox empty. (`app` cleans the tables after the test.)"""
    if fault_redis.process is None:
        fault_redis.start()
    if not fault_smtp.running:
        fault_smtp.start()
    celery_processes.ensure_running()
    web_server.ensure_running()
    fault_smtp.mailbox.received.clear()
    yield web_server, celery_processes
    # Nothing a test left behind is delivered into the next one.
    with fault_app.app_context():
        with db.engine.begin() as connection:
            connection.execute(text("DELETE FROM outbox_message"))
            connection.execute(text("DELETE FROM mail_request"))
        db.engine.dispose()
