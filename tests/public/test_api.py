"""The machine-readable statement: its shape, its values, and what it never holds."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from campaign.extensions import db
from campaign.moderation.services import approve_organization
from campaign.outbox.models import OutboxMessage
from campaign.signing.models import NameDisplay, OrganizationType
from campaign.signing.services import (
    IndividualSignatureRequest,
    OrganizationSignatureRequest,
    confirm_signature,
    sign_as_individual,
    sign_for_organization,
)
from campaign.statements.services import get_statement
from tests.conftest import import_example
from tests.example_statement import ADDRESSEES, FOUNDING_ORGANIZATIONS, TITLE
from tests.support import sql_statements


def latest_token() -> str:
    message = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert message is not None
    return message.context["token"]


def test_statement_document_has_the_example_shape_and_values(client, statement_slug):
    response = client.get(f"/api/v1/statements/{statement_slug}")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    document = response.json
    assert set(document) == {"slug", "title", "status", "date", "demand_groups",
                             "organizations", "counts", "language", "source_language",
                             "languages", "lead_markdown", "open_for_signing",
                             "signing_deadline", "time_zone", "delivery_date"}
    assert document["language"] == document["source_language"] == "en"
    assert document["languages"] == ["en"]
    assert document["slug"] == statement_slug
    assert document["title"] == TITLE
    assert document["status"] == "published"
    assert document["date"] == "2020-09-16"

    groups = document["demand_groups"]
    assert all(set(group) == {"addressees", "intro", "demands"} for group in groups)
    assert [[addressee for addressee in group["addressees"]] for group in groups] == [
        [{"name": name} for name in names] for names in ADDRESSEES]
    assert [len(group["demands"]) for group in groups] == [3, 5, 4]
    assert all(isinstance(text, str) and text for group in groups for text in group["demands"])
    assert groups[0]["demands"][2] == (
        "immediately discontinue applying the so called antiterrorism legislation of RF on the "
        "territory of occupied Crimea.")
    assert groups[2]["demands"][0].startswith("enable effective investigation")

    assert document["organizations"] == [
        {"name": name, "country": None, "type": None, "website": None}
        for name in FOUNDING_ORGANIZATIONS
    ]
    assert document["counts"] == {"organizations": 12, "individuals": 0}


def test_statement_document_never_holds_an_email_address(app, client, statement_slug):
    with app.app_context():
        statement = get_statement(statement_slug)
        sign_for_organization(statement, OrganizationSignatureRequest(
            name="Kharkiv Solidarity Network", country="UA",
            organization_type=OrganizationType.NGO, website="https://solidarity.example.org",
            contact_name="Iryna Shevchenko", contact_email="iryna@solidarity.example.org",
            authorized_to_sign=True))
        db.session.commit()
        organization = confirm_signature(latest_token())
        approve_organization(organization)
        sign_as_individual(statement, IndividualSignatureRequest(
            name="Olena Kovalenko", email="olena@example.org", country="UA",
            name_display=NameDisplay.FULL, wants_updates=True))
        db.session.commit()
        confirm_signature(latest_token())
        db.session.commit()

    response = client.get(f"/api/v1/statements/{statement_slug}")

    assert response.status_code == 200
    document = response.json
    # The signatures above did count, so the document is not empty of them by accident.
    assert document["counts"] == {"organizations": 13, "individuals": 1}
    assert document["organizations"][-1] == {
        "name": "Kharkiv Solidarity Network", "country": "UA", "type": "ngo",
        "website": "https://solidarity.example.org"}
    assert "@" not in response.get_data(as_text=True)
    assert "Iryna Shevchenko" not in response.get_data(as_text=True)


@pytest.mark.parametrize("slug", ["a-draft", "no-such-statement"], ids=["draft", "unknown"])
def test_draft_or_unknown_statement_is_not_found_as_json(app, client, slug):
    with app.app_context():
        import_example(slug="a-draft", publish=False)

    response = client.get(f"/api/v1/statements/{slug}")

    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert response.json == {"error": "Not Found", "status": 404}


def test_statement_document_reads_no_signer_however_many_signed(app, client, statement_slug):
    """The document counts individuals from the kept tally and names none, so it must
    not read their rows (nor the page's replies and updates): its cost would grow with
    a campaign's success."""
    with app.app_context():
        statement = get_statement(statement_slug)
        for number in range(3):
            sign_as_individual(statement, IndividualSignatureRequest(
                name=f"Signer {number}", email=f"signer{number}@example.org", country="UA",
                name_display=NameDisplay.FULL, wants_updates=False))
            db.session.commit()
            confirm_signature(latest_token())
            db.session.commit()

        with sql_statements() as seen:
            response = client.get(f"/api/v1/statements/{statement_slug}")

    assert response.json["counts"]["individuals"] == 3
    read = {table for sql in seen for table in re.findall(r"\bFROM (\w+)", sql)}
    assert read.isdisjoint({"individual_signature", "reply", "statement_update"}), read
