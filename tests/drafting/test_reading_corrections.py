"""Correcting the reading before saving, without JavaScript: the warnings on top, marks
on the lines to read the text again, rows to edit, add, remove and reorder, and what is
saved is what the page showed. Every form is sent as a browser sends it."""

from __future__ import annotations

from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from campaign.extensions import db
from campaign.signing.models import OrganizationSignature
from campaign.statements.models import Statement
from tests.drafting.test_drafting_pages import (
    form_fields,
    load,
    paste,
    row_texts,
    signed_in_drafter,
)
from tests.example_statement import ADDRESSEES, EXAMPLE, FOUNDING_ORGANIZATIONS
from tests.public.test_signing_pages import assert_error_next_to, text_of_id
from tests.support import csrf_token

SAVE = "/coordinate/new/save"
MARLEN = "In particular, Marlen Asanov"
POSITION_ERROR = "A position is a whole number from 1 to 10,000."


def _line_field(page: str, starts: str) -> str:
    """The name of the select that marks the line starting with ``starts``."""
    text = unescape(page)
    cell = text.index(f'-text">{starts}')
    row = text[:cell].rsplit('id="line-', 1)[1].split("-")[0]
    return f"lines-{row}-kind"


def _send(client: FlaskClient, fields: dict[str, str], action: str):
    return client.post(SAVE, data={**fields, "action": action})


def _statement_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(db.func.count()).select_from(Statement))


@pytest.fixture
def drafter(app: Flask) -> FlaskClient:
    return signed_in_drafter(app)


@pytest.fixture
def reading(drafter: FlaskClient) -> str:
    page = paste(drafter, EXAMPLE.read_text(encoding="utf-8"))
    assert page.status_code == 200
    return page.text


# --- What the reading did not understand, on top ---------------------------------------


def test_the_readings_warnings_are_at_the_top_of_the_page(drafter):
    page = unescape(paste(drafter, "An open letter\n\nWe are worried about the law.\n\n"
                                   "Signed\n").text)

    warnings = page.index('id="warnings"')
    assert warnings < page.index(f'action="{SAVE}"')
    assert page.index("No demands were recognised, and so no addressees.") > warnings
    assert "Every line found its place." not in page


def test_the_warnings_stay_on_the_page_when_saving_fails(app, drafter):
    page = paste(drafter, "An open letter\n\nWe are worried about the law.\n")
    fields = form_fields(page.text, SAVE)

    refused = _send(drafter, {**fields, "title": ""}, "save")

    assert refused.status_code == 400
    text = unescape(refused.text)
    assert text.index("No demands were recognised") < text.index(f'action="{SAVE}"')
    assert "Give the statement a title." in text


# --- Marks on the lines ------------------------------------------------------------------


def test_a_line_marked_as_furniture_leaves_the_lead_text_when_read_again(drafter, reading):
    fields = form_fields(reading, SAVE)
    assert fields[_line_field(reading, MARLEN)] == "lead"
    assert fields[_line_field(reading, "Scroll to Top")] == "furniture"

    again = _send(drafter, {**fields, _line_field(reading, MARLEN): "furniture"}, "read")

    assert again.status_code == 200
    page = unescape(again.text)
    assert "The text is read again with your marks." in page
    marked = form_fields(again.text, SAVE)
    assert MARLEN not in marked["body_markdown"]
    assert f"<li>{MARLEN}" in page
    assert marked[_line_field(again.text, MARLEN)] == "furniture"
    assert row_texts(marked, "signatories") == FOUNDING_ORGANIZATIONS


def test_marking_a_demand_as_an_intro_splits_its_group_and_says_it_has_no_addressee(
        drafter, reading):
    fields = form_fields(reading, SAVE)
    demand = _line_field(reading, "• strengthen sectoral sanctions")

    again = form_fields(_send(drafter, {**fields, demand: "intro"}, "read").text, SAVE)

    assert [len(row_texts(again, f"groups-{n}-demands")) for n in range(5)] == [3, 2, 2, 4, 0]
    assert again["groups-2-intro"].startswith("• strengthen sectoral sanctions")
    assert row_texts(again, "groups-2-addressees") == []
    assert "Group 3 names no addressee." in again.values()


def test_marked_edited_reordered_rows_are_saved_exactly_as_the_page_showed_them(app, drafter,
                                                                               reading):
    marked = _send(drafter, {**form_fields(reading, SAVE),
                             _line_field(reading, MARLEN): "furniture"}, "read")
    fields = form_fields(marked.text, SAVE)
    first_demands = row_texts(fields, "groups-0-demands")
    second_demands = row_texts(fields, "groups-1-demands")
    fields.update({
        "slug": "crimea-corrected",
        # Edit a demand, move the first demand of group 2 to its end, add an addressee
        # and a signatory in the empty rows, remove the first signatory, and move group 3
        # to the top.
        "groups-0-demands-0-text": "Release all political prisoners.",
        "groups-1-demands-0-position": "99",
        "groups-0-addressees-1-text": "Council of Europe",
        f"signatories-{len(FOUNDING_ORGANIZATIONS)}-text": "Solidarity Network (PL)",
        "signatories-0-remove": "y",
        "groups-2-position": "0",
    })
    fields["groups-2-position"] = "1"
    fields["groups-0-position"] = "2"
    fields["groups-1-position"] = "3"

    shown = _send(drafter, fields, "save")

    assert shown.status_code == 200  # the moves are shown before anything is saved
    assert "Your changes are applied below. Check them, then save." in unescape(shown.text)
    assert _statement_count(app) == 0
    seen = form_fields(shown.text, SAVE)
    expected_demands = [
        row_texts(seen, f"groups-{n}-demands") for n in range(3)]
    assert expected_demands[1] == ["Release all political prisoners.", *first_demands[1:]]
    assert expected_demands[2] == [*second_demands[1:], second_demands[0]]
    assert row_texts(seen, "groups-1-addressees") == [*ADDRESSEES[0], "Council of Europe"]
    assert row_texts(seen, "groups-0-addressees") == ADDRESSEES[2]
    expected_signatories = [*FOUNDING_ORGANIZATIONS[1:], "Solidarity Network (PL)"]
    assert row_texts(seen, "signatories") == expected_signatories

    saved = _send(drafter, {**seen, "slug": "crimea-corrected"}, "save")

    assert saved.status_code == 302
    statement = load(app, "crimea-corrected")
    assert [[d.text for d in group.demands] for group in statement.demand_groups] == \
        expected_demands
    assert [[a.name for a in group.addressees] for group in statement.demand_groups] == [
        ADDRESSEES[2], [*ADDRESSEES[0], "Council of Europe"], ADDRESSEES[1]]
    assert MARLEN not in statement.body_markdown
    with app.app_context():
        rows = db.session.execute(select(OrganizationSignature.name, OrganizationSignature.country)
                                  .order_by(OrganizationSignature.id)).all()
    assert [name for name, _country in rows] == [*FOUNDING_ORGANIZATIONS[1:],
                                                 "Solidarity Network"]
    assert rows[-1].country == "PL"


def test_a_group_and_its_rows_can_be_added_and_removed(app, drafter, reading):
    fields = form_fields(reading, SAVE)
    fields.update({"groups-1-remove": "y",
                   "groups-3-intro": "We urge the Council of Europe to:",
                   "groups-3-addressees-0-text": "Council of Europe",
                   "groups-3-demands-0-text": "Send monitors."})

    applied = _send(drafter, fields, "apply")

    assert applied.status_code == 200
    seen = form_fields(applied.text, SAVE)
    assert [row_texts(seen, f"groups-{n}-addressees") for n in range(4)] == [
        ADDRESSEES[0], ADDRESSEES[2], ["Council of Europe"], []]
    assert row_texts(seen, "groups-2-demands") == ["Send monitors."]
    assert _send(drafter, {**seen, "slug": "two-groups"}, "save").status_code == 302
    assert len(load(app, "two-groups").demand_groups) == 3


# --- What the page refuses, and says why ----------------------------------------------------


@pytest.mark.parametrize("value", ["-1", "2147483648", "0x10", "1e3", "", "bogus", "99999"])
def test_a_hostile_position_is_refused_with_a_message_and_nothing_saved(app, drafter, reading,
                                                                        value):
    fields = form_fields(reading, SAVE)

    sent = _send(drafter, {**fields, "groups-0-demands-1-position": value, "slug": "x"}, "save")

    if value == "":  # a blank position keeps the row where it is
        assert sent.status_code == 302
        return
    assert sent.status_code == 400
    assert "A position is a whole number from 1 to 10,000." in unescape(sent.text)
    assert _statement_count(app) == 0


def _container_of(html: str, field_id: str) -> str:
    """The table cell or the field's box that holds the field."""
    at = html.index(f'id="{field_id}"')
    start = max(html.rfind("<td", 0, at), html.rfind('<div class="field', 0, at))
    return html[start:html.index("</td>" if html.startswith("<td", start) else "</div>", at)]


def test_a_wrong_position_is_shown_beside_its_field_as_on_every_form(app, drafter, reading):
    fields = form_fields(reading, SAVE)
    wrong = {"groups-0-demands-1-position": "bogus", "groups-1-position": "0"}

    sent = _send(drafter, {**fields, **wrong}, "save")

    assert sent.status_code == 400
    for field_id in wrong:
        assert_error_next_to(sent.text, field_id, POSITION_ERROR)
        assert f'id="{field_id}-error"' in _container_of(sent.text, field_id)
        # Said once, though a word is no number and no number in the range either.
        assert text_of_id(sent.text, f"{field_id}-error").count(POSITION_ERROR) == 1
    assert _statement_count(app) == 0


@pytest.mark.parametrize("kind", ["bogus", "", "title\x01", "FURNITURE", "2147483648"])
def test_an_unknown_mark_is_refused_with_a_message(drafter, reading, kind):
    fields = form_fields(reading, SAVE)

    field = _line_field(reading, MARLEN)
    sent = _send(drafter, {**fields, field: kind}, "read")

    assert sent.status_code == 400
    assert_error_next_to(sent.text, field, "Choose what the line is from the list.")


@pytest.mark.parametrize("key", ["lines-²-kind", "lines-99999999-kind", "groups--intro",
                                 "signatories-1" + "0" * 5000 + "-text",
                                 "groups-0-demands-٣-text"])
def test_a_row_number_the_page_never_made_is_refused_with_the_text_kept(drafter, reading, key):
    fields = form_fields(reading, SAVE)

    sent = _send(drafter, {**fields, key: "lead"}, "read")

    assert sent.status_code == 400
    page = unescape(sent.text)
    assert "The form sent back is not one this page made." in page
    assert "Southern District Military Court" in page  # the text is still in the box


def test_more_rows_than_a_list_holds_are_refused_not_cut(app, drafter, reading):
    fields = form_fields(reading, SAVE)
    many = {f"signatories-{n}-text": f"Organization {n}" for n in range(5001)}

    sent = _send(drafter, {**fields, **many}, "save")

    assert sent.status_code == 400
    assert "A list on this page has more than 5,000 rows" in unescape(sent.text)
    assert _statement_count(app) == 0


def test_marks_that_do_not_fit_the_text_are_refused(drafter, reading):
    fields = form_fields(reading, SAVE)
    last = max(int(name.split("-")[1]) for name in fields if name.startswith("lines-"))
    del fields[f"lines-{last}-kind"]

    sent = _send(drafter, fields, "read")

    assert sent.status_code == 400
    assert "The marks do not fit the text: read it again from the start." in unescape(sent.text)


def test_a_nul_character_in_a_row_is_refused_before_anything_reads_it(app, drafter, reading):
    fields = form_fields(reading, SAVE)

    sent = _send(drafter, {**fields, "groups-0-demands-0-text": "Free\x00them"}, "save")

    assert sent.status_code == 400
    assert "NUL character" in sent.text
    assert _statement_count(app) == 0


LONG_NAME = ("the Parliamentary Assembly of the Council of Europe Committee on Legal Affairs and "
             "Human Rights Subcommittee on the Implementation of Judgments of the European "
             "Court of Human Rights Working Group on Political Prisoners in the Temporarily "
             "Occupied Territories of the Autonomous Republic of Crimea Sevastopol City "
             "Donetsk Oblast Luhansk Oblast Zaporizhzhia Oblast Kherson Oblast")
LONG_ADDRESSEE = f"""Statement on political prisoners in Crimea

We condemn the sentences handed down in occupied Crimea.

We call on {LONG_NAME} to:

- release all political prisoners;
- stop the persecution of Crimean Tatars.

Human Rights Center ZMINA
Crimean Human Rights Group
"""


def test_a_pasted_addressee_longer_than_its_column_is_refused_at_its_row(app, drafter):
    # The row takes longer texts (a demand's), but the name goes into a column of 300
    # characters: PostgreSQL refused it with a 500, SQLite kept it whole.
    fields = form_fields(paste(drafter, LONG_ADDRESSEE).text, SAVE)
    row = "groups-0-addressees-0-text"
    assert len(fields[row]) > 300

    saved = _send(drafter, fields, "save")

    assert saved.status_code == 400
    assert_error_next_to(saved.text, row, "Use at most 300 characters.")
    assert f'<a href="#{row}">Use at most 300 characters.</a>' in saved.text
    assert _statement_count(app) == 0


def test_a_signatory_longer_than_its_column_is_refused_at_its_row(app, drafter, reading):
    fields = form_fields(reading, SAVE)

    saved = _send(drafter, {**fields, "signatories-0-text": "Z" * 201 + " (UA)"}, "save")

    assert saved.status_code == 400
    assert_error_next_to(saved.text, "signatories-0-text", "Use at most 200 characters.")
    assert _statement_count(app) == 0


def test_a_signatory_as_long_as_its_column_is_saved_with_its_country(app, drafter, reading):
    fields = form_fields(reading, SAVE)
    name = "Z" * 200

    saved = _send(drafter, {**fields, "signatories-0-text": f"{name} (UA)"}, "save")

    assert saved.status_code == 302, unescape(saved.text)
    with app.app_context():
        assert db.session.scalars(select(OrganizationSignature.country).where(
            OrganizationSignature.name == name)).one() == "UA"


def test_a_demand_longer_than_a_name_is_saved(app, drafter, reading):
    fields = form_fields(reading, SAVE)
    demand = "Release them. " * 200

    saved = _send(drafter, {**fields, "groups-0-demands-0-text": demand}, "save")

    assert saved.status_code == 302, unescape(saved.text)
    with app.app_context():
        statement = db.session.scalars(select(Statement)).one()
        assert statement.demand_groups[0].demands[0].text == demand.strip()


def test_reading_again_needs_the_pages_csrf_token(app, drafter, reading):
    fields = form_fields(reading, SAVE)
    del fields["csrf_token"]

    for action in ("read", "apply", "save"):
        sent = _send(drafter, {**fields, "slug": "no-token"}, action)
        assert sent.status_code == 400, action
    assert _statement_count(app) == 0


def test_a_megabyte_paste_of_thousands_of_lines_is_read_and_said_too_long_to_mark(drafter):
    paragraphs = [f"Paragraph {n}: " + "the court heard the case again. " * 6
                  for n in range(5_000)]
    text = "Free them all\n\n" + "\n\n".join(paragraphs) + \
        "\n\nWe call on X to free them.\n\nSigned:\nOrg A\nOrg B\n"
    assert len(text) > 1_000_000

    page = paste(drafter, text)

    assert page.status_code == 200
    shown = unescape(page.text)
    assert "more lines than can be marked one by one (at most 3000)" in shown
    assert "Paragraph 4999: the court" in shown


def test_a_reading_longer_than_the_page_holds_is_refused_with_a_message(drafter):
    names = [f"Organization number {n} for human rights" for n in range(25_000)]
    text = "Free them all\n\nWe call on X to free them.\n\nSigned:\n" + "\n".join(names)
    assert len(text) > 1_000_000

    page = paste(drafter, text)

    assert page.status_code == 400
    assert "The reading has more than this page can show" in unescape(page.text)


def test_two_thousand_lines_can_be_marked_and_read_again(drafter):
    names = [f"Organization {n}" for n in range(2000)]
    text = "Free them all\n\nWe call on X to free them.\n\nSigned:\n" + "\n".join(names)
    page = paste(drafter, text)
    fields = form_fields(page.text, SAVE)

    again = _send(drafter, {**fields, _line_field(page.text, "Organization 5"): "furniture"},
                  "read")

    assert again.status_code == 200
    assert len(row_texts(form_fields(again.text, SAVE), "signatories")) == 1999


def test_the_reading_page_speaks_ukrainian(app):
    client = signed_in_drafter(app)
    page = client.get("/coordinate/new", headers={"Accept-Language": "uk"})
    read = client.post("/coordinate/new", headers={"Accept-Language": "uk"}, data={
        "csrf_token": csrf_token(page.text),
        "text": "Відкритий лист\n\nМи стурбовані законом.\n"})

    shown = unescape(read.text)
    assert "Чого під час читання не вдалося зрозуміти" in shown
    assert "Прочитати знову з моїми позначками" in shown
    assert ">Елемент сторінки (відкидається)</option>" in shown
