"""Migration 0025 on letters sent before: each keeps the address its e-mail went to,
and its addressee's name."""

from __future__ import annotations

from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import text

from campaign.extensions import db
from tests.conftest import make_app


def test_0025_gives_letters_sent_before_their_address_and_addressees_name(tmp_path: Path):
    app = make_app(f"sqlite:///{tmp_path / 'old.sqlite'}", tmp_path / "mail")
    with app.app_context():
        upgrade(revision="0024")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO statement (id, slug, title, body_markdown, status, created_at) "
                "VALUES (1, 's', 'A statement', 'Text', 'published', '2026-01-01')"))
            connection.execute(text(
                "INSERT INTO addressee (id, statement_id, name, email) VALUES "
                "(1, 1, 'Council of Europe', 'new@coe.example.org'), "
                "(2, 1, 'Mejlis', NULL)"))
            connection.execute(text(
                "INSERT INTO outbox_message (id, to_address, subject, template, context, "
                "  status, attempts, created_at) "
                "VALUES (1, 'old@coe.example.org', 'A statement', 'letter', '{}', 'sent', 1, "
                "  '2026-01-02')"))
            connection.execute(text(
                "INSERT INTO letter (id, statement_id, addressee_id, status, "
                "  organizations_count, individuals_count, created_at, outbox_message_id) "
                "VALUES (1, 1, 1, 'sent', 12, 3, '2026-01-02', 1), "
                "       (2, 1, 2, 'to_deliver_by_hand', 12, 3, '2026-01-02', NULL)"))
        upgrade()

        with db.engine.connect() as connection:
            letters = connection.execute(text(
                "SELECT addressee_name, to_address FROM letter ORDER BY id")).all()

    assert [tuple(row) for row in letters] == [
        ("Council of Europe", "old@coe.example.org"), ("Mejlis", None)]
