"""/healthz: what a proxy or an uptime monitor asks of each node. 200 only when the
node can serve, 503 naming what it cannot reach, and never the reason."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from campaign.extensions import limiter
from tests.conftest import free_port, make_app


def test_a_node_that_can_serve_says_ok(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.text == "ok\n"
    assert response.mimetype == "text/plain"
    assert response.headers["Cache-Control"] == "no-store"
    # A poll every few seconds leaves no session behind.
    assert "Set-Cookie" not in response.headers


def test_a_node_without_its_database_says_so_and_not_why(mail_dir):
    port = free_port()
    down = make_app(f"postgresql+psycopg://postgres@127.0.0.1:{port}/undersigned", mail_dir)

    response = down.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.text == "unavailable: database\n"
    assert response.headers["Retry-After"] == "30"
    assert str(port) not in response.text


def test_what_is_down_is_told_to_the_machine_itself_only(mail_dir):
    down = make_app(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/undersigned",
                    mail_dir)
    client = down.test_client()
    client.environ_base["REMOTE_ADDR"] = "203.0.113.5"
    proxied = down.test_client()

    from_outside = client.get("/healthz")
    through_a_proxy = proxied.get("/healthz", headers={"X-Forwarded-For": "203.0.113.5"})

    for response in (from_outside, through_a_proxy):
        assert response.status_code == 503
        assert response.text == "unavailable\n"


@pytest.fixture
def app_without_its_limits_storage(app: Flask, database_url: str, mail_dir) -> Iterator[Flask]:
    # There is one limiter for every application, and the last one made gives it its
    # storage: the suite's application gets its own back afterwards.
    yield make_app(database_url, mail_dir,
                   RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{free_port()}/0")
    limiter.init_app(app)


def test_a_node_without_its_rate_limits_storage_says_so(app_without_its_limits_storage):
    response = app_without_its_limits_storage.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.text == "unavailable: rate-limit storage\n"
