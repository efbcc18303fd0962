"""When the database cannot be reached, or drops a connection mid-request (a restart, a
failover), a person gets a calm "try again" page with 503 and Retry-After, never a 500;
and the next request, once the database answers, works."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import create_engine, event, func, select, text

from campaign.extensions import db
from campaign.signing.models import IndividualSignature
from tests.conftest import free_port, make_app
from tests.support import csrf_token, individual_fields
from tests.test_security_headers import assert_security_headers

CALM_PAGE = "Please try again in a minute"


def assert_try_again_page(response: Any) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert CALM_PAGE in response.text
    assert "what you sent was not saved" in response.text
    assert_security_headers(response, "the 503 page")


def test_an_unreachable_database_gets_the_try_again_page(mail_dir):
    down = make_app(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/undersigned",
                    mail_dir, WTF_CSRF_ENABLED=False)
    client = down.test_client()

    assert_try_again_page(client.get("/s/crimea-2020"))
    assert_try_again_page(client.post("/s/crimea-2020/sign", data=individual_fields()))
    assert_try_again_page(client.post("/coordinate/sign-in", data={
        "email": "coordinator@example.org", "password": "correct horse battery staple"}))
    assert_try_again_page(client.get("/confirm/some-token"))

    api = client.get("/api/v1/statements/crimea-2020")
    assert api.status_code == 503
    assert api.headers["Retry-After"] == "30"
    assert api.json == {"error": "Service Unavailable", "status": 503}


def drop_connection(connection: Any) -> None:
    """Take a connection away from under SQLAlchemy, as a database restart would:
    PostgreSQL terminates the backend, SQLite's connection is closed under it."""
    dbapi_connection = connection.connection.dbapi_connection
    if connection.engine.dialect.name == "postgresql":
        pid = dbapi_connection.info.backend_pid
        killer = create_engine(connection.engine.url)
        with killer.connect() as other:
            # Waits (up to 10 s) until the backend is gone.
            assert other.scalar(text("SELECT pg_terminate_backend(:pid, 10000)"),
                                {"pid": pid})
        killer.dispose()
    else:
        dbapi_connection.close()


@contextmanager
def connection_dropped_after_first_statement(app: Flask) -> Iterator[None]:
    """Drop the database connection of the next request right after its first
    statement, as a database restart would: PostgreSQL terminates the backend,
    SQLite's connection is closed under it."""
    with app.app_context():
        engine = db.engine
    dropped: list[int] = []

    def drop(connection: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not dropped:
            drop_connection(connection)
            dropped.append(1)

    event.listen(engine, "after_cursor_execute", drop)
    try:
        yield
    finally:
        event.remove(engine, "after_cursor_execute", drop)
    assert dropped, "no statement ran: nothing was dropped"


def test_a_connection_dropped_mid_signing_gets_the_try_again_page(database_url, mail_dir,
                                                                  app, statement_slug):
    restarting = make_app(database_url, mail_dir)
    client = restarting.test_client()
    form = client.get(f"/s/{statement_slug}")
    fields = {**individual_fields(), "person-csrf_token": csrf_token(form.text)}

    with connection_dropped_after_first_statement(restarting):
        response = client.post(f"/s/{statement_slug}/sign", data=fields)

    assert_try_again_page(response)
    with restarting.app_context():
        assert db.session.scalar(select(func.count()).select_from(IndividualSignature)) == 0
    # The broken connection was not put back in the pool: the same form now works.
    again = client.post(f"/s/{statement_slug}/sign", data=fields)
    assert again.status_code == 302
    with restarting.app_context():
        assert db.session.scalar(select(func.count()).select_from(IndividualSignature)) == 1


def test_a_connection_dropped_under_the_api_gets_a_json_503(database_url, mail_dir, app,
                                                           statement_slug):
    restarting = make_app(database_url, mail_dir)
    client = restarting.test_client()

    with connection_dropped_after_first_statement(restarting):
        response = client.get(f"/api/v1/statements/{statement_slug}")

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.json == {"error": "Service Unavailable", "status": 503}
    assert client.get(f"/api/v1/statements/{statement_slug}").status_code == 200


def test_a_page_made_before_the_database_went_away_is_still_served(database_url, mail_dir,
                                                                   app):
    """The connection dies after the last statement of a request: ending the request
    must not fail on it (a rollback on a dead connection), the page is what it was."""
    restarting = make_app(database_url, mail_dir)

    @restarting.get("/made-then-dropped")
    def made_then_dropped() -> str:
        db.session.execute(text("SELECT 1"))
        drop_connection(db.session.connection())
        return "made"

    client = restarting.test_client()
    response = client.get("/made-then-dropped")

    assert (response.status_code, response.text) == (200, "made")
    assert client.get("/made-then-dropped").status_code == 200, "the pool gave a live one"
