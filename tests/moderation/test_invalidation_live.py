"""A bulk invalidation asked for on the page is carried out by a real worker process
(over the real broker in `.ci/run`'s PostgreSQL run), after the commit that logged it."""

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
from campaign.moderation.models import Invalidation, InvalidationState
from campaign.signing.models import TallyKind
from campaign.signing.tally import add_to_tally, read_counts
from tests.abuse import factories
from tests.conftest import SERVER_NAME, create_coordinator_for, import_example, make_app, sign_in
from tests.support import celery_worker_process, hidden_fields, wait_for

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def live_app(app: Flask, database_url: str, mail_dir: Path,
             tmp_path_factory: pytest.TempPathFactory) -> Flask:
    broker_url = os.environ.get("TEST_BROKER_URL") or (
        f"sqla+sqlite:///{tmp_path_factory.mktemp('broker') / 'broker.sqlite'}")
    return make_app(database_url, mail_dir, CELERY=celery_settings(broker_url))


@pytest.fixture(scope="module")
def worker(live_app: Flask, database_url: str, _smtp_controller,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[subprocess.Popen[bytes]]:
    with celery_worker_process(
        database_url=database_url, broker_url=live_app.config["CELERY"]["broker_url"],
        smtp_port=_smtp_controller.port, server_name=SERVER_NAME,
        log_path=tmp_path_factory.mktemp("worker") / "worker.log",
    ) as process:
        yield process


@pytest.mark.usefixtures("worker")
def test_the_worker_invalidates_what_the_page_asked_for(live_app):
    with live_app.app_context():
        statement = import_example()
        for number in range(25):
            factories.individual(statement.id, f"bot{number}@mail.example",
                                 ip_prefix="203.0.113.0/24")
        factories.individual(statement.id, "olena@example.org")
        add_to_tally(statement.id, TallyKind.INDIVIDUALS, 26)
        db.session.commit()
        create_coordinator_for("mariia@example.org", statement.slug)
        slug, statement_id = statement.slug, statement.id
    client = live_app.test_client()
    sign_in(client, "mariia@example.org")
    preview = client.get(f"/coordinate/{slug}/invalidations/preview",
                         query_string={"ip_range": "203.0.113.0/24"})
    assert "25 signatures would be invalidated." in preview.text

    response = client.post(f"/coordinate/{slug}/invalidations", data={
        **hidden_fields(preview.text), "reason": "Flood"})
    assert response.status_code == 302

    def finished() -> bool:
        with live_app.app_context():
            return db.session.scalars(select(Invalidation.state)).one() \
                is InvalidationState.DONE

    wait_for(finished, timeout=60, what="the worker to finish the invalidation")
    assert "25 of 25 signatures invalidated" in client.get(
        f"/coordinate/{slug}/invalidations").text
    with live_app.app_context():
        assert read_counts(statement_id).individuals == 1
