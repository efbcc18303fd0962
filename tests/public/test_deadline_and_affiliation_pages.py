"""The statement page with a deadline and affiliations, as a reader and a signer see
it: the deadline and a sign link near the top, signing refused from the deadline on,
a closed statement saying so at the top with its count and where it went, and an
individual's affiliation beside their name with the statement's disclaimer."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from campaign.database import utcnow
from campaign.extensions import db
from campaign.letters.models import Letter, LetterStatus
from campaign.signing.models import IndividualSignature, NameDisplay, TallyKind
from campaign.signing.services import IndividualSignatureRequest, sign_as_individual
from campaign.signing.tally import add_to_tally
from campaign.statements.deadlines import DeadlineChoice, set_deadline
from campaign.statements.models import SignatoryGrouping
from campaign.statements.services import close_statement, get_statement
from tests.support import individual_fields, post_form

LEAD_START = "On September 16, 2020"  # the example statement's lead text


def page_of(client: FlaskClient, slug: str, language: str | None = None) -> str:
    if language:
        client.get(f"/language/{language}")
    response = client.get(f"/s/{slug}")
    assert response.status_code == 200
    return " ".join(unescape(response.text).split())


def change(app: Flask, slug: str, **values: object) -> None:
    with app.app_context():
        statement = get_statement(slug)
        for name, value in values.items():
            setattr(statement, name, value)
        db.session.commit()


def signed(app: Flask, slug: str, name: str, email: str, *, affiliation: str | None = None,
           country: str = "UA") -> None:
    """A confirmed individual signature, made through the signing service."""
    with app.app_context():
        sign_as_individual(get_statement(slug), IndividualSignatureRequest(
            name=name, email=email, country=country, name_display=NameDisplay.FULL,
            wants_updates=False, affiliation=affiliation))
        signature = db.session.scalars(select(IndividualSignature).where(
            IndividualSignature.email == email)).one()
        signature.confirm(utcnow())
        add_to_tally(signature.statement_id, TallyKind.INDIVIDUALS)
        db.session.commit()


# --- Deadlines ---------------------------------------------------------------------


def test_the_deadline_and_a_sign_link_stand_above_the_statement(app, client, statement_slug):
    with app.app_context():
        statement = get_statement(statement_slug)
        set_deadline(statement, DeadlineChoice(date(2099, 10, 1), time(18, 0), "Europe/Kyiv",
                                               date(2099, 10, 5)), utcnow())
        db.session.commit()
    page = page_of(client, statement_slug)
    top = page[:page.index(LEAD_START)]
    assert "Sign-on closes on October 1, 2099 at 18:00, Kyiv time." in top
    assert "Planned delivery to the addressees: October 5, 2099." in top
    assert '<a class="sign-link" href="#sign">Sign the statement</a>' in top
    assert "(extended)" not in page

    with app.app_context():
        set_deadline(get_statement(statement_slug), DeadlineChoice(
            date(2099, 10, 8), time(18, 0), "Europe/Kyiv", None), utcnow())
        db.session.commit()
    page = page_of(client, statement_slug)
    assert "Sign-on closes on October 8, 2099 at 18:00, Kyiv time.</strong> (extended)" in page
    document = client.get(f"/api/v1/statements/{statement_slug}").json
    assert (document["open_for_signing"], document["signing_deadline"], document["time_zone"],
            document["delivery_date"]) == (True, "2099-10-08T15:00:00+00:00", "Europe/Kyiv",
                                           None)


def test_the_deadline_reads_in_ukrainian(app, client, statement_slug):
    with app.app_context():
        set_deadline(get_statement(statement_slug), DeadlineChoice(
            date(2099, 10, 1), time(18, 0), "Europe/Kyiv", None), utcnow())
        db.session.commit()
    page = page_of(client, statement_slug, "uk")
    assert "Збір підписів закривається 1 жовтня 2099 р. о 18:00 (час: Київ)." in page.replace(
        "\u202f", " ")


def test_after_the_deadline_signing_is_refused_before_beat_has_run(app, client,
                                                                    statement_slug):
    form_page = client.get(f"/s/{statement_slug}").text
    change(app, statement_slug, signing_deadline=utcnow() - timedelta(seconds=1))
    response = post_form(client, f"/s/{statement_slug}", f"/s/{statement_slug}/sign",
                         individual_fields())
    assert response.status_code == 400
    assert "Sign-on closed on" in unescape(response.text)
    with app.app_context():
        assert db.session.scalars(select(IndividualSignature)).all() == []
        assert get_statement(statement_slug).status.value == "published"
    page = page_of(client, statement_slug)
    assert "Sign-on closed on" in page[:page.index(LEAD_START)]
    assert 'id="sign"' in form_page and 'id="sign"' not in page


def test_a_closed_statement_says_so_at_the_top_with_its_count_and_where_it_went(
        app, client, statement_slug):
    signed(app, statement_slug, "Olena Kovalenko", "olena@example.org")
    with app.app_context():
        statement = get_statement(statement_slug)
        close_statement(statement, datetime(2026, 10, 1, 15, 0, tzinfo=UTC))
        addressee = statement.addressees[0]
        db.session.add(Letter(statement=statement, addressee=addressee, status=LetterStatus.SENT,
                              sent_at=datetime(2026, 10, 5, 9, 0, tzinfo=UTC)))
        db.session.add(Letter(statement=statement, addressee=statement.addressees[1],
                              status=LetterStatus.FAILED))
        db.session.commit()
        first, second = addressee.name, statement.addressees[1].name
    page = page_of(client, statement_slug)
    top = page[:page.index(LEAD_START)]
    assert "Sign-on is closed." in top
    assert "It closed on October 1, 2026. Signed by: 12 organizations, 1 individual." in top
    assert f"Delivered to: {first} on October 5, 2026." in top
    assert second not in top


# --- Affiliations --------------------------------------------------------------------


def test_a_signer_gives_an_affiliation_shown_beside_the_name_with_the_disclaimer(
        app, client, statement_slug):
    change(app, statement_slug, asks_affiliation=True)
    form = page_of(client, statement_slug)
    assert 'name="person-affiliation"' in form
    assert "Affiliations are for identification only and do not imply institutional " \
           "endorsement." in form

    response = post_form(client, f"/s/{statement_slug}", f"/s/{statement_slug}/sign",
                         individual_fields(**{"person-affiliation":
                                              "  Professor of Law,   Kyiv University "}))
    assert response.status_code == 302
    with app.app_context():
        signature = db.session.scalars(select(IndividualSignature)).one()
        assert signature.affiliation == "Professor of Law, Kyiv University"
        signature.confirm(utcnow())
        add_to_tally(signature.statement_id, TallyKind.INDIVIDUALS)
        db.session.commit()

    change(app, statement_slug, affiliation_disclaimer="Titles for identification only.")
    page = page_of(client, statement_slug)
    signatories = page[page.index('id="signatories"'):]
    assert "<bdi>Olena Kovalenko</bdi>, <bdi class=\"affiliation\">Professor of Law, Kyiv " \
           "University</bdi>" in signatories
    assert '<p class="disclaimer">Titles for identification only.</p>' in signatories


def test_without_affiliations_asked_none_is_taken_or_shown(app, client, statement_slug):
    page = page_of(client, statement_slug)
    assert 'name="person-affiliation"' not in page
    post_form(client, f"/s/{statement_slug}", f"/s/{statement_slug}/sign",
              individual_fields(**{"person-affiliation": "Slipped in"}))
    with app.app_context():
        assert db.session.scalars(select(IndividualSignature.affiliation)).one() is None


@pytest.mark.parametrize(("affiliation", "message"), [
    ("x" * 201, "Use at most 200 characters."),
    ("Professor\nof Law", "Write this on one line, without line breaks."),
])
def test_an_affiliation_too_long_or_on_two_lines_is_refused_on_the_form(
        app, client, statement_slug, affiliation, message):
    change(app, statement_slug, asks_affiliation=True)
    response = post_form(client, f"/s/{statement_slug}", f"/s/{statement_slug}/sign",
                         individual_fields(**{"person-affiliation": affiliation}))
    assert response.status_code == 400
    assert message in unescape(response.text)
    with app.app_context():
        assert db.session.scalars(select(IndividualSignature)).all() == []


def test_a_nul_in_the_affiliation_is_a_clear_400(app, client, statement_slug):
    change(app, statement_slug, asks_affiliation=True)
    response = post_form(client, f"/s/{statement_slug}", f"/s/{statement_slug}/sign",
                         individual_fields(**{"person-affiliation": "Kyiv\x00University"}))
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalars(select(IndividualSignature)).all() == []


def test_the_standard_disclaimer_reads_in_ukrainian(app, client, statement_slug):
    change(app, statement_slug, asks_affiliation=True)
    signed(app, statement_slug, "Olena Kovalenko", "olena@example.org", affiliation="КНУ")
    page = page_of(client, statement_slug, "uk")
    assert ("Приналежність указано лише для ідентифікації; вона не означає підтримки з боку "
            "установи.") in page


def test_signers_grouped_by_affiliation_and_by_country(app, client, statement_slug):
    change(app, statement_slug, asks_affiliation=True,
           signatory_grouping=SignatoryGrouping.AFFILIATION)
    signed(app, statement_slug, "Olena Kovalenko", "olena@example.org",
           affiliation="Kyiv University")
    signed(app, statement_slug, "Anna Schmidt", "anna@example.org",
           affiliation="kyiv university", country="DE")
    signed(app, statement_slug, "Taras Melnyk", "taras@example.org")
    page = page_of(client, statement_slug)
    individuals = page[page.index("<h3>Individuals</h3>"):]
    assert individuals.index('<h4 class="group">Kyiv University</h4>') < individuals.index(
        "Anna Schmidt") < individuals.index('<h4 class="group">Without an affiliation</h4>') \
        < individuals.index("Taras Melnyk")

    change(app, statement_slug, signatory_grouping=SignatoryGrouping.COUNTRY)
    page = page_of(client, statement_slug)
    individuals = page[page.index("<h3>Individuals</h3>"):]
    assert individuals.index('<h4 class="group">Germany</h4>') < individuals.index(
        "Anna Schmidt") < individuals.index('<h4 class="group">Ukraine</h4>') \
        < individuals.index("Olena Kovalenko")
    # The example's founding organizations were pasted without their countries.
    assert page.index('<h3 class="group">Country not given</h3>') < page.index(
        "Human Rights Center ZMINA") < page.index("<h3>Individuals</h3>")


def test_turning_affiliations_off_hides_those_given(app, client, statement_slug):
    change(app, statement_slug, asks_affiliation=True)
    signed(app, statement_slug, "Olena Kovalenko", "olena@example.org",
           affiliation="Kyiv University")
    change(app, statement_slug, asks_affiliation=False)
    page = page_of(client, statement_slug)
    assert "Kyiv University" not in page
    assert 'class="disclaimer"' not in page
