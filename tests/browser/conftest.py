"""The browser tier: walks through the real application in Chromium.

Everything is real: the Flask application served over HTTP on 127.0.0.1 by a
threaded Werkzeug server, a Celery worker process over the live broker (kombu on a
SQLite file by default, Redis with TEST_BROKER_URL), the database of the session
(SQLite by default, PostgreSQL with TEST_DATABASE_URL), and the SMTP server of
tests/conftest.py, from which a walk reads the links it then opens in the browser.

Chromium is Debian's (/usr/bin/chromium), driven by Playwright's sync API; nothing is
downloaded. Without it the tier is deselected (never skipped), unless
TEST_REQUIRE_BROWSER=1, which makes its absence fail the run.

Fixtures for walks (the first four live as long as this package's tests):
- `live_server`: the base URL, "http://127.0.0.1:<port>"; a worker is running.
- `live_app`: the served Flask application (use its app_context to prepare data).
- `live_worker`: the Celery worker process.
- `browser`: the Playwright Browser.
- `open_context(**options)`: a new BrowserContext (English, base URL set) whose
  requests are recorded; closed after the test.
- `page`: a Page in such a context.
- `requests_made`: every request of the test's contexts (`.urls`, `.foreign()`); a
  request to another origin than the live server fails the test.
- `mailbox`: the SMTP server's messages; `mailbox.wait_for(address, count=n)` waits
  for the n-th message to an address, `mailbox.confirmation_link(address)` for its link.
- `published_example`: the path of the example statement, imported and published.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from werkzeug.serving import make_server

from campaign.config import celery_settings
from tests.browser.walks import Mailbox, RequestLog
from tests.conftest import RecordingSMTPHandler, import_example, make_app
from tests.support import celery_worker_process

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
HERE = Path(__file__).resolve().parent


_TIER_STATE = pytest.StashKey[str]()


def _chromium_present() -> bool:
    return CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test in this directory is in the browser tier; without Chromium the tier
    is deselected, or, with TEST_REQUIRE_BROWSER=1, the run fails."""
    tier = []
    for item in items:
        if HERE in item.path.parents:
            if item.get_closest_marker("browser") is None:
                item.add_marker(pytest.mark.browser)
            tier.append(item)
    if _chromium_present():
        config.stash[_TIER_STATE] = f"browser tier: {CHROMIUM}"
        return
    if os.environ.get("TEST_REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(f"TEST_REQUIRE_BROWSER=1 but {CHROMIUM} was not found "
                                "(apt-get install chromium)")
    config.stash[_TIER_STATE] = f"browser tier: deselected, {CHROMIUM} not found"
    if tier:
        deselected = set(tier)
        items[:] = [item for item in items if item not in deselected]
        config.hook.pytest_deselected(items=tier)


def pytest_report_collectionfinish(config: pytest.Config) -> str | None:
    return config.stash.get(_TIER_STATE, None)


# The live application and worker ----------------------------------------------------


class _LateApp:
    """A WSGI callable whose application is set once the server's port is known,
    so that SERVER_NAME can name that port without racing for a free one."""

    app: Flask | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        assert self.app is not None
        return self.app(environ, start_response)


@pytest.fixture(scope="package")
def _http_server() -> Iterator[Any]:
    slot = _LateApp()
    server = make_server("127.0.0.1", 0, slot, threaded=True)
    server.slot = slot  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="package")
def _server_name(_http_server: Any) -> str:
    return f"127.0.0.1:{_http_server.port}"


@pytest.fixture(scope="package")
def _browser_broker_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return os.environ.get("TEST_BROKER_URL") or (
        f"sqla+sqlite:///{tmp_path_factory.mktemp('browser-broker') / 'broker.sqlite'}")


@pytest.fixture(scope="package")
def live_app(app: Flask, database_url: str, mail_dir: Path, _browser_broker_url: str,
             _server_name: str) -> Flask:
    """The application the browser talks to: the session's database (migrated by the
    `app` fixture), the live broker, and SERVER_NAME naming the live server."""
    return make_app(database_url, mail_dir, SERVER_NAME=_server_name,
                    CELERY=celery_settings(_browser_broker_url))


@pytest.fixture(scope="package")
def live_worker(live_app: Flask, database_url: str, _browser_broker_url: str, _server_name: str,
                _smtp_controller: Controller, tmp_path_factory: pytest.TempPathFactory,
                ) -> Iterator[subprocess.Popen[bytes]]:
    with celery_worker_process(
            database_url=database_url, broker_url=_browser_broker_url,
            smtp_port=_smtp_controller.port, server_name=_server_name,
            log_path=tmp_path_factory.mktemp("browser-worker") / "worker.log") as process:
        yield process


@pytest.fixture(scope="package")
def live_server(_http_server: Any, live_app: Flask, live_worker: subprocess.Popen[bytes]) -> str:
    """The base URL of the running application, with its worker running."""
    _http_server.slot.app = live_app
    return f"http://{live_app.config['SERVER_NAME']}"


# The browser -------------------------------------------------------------------------


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def requests_made(live_server: str) -> RequestLog:
    return RequestLog(live_server)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """A test whose pages made a request to another origin fails (as a failure of
    the test, not an error in its teardown)."""
    result = yield
    log = getattr(item, "funcargs", {}).get("requests_made")
    if isinstance(log, RequestLog) and log.foreign():
        raise AssertionError(f"the pages made requests to other origins: {log.foreign()}")
    return result


@pytest.fixture
def open_context(browser: Browser, live_server: str, requests_made: RequestLog,
                 ) -> Iterator[Callable[..., BrowserContext]]:
    """open_context(**options) -> a new BrowserContext (e.g. java_script_enabled=False),
    English, with relative URLs resolved against the live server, its requests
    recorded in `requests_made`."""
    contexts: list[BrowserContext] = []

    def open_(**options: Any) -> BrowserContext:
        context = browser.new_context(**{"base_url": live_server, "locale": "en-GB", **options})
        context.set_default_timeout(15_000)
        context.on("request", lambda request: requests_made.urls.append(request.url))
        contexts.append(context)
        return context

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_context: Callable[..., BrowserContext]) -> Page:
    return open_context().new_page()


# Mail --------------------------------------------------------------------------------


@pytest.fixture
def mailbox(smtp: RecordingSMTPHandler) -> Mailbox:
    return Mailbox(smtp)


@pytest.fixture
def published_example(live_app: Flask) -> str:
    """The example statement, imported and published: its path, "/s/crimea-2020"."""
    with live_app.app_context():
        return f"/s/{import_example().slug}"
