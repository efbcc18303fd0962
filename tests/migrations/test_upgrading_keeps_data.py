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


def test_statements_from_before_0016_keep_the_instance_voice_and_no_logos(tmp_path):
    path = tmp_path / "old.sqlite"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        upgrade(revision="0013")
    with sqlite3.connect(path) as old:
        old.execute("INSERT INTO statement (id, slug, title, body_markdown, status, created_at)"
                    " VALUES (1, 'crimea', 'Free them', '', 'published', ?)", (NOW,))
        old.execute("INSERT INTO demand_group (id, statement_id, position, intro)"
                    " VALUES (3, 1, 0, 'We call on')")
        old.execute("INSERT INTO organization_signature (id, statement_id, name, name_key,"
                    " authorized_to_sign, founding, status, created_at, link_secret) VALUES"
                    " (5, 1, 'ZMINA', 'zmina', 0, 1, 'approved', ?, 'secret')", (NOW,))

    with app.app_context():
        upgrade()

    with sqlite3.connect(path) as new:
        assert new.execute("SELECT sender_name, letter_logos FROM statement").fetchall() == [
            (None, 0)]
        assert new.execute("SELECT letter_salutation, letter_note, letter_closing, intro"
                           " FROM demand_group").fetchall() == [(None, None, None, "We call on")]
        assert new.execute("SELECT name, logo FROM organization_signature").fetchall() == [
            ("ZMINA", None)]
