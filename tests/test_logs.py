"""What the logs carry: no signer's data from a failed SQL statement, and no capability
token from a served path (Werkzeug's server, gunicorn's access and error logs,
Flask's error line)."""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
import threading
import traceback
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.exc import IntegrityError
from werkzeug.serving import make_server

from campaign.extensions import db
from campaign.logs import REDACTED
from campaign.signing.models import IndividualSignature, NameDisplay
from campaign.text import hash_token
from tests.conftest import free_port, import_example
from tests.support import PROJECT_ROOT, ends_with_the_tests, wait_for

ADDRESS = "olena.private@example.org"
NAME = "Olena Privatna"
TOKEN = "Secret-Capability_Token0123456789abcdef"


def signature(statement_id: int, email: str) -> IndividualSignature:
    return IndividualSignature(
        statement_id=statement_id, name=NAME, email=email, country="UA",
        name_display=NameDisplay.FULL, confirmation_token_hash=hash_token(TOKEN))


@pytest.mark.parametrize("email", [ADDRESS, ADDRESS.upper()],
                         ids=["same-address-twice", "breaks-a-check"])
def test_a_failed_insert_names_no_signer_in_its_error_or_the_log(app_context, caplog, email):
    statement_id = import_example().id
    db.session.add(signature(statement_id, ADDRESS))
    db.session.commit()

    with caplog.at_level(logging.DEBUG, logger="sqlalchemy.engine"):
        db.session.add(signature(statement_id, email))
        with pytest.raises(IntegrityError) as raised:
            db.session.flush()
    db.session.rollback()

    # What a 500's or a task's log shows: the error, the driver's error it wraps, the SQL.
    logged = "\n".join([*traceback.format_exception(raised.value), caplog.text])
    assert "INSERT INTO individual_signature" in logged
    for secret in (ADDRESS, NAME, hash_token(TOKEN)):
        assert secret.lower() not in logged.lower()


@pytest.fixture
def server_loggers(app: Flask, monkeypatch) -> None:
    """Alembic's logging setup, run by the migrations in this process, disables the
    loggers that exist by then; a served app runs no migrations."""
    for logger in (logging.getLogger("werkzeug"), app.logger):
        monkeypatch.setattr(logger, "disabled", False)


def capability_paths(app: Flask) -> list[str]:
    """A path for every route that takes a token, with TOKEN as its token."""
    adapter = app.url_map.bind("localhost")
    values = {"slug": "crimea-2020", "token": TOKEN, "choice": "on"}
    paths = sorted({adapter.build(rule.endpoint, {name: values[name] for name in rule.arguments})
                    for rule in app.url_map.iter_rules() if "token" in rule.arguments})
    assert len(paths) >= 8, paths
    return paths


def request_each(base_url: str, paths: list[str]) -> None:
    for path in paths:
        # A 404 or a 405 is logged all the same.
        with contextlib.suppress(urllib.error.HTTPError):
            urllib.request.urlopen(urllib.request.Request(
                base_url + path, headers={"Referer": f"{base_url}/signer/{TOKEN}"}), timeout=10)


@pytest.mark.usefixtures("server_loggers")
def test_werkzeug_logs_every_capability_path_without_its_token(app, caplog):
    paths = capability_paths(app)
    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            request_each(f"http://127.0.0.1:{server.port}", paths)
    finally:
        server.shutdown()
        thread.join()

    request_lines = [record.getMessage() for record in caplog.records
                     if record.name == "werkzeug" and "HTTP/1.1" in record.getMessage()]
    assert len(request_lines) == len(paths)
    assert TOKEN not in caplog.text
    # Nor the client's address, which the server writes first.
    assert all(line.startswith("- - - [") for line in request_lines), request_lines[0]
    assert "127.0.0.1" not in caplog.text
    for path in paths:
        assert any(path.replace(TOKEN, REDACTED) in line for line in request_lines), path


@pytest.mark.usefixtures("server_loggers")
def test_flasks_error_line_names_the_path_without_its_token(app, caplog):
    with app.test_request_context(f"/signer/{TOKEN}/erase", method="POST"):
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            app.log_exception(sys.exc_info())  # type: ignore[arg-type]

    assert f"/signer/{REDACTED}/erase" in caplog.text and TOKEN not in caplog.text


@pytest.fixture
def gunicorn_access_log(app: Flask, database_url: str,
                        tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The app under gunicorn as production starts it, its access log in a file."""
    port, log = free_port(), tmp_path / "access.log"
    env = {**os.environ, "SECRET_KEY": "x" * 40, "DATABASE_URL": database_url,
           "MAIL_BACKEND": "file", "MAIL_FILE_DIR": str(tmp_path / "mail"),
           "SERVER_NAME": f"127.0.0.1:{port}", "RATELIMIT_ENABLED": "0"}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--access-logfile", str(log), "campaign:create_app()"],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        preexec_fn=ends_with_the_tests)
    base_url = f"http://127.0.0.1:{port}"

    def serving() -> bool:
        try:
            urllib.request.urlopen(base_url + "/", timeout=2)
        except urllib.error.HTTPError:
            return True
        except OSError:
            return process.poll() is not None
        return True

    try:
        wait_for(serving, timeout=60, what="gunicorn to answer")
        assert process.poll() is None, "gunicorn stopped"
        yield base_url, log
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_gunicorn_logs_every_capability_path_without_its_token(app, gunicorn_access_log):
    base_url, log = gunicorn_access_log
    paths = capability_paths(app)

    request_each(base_url, paths)

    # gunicorn writes a request's line once its answer is sent.
    redacted = [path.replace(TOKEN, REDACTED) for path in paths]
    wait_for(lambda: all(path in log.read_text() for path in redacted), timeout=10,
             what="a redacted line for every path")
    assert TOKEN not in log.read_text()
    assert f'"{base_url}/signer/{REDACTED}"' in log.read_text()  # the Referer
    # Nor the client's address, which the default format writes first.
    lines = log.read_text().splitlines()
    assert lines and all(line.startswith("- - - [") for line in lines), lines[0]


@pytest.mark.parametrize(("logger", "line", "kept"), [
    ("werkzeug", '203.0.113.7 - - [01/Dec/2026 18:43:57] "GET / HTTP/1.1" 200 -',
     '- - - [01/Dec/2026 18:43:57] "GET / HTTP/1.1" 200 -'),
    ("gunicorn.access",
     '2001:db8::7 - - [01/Dec/2026:18:43:57 +0000] "GET / HTTP/1.1" 200 5 "-" "curl"',
     '- - - [01/Dec/2026:18:43:57 +0000] "GET / HTTP/1.1" 200 5 "-" "curl"'),
    # What a proxy passed on, however it is written.
    ("gunicorn.access", '198.51.100.4:51234 - - [01/Dec/2026:18:43:57 +0000] "GET / HTTP/1.1"',
     '- - - [01/Dec/2026:18:43:57 +0000] "GET / HTTP/1.1"'),
    ("werkzeug", 'fe80::1%eth0 - - [01/Dec/2026 18:43:57] "GET / HTTP/1.1" 200 -',
     '- - - [01/Dec/2026 18:43:57] "GET / HTTP/1.1" 200 -'),
    ("werkzeug", '[2001:db8::7]:443 - - [01/Dec/2026 18:43:57] "GET / HTTP/1.1" 200 -',
     '- - - [01/Dec/2026 18:43:57] "GET / HTTP/1.1" 200 -'),
    # The request's own text stays as it is.
    ("gunicorn.access",
     '- - - [01/Dec/2026:18:43:57 +0000] "GET /search?ip=198.51.100.9 HTTP/1.1" 200',
     '- - - [01/Dec/2026:18:43:57 +0000] "GET /search?ip=198.51.100.9 HTTP/1.1" 200'),
    ("gunicorn.error", "Invalid request from ip=198.51.100.23: Invalid HTTP method: 'X'",
     "Invalid request from ip=-: Invalid HTTP method: 'X'"),
    ("gunicorn.error", "Invalid request from ip=2001:db8::1: Invalid HTTP version",
     "Invalid request from ip=-: Invalid HTTP version"),
    ("gunicorn.error", "Booting worker with pid: 4242", "Booting worker with pid: 4242"),
])
def test_a_servers_line_keeps_no_client_address(app, logger, line, kept):
    record = logging.LogRecord(logger, logging.WARNING, __file__, 1, line, None, None)

    assert logging.getLogger(logger).filter(record)

    assert record.getMessage() == kept
