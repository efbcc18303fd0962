"""One statement in several languages: its translations, approved as official by its
coordinators, read by the public in their language, sent to addressees in theirs, and
one list of signatories whatever the language.

The example statement is English; its translations here are Ukrainian (official or
draft) and Russian."""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from pypdf import PdfReader

from campaign.extensions import db
from campaign.languages import in_language
from campaign.letters.building import build_letter
from campaign.letters.pdf import render_letter_pdf
from campaign.letters.services import send_letters
from campaign.outbox.models import OutboxMessage
from campaign.rendering import MARKDOWN_LENGTH
from campaign.signing.tally import TallyKind, add_to_tally
from campaign.statements.models import (
    StatementError,
    StatementTranslation,
    TranslationStatus,
)
from campaign.statements.services import get_statement
from campaign.statements.translating import (
    PartState,
    Passage,
    add_translation,
    approve_translation,
    find_translation,
    save_translation,
    source_parts,
    statement_text,
    translation_states,
)
from tests.conftest import SERVER_NAME, create_coordinator_for, sign_in
from tests.example_statement import TITLE
from tests.support import csrf_token

UK_TITLE = "Заява правозахисних організацій щодо вироку другій бахчисарайській групі"


def ukrainian_text(key: str) -> str:
    return UK_TITLE if key == "title" else f"Український текст частини {key}"


def translate(slug: str, language: str = "uk", *, official: bool = True,
              skip: tuple[str, ...] = ()) -> StatementTranslation:
    """Every part of the statement translated (but `skip`), approved if asked."""
    statement = get_statement(slug)
    translation = add_translation(statement, language)
    save_translation(translation, {
        part.key: ukrainian_text(part.key) if language == "uk" else f"[{language}] {part.key}"
        for part in source_parts(statement) if part.key not in skip})
    if official:
        approve_translation(translation)
    db.session.commit()
    return translation


def reader(app: Flask, language: str) -> FlaskClient:
    client = app.test_client()
    client.set_cookie("language", language, domain=SERVER_NAME)
    return client


def h1_of(html: str) -> str:
    match = re.search(r"<h1([^>]*)>(.*?)</h1>", html, re.S)
    assert match, "the page has no h1"
    return match[0]


# --- The rules ------------------------------------------------------------------------------


def test_a_translation_missing_demands_is_refused_as_official_naming_them(app, statement_slug):
    with app.app_context():
        statement = get_statement(statement_slug)
        first_demand = statement.demand_groups[0].demands[0]
        translation = translate(statement_slug, official=False,
                                skip=(f"demand-{first_demand.id}",))
        with pytest.raises(StatementError, match="Group 1, demand 1"):
            approve_translation(translation)
        assert translation.status is TranslationStatus.DRAFT

        save_translation(translation, {f"demand-{first_demand.id}": "Звільнити всіх."})
        approve_translation(translation)
        db.session.commit()
        assert db.session.get(StatementTranslation, translation.id).status is (
            TranslationStatus.OFFICIAL)


def test_addressee_names_may_stay_untranslated(app, statement_slug):
    with app.app_context():
        statement = get_statement(statement_slug)
        addressee_keys = tuple(f"addressee-{a.id}" for a in statement.addressees)
        translation = translate(statement_slug, official=False, skip=addressee_keys)
        approve_translation(translation)
        assert translation.is_official


def test_a_part_whose_source_changed_is_older_than_the_source(app, statement_slug):
    with app.app_context():
        statement = get_statement(statement_slug)
        translation = translate(statement_slug, official=False)
        demand = statement.demand_groups[1].demands[0]
        key = f"demand-{demand.id}"
        assert {s.state for s in translation_states(translation)} == {PartState.CURRENT}

        demand.text = "A demand rewritten after the translation."
        states = {s.source.key: s.state for s in translation_states(translation)}
        assert states[key] is PartState.OUTDATED
        assert [k for k, state in states.items() if state is not PartState.CURRENT] == [key]
        with pytest.raises(StatementError, match="Group 2, demand 1"):
            approve_translation(translation)

        # Saved unchanged, it stays outdated; the translator must say it still holds.
        save_translation(translation, {key: ukrainian_text(key)})
        assert {s.source.key: s.state for s in translation_states(translation)}[key] is (
            PartState.OUTDATED)
        save_translation(translation, {key: ukrainian_text(key)}, still_current={key})
        assert {s.source.key: s.state for s in translation_states(translation)}[key] is (
            PartState.CURRENT)


@pytest.mark.parametrize("code", ["en", "EN", "", "not a language", "u" * 40, "uk\x00"])
def test_a_translation_into_the_source_language_or_no_language_is_refused(
        app, statement_slug, code):
    with app.app_context(), pytest.raises(StatementError):
        add_translation(get_statement(statement_slug), code)


def test_a_second_translation_into_the_same_language_is_refused(app, statement_slug):
    with app.app_context():
        translate(statement_slug, "uk", official=False)
        with pytest.raises(StatementError, match="already"):
            add_translation(get_statement(statement_slug), "UK")


# --- The public page ------------------------------------------------------------------------


def test_a_ukrainian_reader_gets_the_official_translation_with_links_to_the_others(
        app, statement_slug):
    with app.app_context():
        translate(statement_slug, "uk")
    page = reader(app, "uk").get(f"/s/{statement_slug}")

    assert page.status_code == 200
    assert '<html lang="uk">' in page.text
    assert UK_TITLE in h1_of(page.text) and "lang=" not in h1_of(page.text)
    assert TITLE not in page.text
    assert f'href="/s/{statement_slug}?lang=en" hreflang="en" lang="en">English</a>' in page.text
    for code in ("en", "uk"):
        assert (f'<link rel="alternate" hreflang="{code}" '
                f'href="http://{SERVER_NAME}/s/{statement_slug}?lang={code}">') in page.text
    assert (f'<link rel="alternate" hreflang="x-default" '
            f'href="http://{SERVER_NAME}/s/{statement_slug}">') in page.text


def test_the_shared_link_shows_its_language_inside_another_interface_marked_as_such(
        app, statement_slug):
    with app.app_context():
        translate(statement_slug, "uk")
    page = reader(app, "en").get(f"/s/{statement_slug}?lang=uk")

    assert '<html lang="en">' in page.text
    assert f'<h1 lang="uk">{UK_TITLE}</h1>' in page.text
    assert re.search(r'<div class="lead" lang="uk">', page.text)
    assert re.search(r'<li lang="uk">Український текст частини demand-\d+</li>', page.text)
    # The interface around it stays English.
    assert "Sign this statement" in page.text


def test_an_english_reader_gets_the_source(app, statement_slug):
    with app.app_context():
        translate(statement_slug, "uk")
    page = reader(app, "en").get(f"/s/{statement_slug}")
    assert TITLE in h1_of(page.text)
    assert f'href="/s/{statement_slug}?lang=uk" hreflang="uk" lang="uk">Українська</a>' in (
        page.text)


def test_a_draft_translation_is_not_public(app, statement_slug):
    with app.app_context():
        translate(statement_slug, "uk", official=False)
    for path in (f"/s/{statement_slug}", f"/s/{statement_slug}?lang=uk"):
        page = reader(app, "uk").get(path)
        assert TITLE in h1_of(page.text), path
        assert '<h1 lang="en">' in page.text
        assert "?lang=" not in page.text and 'rel="alternate"' not in page.text


@pytest.mark.parametrize("asked", ["xx", "", "ru", "uk-UA-x-" + "a" * 3000, "../../etc",
                                   "%00", "en"])
def test_an_unknown_or_unofficial_language_falls_back_to_the_source(
        app, statement_slug, asked):
    with app.app_context():
        translate(statement_slug, "ru", official=False)
    page = reader(app, "uk").get(f"/s/{statement_slug}", query_string={"lang": asked})
    assert page.status_code in (200, 400)
    if page.status_code == 200:
        assert TITLE in h1_of(page.text)


def test_signatures_and_counts_are_one_whatever_the_language(app, statement_slug):
    with app.app_context():
        translate(statement_slug, "uk")
        add_to_tally(get_statement(statement_slug).id, TallyKind.INDIVIDUALS, 21)
        db.session.commit()
    english = reader(app, "en").get(f"/s/{statement_slug}?lang=en").text
    ukrainian = reader(app, "uk").get(f"/s/{statement_slug}?lang=uk").text
    counts = re.compile(r'<p class="counts" id="counts">(.*?)</p>', re.S)
    assert "21 individuals have signed" in counts.search(english)[1]
    assert "21 " in counts.search(ukrainian)[1]
    organizations = re.compile(r'<ul class="organizations">(.*?)</ul>', re.S)
    assert organizations.search(english)[1] == organizations.search(ukrainian)[1]


# --- The API --------------------------------------------------------------------------------


def test_the_api_gives_the_official_translation_asked_for(app, client, statement_slug):
    with app.app_context():
        translate(statement_slug, "uk")
        translate(statement_slug, "ru", official=False)

    ukrainian = client.get(f"/api/v1/statements/{statement_slug}?lang=uk").json
    assert ukrainian["language"] == "uk" and ukrainian["source_language"] == "en"
    assert ukrainian["title"] == UK_TITLE
    assert ukrainian["languages"] == ["en", "uk"]
    assert all(demand.startswith("Український текст частини demand-")
               for group in ukrainian["demand_groups"] for demand in group["demands"])
    assert ukrainian["demand_groups"][0]["addressees"][0]["name"].startswith(
        "Український текст частини addressee-")

    for asked in ("", "ru", "xx", "en"):
        document = client.get(f"/api/v1/statements/{statement_slug}?lang={asked}").json
        assert document["title"] == TITLE and document["language"] == "en", asked
    # The API does not follow the browser's language: its answer is the link's.
    document = client.get(f"/api/v1/statements/{statement_slug}",
                          headers={"Accept-Language": "uk"}).json
    assert document["title"] == TITLE


# --- Letters --------------------------------------------------------------------------------


def test_a_letter_to_a_ukrainian_addressee_uses_the_official_translation(app, statement_slug):
    with app.app_context():
        translate(statement_slug, "uk")
        addressee = get_statement(statement_slug).addressees[0]
        addressee.language, addressee.email = "uk", "gov@example.org"
        letter = build_letter(addressee)
        with in_language("uk"):
            html = app.jinja_env.get_template("letters/letter.txt").render(letter=letter)
        assert UK_TITLE in html and TITLE not in html
        assert "Український текст частини demand-" in html
        assert "мовою" not in html and "офіційного перекладу" not in html

        send_letters(get_statement(statement_slug), [addressee], by=None)
        db.session.commit()
        message = db.session.query(OutboxMessage).one()
        assert message.subject == UK_TITLE


def test_a_letter_in_a_language_without_translation_says_it_is_in_the_source_language(
        app, statement_slug):
    with app.app_context():
        translate(statement_slug, "ru", official=False)
        addressee = get_statement(statement_slug).addressees[0]
        addressee.language = "uk"
        with in_language("uk"):
            text = app.jinja_env.get_template("letters/letter.txt").render(
                letter=build_letter(addressee))
        assert TITLE in text
        assert "Мова заяви: Англійська. Офіційного перекладу вашою мовою немає." in text

        addressee.language = "en"
        with in_language("en"):
            text = app.jinja_env.get_template("letters/letter.txt").render(
                letter=build_letter(addressee))
        assert "no official translation" not in text


@pytest.mark.pdf
def test_the_pdf_to_a_ukrainian_addressee_holds_the_translation(app, statement_slug):
    with app.app_context():
        translate(statement_slug, "uk")
        addressee = get_statement(statement_slug).addressees[0]
        addressee.language = "uk"
        with force_locale("uk"):
            pdf = render_letter_pdf(build_letter(addressee))
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(
        io.BytesIO(pdf)).pages)
    assert UK_TITLE in text
    assert "Український текст частини demand-" in text
    assert "Statement of human rights" not in text


def test_text_of_the_statement_falls_back_part_by_part(app, statement_slug):
    """A demand added after approval shows in the source language, marked so."""
    with app.app_context():
        statement = get_statement(statement_slug)
        translate(statement_slug, "uk")
        group = statement.demand_groups[0]
        from campaign.drafting.services import add_demand
        add_demand(group, "A new demand, not yet translated.")
        db.session.commit()
        text = statement_text(statement, "uk")
        last = text.group(group).demands[-1]
        assert (last.text, last.language) == ("A new demand, not yet translated.", "en")
        assert text.title.language == "uk"
    page = reader(app, "uk").get(f"/s/{statement_slug}").text
    assert '<li lang="en">A new demand, not yet translated.</li>' in page


REWRITTEN = "Release every political prisoner within 30 days."


def test_an_official_translation_does_not_show_a_demand_older_than_the_source(
        app, client, statement_slug):
    """The team rewrote a demand after approving the translation: readers, API clients
    and addressees get the demand as it now reads, in the source language, not the
    translation of the words it replaced."""
    from campaign.drafting.services import update_demand
    with app.app_context():
        translate(statement_slug, "uk")
        demand = get_statement(statement_slug).demand_groups[0].demands[0]
        key = f"demand-{demand.id}"
        update_demand(demand, REWRITTEN)
        addressee = get_statement(statement_slug).addressees[0]
        addressee.language = "uk"
        db.session.commit()
        with in_language("uk"):
            letter = app.jinja_env.get_template("letters/letter.txt").render(
                letter=build_letter(addressee))
    document = client.get(f"/api/v1/statements/{statement_slug}?lang=uk").get_json()
    assert document["demand_groups"][0]["demands"][0] == REWRITTEN
    assert document["title"] == UK_TITLE
    linked = client.get(f"/s/{statement_slug}?lang=uk").text
    assert ukrainian_text(key) not in linked and f"<li>{REWRITTEN}</li>" in linked
    # Inside the Ukrainian interface, the demand is marked as written in English.
    page = reader(app, "uk").get(f"/s/{statement_slug}").text
    assert ukrainian_text(key) not in page and f'<li lang="en">{REWRITTEN}</li>' in page
    assert ukrainian_text(key) not in letter and REWRITTEN in letter


def test_a_title_or_addressee_renamed_after_approval_is_shown_as_it_now_reads(
        app, statement_slug):
    with app.app_context():
        translate(statement_slug, "uk")
        statement = get_statement(statement_slug)
        addressee = statement.addressees[0]
        statement.title = "A corrected title"
        addressee.name = "The Prosecutor General"
        db.session.commit()
        text = statement_text(statement, "uk")
        assert (text.title.text, text.title.language) == ("A corrected title", "en")
        assert text.addressee(addressee) == Passage("The Prosecutor General", "en")
    from tests.support import individual_fields, post_form
    post_form(reader(app, "uk"), f"/s/{statement_slug}", f"/s/{statement_slug}/sign",
              individual_fields(**{"person-email": "oksana@example.org"}))
    with app.app_context():
        subject = db.session.query(OutboxMessage).one().subject
    assert subject == "Підтвердьте свій підпис: A corrected title"


def test_the_workspace_still_asks_to_update_a_part_older_than_the_source(
        app, workspace, statement_slug):
    from campaign.drafting.services import update_demand
    with app.app_context():
        translate(statement_slug, "uk")
        update_demand(get_statement(statement_slug).demand_groups[0].demands[0], REWRITTEN)
        db.session.commit()
    base = f"/coordinate/{statement_slug}/translations"
    assert "1 part older than the source" in workspace.get(base).text
    assert "Older than the source" in workspace.get(f"{base}/uk").text


# --- The workspace ----------------------------------------------------------------------------


@pytest.fixture
def workspace(app: Flask, statement_slug: str) -> FlaskClient:
    with app.app_context():
        create_coordinator_for("perekladach@example.org", statement_slug)
    client = app.test_client()
    sign_in(client, "perekladach@example.org")
    return client


def post(client: FlaskClient, page: str, action: str, data: dict[str, str]):
    token = csrf_token(client.get(page).text)
    return client.post(action, data={**data, "csrf_token": token}, follow_redirects=True)


def test_a_coordinator_translates_approves_and_the_public_reads_it(app, workspace,
                                                                   statement_slug):
    base = f"/coordinate/{statement_slug}/translations"
    index = workspace.get(base)
    assert index.status_code == 200 and "No translations yet." in index.text

    token = csrf_token(index.text)
    started = workspace.post(base, data={"new-language": "uk", "new-csrf_token": token},
                             follow_redirects=True)
    assert "A draft translation into Ukrainian is started." in started.text
    assert "Title" in started.text and 'lang="uk"' in started.text

    with app.app_context():
        parts = source_parts(get_statement(statement_slug))
    fields = {f"part-{part.key}": ukrainian_text(part.key) for part in parts
              if part.kind.value != "demand"}
    saved = post(workspace, f"{base}/uk", f"{base}/uk", fields)
    assert "The translation is saved." in saved.text
    assert "Group 1, demand 1</a>: missing" in saved.text

    refused = post(workspace, f"{base}/uk", f"{base}/uk/approve", {})
    assert "This translation cannot be official yet: it misses Group 1, demand 1;" in (
        refused.text)
    assert UK_TITLE not in reader(app, "uk").get(f"/s/{statement_slug}").text

    fields.update({f"part-{part.key}": ukrainian_text(part.key) for part in parts})
    post(workspace, f"{base}/uk", f"{base}/uk", fields)
    approved = post(workspace, f"{base}/uk", f"{base}/uk/approve", {})
    assert "The translation is official" in approved.text
    assert UK_TITLE in h1_of(reader(app, "uk").get(f"/s/{statement_slug}").text)

    listing = workspace.get(base).text
    assert "Official" in listing and "Complete and up to date" in listing


def test_the_workspace_shows_parts_older_than_the_source(app, workspace, statement_slug):
    with app.app_context():
        statement = get_statement(statement_slug)
        translate(statement_slug, "uk")
        statement.title = "A corrected title"
        db.session.commit()
    base = f"/coordinate/{statement_slug}/translations"
    assert "1 part older than the source" in workspace.get(base).text
    page = workspace.get(f"{base}/uk").text
    assert "Title</a>: the source changed since it was translated" in page
    assert "Older than the source" in page
    assert 'name="current-title"' in page

    post(workspace, f"{base}/uk", f"{base}/uk", {"part-title": UK_TITLE, "current-title": "y"})
    assert "Complete and up to date" in workspace.get(base).text


def test_removing_a_translation_asks_first(app, workspace, statement_slug):
    with app.app_context():
        translate(statement_slug, "uk", official=False)
    base = f"/coordinate/{statement_slug}/translations/uk"
    confirm = workspace.get(f"{base}/remove")
    assert confirm.status_code == 200 and "This cannot be undone." in confirm.text
    with app.app_context():
        assert db.session.query(StatementTranslation).count() == 1
    done = post(workspace, f"{base}/remove", f"{base}/remove", {})
    assert "The translation into Ukrainian is removed." in done.text
    with app.app_context():
        assert db.session.query(StatementTranslation).count() == 0


def test_the_workspace_refuses_bad_languages_with_a_message(workspace, statement_slug):
    base = f"/coordinate/{statement_slug}/translations"
    for code in ("en", "not a language"):
        token = csrf_token(workspace.get(base).text)
        response = workspace.post(base, data={"new-language": code, "new-csrf_token": token})
        assert response.status_code == 400
        assert 'class="error-summary"' in response.text or "field-error" in response.text
    assert workspace.get(f"{base}/xx").status_code == 404
    assert workspace.get(f"{base}/{'a' * 3000}").status_code == 404


def test_other_teams_cannot_see_translations(app, statement_slug):
    with app.app_context():
        create_coordinator_for("stranger@example.org")
        translate(statement_slug, "uk", official=False)
    stranger = app.test_client()
    sign_in(stranger, "stranger@example.org")
    assert stranger.get(f"/coordinate/{statement_slug}/translations").status_code == 404
    assert stranger.get(f"/coordinate/{statement_slug}/translations/uk").status_code == 404


def test_the_source_language_can_be_set(app, workspace, statement_slug):
    with app.app_context():
        translate(statement_slug, "ru", official=False)
    base = f"/coordinate/{statement_slug}/translations"
    token = csrf_token(workspace.get(base).text)
    refused = workspace.post(f"{base}/source",
                             data={"source-language": "ru", "source-csrf_token": token})
    assert refused.status_code == 400 and "Remove the translation first." in refused.text
    done = workspace.post(f"{base}/source", data={"source-language": "uk",
                                                  "source-csrf_token": token},
                          follow_redirects=True)
    assert "The statement is written in Ukrainian." in done.text
    with app.app_context():
        assert get_statement(statement_slug).language == "uk"


# --- Mail to signers --------------------------------------------------------------------------


def test_a_signer_in_ukrainian_is_asked_to_confirm_the_statement_under_its_ukrainian_title(
        app, statement_slug):
    with app.app_context():
        translate(statement_slug, "uk")
    from tests.support import individual_fields, post_form
    client = reader(app, "uk")
    post_form(client, f"/s/{statement_slug}", f"/s/{statement_slug}/sign",
              individual_fields(**{"person-email": "oksana@example.org"}))
    english = reader(app, "en")
    post_form(english, f"/s/{statement_slug}", f"/s/{statement_slug}/sign",
              individual_fields(**{"person-email": "john@example.org"}))
    with app.app_context():
        subjects = {message.to_address: message.subject
                    for message in db.session.query(OutboxMessage)}
    assert subjects["oksana@example.org"] == f"Підтвердьте свій підпис: {UK_TITLE}"
    assert subjects["john@example.org"] == f"Please confirm your signature: {TITLE}"


# --- The source language ----------------------------------------------------------------------


def test_a_pasted_ukrainian_statement_is_written_in_ukrainian(app):
    from pathlib import Path

    from campaign.drafting.importer import parse_statement
    from campaign.drafting.services import create_statement_from_text

    corpus = Path(__file__).resolve().parent / "drafting" / "import_corpus"
    text = next(corpus.glob("uk-*.txt")).read_text(encoding="utf-8")
    with app.app_context():
        create_statement_from_text(parse_statement(text), slug="zaiava")
        db.session.commit()
        assert get_statement("zaiava").language == "uk"


def test_removing_a_demand_removes_its_translation(app, statement_slug):
    with app.app_context():
        translation = translate(statement_slug, "uk")
        statement = get_statement(statement_slug)
        demand = statement.demand_groups[0].demands[0]
        key = f"demand-{demand.id}"
        from campaign.drafting.services import remove_demand
        remove_demand(demand)
        db.session.commit()
        db.session.expire_all()
        assert key not in {part.key for part in db.session.get(
            StatementTranslation, translation.id).parts}


def test_an_over_long_translated_lead_text_is_refused_at_its_field(app, workspace,
                                                                   statement_slug):
    # The lead text is Markdown on the public page: its translation is held to the
    # source's bound, in the form and in the service.
    base = f"/coordinate/{statement_slug}/translations"
    with app.app_context():
        add_translation(get_statement(statement_slug), "uk")
        db.session.commit()
    crafted = "[a" * (MARKDOWN_LENGTH // 2 + 1)

    refused = workspace.post(f"{base}/uk", data={
        "part-body": crafted, "csrf_token": csrf_token(workspace.get(f"{base}/uk").text)})

    assert refused.status_code == 400
    assert 'id="part-body-error"' in refused.text
    with app.app_context():
        translation = find_translation(get_statement(statement_slug), "uk")
        with pytest.raises(StatementError):
            save_translation(translation, {"body": crafted})
        assert translation.parts == []
