"""CSV exports of the signatories: what is in them, what is not, and their record."""

from __future__ import annotations

import csv
import io

from flask import Flask
from sqlalchemy import create_engine, select, text

from campaign.exports.models import DataExport, ExportKind
from campaign.extensions import db
from campaign.signing.models import NameDisplay
from tests.moderation import factories
from tests.support import post_form, wait_for


def rows_of(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def exports(app: Flask) -> list[tuple[ExportKind, str]]:
    with app.app_context():
        return [(export.kind, export.coordinator.name) for export in db.session.scalars(
            select(DataExport).order_by(DataExport.id))]


def test_individuals_export_has_confirmed_signers_and_only_opted_in_addresses(
        app, coordinator_client, statement_slug):
    with app.app_context():
        factories.individual(statement_slug, "Olena Kovalenko", "olena@example.org",
                             wants_updates=True)
        factories.individual(statement_slug, "Taras Melnyk", "taras@example.org",
                             name_display=NameDisplay.HIDDEN)
        factories.individual(statement_slug, "Not Yet", "later@example.org", confirm=False,
                             wants_updates=True)
        hidden = factories.individual(statement_slug, "Abusive Slur", "troll@example.org",
                                      wants_updates=True)
    factories.press(coordinator_client, f"/coordinate/{statement_slug}/individuals",
                    f"/coordinate/{statement_slug}/individuals/{hidden}/hide")

    response = coordinator_client.get(f"/coordinate/{statement_slug}/export/individuals.csv")

    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"  # addresses: kept by no cache
    # Recorded before a byte of the file was read.
    assert exports(app) == [(ExportKind.INDIVIDUALS, "Mariia Tomak")]
    rows = rows_of(response)
    assert [(row["name"], row["email"], row["wants_updates"], row["name_display"])
            for row in rows] == [
        ("Olena Kovalenko", "olena@example.org", "yes", "full"),
        ("Taras Melnyk", "", "no", "hidden"),
    ]
    assert rows[0]["country"] == "UA" and rows[0]["confirmed_at"]


def test_organizations_export_has_contact_addresses_of_approved_ones_only(
        app, coordinator_client, statement_slug):
    with app.app_context():
        approved = factories.organization(statement_slug)
        factories.organization(statement_slug, name="Odesa Legal Aid",
                               email="contact@legalaid.example.org")
        rejected = factories.organization(statement_slug, name="Spam Org",
                                          email="spam@example.org")
        factories.organization(statement_slug, name="Unconfirmed Org",
                               email="unconfirmed@example.org", confirm=False)
    queue = f"/coordinate/{statement_slug}/organizations"
    factories.press(coordinator_client, queue,
                    f"/coordinate/{statement_slug}/organizations/{approved}/approve")
    post_form(coordinator_client, queue,
              f"/coordinate/{statement_slug}/organizations/{rejected}/reject", {"reason": "Spam."})

    response = coordinator_client.get(f"/coordinate/{statement_slug}/export/organizations.csv")

    assert response.is_streamed
    rows = {row["name_shown"]: row for row in rows_of(response)}
    assert len(rows) == 12 + 2
    assert rows["Kharkiv Solidarity Network"]["contact_email"] == "iryna@solidarity.example.org"
    assert rows["Kharkiv Solidarity Network"]["status"] == "approved"
    assert rows["Odesa Legal Aid"]["contact_email"] == ""
    assert rows["Odesa Legal Aid"]["status"] == "awaiting_approval"
    assert rows["Odesa Legal Aid"]["contact_name"] == "Iryna Shevchenko"
    assert "Spam Org" not in rows and "Unconfirmed Org" not in rows
    assert exports(app) == [(ExportKind.ORGANIZATIONS, "Mariia Tomak")]


def test_cells_that_a_spreadsheet_would_run_as_formulas_are_defused(
        app, coordinator_client, statement_slug):
    with app.app_context():
        for number, name in enumerate(("=HYPERLINK(\"http://evil.example\")", "+1 Plus",
                                       "-2 Minus", "@SUM(A1)", "Safe = Name")):
            factories.individual(statement_slug, name, f"signer{number}@example.org")

    response = coordinator_client.get(f"/coordinate/{statement_slug}/export/individuals.csv")

    assert [row["name"] for row in rows_of(response)] == [
        "'=HYPERLINK(\"http://evil.example\")", "'+1 Plus", "'-2 Minus", "'@SUM(A1)",
        "Safe = Name"]


def test_export_page_offers_both_files_and_lists_exports_taken(
        app, coordinator_client, statement_slug):
    page = coordinator_client.get(f"/coordinate/{statement_slug}/export").text
    assert "Nobody has exported the signatories yet." in page
    assert f'href="/coordinate/{statement_slug}/export/organizations.csv"' in page
    assert f'href="/coordinate/{statement_slug}/export/individuals.csv"' in page
    assert "Confirmed signatures only: unconfirmed and hidden ones are left out." in page

    coordinator_client.get(f"/coordinate/{statement_slug}/export/individuals.csv").get_data()
    coordinator_client.get(f"/coordinate/{statement_slug}/export/organizations.csv").get_data()
    page = coordinator_client.get(f"/coordinate/{statement_slug}/export").text

    rows = page.split("<tbody>")[1].split("<tr>")[1:]
    assert len(rows) == 2
    assert "Organizations" in rows[0] and "Mariia Tomak" in rows[0]
    assert "Individuals" in rows[1] and "<time datetime=" in rows[1]


def test_an_export_being_downloaded_does_not_stop_people_signing(
        app, coordinator_client, statement_slug, database_url):
    with app.app_context():
        factories.individual(statement_slug, "Olena Kovalenko", "olena@example.org")
    response = coordinator_client.get(
        f"/coordinate/{statement_slug}/export/individuals.csv", buffered=False)
    chunks = iter(response.response)
    # Read until the first signer: the export's query is then under way.
    assert wait_for(lambda: "Olena" in next(chunks).decode(), timeout=5, what="a row")

    # Another process writing (the worker, a signer), with no patience to wait.
    other = create_engine(database_url, connect_args=(
        {"timeout": 0.5} if database_url.startswith("sqlite") else {}))
    try:
        with other.begin() as connection:
            connection.execute(text("UPDATE statement SET title = title"))
    finally:
        other.dispose()
        response.close()
