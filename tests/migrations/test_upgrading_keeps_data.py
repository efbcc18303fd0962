"""Upgrading an installation keeps its data. SQLite rebuilds a table to change it, and
a rebuild must not fire the ON DELETE actions of the rows that point at that table."""

from __future__ import annotations

import sqlite3

from flask_migrate import upgrade

from campaign import create_app

NOW = "2026-01-01 00:00:00"


def test_upgrading_sqlite_keeps_rows_that_point_at_rebuilt_tables(tmp_path):
    path = tmp_path / "old.sqlite"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        upgrade(revision="0005")
    with sqlite3.connect(path) as old:
        old.execute("INSERT INTO statement (id, slug, title, body_markdown, status, created_at)"
                    " VALUES (1, 'crimea', 'Free them', '', 'published', ?)", (NOW,))
        old.execute("INSERT INTO individual_signature (id, statement_id, name, email, country,"
                    " name_display, wants_updates, status, created_at) VALUES"
                    " (7, 1, 'Olena', 'olena@example.org', 'UA', 'full', 1, 'hidden', ?)",
                    (NOW,))
        old.execute("INSERT INTO moderation_action (statement_id, kind,"
                    " individual_signature_id, detail, created_at)"
                    " VALUES (1, 'hide', 7, 'abusive', ?)", (NOW,))

    with app.app_context():
        upgrade()

    with sqlite3.connect(path) as new:
        assert new.execute("SELECT count(*) FROM individual_signature").fetchone() == (1,)
        assert new.execute(
            "SELECT individual_signature_id FROM moderation_action").fetchall() == [(7,)]
