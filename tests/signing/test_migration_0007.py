"""Migration 0007 on an SQLite file holding signatures made before it: every row gets a
link secret and the key of its address, two old spellings of one mailbox both stay
(told apart), nothing that refers to a rebuilt table loses its link, and ids are
never handed out again."""

from __future__ import annotations

from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import text

from campaign.extensions import db
from tests.conftest import make_app

ROWS = [(5, "jane.doe@gmail.com"), (6, "janedoe@gmail.com"), (7, "janedoe+x@googlemail.com"),
        (8, "olena@example.org"), (9, "erased:9")]


def test_0007_keeps_every_signature_and_link_and_never_reuses_an_id(tmp_path: Path):
    app = make_app(f"sqlite:///{tmp_path / 'old.sqlite'}", tmp_path / "mail")
    with app.app_context():
        upgrade(revision="0006")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO statement (id, slug, title, body_markdown, status, created_at) "
                "VALUES (1, 's', 'A statement', 'Text', 'published', '2026-01-01')"))
            for row_id, address in ROWS:
                connection.execute(text(
                    "INSERT INTO individual_signature (id, statement_id, name, email, country, "
                    "  name_display, wants_updates, status, created_at) "
                    "VALUES (:id, 1, 'A signer', :email, 'UA', 'full', false, 'confirmed', "
                    "  '2026-01-01')"), {"id": row_id, "email": address})
            connection.execute(text(
                "INSERT INTO organization_signature (id, statement_id, name, name_key, "
                "  contact_name, contact_email, authorized_to_sign, founding, wants_updates, "
                "  status, created_at) VALUES (3, 1, 'Org', 'org', 'Iryna', "
                "  'iryna+cosign@example.org', true, false, true, 'approved', '2026-01-01')"))
            connection.execute(text(
                "INSERT INTO moderation_action (statement_id, kind, individual_signature_id, "
                "  organization_signature_id, detail, created_at) "
                "VALUES (1, 'hide', 5, 3, '', '2026-01-01')"))

        upgrade()

        with db.engine.begin() as connection:
            keys = connection.execute(text(
                "SELECT id, email, email_key FROM individual_signature ORDER BY id")).all()
            assert [tuple(row) for row in keys] == [
                (5, "jane.doe@gmail.com", "janedoe@gmail.com"),
                (6, "janedoe@gmail.com", "janedoe@gmail.com#6"),
                (7, "janedoe+x@googlemail.com", "janedoe@gmail.com#7"),
                (8, "olena@example.org", "olena@example.org"),
                (9, "erased:9", "erased:9"),
            ]
            secrets = connection.execute(text(
                "SELECT link_secret FROM individual_signature UNION ALL "
                "SELECT link_secret FROM organization_signature")).scalars().all()
            assert len(set(secrets)) == 6 and all(len(secret) >= 22 for secret in secrets)
            assert connection.execute(text(
                "SELECT contact_email_key FROM organization_signature")).scalar() \
                == "iryna@example.org"
            # The moderation log still names both: rebuilding a table cut no link to it.
            assert tuple(connection.execute(text(
                "SELECT individual_signature_id, organization_signature_id "
                "FROM moderation_action")).one()) == (5, 3)

            connection.execute(text("DELETE FROM individual_signature WHERE id = 9"))
            connection.execute(text(
                "INSERT INTO individual_signature (statement_id, name, email, email_key, "
                "  link_secret, country, name_display, wants_updates, status, created_at) "
                "VALUES (1, 'Next', 'next@example.org', 'next@example.org', 'secret', 'UA', "
                "  'full', false, 'unconfirmed', '2026-01-02')"))
            assert connection.execute(text(
                "SELECT max(id) FROM individual_signature")).scalar() == 10
        db.engine.dispose()
