"""What a letter to one addressee holds: their demands only, the approved
organizations, the individuals who chose to be named, and never an e-mail address."""

from __future__ import annotations

import io

import pytest
from flask import render_template
from markupsafe import escape
from pypdf import PdfReader

from campaign.letters.building import build_letter
from campaign.letters.pdf import render_letter_html, render_letter_pdf
from campaign.statements.services import get_statement
from tests.conftest import import_example
from tests.example_statement import ADDRESSEES, FOUNDING_ORGANIZATIONS, TITLE
from tests.letters.letters_setup import (
    APPROVED_ORGANIZATION,
    NEVER_SHOWN,
    SHOWN_NAMES,
    SIGNER_EMAILS,
    add_signatures,
    add_team,
    address_the_addressees,
    addressee_named,
)

DEMANDS_PER_GROUP = (3, 5, 4)


@pytest.fixture
def signed_statement(app_context) -> str:
    slug = import_example().slug
    address_the_addressees(slug)
    add_signatures(slug, add_team(slug))
    return slug


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("group", [0, 1, 2])
def test_each_addressee_gets_exactly_the_demands_addressed_to_them(signed_statement, group):
    groups = get_statement(signed_statement).demand_groups
    theirs = [demand.text for demand in groups[group].demands]
    others = [demand.text for index, other in enumerate(groups) if index != group
              for demand in other.demands]
    assert len(theirs) == DEMANDS_PER_GROUP[group]

    for name in ADDRESSEES[group]:
        letter = build_letter(addressee_named(signed_statement, name))
        html = render_letter_html(letter)
        text = render_template("letters/letter.txt", letter=letter)

        assert [demand.text for g in letter.demand_groups for demand in g.demands] == theirs
        for rendered in (html, text):
            assert [demand for demand in theirs if escape(demand) not in rendered
                    and demand not in rendered] == []
            assert [demand for demand in others if escape(demand) in rendered
                    or demand in rendered] == []


def test_a_letter_lists_approved_organizations_and_chosen_names_but_nothing_private(
    signed_statement
):
    letter = build_letter(addressee_named(signed_statement, ADDRESSEES[0][0]))
    html = render_letter_html(letter)
    text = render_template("letters/letter.txt", letter=letter)

    for rendered in (html, text):
        assert TITLE in rendered
        assert f"{APPROVED_ORGANIZATION} (Ukraine)" in rendered
        assert all(name in rendered for name in FOUNDING_ORGANIZATIONS)
        assert all(name in rendered for name in SHOWN_NAMES)
        assert [name for name in NEVER_SHOWN if name in rendered] == []
        assert "@" not in rendered
        # The counts are the kept tally: confirmed, not hidden (the troll is out).
        assert "13 organizations" in rendered
        assert "3 individuals" in rendered


@pytest.mark.pdf
def test_the_pdf_holds_the_title_every_organization_and_nothing_private(signed_statement):
    letter = build_letter(addressee_named(signed_statement, ADDRESSEES[2][0]))

    reader = PdfReader(io.BytesIO(render_letter_pdf(letter)))
    text = flat(" ".join(page.extract_text() for page in reader.pages))

    assert TITLE in text
    assert [name for name in [*FOUNDING_ORGANIZATIONS, APPROVED_ORGANIZATION]
            if flat(name) not in text] == []
    assert all(name in text for name in SHOWN_NAMES)
    assert [name for name in NEVER_SHOWN if name in text] == []
    assert not [email for email in SIGNER_EMAILS if email in text] and "@" not in text
    assert f"Page 1 of {len(reader.pages)}" in text
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=0.1)  # A4


@pytest.mark.pdf
def test_the_signatory_list_flows_over_pages(app_context):
    """Many names: the list goes on over the pages, each numbered."""
    from campaign.database import utcnow
    from campaign.extensions import db
    from campaign.signing.models import IndividualSignature, IndividualStatus, NameDisplay

    statement = import_example()
    db.session.add_all(IndividualSignature(
        statement=statement, name=f"Supporter Number{index}", email=f"s{index}@example.org",
        country="UA", name_display=NameDisplay.FULL, status=IndividualStatus.CONFIRMED,
        confirmed_at=utcnow()) for index in range(600))
    db.session.commit()

    reader = PdfReader(io.BytesIO(render_letter_pdf(build_letter(statement.addressees[0]))))
    text = flat(" ".join(page.extract_text() for page in reader.pages))

    assert len(reader.pages) >= 4
    assert "Supporter Number0" in text and "Supporter Number599" in text
    assert f"Page {len(reader.pages)} of {len(reader.pages)}" in text


@pytest.mark.pdf
def test_the_pdf_fetches_nothing_but_static_files(app_context):
    from campaign.extensions import db

    statement = import_example()
    # A link (or an image, were one let through) in the text is never fetched.
    statement.body_markdown = "See [the report](https://tracker.example.net/pixel.png)."
    db.session.commit()
    from campaign.letters import pdf

    fetched: list[str] = []
    fetcher = pdf._own_files_only([pdf._static_folder()])
    for url in ("https://tracker.example.net/pixel.png", "file:///etc/passwd",
                pdf._static_folder().as_uri() + "/fonts/DejaVuSerif.ttf"):
        try:
            fetcher.fetch(url)
        except Exception:
            continue
        fetched.append(url)

    assert fetched == [pdf._static_folder().as_uri() + "/fonts/DejaVuSerif.ttf"]
    assert render_letter_pdf(build_letter(statement.addressees[0])).startswith(b"%PDF")
