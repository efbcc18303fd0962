"""Migration 0015 on a database of statements and signatures made before it: they
keep working as they did, with no deadline, affiliations off and the signatories in
the order they signed; and a downgrade takes the columns away again."""

from __future__ import annotations

from pathlib import Path

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from campaign.extensions import db
from campaign.signing.models import IndividualSignature
from campaign.statements.models import SignatoryGrouping, Statement
from tests.conftest import make_app


def test_0015_leaves_existing_statements_as_they_were(tmp_path: Path):
    app = make_app(f"sqlite:///{tmp_path / 'old.sqlite'}", tmp_path / "mail")
    with app.app_context():
        upgrade(revision="0013")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO statement (id, slug, title, body_markdown, status, created_at) "
                "VALUES (1, 's', 'A statement', 'Text', 'published', '2026-01-01')"))
            connection.execute(text(
                "INSERT INTO individual_signature (id, statement_id, name, email, email_key, "
                "  country, name_display, wants_updates, status, created_at, link_secret) "
                "VALUES (5, 1, 'Olena', 'olena@example.org', 'olena@example.org', 'UA', "
                "  'full', false, 'confirmed', '2026-01-01', 'secret')"))
        upgrade()

        statement = db.session.get(Statement, 1)
        assert statement.signing_deadline is None and statement.delivery_date is None
        assert statement.time_zone == "UTC"
        assert not statement.deadline_extended and not statement.asks_affiliation
        assert statement.affiliation_disclaimer is None
        assert statement.signatory_grouping is SignatoryGrouping.NONE
        assert statement.is_open_for_signing
        assert db.session.scalars(select(IndividualSignature.affiliation)).all() == [None]
        db.session.rollback()

        downgrade(revision="0013")
        columns = {column["name"] for column in inspect(db.engine).get_columns("statement")}
        assert "signing_deadline" not in columns and "slug" in columns
