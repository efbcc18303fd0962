"""Migration 0031 on letters sent before: each keeps its addressee's role."""

from __future__ import annotations

from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import text

from campaign.extensions import db
from tests.conftest import make_app


def test_0031_gives_letters_sent_before_their_addressees_role(tmp_path: Path):
    app = make_app(f"sqlite:///{tmp_path / 'old.sqlite'}", tmp_path / "mail")
    with app.app_context():
        upgrade(revision="0030")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO statement (id, slug, title, body_markdown, status, created_at) "
                "VALUES (1, 's', 'A statement', 'Text', 'published', '2026-01-01')"))
            connection.execute(text(
                "INSERT INTO addressee (id, statement_id, name, role, email) VALUES "
                "(1, 1, 'Council of Europe', 'Commissioner for Human Rights', "
                "  'coe@coe.example.org'), "
                "(2, 1, 'Mejlis', NULL, NULL)"))
            connection.execute(text(
                "INSERT INTO letter (id, statement_id, addressee_id, addressee_name, "
                "  to_address, status, organizations_count, individuals_count, created_at) "
                "VALUES (1, 1, 1, 'Council of Europe', 'coe@coe.example.org', 'failed', "
                "          12, 3, '2026-01-02'), "
                "       (2, 1, 2, 'Mejlis', NULL, 'to_deliver_by_hand', 12, 3, '2026-01-02')"))
        upgrade()

        with db.engine.connect() as connection:
            roles = connection.execute(text(
                "SELECT addressee_role FROM letter ORDER BY id")).scalars().all()

    assert roles == ["Commissioner for Human Rights", None]
