"""The address book across statements: kept by hand or from the addressees typed in,
picked into a statement, and edited without touching the statements that use it."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, select, text

from campaign.accounts.services import find_coordinator
from campaign.addressees.services import AddresseeDetails, add_addressee_by_hand, add_entry
from campaign.extensions import db
from campaign.statements.models import AddressBookEntry, Addressee, StatementError
from campaign.statements.services import get_statement
from tests.conftest import create_coordinator_for, import_example, make_app, sign_in
from tests.letters.letters_setup import (
    HOMOGRAPH,
    HOMOGRAPH_ASCII,
    IDN_ADDRESS,
    IDN_ASCII,
    NOT_PLAIN_LATIN,
)
from tests.support import PROJECT_ROOT, csrf_token, page_text, post_form

OHCHR = {"name": "UN Office of the High Commissioner for Human Rights", "role": "Registry",
         "email": "Registry@OHCHR.example.org", "language": "en"}


def _entry(name: str) -> AddressBookEntry | None:
    return db.session.scalars(
        select(AddressBookEntry).where(AddressBookEntry.name == name)).one_or_none()


def _owner_id(email: str = "coordinator@example.org") -> int:
    return find_coordinator(email).id


def _addressee(slug: str, name: str) -> Addressee | None:
    return db.session.scalars(select(Addressee).where(
        Addressee.statement_id == get_statement(slug).id, Addressee.name == name)).one_or_none()


def test_coordinator_adds_and_edits_an_entry_in_the_address_book(app, coordinator_client):
    added = post_form(coordinator_client, "/coordinate/address-book/new",
                      "/coordinate/address-book/new", OHCHR)
    assert added.status_code == 302
    listing = coordinator_client.get("/coordinate/address-book").text
    assert OHCHR["name"] in listing
    assert "registry@ohchr.example.org" in listing
    assert "does not change the addressees of existing statements" in listing

    with app.app_context():
        entry_id = _entry(OHCHR["name"]).id
    edit_page = coordinator_client.get(f"/coordinate/address-book/{entry_id}")
    assert "keep the details they had" in edit_page.text
    edited = coordinator_client.post(f"/coordinate/address-book/{entry_id}", data={
        **OHCHR, "email": "petitions@ohchr.example.org", "csrf_token": csrf_token(edit_page.text)})

    assert edited.status_code == 302
    with app.app_context():
        assert _entry(OHCHR["name"]).email == "petitions@ohchr.example.org"


def test_two_entries_cannot_have_the_same_name(app, coordinator_client):
    post_form(coordinator_client, "/coordinate/address-book/new",
              "/coordinate/address-book/new", OHCHR)
    again = post_form(coordinator_client, "/coordinate/address-book/new",
                      "/coordinate/address-book/new", {**OHCHR, "role": "Other"})

    assert again.status_code == 400
    assert "Your address book has an entry named" in again.text
    with app.app_context():
        assert len(db.session.scalars(select(AddressBookEntry)).all()) == 1


def test_picking_an_entry_copies_it_into_the_statement_and_links_it(
    app, coordinator_client, statement_slug
):
    with app.app_context():
        entry = add_entry(_owner_id(), AddresseeDetails(**OHCHR))
        db.session.commit()
        entry_id = entry.id
    page = coordinator_client.get(f"/coordinate/{statement_slug}/addressees/new")
    assert f'<option value="{entry_id}">' in page.text
    assert f'action="/coordinate/{statement_slug}/addressees/from-book"' in page.text

    response = coordinator_client.post(f"/coordinate/{statement_slug}/addressees/from-book",
                                       data={"book-entry": str(entry_id),
                                             "book-csrf_token": csrf_token(page.text)})

    assert response.status_code == 302
    assert "is added from the address book" in coordinator_client.get(response.location).text
    with app.app_context():
        addressee = _addressee(statement_slug, OHCHR["name"])
        assert (addressee.role, addressee.email, addressee.language, addressee.book_entry_id) \
            == ("Registry", "registry@ohchr.example.org", "en", entry_id)


def test_picking_an_entry_the_statement_already_names_is_refused(
    app, coordinator_client, statement_slug
):
    with app.app_context():
        entry = add_entry(_owner_id(), AddresseeDetails(name="President of Ukraine", role=None,
                                           email=None, language=None))
        db.session.commit()
        entry_id = entry.id
    page = coordinator_client.get(f"/coordinate/{statement_slug}/addressees/new")
    response = coordinator_client.post(f"/coordinate/{statement_slug}/addressees/from-book",
                                       data={"book-entry": str(entry_id),
                                             "book-csrf_token": csrf_token(page.text)})

    assert response.status_code == 400
    assert "has an addressee named “President of Ukraine” already" in response.text


def test_an_addressee_added_by_hand_lands_in_the_address_book(
    app, coordinator_client, statement_slug
):
    response = post_form(coordinator_client, f"/coordinate/{statement_slug}/addressees/new",
                         f"/coordinate/{statement_slug}/addressees/new",
                         {"name": "Council of Europe", "role": "Commissioner for Human Rights",
                          "email": "commissioner@coe.example.org", "language": "en"})

    assert response.status_code == 302
    assert "kept in the address book" in coordinator_client.get(response.location).text
    with app.app_context():
        entry = _entry("Council of Europe")
        assert (entry.role, entry.email, entry.language) == (
            "Commissioner for Human Rights", "commissioner@coe.example.org", "en")
        assert _addressee(statement_slug, "Council of Europe").book_entry_id == entry.id
    assert "Council of Europe" in coordinator_client.get("/coordinate/address-book").text


def test_a_name_already_in_the_book_is_not_added_again_nor_changed(app_context, statement_slug):
    owner_id = create_coordinator_for("coordinator@example.org", statement_slug)
    add_entry(owner_id, AddresseeDetails(**OHCHR))
    db.session.commit()

    added = add_addressee_by_hand(get_statement(statement_slug), owner_id, AddresseeDetails(
        name=OHCHR["name"], role="Someone else", email=None, language=None))
    db.session.commit()

    assert added.new_entry is None
    assert [(entry.name, entry.role) for entry in db.session.scalars(
        select(AddressBookEntry))] == [(OHCHR["name"], "Registry")]


def test_editing_an_entry_leaves_the_statements_addressees_as_they_were(
    app, coordinator_client, statement_slug
):
    post_form(coordinator_client, f"/coordinate/{statement_slug}/addressees/new",
              f"/coordinate/{statement_slug}/addressees/new",
              {"name": "Council of Europe", "email": "old@coe.example.org"})
    with app.app_context():
        entry_id = _entry("Council of Europe").id
    edit_page = coordinator_client.get(f"/coordinate/address-book/{entry_id}")
    coordinator_client.post(f"/coordinate/address-book/{entry_id}", data={
        "name": "Council of Europe", "email": "new@coe.example.org",
        "csrf_token": csrf_token(edit_page.text)})

    with app.app_context():
        assert _entry("Council of Europe").email == "new@coe.example.org"
        assert _addressee(statement_slug, "Council of Europe").email == "old@coe.example.org"


def test_the_address_book_is_for_signed_in_coordinators(client):
    for url in ("/coordinate/address-book", "/coordinate/address-book/new"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/coordinate/sign-in")


@pytest.mark.parametrize("path", ["/coordinate/address-book/new",
                                  "/coordinate/{slug}/addressees/new"])
def test_address_book_forms_label_every_field(app, coordinator_client, statement_slug, path):
    from tests.test_form_accessibility import assert_every_field_is_labelled

    with app.app_context():
        add_entry(_owner_id(), AddresseeDetails(**OHCHR))
        db.session.commit()
    page = coordinator_client.get(path.format(slug=statement_slug))
    assert page.status_code == 200
    assert_every_field_is_labelled(page.text)


def test_an_entry_needs_a_name_and_a_valid_email(app_context):
    owner_id = create_coordinator_for("coordinator@example.org")
    with pytest.raises(StatementError) as no_name:
        add_entry(owner_id, AddresseeDetails(name="  ", role=None, email=None, language=None))
    with pytest.raises(StatementError) as bad_email:
        add_entry(owner_id, AddresseeDetails(name="Council", role=None, email="nope",
                                             language=None))
    assert (no_name.value.field, bad_email.value.field) == ("name", "email")


def _other_coordinator(app):
    """Coordinator B, on the team of another statement only, signed in."""
    with app.app_context():
        import_example(slug="other-statement")
        create_coordinator_for("b@example.org", "other-statement", name="B")
    client = app.test_client()
    sign_in(client, "b@example.org")
    return client


def test_another_coordinators_entry_is_not_found_on_any_address_book_route(
    app, coordinator_client, statement_slug
):
    with app.app_context():
        entry = add_entry(_owner_id(), AddresseeDetails(**OHCHR))
        db.session.commit()
        entry_id = entry.id
    other = _other_coordinator(app)
    token = csrf_token(other.get("/coordinate/address-book/new").text)

    assert OHCHR["name"] not in other.get("/coordinate/address-book").text
    assert other.get(f"/coordinate/address-book/{entry_id}").status_code == 404
    assert other.post(f"/coordinate/address-book/{entry_id}", data={
        "name": OHCHR["name"], "email": "attacker@example.org",
        "csrf_token": token}).status_code == 404
    assert other.post(f"/coordinate/address-book/{entry_id}/remove",
                      data={"csrf_token": token}).status_code == 404
    page = other.get("/coordinate/other-statement/addressees/new")
    assert f'value="{entry_id}"' not in page.text
    picked = other.post("/coordinate/other-statement/addressees/from-book", data={
        "book-entry": str(entry_id), "book-csrf_token": csrf_token(page.text)})

    assert picked.status_code == 400
    with app.app_context():
        assert _addressee("other-statement", OHCHR["name"]) is None
        entry = db.session.get(AddressBookEntry, entry_id)
        assert (entry.name, entry.email) == (OHCHR["name"], "registry@ohchr.example.org")
    # Nor does the name B chooses tell B that A has an entry of that name.
    assert post_form(other, "/coordinate/address-book/new", "/coordinate/address-book/new",
                     OHCHR).status_code == 302


def test_an_addressee_typed_by_another_coordinator_goes_to_their_own_book(
    app, coordinator_client, statement_slug
):
    with app.app_context():
        add_entry(_owner_id(), AddresseeDetails(**OHCHR))
        db.session.commit()
    other = _other_coordinator(app)

    post_form(other, "/coordinate/other-statement/addressees/new",
              "/coordinate/other-statement/addressees/new",
              {"name": OHCHR["name"], "email": "their-own@example.org"})

    with app.app_context():
        owners = dict(db.session.execute(
            select(AddressBookEntry.coordinator_id, AddressBookEntry.email)).all())
        assert owners == {_owner_id(): "registry@ohchr.example.org",
                          _owner_id("b@example.org"): "their-own@example.org"}


def test_coordinator_removes_an_entry_and_statements_keep_its_details(
    app, coordinator_client, statement_slug
):
    post_form(coordinator_client, f"/coordinate/{statement_slug}/addressees/new",
              f"/coordinate/{statement_slug}/addressees/new",
              {"name": "Council of Europe", "email": "office@coe.example.org"})
    with app.app_context():
        entry_id = _entry("Council of Europe").id
    edit_page = coordinator_client.get(f"/coordinate/address-book/{entry_id}")
    assert f'action="/coordinate/address-book/{entry_id}/remove"' in edit_page.text

    removed = coordinator_client.post(f"/coordinate/address-book/{entry_id}/remove",
                                      data={"csrf_token": csrf_token(edit_page.text)})

    assert removed.status_code == 302
    assert "is removed from the address book" in coordinator_client.get(removed.location).text
    with app.app_context():
        assert _entry("Council of Europe") is None
        addressee = _addressee(statement_slug, "Council of Europe")
        assert (addressee.email, addressee.book_entry_id) == ("office@coe.example.org", None)


MIGRATION = PROJECT_ROOT / "migrations" / "versions" / "0009_accounts_limits.py"


@pytest.fixture
def migration_database(tmp_path) -> Iterator[str]:
    """An empty database apart from the session's: a file on SQLite, a schema of its
    own on PostgreSQL."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path / 'migration.sqlite'}"
        return
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS migration_0009 CASCADE"))
        connection.execute(text("CREATE SCHEMA migration_0009"))
    yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3Dmigration_0009"
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA migration_0009 CASCADE"))
    engine.dispose()


def test_the_migration_gives_existing_entries_to_the_coordinators_who_used_them(
    migration_database, mail_dir
):
    spec = importlib.util.spec_from_file_location("migration_0009", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    app = make_app(migration_database, mail_dir)
    with app.app_context():
        upgrade(revision=migration.down_revision)
        for statement in (
            "INSERT INTO coordinator (id, email, name, password_hash, created_at, "
            "failed_sign_ins) VALUES (1, 'a@example.org', 'A', 'x', :now, 0), "
            "(2, 'b@example.org', 'B', 'x', :now, 0), (3, 'c@example.org', 'C', 'x', :now, 0)",
            "INSERT INTO statement (id, slug, title, body_markdown, status, created_at) "
            "VALUES (1, 'shared', 'Shared', '', 'draft', :now), "
            "(2, 'own', 'Own', '', 'draft', :now)",
            "INSERT INTO statement_team_member (statement_id, coordinator_id, added_at) "
            "VALUES (1, 1, :now), (1, 2, :now), (2, 3, :now)",
            # Ids as the application makes them: the migration's copies take the next.
            "INSERT INTO address_book_entry (name, email, created_at) VALUES "
            "('Used by the team of Shared', 'used@example.org', :now), "
            "('Used by nobody', 'unused@example.org', :now)",
            "INSERT INTO addressee (statement_id, name, book_entry_id) "
            "SELECT 1, name, id FROM address_book_entry WHERE name LIKE 'Used by the%'",
        ):
            db.session.execute(text(statement), {"now": "2026-01-01 00:00:00"})
        db.session.commit()

        upgrade(revision=migration.revision)

        rows = db.session.execute(text(
            "SELECT coordinator_id, name, email FROM address_book_entry "
            "ORDER BY name, coordinator_id")).all()
        link = db.session.execute(text(
            "SELECT e.coordinator_id FROM addressee AS a "
            "JOIN address_book_entry AS e ON e.id = a.book_entry_id")).scalar_one()
        db.session.remove()
        db.engine.dispose()
    assert [tuple(row) for row in rows] == [
        (1, "Used by nobody", "unused@example.org"),
        (2, "Used by nobody", "unused@example.org"),
        (3, "Used by nobody", "unused@example.org"),
        (1, "Used by the team of Shared", "used@example.org"),
        (2, "Used by the team of Shared", "used@example.org"),
    ]
    assert link == 1


def test_an_address_with_a_non_latin_domain_is_shown_in_its_ascii_form_too(
        app, coordinator_client, statement_slug):
    new = f"/coordinate/{statement_slug}/addressees/new"
    for name, email in (("Ministry", "Office@Приклад.укр"), ("Look-alike", HOMOGRAPH),
                        ("Registry", OHCHR["email"])):
        assert post_form(coordinator_client, new, new, {
            "name": name, "email": email, "language": "uk"}).status_code == 302

    for page in (f"/coordinate/{statement_slug}/edit", "/coordinate/address-book"):
        text = page_text(coordinator_client.get(page).text)
        assert f"{IDN_ADDRESS} (sent as {IDN_ASCII}: {NOT_PLAIN_LATIN})" in text
        assert f"{HOMOGRAPH} (sent as {HOMOGRAPH_ASCII}: {NOT_PLAIN_LATIN})" in text
        assert "registry@ohchr.example.org" in text
        assert text.count(NOT_PLAIN_LATIN) == 2, page
