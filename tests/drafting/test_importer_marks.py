"""The reading says what each line of the paste became, and is redone when a coordinator
marks lines: the marked lines are what the marks say, the others what the reading made
of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from campaign.drafting.importer import (
    LineKind,
    ParsedStatement,
    StatementTextError,
    parse_statement,
)
from tests.example_statement import ADDRESSEES, EXAMPLE, FOUNDING_ORGANIZATIONS, TITLE

CORPUS_TEXTS = sorted((Path(__file__).parent / "import_corpus").glob("*.txt"))


@pytest.fixture(scope="module")
def crimea_text() -> str:
    return EXAMPLE.read_text(encoding="utf-8")


def _kinds(parsed: ParsedStatement) -> dict[str, LineKind]:
    return {line.text: line.kind for line in parsed.lines}


def _number(parsed: ParsedStatement, starts: str) -> int:
    return next(line.number for line in parsed.lines if line.text.startswith(starts))


def test_every_non_blank_line_is_listed_with_what_it_became(crimea_text):
    parsed = parse_statement(crimea_text)

    kinds = _kinds(parsed)
    assert len(parsed.lines) == len([line for line in crimea_text.splitlines() if line.strip()])
    assert kinds["Scroll to Top"] is LineKind.FURNITURE
    assert kinds[TITLE] is LineKind.TITLE
    assert kinds["We call on international organizations and governments of democratic "
                 "countries to:"] is LineKind.INTRO
    assert [text for text, kind in kinds.items() if kind is LineKind.SIGNATORY] == \
        FOUNDING_ORGANIZATIONS
    assert len([kind for kind in kinds.values() if kind is LineKind.DEMAND]) == 12


@pytest.mark.parametrize("path", CORPUS_TEXTS, ids=lambda path: path.stem)
def test_marks_that_repeat_the_reading_give_the_same_statement(path):
    text = path.read_text(encoding="utf-8")
    parsed = parse_statement(text)

    again = parse_statement(text, {line.number: line.kind for line in parsed.lines})

    assert again.title == parsed.title
    assert again.date == parsed.date
    assert again.demand_groups == parsed.demand_groups
    assert again.signatories == parsed.signatories
    assert again.dropped_lines == parsed.dropped_lines


def test_a_line_marked_furniture_is_dropped_and_a_dropped_line_marked_lead_is_kept(crimea_text):
    parsed = parse_statement(crimea_text)
    lead = _number(parsed, "In particular, Marlen Asanov")
    scroll = _number(parsed, "Scroll to Top")

    marked = parse_statement(crimea_text, {lead: LineKind.FURNITURE, scroll: LineKind.LEAD})

    assert "Marlen Asanov" not in marked.body
    assert marked.dropped_lines[-1].startswith("In particular, Marlen Asanov")
    assert marked.body.endswith("Scroll to Top")
    assert _kinds(marked)["Scroll to Top"] is LineKind.LEAD
    assert [group.addressees for group in marked.demand_groups] == ADDRESSEES


def test_a_demand_marked_as_an_intro_opens_a_group_and_a_signatory_marked_closing_leaves(
        crimea_text):
    parsed = parse_statement(crimea_text)
    intro = _number(parsed, "• strengthen sectoral sanctions")
    closing = _number(parsed, "Human Rights Center ZMINA")

    marked = parse_statement(crimea_text, {intro: LineKind.INTRO, closing: LineKind.CLOSING})

    assert [len(group.demands) for group in marked.demand_groups] == [3, 2, 2, 4]
    assert marked.demand_groups[2].intro.startswith("• strengthen sectoral sanctions")
    assert "Group 3 names no addressee." in marked.warnings
    assert [s.name for s in marked.signatories] == FOUNDING_ORGANIZATIONS[1:]
    assert marked.closing == "Human Rights Center ZMINA"


def test_a_lead_line_marked_as_a_demand_joins_the_group_before_it():
    text = ("Free them\n\nWe call on the Government of X to:\n- release the prisoners;\n"
            "- close the camps.\n\nAnd end the trials.\n\nSigned:\nOrg A\nOrg B\n")
    parsed = parse_statement(text)
    extra = _number(parsed, "And end the trials.")

    marked = parse_statement(text, {extra: LineKind.DEMAND})

    assert marked.demand_groups[0].addressees == ["Government of X"]
    assert marked.demand_groups[0].demands == [
        "release the prisoners", "close the camps.", "And end the trials."]
    assert marked.unplaced_lines == []


def test_lines_marked_as_addressees_name_whom_a_group_of_you_is_addressed_to():
    text = ("Open letter\n\nDear friends,\n\nMinister of Justice\n\nWe urge you to:\n"
            "1. free them.\n2. end it.\n\nSigned:\nOrg A\nOrg B\n")
    parsed = parse_statement(text)

    marked = parse_statement(text, {_number(parsed, "Minister of Justice"): LineKind.ADDRESSEE})

    assert marked.demand_groups[0].addressees == ["Minister of Justice"]
    assert "Minister of Justice" not in marked.body


def test_a_date_mark_on_a_line_without_a_date_is_a_warning():
    text = "Free them\n\nOn Monday we met.\n\nWe call on X to free them.\n"
    parsed = parse_statement(text)

    marked = parse_statement(text, {_number(parsed, "On Monday"): LineKind.DATE})

    assert marked.date is None
    assert "“On Monday we met.” is marked as the date, but no date could be read in it." \
        in marked.warnings


def test_a_wrapped_paragraph_is_cut_where_the_marks_part_its_lines():
    text = "Free them\n\nWe call on the Government to\nfree them.\n"
    parsed = parse_statement(text)
    numbers = [line.number for line in parsed.lines]

    marked = parse_statement(text, {numbers[1]: LineKind.LEAD, numbers[2]: LineKind.DEMAND})

    assert marked.body == "We call on the Government to"
    assert marked.demand_groups[0].demands == ["free them."]


@pytest.mark.parametrize("number", [-1, 2**31, 999])
def test_a_mark_for_a_line_the_text_does_not_have_is_refused(crimea_text, number):
    with pytest.raises(StatementTextError, match="which the text does not have"):
        parse_statement(crimea_text, {number: LineKind.LEAD})


def test_everything_marked_furniture_is_an_empty_reading_that_says_so(crimea_text):
    parsed = parse_statement(crimea_text)

    marked = parse_statement(crimea_text, {line.number: LineKind.FURNITURE
                                           for line in parsed.lines})

    assert marked.title == ""
    assert marked.demand_groups == [] and marked.signatories == []
    assert marked.warnings[0] == "No line is marked as the title."
    assert "No demands were recognised, and so no addressees." in marked.warnings


def test_a_mark_of_no_known_kind_is_refused(crimea_text):
    with pytest.raises(StatementTextError, match="Choose what the line is from the list"):
        parse_statement(crimea_text, {6: "heading"})
