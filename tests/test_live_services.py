"""The live tier: a real Celery worker process, a real broker, a real SMTP server.

By default the broker is kombu's SQLAlchemy transport on a SQLite file and the
database is SQLite, so this runs on a machine with nothing but Python; `.ci/run`
runs it against PostgreSQL and Redis. Nothing here is mocked: the test signs
through the web form, the worker sends the e-mail over SMTP, and the test follows
the link that the SMTP server received.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from campaign.config import celery_settings
from campaign.extensions import db
from campaign.outbox.models import OutboxMessage, OutboxStatus
from tests.conftest import SERVER_NAME, import_example, make_app
from tests.support import (
    celery_worker_process,
    confirmation_link,
    csrf_token,
    individual_fields,
    organization_fields,
    path_of,
    post_form,
    wait_for,
)

pytestmark = pytest.mark.live



@pytest.fixture(scope="module")
def broker_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return os.environ.get("TEST_BROKER_URL") or (
        f"sqla+sqlite:///{tmp_path_factory.mktemp('broker') / 'broker.sqlite'}")


@pytest.fixture(scope="module")
def live_app(app: Flask, database_url: str, mail_dir: Path, broker_url: str) -> Flask:
    return make_app(database_url, mail_dir, CELERY=celery_settings(broker_url))


@pytest.fixture(scope="module")
def worker(live_app: Flask, database_url: str, broker_url: str, _smtp_controller,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[subprocess.Popen[bytes]]:
    with celery_worker_process(
        database_url=database_url, broker_url=broker_url, smtp_port=_smtp_controller.port,
        server_name=SERVER_NAME, log_path=tmp_path_factory.mktemp("worker") / "worker.log",
    ) as process:
        yield process


def statement_counts(client, slug: str) -> str:
    html = client.get(f"/s/{slug}").text
    return " ".join(html.split('id="counts">', 1)[1].split("</p>", 1)[0].split())


@pytest.mark.usefixtures("worker")
def test_signer_confirms_with_the_link_the_smtp_server_received_and_is_counted(live_app, smtp):
    with live_app.app_context():
        slug = import_example().slug
    client = live_app.test_client()
    assert "0 individuals have signed" in statement_counts(client, slug)

    response = post_form(client, f"/s/{slug}", f"/s/{slug}/sign",
                         individual_fields(**{"person-name_display": "first_name_and_initial"}))
    assert response.status_code == 302

    received = wait_for(lambda: smtp.messages, what="the confirmation e-mail")
    [message] = received
    assert message["To"] == "olena@example.org"
    link = confirmation_link(message)
    assert link.startswith(f"http://{SERVER_NAME}/confirm/")
    confirm_page = client.get(path_of(link))
    assert "Confirm my signature" in confirm_page.text
    assert "0 individuals have signed" in statement_counts(client, slug)

    thanks = client.post(path_of(link), data={"csrf_token": csrf_token(confirm_page.text)},
                         follow_redirects=True)

    assert "It is shown as “Olena K.”" in thanks.text
    assert "1 individual has signed" in statement_counts(client, slug)
    assert "Olena K." in client.get(f"/s/{slug}").text
    with live_app.app_context():
        assert db.session.scalars(select(OutboxMessage.status)).all() == [OutboxStatus.SENT]


@pytest.mark.usefixtures("worker")
def test_organization_confirmed_and_approved_is_listed_and_its_contact_is_told(live_app, smtp):
    with live_app.app_context():
        slug = import_example().slug
    client = live_app.test_client()

    post_form(client, f"/s/{slug}", f"/s/{slug}/cosign", organization_fields())
    [confirmation] = wait_for(lambda: smtp.messages, what="the confirmation e-mail")
    link = confirmation_link(confirmation)
    client.post(path_of(link), data={"csrf_token": csrf_token(client.get(path_of(link)).text)})
    assert "Kharkiv Solidarity Network" not in client.get(f"/s/{slug}").text

    result = live_app.test_cli_runner().invoke(
        args=["approve-organization", slug, "Kharkiv Solidarity Network"])

    assert result.exit_code == 0, result.output
    page = client.get(f"/s/{slug}").text
    assert "Kharkiv Solidarity Network" in page
    assert "13 organizations" in statement_counts(client, slug)
    assert "iryna@solidarity.example.org" not in page
    approval = wait_for(lambda: smtp.messages[1:], what="the approval e-mail")[0]
    assert approval["To"] == "iryna@solidarity.example.org"
    assert "now listed" in approval.get_body(("plain",)).get_content()
