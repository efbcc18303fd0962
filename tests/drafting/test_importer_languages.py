"""The importer on the languages and shapes of issue 14, its warnings, and bad input."""

import contextlib
import datetime
import re
import time
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from campaign.drafting.importer import (
    MAX_CHARS,
    ParsedDemandGroup,
    ParsedSignatory,
    StatementTextError,
    parse_statement,
)

CORPUS = Path(__file__).parent / "import_corpus"

UKRAINIAN = """\
Головна  Новини  Контакти

Спільна заява правозахисних організацій щодо незаконних затримань у Криму

12 березня 2024 року

Російська влада продовжує переслідувати кримських татар.

Закликаємо Міністерство закордонних справ України:
1. ініціювати засідання Кримської платформи;
2. звернутися до партнерів щодо посилення санкцій.

Звертаємося до Верховної Ради України та Офісу Генерального прокурора з вимогою:
- забезпечити розслідування затримань;
- ухвалити закон про політв'язнів.

Підписанти:
Центр прав людини ZMINA
Кримська правозахисна група, Україна
Українська Гельсінська спілка з прав людини

Поділитися
"""


def test_ukrainian_statement_gives_groups_addressees_date_and_signatories():
    parsed = parse_statement(UKRAINIAN)
    assert parsed.language == "uk"
    assert parsed.title == (
        "Спільна заява правозахисних організацій щодо незаконних затримань у Криму")
    assert parsed.date == datetime.date(2024, 3, 12)
    assert [(g.addressees, g.demands) for g in parsed.demand_groups] == [
        (["Міністерство закордонних справ України"],
         ["ініціювати засідання Кримської платформи",
          "звернутися до партнерів щодо посилення санкцій."]),
        (["Верховної Ради України", "Офісу Генерального прокурора"],
         ["забезпечити розслідування затримань", "ухвалити закон про політв'язнів."]),
    ]
    assert parsed.signatories == [
        ParsedSignatory("Центр прав людини ZMINA", None),
        ParsedSignatory("Кримська правозахисна група", "UA"),
        ParsedSignatory("Українська Гельсінська спілка з прав людини", None),
    ]
    assert parsed.signatory_heading == "Підписанти:"
    assert parsed.dropped_lines == ["Головна Новини Контакти", "Поділитися"]
    assert parsed.unplaced_lines == []
    assert parsed.warnings == []


LETTER = """\
Letter on the detention of journalists

Dear Minister,

We write about the arrests of journalists since March.

We urge you to:
1. release the journalists;
2. drop the charges.

Respectfully,

Signed,

Org A
Org B
"""


def test_letter_salutation_names_the_addressee_and_the_closing_is_kept_as_such():
    parsed = parse_statement(LETTER)
    assert parsed.salutation == "Dear Minister,"
    assert parsed.closing == "Respectfully,"
    assert parsed.demand_groups[0].addressees == ["Minister"]
    assert [s.name for s in parsed.signatories] == ["Org A", "Org B"]
    assert "Respectfully," not in parsed.body
    assert parsed.unplaced_lines == []
    assert parsed.warnings == []


@pytest.mark.parametrize(("text", "addressees", "demands"), [
    ("Wir fordern die Bundesregierung auf, die Abschiebungen zu stoppen.",
     ["Bundesregierung"], ["Die Abschiebungen zu stoppen."]),
    ("Nous appelons le gouvernement à libérer les détenus.",
     ["Gouvernement"], ["Libérer les détenus."]),
    ("Exigimos al gobierno que libere a los presos políticos.",
     ["Gobierno"], ["Libere a los presos políticos."]),
    ("Wzywamy rząd do wycofania projektu ustawy.",
     ["Rząd"], ["Wycofania projektu ustawy."]),
    ("Звертаємося до Президента України та Верховної Ради з вимогою звільнити полонених.",
     ["Президента України", "Верховної Ради"], ["Звільнити полонених."]),
    ("Обращаемся к ОБСЕ и Совету Европы с призывом направить наблюдателей.",
     ["ОБСЕ", "Совету Европы"], ["Направить наблюдателей."]),
])
def test_one_sentence_demands_in_each_language(text, addressees, demands):
    parsed = parse_statement(f"Statement\n\n{text}\n")
    assert parsed.demand_groups == [ParsedDemandGroup(text, addressees, demands)]


@pytest.mark.parametrize(("line", "day"), [
    ("12 березня 2024 року", datetime.date(2024, 3, 12)),
    ("Київ, 24 Березня, 2020", datetime.date(2020, 3, 24)),
    ("16 de septiembre de 2020", datetime.date(2020, 9, 16)),
    ("Octubre 20, 2014", datetime.date(2014, 10, 20)),
    ("Leipzig, den 13.05.2024", datetime.date(2024, 5, 13)),
    ("Berlin, 10. September 2018", datetime.date(2018, 9, 10)),
    ("15 ноября 2019 г.", datetime.date(2019, 11, 15)),
    ("mardi 27 mars 2018", datetime.date(2018, 3, 27)),
    ("Warszawa, 12 stycznia 2024 r.", datetime.date(2024, 1, 12)),
])
def test_date_lines_in_each_language(line, day):
    parsed = parse_statement(f"A statement\n\n{line}\n\nThe text itself.")
    assert parsed.date == day
    assert parsed.body == "The text itself."


def test_a_person_signs_with_their_office_after_a_comma_or_on_the_next_line():
    parsed = parse_statement(
        "Title\n\nWe call on the council to act now.\n\nSignatories:\n"
        "- Jane Doe, Professor of Law, City University\nKonate Sery Borya\nResponsable FLPA\n"
    )
    assert parsed.signatories == [
        ParsedSignatory("Jane Doe", None, "Professor of Law, City University"),
        ParsedSignatory("Konate Sery Borya", None, "Responsable FLPA"),
    ]


def test_language_names_and_bare_links_are_furniture():
    parsed = parse_statement(
        "FRANÇAIS\nENGLISH\nBoletín\n\nTexto.\n\nhttps://example.org/x\nsíguenos en Twitter"
    )
    assert parsed.dropped_lines == [
        "FRANÇAIS", "ENGLISH", "https://example.org/x", "síguenos en Twitter"]


# --- Warnings: the reading says what it did not understand ---------------------------------


def test_text_without_demands_or_signatories_warns_of_both():
    parsed = parse_statement("A statement\n\nWe are worried about the new law.")
    assert "No demands were recognised, and so no addressees." in parsed.warnings
    assert "No signatories were recognised." in parsed.warnings


def test_group_without_addressee_is_warned():
    parsed = parse_statement("A statement\n\nOur demands:\n- free them\n- stop it\n")
    assert parsed.demand_groups[0].addressees == []
    assert "Group 1 names no addressee." in parsed.warnings


def test_intro_without_a_list_is_warned_and_stays_in_the_body():
    parsed = parse_statement("A statement\n\nWe call on the council to:\n\nThank you.")
    assert parsed.demand_groups == []
    assert "“We call on the council to:” announces demands, but no list follows it." \
        in parsed.warnings
    assert "We call on the council to:" in parsed.body


def test_long_first_sentence_is_no_title_and_is_warned():
    parsed = parse_statement("We, the undersigned organizations of civil society from many "
                             "countries, are deeply worried about the arrests in the city.")
    assert "No title was recognised: the first sentence is used." in parsed.warnings


def test_unplaced_lines_are_counted_in_a_warning():
    parsed = parse_statement("Title\n\nWe call on the council to:\n- act\n\nA remark.\n\n"
                             "We urge the mayor to:\n- help\n")
    assert parsed.unplaced_lines == ["A remark."]
    assert "1 line was not understood and is kept in the lead text." in parsed.warnings


@pytest.mark.parametrize(("name", "warning"), [
    ("Signed", "“Signed” was read as a signatory but looks like a heading."),
    ("Kyiv, 16 September 2020", "“Kyiv, 16 September 2020” was read as a signatory but holds a "
                                "date."),
])
def test_suspicious_signatory_is_warned(name, warning):
    from campaign.drafting.importer import _cues, _signatory_doubt

    assert _signatory_doubt(ParsedSignatory(name, None), _cues("en")) == warning


# --- Bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "\n\n \u00a0\n", "Search\nMenu\n\nScroll to Top"])
def test_empty_paste_is_refused_clearly(text):
    with pytest.raises(StatementTextError, match="No statement text found"):
        parse_statement(text)


def test_binary_file_is_refused_clearly():
    binary = bytes(range(256)) * 400
    with pytest.raises(StatementTextError, match="looks like a binary file"):
        parse_statement(binary.decode("utf-8", errors="replace"))
    with pytest.raises(StatementTextError, match="looks like a binary file"):
        parse_statement("\x00" * 100 + "Title")


def test_a_few_stray_nul_bytes_are_removed_and_the_text_read():
    parsed = parse_statement("Title\x00\n\nWe call on the council to act\x00 now.")
    assert parsed.title == "Title"
    assert parsed.demand_groups[0].demands == ["Act now."]


def test_too_long_paste_is_refused_clearly():
    with pytest.raises(StatementTextError, match="too long"):
        parse_statement("a" * (MAX_CHARS + 1))


def test_non_text_is_refused_clearly():
    with pytest.raises(StatementTextError):
        parse_statement(b"Title")  # type: ignore[arg-type]


MEGABYTE = 1_000_000


@pytest.mark.parametrize("text", [
    "word " * (MEGABYTE // 5),
    ("We call on the government to act now and the world to listen. " * 8 + "\n\n")
    * (MEGABYTE // 520),
    "We urge the states to:\n" + "- do a thing and another;\n" * (MEGABYTE // 26),
    "Title\n\nTo:\n" + "Minister of Something\n" * (MEGABYTE // 22),
    ("Закликаємо Міністерство закордонних справ України та інших: " * 20 + "\n")
    * (MEGABYTE // 1300),
], ids=["one line", "prose", "items", "to list", "intro verbs"])
def test_megabyte_paste_is_read_in_bounded_time(text):
    # A guard against quadratic matching (those took minutes), not a benchmark: the
    # reading takes about 3 s at most on a shared 2-core machine.
    started = time.monotonic()
    with contextlib.suppress(StatementTextError):
        parse_statement(text)
    assert time.monotonic() - started < 15


def test_text_without_structure_is_read_honestly():
    text = "\n\n".join(["Lorem ipsum dolor sit amet, consectetur adipiscing elit."] * 5)
    parsed = parse_statement(text)
    assert parsed.demand_groups == [] and parsed.signatories == []
    assert parsed.body.count("Lorem ipsum") == 4
    assert "No demands were recognised, and so no addressees." in parsed.warnings


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*"ab Z.:;,-•1)(\n\tЯя:éß\u00a0\ufffd\x00",
                                 "We call on ", " to ", "Signed:", "To:", "Dear ",
                                 "16.09.2020", "12 березня 2024 року", "Закликаємо ", "- ",
                                 "1. "]), max_size=120).map("".join))
def test_any_text_is_read_or_refused_with_a_statement_text_error(text):
    with contextlib.suppress(StatementTextError):
        parse_statement(text)


# --- No line is lost ---------------------------------------------------------------------


def _key(text: str) -> str:
    text = unicodedata.normalize("NFC", text).casefold()
    text = re.sub(r"^\s*(?:[•·▪‣◦●–—*-]|\(?\w{1,3}[.)])\s+", "", text)
    return re.sub(r"\s+", " ", text).strip(" .,;:!")


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.txt")), ids=lambda p: p.stem)
def test_every_line_of_every_corpus_text_is_placed_dropped_or_listed(path):
    parsed = parse_statement(path.read_text(encoding="utf-8"))
    reading = _key(" ".join([
        parsed.title, parsed.body, parsed.salutation or "", parsed.closing or "",
        parsed.signatory_heading or "", *parsed.dropped_lines, *parsed.addressee_lines,
        *(part for g in parsed.demand_groups for part in (g.intro, *g.addressees, *g.demands)),
        *(part for s in parsed.signatories for part in (s.name, s.affiliation or "")),
    ]))
    date_line = parsed.date and parsed.date.strftime("%Y")
    lost = [line for line in path.read_text(encoding="utf-8").splitlines()
            if _key(line) and _key(line) not in reading
            and not (date_line and date_line in line)
            and not all(part and _key(part) in reading for part in re.split(r"[;,]", line))]
    assert lost == []
