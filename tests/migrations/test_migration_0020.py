"""Migration 0020 on names kept before direction controls were taken out of them: the
names, affiliations and document names lose them, and an organization's key follows
its name unless another co-signature has that key already."""

from __future__ import annotations

from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import text

from campaign.extensions import db
from tests.conftest import make_app

OVERRIDE = "\u202e"


def test_0020_takes_direction_controls_out_of_names_kept_before(tmp_path: Path):
    app = make_app(f"sqlite:///{tmp_path / 'old.sqlite'}", tmp_path / "mail")
    with app.app_context():
        upgrade(revision="0019")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO statement (id, slug, title, body_markdown, status, created_at) "
                "VALUES (1, 's', 'A statement', 'Text', 'published', '2026-01-01')"))
            for number, (name, affiliation) in enumerate([
                    (f"Anna{OVERRIDE}", None), ("Taras \u2066Melnyk\u2069", f"{OVERRIDE}"),
                    (f"{OVERRIDE}\u2067", "KNU"), ("Olena", "Law, KNU")], start=1):
                connection.execute(text(
                    "INSERT INTO individual_signature (id, statement_id, name, email, "
                    "  email_key, country, name_display, wants_updates, status, created_at, "
                    "  link_secret, affiliation) "
                    "VALUES (:id, 1, :name, :email, :email, 'UA', 'full', false, "
                    "  'confirmed', '2026-01-01', 'secret', :affiliation)"),
                    {"id": number, "name": name, "email": f"s{number}@example.org",
                     "affiliation": affiliation})
            for number, name in enumerate(
                    [f"ZMINA{OVERRIDE}", "Helsinki Union", f"Helsinki Union{OVERRIDE}"],
                    start=1):
                connection.execute(text(
                    "INSERT INTO organization_signature (id, statement_id, name, name_key, "
                    "  country, organization_type, contact_name, contact_email, "
                    "  contact_email_key, authorized_to_sign, founding, status, created_at, "
                    "  link_secret) "
                    "VALUES (:id, 1, :name, :key, 'UA', 'ngo', :contact, :email, :email, "
                    "  true, false, 'approved', '2026-01-01', 'secret')"),
                    {"id": number, "name": name, "key": name.casefold(),
                     "contact": f"Iryna{OVERRIDE}", "email": f"o{number}@example.org"})
        upgrade()

        with db.engine.connect() as connection:
            individuals = connection.execute(text(
                "SELECT name, affiliation FROM individual_signature ORDER BY id")).all()
            organizations = connection.execute(text(
                "SELECT name, name_key, contact_name FROM organization_signature "
                "ORDER BY id")).all()

    assert [tuple(row) for row in individuals] == [
        ("Anna", None), ("Taras Melnyk", None), ("?", "KNU"), ("Olena", "Law, KNU")]
    assert [tuple(row) for row in organizations] == [
        ("ZMINA", "zmina", "Iryna"),
        ("Helsinki Union", "helsinki union", "Iryna"),
        # Its cleaned key is the other's: it keeps its own, for the coordinators.
        ("Helsinki Union", f"helsinki union{OVERRIDE}", "Iryna"),
    ]
