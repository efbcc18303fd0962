"""Migration 0026 on invitations stored before: each keeps when it was mailed, and an
address with two open invitations to a team (two requests at once) keeps the one
mailed last."""

from __future__ import annotations

from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import text

from campaign.extensions import db
from tests.conftest import make_app


def test_0026_keeps_the_open_invitation_mailed_last_and_when_it_was_sent(
        tmp_path: Path):
    app = make_app(f"sqlite:///{tmp_path / 'old.sqlite'}", tmp_path / "mail")
    with app.app_context():
        upgrade(revision="0025")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO team (id, name, created_at) VALUES (1, 'Coalition', '2026-01-01'),"
                " (2, 'Other', '2026-01-01')"))
            connection.execute(text(
                "INSERT INTO team_invitation (id, team_id, email, token_hash, created_at, "
                "  expires_at, accepted_at) VALUES "
                # Row 1 was renewed last: its link is the one the invitee holds.
                "(1, 1, 'a@example.org', 'h1', '2026-01-02', '2026-01-19', NULL), "
                "(2, 1, 'a@example.org', 'h2', '2026-01-03', '2026-01-10', NULL), "
                "(3, 1, 'a@example.org', 'h3', '2026-01-01', '2026-01-08', '2026-01-02'), "
                "(4, 2, 'a@example.org', 'h4', '2026-01-04', '2026-01-11', NULL), "
                "(5, 1, 'b@example.org', 'h5', '2026-01-05', '2026-01-12', NULL)"))
        upgrade()

        with db.engine.connect() as connection:
            kept = connection.execute(text(
                "SELECT id, sent_at = created_at FROM team_invitation ORDER BY id")).all()

    assert [tuple(row) for row in kept] == [(1, 1), (3, 1), (4, 1), (5, 1)]
