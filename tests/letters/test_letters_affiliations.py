"""Affiliations travel with the names: into the letter (HTML, text and PDF) with the
statement's disclaimer, in the addressee's language, and into the coordinators' CSV."""

from __future__ import annotations

import csv
import io

import pytest
from flask import render_template
from pypdf import PdfReader
from sqlalchemy import select

from campaign.exports.services import INDIVIDUAL_COLUMNS, csv_lines, individual_rows
from campaign.extensions import db
from campaign.languages import in_language
from campaign.letters.building import build_letter
from campaign.letters.pdf import render_letter_html, render_letter_pdf
from campaign.signing.models import IndividualSignature, NameDisplay
from campaign.statements.services import get_statement
from tests.conftest import import_example
from tests.example_statement import ADDRESSEES
from tests.letters.letters_setup import addressee_named
from tests.moderation import factories


@pytest.fixture
def slug(app_context) -> str:
    slug = import_example().slug
    get_statement(slug).asks_affiliation = True
    db.session.commit()
    factories.individual(slug, "Olena Kovalenko", "olena@example.org")
    factories.individual(slug, "Hanna Anonymous", "hanna@example.org",
                         name_display=NameDisplay.HIDDEN)
    for email, affiliation in (("olena@example.org", "Professor of Law, Kyiv University"),
                               ("hanna@example.org", "Secret Service Academy")):
        db.session.scalars(select(IndividualSignature).where(
            IndividualSignature.email == email)).one().affiliation = affiliation
    db.session.commit()
    return slug


def flat(text: str) -> str:
    return " ".join(text.split())


def test_the_letter_names_each_signer_with_their_affiliation_and_the_disclaimer(slug):
    letter = build_letter(addressee_named(slug, ADDRESSEES[0][0]))
    for rendered in (render_letter_html(letter),
                     render_template("letters/letter.txt", letter=letter)):
        assert "Olena Kovalenko, Professor of Law, Kyiv University" in rendered
        assert "Secret Service Academy" not in rendered  # her name is not shown
        assert ("Affiliations are for identification only and do not imply institutional "
                "endorsement.") in flat(rendered)
    with in_language("uk"):
        assert "вона не означає підтримки з боку установи" in flat(render_letter_html(letter))


@pytest.mark.pdf
def test_the_pdf_carries_the_affiliation(slug):
    letter = build_letter(addressee_named(slug, ADDRESSEES[0][0]))
    reader = PdfReader(io.BytesIO(render_letter_pdf(letter)))
    text = flat(" ".join(page.extract_text() for page in reader.pages))
    assert "Olena Kovalenko, Professor of Law, Kyiv University" in text


def test_a_statement_that_stopped_asking_sends_no_affiliation(slug):
    get_statement(slug).asks_affiliation = False
    letter = build_letter(addressee_named(slug, ADDRESSEES[0][0]))
    html = render_letter_html(letter)
    assert "Kyiv University" not in html and "identification only" not in html


def test_the_csv_export_has_the_affiliation_column(slug):
    statement_id = get_statement(slug).id
    db.session.commit()  # an export reads in a read-only transaction of its own
    lines = "".join(csv_lines(INDIVIDUAL_COLUMNS, individual_rows(statement_id)))
    rows = list(csv.DictReader(io.StringIO(lines.removeprefix("\ufeff"))))
    assert [(row["name"], row["affiliation"]) for row in rows] == [
        ("Olena Kovalenko", "Professor of Law, Kyiv University"),
        ("Hanna Anonymous", "Secret Service Academy"),
    ]
