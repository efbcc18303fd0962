"""Upgrading to coalition teams: statements whose teams had the same members share one
team, and nobody loses a statement they could open."""

from __future__ import annotations

import sqlite3

from flask_migrate import downgrade, upgrade

from campaign import create_app

NOW = "2026-01-01 00:00:00"
LATER = "2026-02-01 00:00:00"


def test_statements_with_the_same_members_share_one_team_owned_by_the_first(tmp_path):
    path = tmp_path / "old.sqlite"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        upgrade(revision="0013")
    with sqlite3.connect(path) as old:
        for id_, name in [(1, "Mariia"), (2, "Oleksandra")]:
            old.execute("INSERT INTO coordinator (id, email, name, password_hash, created_at,"
                        " failed_sign_ins, is_admin) VALUES (?, ?, ?, 'x', ?, 0, 0)",
                        (id_, f"{name.lower()}@example.org", name, NOW))
        for id_ in (1, 2, 3):
            old.execute("INSERT INTO statement (id, slug, title, body_markdown, status,"
                        " created_at) VALUES (?, ?, ?, '', 'draft', ?)",
                        (id_, f"s{id_}", f"Statement {id_}", NOW))
        for statement_id, coordinator_id, added in [(1, 1, NOW), (1, 2, LATER), (2, 2, NOW),
                                                    (2, 1, LATER), (3, 2, NOW)]:
            old.execute("INSERT INTO statement_team_member VALUES (?, ?, ?)",
                        (statement_id, coordinator_id, added))
        old.execute("INSERT INTO team_invitation (statement_id, email, token_hash, created_at,"
                    " expires_at) VALUES (3, 'new@example.org', 'h', ?, ?)", (NOW, LATER))

    with app.app_context():
        upgrade()

    with sqlite3.connect(path) as new:
        teams = dict(new.execute("SELECT id, team_id FROM statement").fetchall())
        assert teams[1] == teams[2] != teams[3]
        members = sorted(new.execute("SELECT team_id, coordinator_id FROM team_member"))
        assert members == sorted([(teams[1], 1), (teams[1], 2), (teams[3], 2)])
        owners = dict(new.execute("SELECT id, owner_id FROM team").fetchall())
        # Both were first on one statement each; the lower id breaks the tie.
        assert owners == {teams[1]: 1, teams[3]: 2}
        assert new.execute("SELECT team_id FROM team_invitation").fetchall() == [(teams[3],)]
        assert new.execute("SELECT time_zone FROM coordinator").fetchall() == [("UTC",)] * 2

    with app.app_context():
        downgrade(revision="0013")
    with sqlite3.connect(path) as old:
        assert sorted(old.execute("SELECT statement_id, coordinator_id FROM"
                                  " statement_team_member")) == [(1, 1), (1, 2), (2, 1), (2, 2),
                                                                 (3, 2)]
        assert old.execute("SELECT statement_id FROM team_invitation").fetchall() == [(3,)]
