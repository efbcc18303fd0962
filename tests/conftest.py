"""Fixtures shared by every tier.

By default the suite needs nothing but Python: SQLite in a temporary directory, an
in-memory broker for in-process tests, and, for the live tier, a real Celery worker
process over a broker on SQLite and an SMTP server (aiosmtpd) in this process.

Set TEST_DATABASE_URL (PostgreSQL) and TEST_BROKER_URL (Redis) to run the same suite
against the real services; `.ci/run` does, with TEST_REQUIRE_SERVICES=1 so that a
service that cannot be reached fails the run instead of being left out.
"""

from __future__ import annotations

import email
import email.policy
import os
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from campaign import create_app
from campaign.abuse.lists import forget_known_lists
from campaign.config import celery_settings
from campaign.drafting.importer import parse_statement
from campaign.drafting.services import create_statement_from_text
from campaign.extensions import db
from campaign.signing.first_signature import forget_open_statements
from campaign.statements.models import Statement
from tests.example_statement import EXAMPLE
from tests.support import TEST_SECRET_KEY

SERVER_NAME = "undersigned.test"
RAISED_RATE_LIMITS = ("SIGNING_RATE_LIMIT", "RESEND_RATE_LIMIT", "CONFIRM_RATE_LIMIT",
                      "SIGNER_ACTION_RATE_LIMIT", "UNSUBSCRIBE_RATE_LIMIT",
                      "SIGN_IN_RATE_LIMIT", "ACCOUNT_LINK_RATE_LIMIT", "LOGO_RATE_LIMIT")


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [
        f"database: {os.environ.get('TEST_DATABASE_URL') or 'SQLite (temporary file)'}",
        "live-tier broker: "
        f"{os.environ.get('TEST_BROKER_URL') or 'kombu on SQLite (temporary file)'}",
    ]


def _weasyprint_missing() -> str | None:
    """Why WeasyPrint cannot render here (its system libraries are missing), or None."""
    try:
        import weasyprint  # noqa: F401
    except OSError as error:
        return str(error).splitlines()[0]
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On a machine without Pango, PDF tests are left out and the run says so; never
    skipped. With TEST_REQUIRE_PDF=1 (as in .ci/run) that is an error instead."""
    missing = _weasyprint_missing()
    if missing is None:
        return
    if os.environ.get("TEST_REQUIRE_PDF") == "1":
        raise pytest.UsageError(f"TEST_REQUIRE_PDF=1 but WeasyPrint cannot load: {missing}")
    pdf_tests = [item for item in items if item.get_closest_marker("pdf")]
    if pdf_tests:
        config.hook.pytest_deselected(items=pdf_tests)
        items[:] = [item for item in items if not item.get_closest_marker("pdf")]
        print(f"\nPDF tests: {len(pdf_tests)} deselected; WeasyPrint cannot load ({missing}). "
              "Install Pango: apt-get install libpango-1.0-0 libpangoft2-1.0-0 "
              "libharfbuzz-subset0")


def pytest_sessionstart(session: pytest.Session) -> None:
    """With TEST_REQUIRE_SERVICES=1, every real service must answer before any test runs."""
    if os.environ.get("TEST_REQUIRE_SERVICES") != "1":
        return
    database_url = os.environ.get("TEST_DATABASE_URL", "")
    broker_url = os.environ.get("TEST_BROKER_URL", "")
    if not database_url.startswith("postgresql") or not broker_url.startswith("redis"):
        raise pytest.UsageError("TEST_REQUIRE_SERVICES=1 needs TEST_DATABASE_URL (PostgreSQL) "
                                "and TEST_BROKER_URL (Redis)")
    try:
        engine = create_engine(database_url)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as error:
        raise pytest.UsageError(
            f"PostgreSQL cannot be reached at {database_url}: {error}") from error
    import redis

    try:
        redis.Redis.from_url(broker_url, socket_connect_timeout=3).ping()
    except Exception as error:
        raise pytest.UsageError(f"Redis cannot be reached at {broker_url}: {error}") from error


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'undersigned-test.sqlite'}"
    # A clean schema each session, built by the migrations as in production.
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def make_app(database_url: str, mail_dir: Path, **overrides: object) -> Flask:
    settings = {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SERVER_NAME": SERVER_NAME,
        "MAIL_BACKEND": "file",
        "MAIL_FILE_DIR": str(mail_dir),
        "LOGO_DIR": str(mail_dir / "logos"),
        "DEV_MAIL_PAGE": True,
        "CELERY": celery_settings("memory://"),
        # The public forms' limits are on, as in every mode, but high enough for tests
        # that submit many times from 127.0.0.1; the tests of the limits set their own.
        **{name: "100000 per minute" for name in RAISED_RATE_LIMITS},
    }
    settings.update(overrides)
    return create_app(settings)


@pytest.fixture(scope="session")
def mail_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mail")


@pytest.fixture(scope="session")
def app(database_url: str, mail_dir: Path) -> Flask:
    app = make_app(database_url, mail_dir)
    with app.app_context():
        upgrade()
        # The migrations turn SQLite's foreign keys off on the connection they use, and
        # cannot turn them on again inside its transaction: start the tests on fresh
        # connections, where every ON DELETE CASCADE works as in production.
        db.engine.dispose()
    return app


@pytest.fixture(autouse=True)
def _clean_state(request: pytest.FixtureRequest, mail_dir: Path) -> Iterator[None]:
    """Every test starts with empty tables and no captured mail, and with the session's
    app as the one a task called directly runs in."""
    if "app" in request.fixturenames:
        # Each app made makes its Celery app the current one, and a task runs in the
        # Flask app of the current Celery app: after a test that made an app of its own
        # (on a database migrated only halfway, say), a task called directly would read
        # that app's database instead of the session's.
        celery_app = request.getfixturevalue("app").extensions["celery"]
        celery_app.set_current()
        celery_app.set_default()
    yield
    if "app" not in request.fixturenames:
        return
    app: Flask = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
    for path in mail_dir.glob("*.eml"):
        path.unlink()
    # The logos of the rows just emptied (the store is the session's, beside the mail).
    for path in (mail_dir / "logos").glob("*"):
        path.unlink()
    # What a process remembers of the tables it just emptied.
    forget_known_lists()
    forget_open_statements()


class RecordingSMTPHandler:
    """An SMTP server's handler that keeps what it receives, and can refuse on demand."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        # Each message's envelope recipients (RCPT TO), which no header shows.
        self.recipients: list[list[str]] = []
        self.refuse_next = 0
        self.refuse_recipient_next = 0

    async def handle_RCPT(self, server: object, session: object, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        if self.refuse_recipient_next:
            self.refuse_recipient_next -= 1
            # As Postfix words it: the reply names the address.
            return f"550 5.1.1 <{address}>: Recipient address rejected"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: object, session: object, envelope: Envelope) -> str:
        if self.refuse_next:
            self.refuse_next -= 1
            return "451 4.3.0 Mailbox temporarily unavailable"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)  # type: ignore[arg-type]
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def _smtp_controller() -> Iterator[Controller]:
    controller = Controller(RecordingSMTPHandler(), hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def smtp(_smtp_controller: Controller) -> Iterator[RecordingSMTPHandler]:
    """A real SMTP server in this process, empty at the start of each test."""
    handler: RecordingSMTPHandler = _smtp_controller.handler
    handler.messages.clear()
    handler.recipients.clear()
    handler.refuse_next = 0
    handler.refuse_recipient_next = 0
    yield handler


@pytest.fixture(scope="session")
def smtp_app(app: Flask, database_url: str, mail_dir: Path, _smtp_controller: Controller) -> Flask:
    """The application sending real SMTP to the test server, on the same database."""
    return make_app(database_url, mail_dir, MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1",
                    MAIL_PORT=_smtp_controller.port, MAIL_TIMEOUT=5)


@pytest.fixture
def smtp_context(smtp_app: Flask) -> Iterator[None]:
    """Inside the SMTP-sending application, whatever the test left uncommitted dropped."""
    with smtp_app.app_context():
        yield
        db.session.rollback()


@pytest.fixture
def app_context(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield
        db.session.rollback()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def import_example(slug: str = "crimea-2020", publish: bool = True) -> Statement:
    statement = create_statement_from_text(
        parse_statement(EXAMPLE.read_text(encoding="utf-8")), slug=slug, publish=publish
    )
    db.session.commit()
    return statement


@pytest.fixture
def statement_slug(app: Flask) -> str:
    """The example statement, published, as the public and signers see it."""
    with app.app_context():
        return import_example().slug


COORDINATOR_PASSWORD = "correct horse battery staple"


def create_coordinator_for(email: str, *slugs: str, name: str = "Coordinator") -> int:
    """A coordinator on the teams of these statements; call inside an app context."""
    from campaign.accounts.services import add_to_team, create_coordinator
    from campaign.statements.services import get_statement

    coordinator = create_coordinator(email, name, COORDINATOR_PASSWORD)
    for slug in slugs:
        add_to_team(get_statement(slug), coordinator)
    db.session.commit()
    return coordinator.id


def sign_in(client: FlaskClient, email: str) -> None:
    from tests.support import post_form

    response = post_form(client, "/coordinate/sign-in", "/coordinate/sign-in",
                         {"email": email, "password": COORDINATOR_PASSWORD})
    assert response.status_code == 302, response.text


@pytest.fixture
def coordinator_client(app: Flask, statement_slug: str) -> FlaskClient:
    """A browser signed in as a coordinator on the example statement's team."""
    with app.app_context():
        create_coordinator_for("coordinator@example.org", statement_slug, name="Mariia Tomak")
    client = app.test_client()
    sign_in(client, "coordinator@example.org")
    return client
