"""The one-round-trip path of a first signature (campaign.signing.first_signature):
what it stores and mails, and how it gives way to the full path when what it
remembers of the statement is no longer true."""

from __future__ import annotations

from html import unescape

from flask import Flask
from sqlalchemy import event, select, update

from campaign.database import autocommit_engine, utcnow
from campaign.extensions import db
from campaign.outbox.models import OutboxMessage
from campaign.signing.models import IndividualSignature, IndividualStatus
from campaign.statements.models import Statement
from campaign.statements.services import get_statement
from tests.public.test_signer_page import signer_page_link
from tests.public.test_signing_pages import (
    link_in_latest_mail_to,
    sign,
    text_of_id,
)


def stored(app: Flask) -> list[tuple[str, IndividualStatus, str]]:
    with app.app_context():
        return [(s.email, s.status, s.statement.title) for s in db.session.scalars(
            select(IndividualSignature).order_by(IndividualSignature.id))]


def subjects_to(app: Flask, address: str) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(OutboxMessage.subject).where(
            OutboxMessage.to_address == address).order_by(OutboxMessage.id)))


def rename(app: Flask, slug: str, title: str) -> None:
    with app.app_context():
        db.session.execute(update(Statement).where(Statement.slug == slug).values(title=title))
        db.session.commit()


def test_a_first_signature_is_stored_with_its_confirmation_and_its_signers_link(
        app, client, mail_dir, statement_slug):
    response = sign(client, statement_slug, **{"person-email": "Olena@Example.org"})

    assert response.status_code == 302
    assert response.location.endswith(f"/s/{statement_slug}/check-your-email")
    [(email, status, title)] = stored(app)
    assert (email, status) == ("olena@example.org", IndividualStatus.UNCONFIRMED)
    assert subjects_to(app, "olena@example.org") == [f"Please confirm your signature: {title}"]
    # The link to the signer's own page names the row inserted in the same statement:
    # the worker writes it into the e-mail.
    assert link_in_latest_mail_to(app, mail_dir, "olena@example.org").startswith("/confirm/")
    assert signer_page_link(app, mail_dir, "olena@example.org").startswith("/signer/")


def test_a_retitled_statement_is_signed_under_its_new_title(app, client, statement_slug):
    assert sign(client, statement_slug, **{"person-email": "one@example.org"}).status_code == 302
    rename(app, statement_slug, "A new title")

    assert sign(client, statement_slug, **{"person-email": "two@example.org"}).status_code == 302
    assert sign(client, statement_slug, **{"person-email": "three@example.org"}).status_code == 302

    assert subjects_to(app, "two@example.org") == [
        "Please confirm your signature: A new title"]
    assert subjects_to(app, "three@example.org") == [
        "Please confirm your signature: A new title"]
    assert [email for email, *_ in stored(app)] == [
        "one@example.org", "two@example.org", "three@example.org"]


def test_a_statement_closed_after_its_first_signatures_takes_no_more(
        app, client, statement_slug):
    assert sign(client, statement_slug, **{"person-email": "one@example.org"}).status_code == 302
    with app.app_context():
        get_statement(statement_slug).close(utcnow())
        db.session.commit()

    response = sign(client, statement_slug, **{"person-email": "two@example.org"})

    assert response.status_code == 400
    assert "This statement is closed: it no longer takes signatures." in unescape(
        text_of_id(response.text, "main"))
    assert [email for email, *_ in stored(app)] == ["one@example.org"]
    assert subjects_to(app, "two@example.org") == []


def test_signing_again_gets_the_already_signed_answer_and_no_second_row(
        app, client, statement_slug):
    for _ in range(2):
        assert sign(client, statement_slug, **{"person-email": "one@example.org"}
                    ).status_code == 302
    assert len(stored(app)) == 1
    # The second submission came within the resend interval: nothing more was sent.
    assert len(subjects_to(app, "one@example.org")) == 1


def test_a_first_signature_is_one_statement_on_postgresql_and_two_inserts_on_sqlite(
        app, client, statement_slug, database_url):
    assert sign(client, statement_slug, **{"person-email": "warm@example.org"}
                ).status_code == 302
    on_postgresql = database_url.startswith("postgresql")
    with app.app_context():
        # SQLite has no INSERT inside a WITH: there the two inserts share the request's
        # transaction instead.
        engine = autocommit_engine() if on_postgresql else db.engine
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert sign(client, statement_slug, **{"person-email": "one@example.org"}
                    ).status_code == 302
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    writes = [sql.lstrip() for sql in statements if "INSERT" in sql or "UPDATE" in sql]
    if on_postgresql:
        assert len(statements) == 1
        assert writes[0].startswith("WITH signature AS")
        assert "INSERT INTO outbox_message" in writes[0]
    else:
        assert [sql.split("(")[0].strip() for sql in writes] == [
            "INSERT INTO individual_signature", "INSERT INTO outbox_message"]


def test_a_signature_keeps_its_times_in_utc_whatever_the_database_servers_zone(
        app, client, statement_slug, database_url):
    if database_url.startswith("postgresql"):
        # A server set up in Kyiv: the signing path's own connections in that zone.
        with app.app_context():
            engine = autocommit_engine()
            engine.dispose()
            event.listen(engine, "connect", _in_kyiv)
    try:
        before = utcnow()
        assert sign(client, statement_slug, **{"person-email": "kyiv@example.org"}
                    ).status_code == 302
        after = utcnow()
    finally:
        if database_url.startswith("postgresql"):
            event.remove(engine, "connect", _in_kyiv)
            engine.dispose()
    with app.app_context():
        signature = db.session.scalars(select(IndividualSignature).where(
            IndividualSignature.email == "kyiv@example.org")).one()
        queued = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.to_address == "kyiv@example.org")).one()
        assert before <= signature.created_at <= after
        assert before <= queued.created_at <= after
        assert signature.confirmation_expires_at > after


def _in_kyiv(dbapi_connection, record) -> None:
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'Europe/Kyiv'")
