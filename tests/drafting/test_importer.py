"""Tests for the pasted-statement parser, on the real example and on other shapes."""

import datetime

import pytest

from campaign.drafting.importer import (
    ParsedDemandGroup,
    ParsedSignatory,
    StatementTextError,
    parse_statement,
)
from tests.example_statement import ADDRESSEES, EXAMPLE, FOUNDING_ORGANIZATIONS, TITLE


@pytest.fixture(scope="module")
def crimea():
    return parse_statement(EXAMPLE.read_text(encoding="utf-8"))


# --- The real example ------------------------------------------------------------


def test_crimea_example_title_and_first_date(crimea):
    assert crimea.title == TITLE
    assert crimea.date == datetime.date(2020, 9, 16)


def test_crimea_example_yields_three_groups_with_their_addressees(crimea):
    assert [len(group.demands) for group in crimea.demand_groups] == [3, 5, 4]
    assert [group.addressees for group in crimea.demand_groups] == ADDRESSEES


def test_crimea_example_demands_lose_markers_and_separators_but_keep_final_stop(crimea):
    first = crimea.demand_groups[0]
    assert first.intro.startswith("We resolutely condemn the persecution of Muslims")
    assert first.intro.endswith("demand form the government of Russian Federation to:")
    assert first.demands[1] == (
        "stop the persecution of Crimean Tatars, Crimean Muslims including the administrative "
        "arrests, criminal accusations, confiscation of property and other types of"
    )
    assert first.demands[2] == (
        "immediately discontinue applying the so called antiterrorism legislation of RF on the "
        "territory of occupied Crimea."
    )
    assert crimea.demand_groups[2].demands[0].startswith("enable effective investigation")
    assert "Edem Smailov as well as" in crimea.demand_groups[2].demands[0]


def test_crimea_example_signatories_exclude_page_furniture(crimea):
    assert [signatory.name for signatory in crimea.signatories] == FOUNDING_ORGANIZATIONS
    assert all(signatory.country is None for signatory in crimea.signatories)


def test_crimea_example_drops_search_widgets_and_scroll_link(crimea):
    assert crimea.dropped_lines == [
        "Generic selectors",
        "Exact matches only",
        "Search in title",
        "Search in content",
        "Post Type Selectors",
        "Scroll to Top",
    ]
    assert crimea.unplaced_lines == []


def test_crimea_example_body_is_the_five_lead_paragraphs(crimea):
    paragraphs = crimea.body.split("\n\n")
    assert len(paragraphs) == 5
    assert paragraphs[0].startswith("On September 16, 2020 the Southern District Military Court")
    assert paragraphs[1].startswith("In particular, Marlen Asanov")
    assert paragraphs[-1].endswith("in the so called “case of Crimean Muslims”.")
    assert "\u00a0" not in crimea.body
    assert "Statement of human rights organizations" not in crimea.body
    assert "We resolutely condemn" not in crimea.body


def test_crimea_example_summary_reports_counts_and_dropped_lines(crimea):
    summary = crimea.summary()
    assert "Date: 2020-09-16." in summary
    assert "5 lead paragraphs." in summary
    assert "3 groups of demands (3, 5, 4 demands):" in summary
    assert (
        "  Group 2, to International organizations; Governments of democratic countries: "
        "5 demands." in summary
    )
    assert "12 signatories." in summary
    assert '6 lines dropped as page furniture:\n  "Generic selectors"' in summary
    assert summary.endswith("Nothing unplaced.")


# --- (a) A letter with a "To:" list ----------------------------------------------

LETTER = """\
Open letter on political prisoners in Belarus

To: Alexander Lukashenko; Prosecutor General of the Republic of Belarus
Minister of Internal Affairs of the Republic of Belarus

Dear Sirs,

We, the undersigned organizations, are deeply concerned about the detention of more
than 1,000 political prisoners in Belarus.

We urge you to:

1. Release all political prisoners immediately and unconditionally;
2. Stop the torture of detainees;
3. Allow independent monitors to visit places of detention.

Sincerely,

1. Viasna Human Rights Centre, Belarus
2. Helsinki Foundation for Human Rights (Poland)
3. Norwegian Helsinki Committee – Norway
4. Civil Rights Defenders
"""


def test_letter_to_list_gives_addressees_to_a_group_that_says_you():
    parsed = parse_statement(LETTER)
    assert parsed.title == "Open letter on political prisoners in Belarus"
    assert parsed.date is None
    assert parsed.demand_groups == [
        ParsedDemandGroup(
            intro="We urge you to:",
            addressees=[
                "Alexander Lukashenko",
                "Prosecutor General of the Republic of Belarus",
                "Minister of Internal Affairs of the Republic of Belarus",
            ],
            demands=[
                "Release all political prisoners immediately and unconditionally",
                "Stop the torture of detainees",
                "Allow independent monitors to visit places of detention.",
            ],
        )
    ]


def test_letter_body_joins_hard_wrapped_lines_and_leaves_out_the_to_list():
    parsed = parse_statement(LETTER)
    assert parsed.body == (
        "Dear Sirs,\n\nWe, the undersigned organizations, are deeply concerned about the "
        "detention of more than 1,000 political prisoners in Belarus."
    )
    assert parsed.unplaced_lines == []


def test_letter_numbered_signatories_carry_their_countries():
    assert parse_statement(LETTER).signatories == [
        ParsedSignatory("Viasna Human Rights Centre", "BY"),
        ParsedSignatory("Helsinki Foundation for Human Rights", "PL"),
        ParsedSignatory("Norwegian Helsinki Committee", "NO"),
        ParsedSignatory("Civil Rights Defenders", None),
    ]


# --- (b) "urge X to" with dash bullets and "Signed by:" --------------------------

DASHES = """\
Joint statement on the persecution of journalists in Azerbaijan

Baku, 3 March 2024

Since November 2023 the authorities arrested at least 25 journalists.

The undersigned organizations urge the European Union and the Council of Europe to:

- raise the cases of detained journalists in all bilateral meetings,
- make further cooperation conditional on their release.

Signed by:

Article 19 (United Kingdom)
Reporters Without Borders (France)
Memorial (Moscow)
Index on Censorship (UK)
"""


def test_urge_with_dash_bullets_splits_addressees_on_and():
    parsed = parse_statement(DASHES)
    assert parsed.date == datetime.date(2024, 3, 3)
    assert [(g.addressees, g.demands) for g in parsed.demand_groups] == [
        (
            ["European Union", "Council of Europe"],
            [
                "raise the cases of detained journalists in all bilateral meetings",
                "make further cooperation conditional on their release.",
            ],
        )
    ]
    assert parsed.body == "Since November 2023 the authorities arrested at least 25 journalists."


def test_signed_by_heading_introduces_signatories_with_countries_in_brackets():
    assert parse_statement(DASHES).signatories == [
        ParsedSignatory("Article 19", "GB"),
        ParsedSignatory("Reporters Without Borders", "FR"),
        ParsedSignatory("Memorial (Moscow)", None),
        ParsedSignatory("Index on Censorship", "GB"),
    ]


# --- (c) A one-sentence demand, and narrative that only reports demands -----------

INLINE = """\
Statement on the liquidation of Memorial

On 28 December 2021 the Supreme Court of Russia ordered the liquidation of International Memorial.

Amnesty International called on Russia to reverse the decision, and the UN urged the authorities to respect freedom of association.

We called on the Council of Europe to act in 2021.

We call on the Council of Europe to send a monitoring mission.

Signatories:
Memorial Human Rights Defence Centre
Netherlands Helsinki Committee, the Netherlands
"""  # noqa: E501


def test_we_call_on_sentence_is_a_group_with_one_capitalized_demand():
    parsed = parse_statement(INLINE)
    assert parsed.demand_groups == [
        ParsedDemandGroup(
            intro="We call on the Council of Europe to send a monitoring mission.",
            addressees=["Council of Europe"],
            demands=["Send a monitoring mission."],
        )
    ]
    assert parsed.date == datetime.date(2021, 12, 28)


def test_reported_and_past_calls_stay_in_the_body():
    parsed = parse_statement(INLINE)
    assert parsed.body.split("\n\n") == [
        "On 28 December 2021 the Supreme Court of Russia ordered the liquidation of "
        "International Memorial.",
        "Amnesty International called on Russia to reverse the decision, and the UN urged the "
        "authorities to respect freedom of association.",
        "We called on the Council of Europe to act in 2021.",
    ]
    assert parsed.signatories == [
        ParsedSignatory("Memorial Human Rights Defence Centre", None),
        ParsedSignatory("Netherlands Helsinki Committee", "NL"),
    ]


# --- (d) Page furniture, and paragraphs the parser cannot place --------------------

FURNITURE = """\
Home » News » Statements
We use cookies to improve your experience. By continuing you accept our cookie policy.
Accept all
Skip to content

Stop the war on civil society

The new “foreign agents” law threatens hundreds of organizations. Please share this statement.

We call on the Parliament of Georgia to:
• repeal the law on transparency of foreign influence;
• consult civil society before adopting any similar legislation.

The law was adopted despite mass protests in Tbilisi.

We urge the European Commission and the Ministry of Justice and the Ministry of Foreign Affairs of Lithuania to:
• condemn the adoption of the law.

This statement remains open for signature by other organizations.

Share on Facebook
Tweet
Scroll to top

Transparency International Georgia
Georgian Young Lawyers’ Association
"""  # noqa: E501


def test_cookie_share_and_breadcrumb_lines_are_dropped_in_order():
    assert parse_statement(FURNITURE).dropped_lines == [
        "Home » News » Statements",
        "We use cookies to improve your experience. By continuing you accept our cookie policy.",
        "Accept all",
        "Skip to content",
        "Share on Facebook",
        "Tweet",
        "Scroll to top",
    ]


def test_paragraphs_between_and_after_groups_stay_in_body_as_unplaced():
    parsed = parse_statement(FURNITURE)
    assert parsed.title == "Stop the war on civil society"
    assert parsed.unplaced_lines == [
        "The law was adopted despite mass protests in Tbilisi.",
        "This statement remains open for signature by other organizations.",
    ]
    assert parsed.body.split("\n\n") == [
        "The new “foreign agents” law threatens hundreds of organizations. "
        "Please share this statement.",
        "The law was adopted despite mass protests in Tbilisi.",
        "This statement remains open for signature by other organizations.",
    ]
    assert "2 lines kept in the body unplaced:" in parsed.summary()


def test_and_before_the_splits_addressees_even_after_of():
    parsed = parse_statement(FURNITURE)
    assert [g.addressees for g in parsed.demand_groups] == [
        ["Parliament of Georgia"],
        ["European Commission", "Ministry of Justice", "Ministry of Foreign Affairs of Lithuania"],
    ]
    assert [s.name for s in parsed.signatories] == [
        "Transparency International Georgia",
        "Georgian Young Lawyers’ Association",
    ]


# --- (e) Demands as plain ";"-terminated lines -------------------------------------

SEMICOLONS = """\
Appeal for the release of Crimean Tatar journalists
16.09.2020
We demand from the Russian authorities to:
release all detained citizen journalists;
drop the charges against Crimean Solidarity members;
allow lawyers unhindered access to their clients.
Signed:
Crimean Human Rights Group
ZMINA
"""


def test_plain_lines_ending_with_semicolons_are_demands():
    parsed = parse_statement(SEMICOLONS)
    assert parsed.title == "Appeal for the release of Crimean Tatar journalists"
    assert parsed.date == datetime.date(2020, 9, 16)
    assert parsed.body == ""
    assert parsed.demand_groups == [
        ParsedDemandGroup(
            intro="We demand from the Russian authorities to:",
            addressees=["Russian authorities"],
            demands=[
                "release all detained citizen journalists",
                "drop the charges against Crimean Solidarity members",
                "allow lawyers unhindered access to their clients.",
            ],
        )
    ]
    assert [s.name for s in parsed.signatories] == ["Crimean Human Rights Group", "ZMINA"]


# --- (f) Nothing to parse ---------------------------------------------------------


@pytest.mark.parametrize("text", ["", "  \n\u00a0\n", "Search\nMenu\n\nScroll to Top"])
def test_empty_or_furniture_only_text_raises(text):
    with pytest.raises(StatementTextError, match="No statement text found"):
        parse_statement(text)


def test_statement_text_error_is_a_value_error():
    assert issubclass(StatementTextError, ValueError)


# --- (g) Dates --------------------------------------------------------------------


@pytest.mark.parametrize(
    "date_line",
    ["September 16, 2020", "16 September 2020", "2020-09-16", "16.09.2020", "Kyiv, 16 Sept. 2020"],
)
def test_date_line_in_each_form_is_the_date_and_not_body(date_line):
    parsed = parse_statement(f"A statement\n\n{date_line}\n\nOn 1 May 2019 it began.")
    assert parsed.date == datetime.date(2020, 9, 16)
    assert parsed.title == "A statement"
    assert parsed.body == "On 1 May 2019 it began."


def test_first_date_in_the_text_is_used_without_a_date_line():
    parsed = parse_statement("A statement\n\nIt began on 2019-05-01 and ended on 16.09.2020.")
    assert parsed.date == datetime.date(2019, 5, 1)
    assert parsed.body == "It began on 2019-05-01 and ended on 16.09.2020."


def test_impossible_date_is_ignored():
    assert parse_statement("A statement\n\n31.02.2020").date is None


# --- Other edges --------------------------------------------------------------------


def test_long_first_line_gives_its_first_sentence_as_title_and_stays_in_body():
    line = "We stand with the people of Crimea. " + "They deserve freedom. " * 10
    parsed = parse_statement(line)
    assert parsed.title == "We stand with the people of Crimea."
    assert parsed.body == line.strip()


def test_without_heading_or_groups_short_closing_lines_are_not_signatories():
    parsed = parse_statement("A statement\n\nWe stand together.\n\nKyiv\nLviv")
    assert parsed.signatories == []
    assert parsed.body == "We stand together.\n\nKyiv\n\nLviv"


def test_restarted_numbering_ends_the_demands_and_starts_the_signatories():
    parsed = parse_statement(
        "Title\n\nWe call upon the states to:\n1. act\n2. help\n1. Org A (Georgia)\n2. Org B"
    )
    assert parsed.demand_groups[0].demands == ["act", "help"]
    assert parsed.demand_groups[0].addressees == ["States"]
    assert parsed.signatories == [ParsedSignatory("Org A", "GE"), ParsedSignatory("Org B", None)]


def test_colon_paragraph_without_a_verb_of_demand_is_body():
    parsed = parse_statement("Title\n\nThe court found that:\n- he was innocent.")
    assert parsed.demand_groups == []
    assert parsed.body == "The court found that:\n\n- he was innocent."


def test_to_list_that_no_group_uses_stays_in_body_as_unplaced():
    parsed = parse_statement("A statement\n\nTo: The Minister\n\nWe stand together.")
    assert parsed.unplaced_lines == ["To: The Minister"]
    assert parsed.body == "To: The Minister\n\nWe stand together."


def test_summary_of_a_one_group_text_reads_as_plain_sentences():
    assert parse_statement(SEMICOLONS).summary() == (
        "Title: Appeal for the release of Crimean Tatar journalists\n"
        "Date: 2020-09-16.\n"
        "0 lead paragraphs.\n"
        "1 group of demands (3 demands):\n"
        "  Group 1, to Russian authorities: 3 demands.\n"
        "2 signatories.\n"
        "Nothing dropped.\n"
        "Nothing unplaced."
    )
