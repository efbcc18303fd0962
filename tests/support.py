"""Helpers for tests: doing what a person does (reading a form's token, following a
link from an e-mail) and waiting for what another process does, with a deadline."""

from __future__ import annotations

import ctypes
import email
import email.policy
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from html import unescape
from pathlib import Path
from typing import TypeVar

import pytest
from flask.testing import FlaskClient

PROJECT_ROOT = Path(__file__).resolve().parent.parent

T = TypeVar("T")

_CSRF_FIELD = re.compile(r'name="(?:[\w-]*-)?csrf_token"[^>]*value="([^"]+)"')
_CONFIRM_LINK = re.compile(r"https?://\S+/confirm/[\w-]+")
_HIDDEN_FIELD = re.compile(r'<input [^>]*type="hidden"[^>]*>')
_ATTRIBUTE = re.compile(r'(name|value)="([^"]*)"')


def wait_for(probe: Callable[[], T | None], *, timeout: float = 30.0, what: str = "it") -> T:
    """Poll until probe returns something truthy; fail with `what` after the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what} after {timeout} s")
        time.sleep(0.05)


# prctl(PR_SET_PDEATHSIG, SIGTERM), resolved here rather than in the forked child.
_PR_SET_PDEATHSIG = 1
_prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform == "linux" else None


def ends_with_the_tests() -> None:
    """Popen's preexec_fn for a server the tests start: Linux sends it SIGTERM when the
    tests' process ends, however it ends. A SIGKILLed run (CI's timeout) would
    otherwise leave its servers holding their ports, databases and Redis."""
    if _prctl is not None and _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")


def csrf_token(html: str) -> str:
    match = _CSRF_FIELD.search(html)
    assert match, "the page has no CSRF token"
    return match[1]


def hidden_fields(html: str) -> dict[str, str]:
    """What a page's hidden inputs send (its token, and what a confirmation showed)."""
    fields = {}
    for tag in _HIDDEN_FIELD.findall(html):
        attributes = dict(_ATTRIBUTE.findall(tag))
        fields[attributes["name"]] = unescape(attributes.get("value", ""))
    return fields


def session_csrf_token(client: FlaskClient) -> str:
    """A CSRF token of the browser's session, as the confirmation page, the signer's
    page and the workspace carry (the statement page's forms carry tokens of their
    own, without a session: campaign.form_tokens)."""
    return csrf_token(client.get("/coordinate/sign-in").text)


def post_form(client: FlaskClient, page_url: str, action: str, fields: dict[str, str]):
    """Open the page as a browser would, then send the form with the page's token
    (named after the form's prefix, as in "person-name")."""
    page = client.get(page_url)
    assert page.status_code == 200, page.status_code
    prefix = next(iter(fields)).partition("-")[0] + "-" if "-" in next(iter(fields)) else ""
    return client.post(action, data={**fields, f"{prefix}csrf_token": csrf_token(page.text)})


def individual_fields(**overrides: str) -> dict[str, str]:
    fields = {
        "person-name": "Olena Kovalenko",
        "person-email": "olena@example.org",
        "person-country": "UA",
        "person-name_display": "full",
    }
    fields.update(overrides)
    return fields


def organization_fields(**overrides: str) -> dict[str, str]:
    fields = {
        "org-name": "Kharkiv Solidarity Network",
        "org-country": "UA",
        "org-organization_type": "ngo",
        "org-website": "solidarity.example.org",
        "org-contact_name": "Iryna Shevchenko",
        "org-contact_email": "iryna@solidarity.example.org",
        "org-authorized_to_sign": "y",
    }
    fields.update(overrides)
    return fields


_INLINE_TAG = re.compile(r"</?(?:a|abbr|b|bdi|code|em|i|span|strong)\b[^>]*>")


def page_text(html: str) -> str:
    """A page's text as a reader sees it: without its tags, one space between words
    (and none where an inline element such as a link or code starts or ends)."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", _INLINE_TAG.sub("", html))).split())


def read_mail_dir(directory: Path) -> list[EmailMessage]:
    messages = []
    for path in sorted(directory.glob("*.eml")):
        with path.open("rb") as handle:
            messages.append(email.message_from_binary_file(handle, policy=email.policy.default))
    return messages


def text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return body.get_content()


def confirmation_link(message: EmailMessage) -> str:
    match = _CONFIRM_LINK.search(text_of(message))
    assert match, "the e-mail has no confirmation link"
    return match[0]


def path_of(link: str) -> str:
    """The part of a link, absolute or not, that a request asks for."""
    return urllib.parse.urlsplit(link)._replace(scheme="", netloc="").geturl()


# The suite's applications and its worker processes sign links with the same key, as
# every process of one instance must (README, "Running more than one").
TEST_SECRET_KEY = "test-secret-key"


@contextmanager
def celery_worker_process(*, database_url: str, broker_url: str, smtp_port: int,
                          server_name: str, log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`celery -A worker worker` in its own process, and `celery beat` in another,
    configured through the environment as in production, sending mail over SMTP and
    naming `server_name` in its links. Beat relays the outbox every half second."""
    env = {
        **os.environ,
        "APP_ENV": "development",
        "SECRET_KEY": TEST_SECRET_KEY,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker_url,
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        "SERVER_NAME": server_name,
        "OUTBOX_RELAY_SECONDS": "0.5",
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "worker:celery_app", "worker",
             "--pool=solo", "--purge", "--without-heartbeat", "--without-mingle",
             "--without-gossip", "--loglevel=INFO"],
            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            preexec_fn=ends_with_the_tests)
        beat = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "worker:celery_app", "beat",
             "--schedule", str(log_path.with_suffix(".beat-schedule")), "--loglevel=INFO"],
            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            preexec_fn=ends_with_the_tests)
    try:
        wait_for(lambda: process.poll() is not None or b" ready." in log_path.read_bytes(),
                 timeout=60, what="the Celery worker to start")
        assert process.poll() is None and beat.poll() is None, log_path.read_text()
        yield process
    finally:
        for stopping in (beat, process):
            stopping.terminate()
            try:
                stopping.wait(timeout=20)
            except subprocess.TimeoutExpired:
                stopping.kill()
                stopping.wait(timeout=10)
        if process.returncode not in (0, -15) or beat.returncode not in (0, -15):
            print(log_path.read_text())


def tier_hooks(*, marker: str, name: str, missing: Callable[[], str | None]
               ) -> tuple[Callable[..., None], Callable[..., str | None]]:
    """A tier's two conftest hooks: they leave out the tests marked MARKER when what
    they need is missing (MISSING says what, or None) rather than skip them, and say
    so in the run's header; with TEST_REQUIRE_SERVICES=1 (as in `.ci/run`) they stop
    the run instead. Assign them to the conftest's pytest_collection_modifyitems and
    pytest_report_collectionfinish."""
    state = pytest.StashKey[str]()

    def leave_out(config: pytest.Config, items: list[pytest.Item]) -> None:
        tier = [item for item in items if item.get_closest_marker(marker)]
        if not tier or (reason := missing()) is None:
            return
        if os.environ.get("TEST_REQUIRE_SERVICES") == "1":
            raise pytest.UsageError(f"TEST_REQUIRE_SERVICES=1 but the {name} cannot run: {reason}")
        items[:] = [item for item in items if item not in tier]
        config.hook.pytest_deselected(items=tier)
        config.stash[state] = f"{name}: {len(tier)} deselected; {reason}"

    def report(config: pytest.Config) -> str | None:
        return config.stash.get(state, None)

    return leave_out, report


@contextmanager
def sql_statements() -> Iterator[list[str]]:
    """The SQL the app's engine runs inside the block, each statement's text up to its
    first parenthesis (its columns' and parameters' lists left out); call inside an
    app context. Two requests that run the same statements do the same work, whatever
    rows they find: what a form that must not tell whether an address is known is
    held to."""
    from sqlalchemy import event

    from campaign.extensions import db

    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append(re.sub(r"\s+", " ", statement).split(" (")[0])

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


@contextmanager
def committed_meanwhile(app, sql: str, at: Callable[[str], bool]) -> Iterator[list[str]]:
    """Inside the block, run SQL just before the first statement of the app's that AT
    accepts (AT is shown every statement), once: what another request would commit at
    that moment. (On the same connection, so within this request's transaction: a
    rollback of it takes the SQL back too.) Yields the statements it ran before, empty
    if none."""
    from sqlalchemy import event

    from campaign.extensions import db

    ran: list[str] = []

    def before(connection, cursor, statement, parameters, context, executemany) -> None:
        # AT sees every statement, not only those before the moment.
        if at(statement) and not ran:
            ran.append(statement)
            other = connection.connection.cursor()
            other.execute(sql)
            other.close()

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield ran
    finally:
        event.remove(engine, "before_cursor_execute", before)
