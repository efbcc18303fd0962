"""Turn a statement pasted from a web page into its parts.

Pasted statements, sign-on letters and petitions arrive as loose lines: page widgets, a
title, perhaps a date, a letter's addressees and salutation, lead paragraphs, groups of
demands ("We call on X to:" and a list, or one sentence) and the signatories. The code
here knows these shapes; the words that mark them in each language are in
import_languages.py. Nothing is lost: a line is placed, dropped as furniture and listed,
or listed as unplaced; and what was not understood is said in ``warnings``.
"""

from __future__ import annotations

import datetime
import enum
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache

import pycountry
from babel import Locale
from babel.dates import get_month_names
from flask_babel import gettext as _
from flask_babel import ngettext

from campaign.drafting.import_languages import LANGUAGES, Language
from campaign.languages import format_count


class StatementTextError(ValueError):
    """The pasted text has nothing in it that could be a statement."""


class LineKind(enum.StrEnum):
    """What a line of the paste is, as the reading placed it or a coordinator marks it."""

    TITLE = "title"
    DATE = "date"
    LEAD = "lead"
    # A line of a letter's "To:" block: an addressee of the groups that name none.
    ADDRESSEE = "addressee"
    INTRO = "intro"
    DEMAND = "demand"
    SIGNATORY = "signatory"
    # A salutation's counterpart ("Sincerely,") or the heading over the signatories.
    CLOSING = "closing"
    FURNITURE = "furniture"


@dataclass(frozen=True)
class ReadLine:
    """A non-blank line of the paste: its number among the text's lines (from 0), its
    text, and what it was read as."""

    number: int
    text: str
    kind: LineKind


class _Line(str):
    """A line as the parser handles it, knowing which lines of the paste it came from
    (a hard-wrapped paragraph is one line from several), so that the reading can say
    what each line of the paste became."""

    numbers: tuple[int, ...]

    def __new__(cls, text: str, numbers: tuple[int, ...]) -> _Line:
        line = super().__new__(cls, text)
        line.numbers = numbers
        return line


def _numbers(line: str) -> tuple[int, ...]:
    return getattr(line, "numbers", ())


@dataclass
class ParsedSignatory:
    name: str
    country: str | None
    affiliation: str | None = None

    @property
    def listed_name(self) -> str:
        """How the signatory is listed until signatories have an affiliation of their
        own: the name with what the text said of them, nothing dropped."""
        return f"{self.name}, {self.affiliation}" if self.affiliation else self.name


@dataclass
class ParsedDemandGroup:
    intro: str
    addressees: list[str]
    demands: list[str]


@dataclass
class ParsedStatement:
    title: str
    date: datetime.date | None
    body: str
    demand_groups: list[ParsedDemandGroup]
    signatories: list[ParsedSignatory]
    dropped_lines: list[str]
    unplaced_lines: list[str]
    language: str | None = None
    salutation: str | None = None
    closing: str | None = None
    # The line that announced the signatories ("Signed:", "Підписанти:").
    signatory_heading: str | None = None
    # A letter's addressee block as pasted ("To:" and its lines), when a group took its
    # addressees from it.
    addressee_lines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Every non-blank line of the paste and what it became.
    lines: list[ReadLine] = field(default_factory=list)

    def summary(self) -> str:
        lead_count = len([p for p in self.body.split("\n\n") if p]) - len(self.unplaced_lines)
        lines = [
            f"Title: {self.title}",
            f"Date: {self.date.isoformat()}." if self.date else "No date found.",
            f"{_count(lead_count, 'lead paragraph')}.",
        ]
        sizes = [len(group.demands) for group in self.demand_groups]
        if sizes:
            unit = "demand" if sizes == [1] else "demands"
            lines.append(
                f"{_count(len(sizes), 'group')} of demands ({', '.join(map(str, sizes))} {unit}):"
            )
        else:
            lines.append("No groups of demands found.")
        for number, group in enumerate(self.demand_groups, 1):
            to = "; ".join(group.addressees) or "no named addressees"
            lines.append(f"  Group {number}, to {to}: {_count(len(group.demands), 'demand')}.")
        lines.append(f"{_count(len(self.signatories), 'signatory', 'signatories')}.")
        lines += _listing(self.dropped_lines, "dropped as page furniture", "Nothing dropped.")
        lines += _listing(self.unplaced_lines, "kept in the body unplaced", "Nothing unplaced.")
        return "\n".join(lines)


def _count(number: int, singular: str, plural: str | None = None) -> str:
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


def _listing(items: list[str], what: str, none: str) -> list[str]:
    if not items:
        return [none]
    return [f"{_count(len(items), 'line')} {what}:"] + [f'  "{item}"' for item in items]


# --- Reading the paste -----------------------------------------------------------------

# A paste of several megabytes is no statement; refusing it keeps a request bounded.
MAX_CHARS = 2_000_000
# Binary files decoded as text are mostly replacement and control characters.
_UNREADABLE = re.compile(r"[\ufffd\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_UNREADABLE_SHARE = 0.05
# Browsers copy NBSP, thin and ideographic spaces, and invisible joiners verbatim.
_ODD_SPACES = re.compile(r"[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff]")
# Lines longer than this are never an intro, a demand or a name; matching stops there so
# that one huge line costs linear time.
_LINE_MAX = 3000


def _readable(text: str) -> str:
    if not isinstance(text, str):
        raise StatementTextError(_("The text could not be read."))
    if len(text) > MAX_CHARS:
        raise StatementTextError(ngettext(
            "The text is too long to be one statement (%(size)s character; at most "
            "%(limit)s).",
            "The text is too long to be one statement (%(size)s characters; at most "
            "%(limit)s).", len(text), size=format_count(len(text)),
            limit=format_count(MAX_CHARS)))
    unreadable = len(_UNREADABLE.findall(text))
    if text and unreadable / len(text) > _UNREADABLE_SHARE:
        raise StatementTextError(_(
            "The text looks like a binary file, not text copied from a page: paste the "
            "statement's words instead."))
    text = unicodedata.normalize("NFC", _UNREADABLE.sub("", text))
    return _INVISIBLE.sub("", _ODD_SPACES.sub(" ", text))


_WORD = re.compile(r"[^\W\d_]+")


def _language(text: str) -> Language:
    words = [word.casefold() for word in _WORD.findall(text[:20_000])]
    scores = {code: sum(word in common for word in words)
              for code, common in ((c, frozenset(lang.common_words.split()))
                                   for c, lang in LANGUAGES.items())}
    best = max(scores, key=lambda code: scores[code])
    return LANGUAGES[best if scores[best] else "en"]


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


@cache
def _cues(code: str) -> _Cues:
    return _Cues(LANGUAGES[code])


class _Cues:
    """A language's table compiled into the patterns the parser uses."""

    def __init__(self, lang: Language) -> None:
        self.lang = lang
        self.subjects = _rx(lang.subjects) if lang.subjects else None
        self.pronouns = _rx(rf"(?:{lang.pronouns})") if lang.pronouns else None
        self.fillers = _rx(rf"(?:{lang.fillers})") if lang.fillers else None
        self.articles = _rx(rf"^(?:(?:{lang.addressee_articles})(?:\s+|(?<=['’´])))+") \
            if lang.addressee_articles else None
        self.and_split = _rx(rf"\s+(?:{lang.and_words})(?:\s+|(?<=['’]))")
        self.noun_start = _rx(rf"(?:{lang.noun_starts})\b") if lang.noun_starts else None
        self.of_word = _rx(rf"\b(?:{lang.of_words})\b")
        self.also = _rx(rf"\b(?:{lang.also})\b") if lang.also else None
        self.verbs = [(_rx(rf"(?<!\w)(?:{verb})(?!\w)"), link) for verb, link in lang.intro_verbs]
        self.direct = [_rx(rf"(?<!\w)(?:{verb})(?!\w)\s+") for verb in lang.direct_verbs]
        self.heading = _rx(rf"(?:{lang.demand_headings})\s*:") if lang.demand_headings else None
        self.to_heading = _rx(rf"(?:{lang.to_headings})\s*:?") if lang.to_headings else None
        self.to_line = _rx(rf"(?:{lang.to_headings})\s*:\s*(\S.*)") if lang.to_headings else None
        self.to_prefix = _rx(rf"(?:{lang.to_prefixes})\s+(?=\w)") if lang.to_prefixes else None
        self.purpose = _rx(rf",\s+(?:{lang.purpose_words})\b") if lang.purpose_words else None
        self.copy_heading = _rx(rf"(?:{lang.copy_headings})\s*:.*") if lang.copy_headings else None
        self.letter_note = _rx(lang.letter_notes) if lang.letter_notes else None
        self.salutation = _rx(rf"(?:{lang.salutations})\b.*") if lang.salutations else None
        self.closing = _rx(rf"(?:{lang.closings})\s*[,.!]?") if lang.closings else None
        self.signatory_heading = _rx(rf"(?:{lang.signatory_headings})\s*[:.,]?")
        # Lists of signatories mix languages: any language's office word will do.
        roles = "|".join(other.roles for other in LANGUAGES.values() if other.roles)
        self.role = _rx(rf"(?:{roles})\b")


# --- Page furniture -----------------------------------------------------------------------

_BREADCRUMB = re.compile(r"\w+\s*[»>/›→|]\s*\S.*")
_COOKIE_WORDS = re.compile(r"\b(?:accept|use|consent|policy|settings)\b", re.I)
# Cookie banners are short; a long paragraph that mentions cookies is content.
_COOKIE_BANNER_MAX = 300
_BARE_LINK = re.compile(r"(?:https?://|www\.)\S+")
# A search box copied with the site's contact line ends the line with its one word.
_SEARCH_LINE_MAX_WORDS = 15
# Language switchers list each language in its own name.
_SWITCHER_LOCALES = ("en", "fr", "es", "de", "pl", "uk", "ru", "it", "pt", "ar", "tr", "be",
                     "ka", "hy", "az", "kk", "ro", "cs", "nl", "zh", "ja")


@cache
def _furniture_cues() -> tuple[frozenset[str], re.Pattern[str], re.Pattern[str]]:
    """Furniture of every language: pages show their widgets in their own language,
    whatever the statement's."""
    names = set()
    for code in _SWITCHER_LOCALES:
        try:
            names.add(Locale.parse(code).get_display_name(code).casefold())
        except (ValueError, LookupError):
            continue
    lines = frozenset(w for lang in LANGUAGES.values() for w in lang.furniture) | names
    patterns = [p for lang in LANGUAGES.values() for p in lang.furniture_patterns]
    search = "|".join(lang.search_words for lang in LANGUAGES.values() if lang.search_words)
    return (lines, re.compile("|".join(f"(?:{p})" for p in patterns), re.I),
            re.compile(rf".*\s(?:{search})", re.I))


def _is_furniture(line: str) -> bool:
    if len(line) > _COOKIE_BANNER_MAX:
        return False
    whole, patterns, search_end = _furniture_cues()
    key = line.rstrip(":").strip().casefold()
    return bool(
        key in whole
        or patterns.fullmatch(key)
        or _BARE_LINK.fullmatch(line)
        or (_BREADCRUMB.fullmatch(line) and key.split()[0] in whole)
        or ("cookie" in key and _COOKIE_WORDS.search(line))
        or (len(line.split()) <= _SEARCH_LINE_MAX_WORDS and search_end.fullmatch(line)
            and ("@" in line or "://" in line))
    )


# --- Lines ----------------------------------------------------------------------------------

_ITEM = re.compile(
    r"(?:[•·▪‣◦●■□➢➤►✓✔]|[-–—*](?=\s)"
    r"|\(?(?P<num>\d{1,3})[.)](?!\d)"
    r"|\(?(?P<letter>[a-zа-яіїєґ])\)(?=\s)"
    r"|\(?(?P<roman>(?:x{0,3})(?:ix|iv|v?i{0,3}))[.)](?=\s))\s*",
    re.I,
)
_TRAILING_SEPARATOR = re.compile(r"\s*[;,]\s*(?:and|or|та|і|и|et|y|und|i|oraz)?$", re.I)
_ROMAN = {"i": 1, "v": 5, "x": 10}


def _marker(line: str) -> re.Match[str] | None:
    match = _ITEM.match(line)
    # "(" alone or an empty roman numeral is no marker.
    if match and match.group(0).strip() in ("", "(", ".", ")"):
        return None
    if match and match["roman"] is not None and not match["roman"]:
        return None
    return match


def _marker_number(marker: re.Match[str]) -> int | None:
    if marker["num"]:
        return int(marker["num"])
    if marker["roman"]:
        values = [_ROMAN[c] for c in marker["roman"].lower()]
        return sum(-v if i + 1 < len(values) and v < values[i + 1] else v
                   for i, v in enumerate(values))
    if marker["letter"]:
        letter = marker["letter"].lower()
        base = "a" if letter.isascii() else "а"
        return ord(letter) - ord(base) + 1
    return None


# Hard-wrapped text has short lines; a longer line followed by one in lower case is a
# paragraph of its own whose next line lost its list marker.
_WRAP_MAX = 100


def _join_wrapped(lines: list[str]) -> list[str]:
    joined: list[str] = []
    for line in lines:
        previous = joined[-1] if joined else ""
        # Some pages put a bullet on a line of its own; a line starting in lower case
        # continues the previous one (hard wrap) unless that ends an intro or an item.
        bare_marker = _marker(previous) is not None and _marker(previous).end() == len(previous)
        wrapped = (line[:1].islower() and not _marker(line) and len(previous) <= _WRAP_MAX
                   and not previous.endswith((":", ";")))
        if line and previous and (bare_marker or wrapped):
            joined[-1] = _Line(previous + " " + line, _numbers(previous) + _numbers(line))
        else:
            joined.append(line)
    return joined


def _lines(text: str) -> tuple[list[str], list[str]]:
    """The paste's lines ("" where one or more blank lines were) and the furniture."""
    lines: list[str] = []
    dropped: list[str] = []
    for number, raw in enumerate(text.splitlines()):
        line: str = _Line(_one_spaced(raw), (number,))
        if line and _is_furniture(line):
            dropped.append(line)
            line = ""  # a widget between two paragraphs still separates them
        if line or (lines and lines[-1]):
            lines.append(line)
    return _join_wrapped(lines), dropped


def _one_spaced(raw: str) -> str:
    return re.sub(r" {2,}", " ", raw.strip())


# --- A letter's head: the addressee block ------------------------------------------------

# A letter's "To:" list sits in its head, so only the first lines are searched.
_HEAD_LINES = 12
_OPEN_LETTER_LINES = 3
_BARE_HEADING_MIN = 6
_ENTRY_MAX_WORDS = 15


def _is_entry(line: str, cues: _Cues) -> bool:
    """An addressee line: short, no sentence, no date, not the letter's next part."""
    return bool(
        line
        and len(line.split()) <= _ENTRY_MAX_WORDS
        and (not re.search(r"[.!?]$", line.rstrip(" ,;")) or len(line.split()) <= 4)
    ) and not (
        (cues.salutation and cues.salutation.match(line))
        or (cues.letter_note and cues.letter_note.fullmatch(line))
        or (cues.copy_heading and cues.copy_heading.fullmatch(line))
        or _dates_in(line, cues)
    )


def _take_to_block(lines: list[str], cues: _Cues) -> tuple[list[str], list[str], list[str]]:
    """The lines without the letter's addressee block, the addressees, and the block."""
    content = [i for i, line in enumerate(lines) if line]
    head = content[:_HEAD_LINES]
    for i in head:
        line = lines[i]
        # A heading alone on its line: "To:", or a longer word without a colon
        # ("Appell-Empfänger*innen"); "An" or "Do" alone is too common a word.
        heading = cues.to_heading and cues.to_heading.fullmatch(line)
        if heading and (line.endswith(":") or len(line) >= _BARE_HEADING_MIN):
            return _entries_after(lines, i, cues)
        to_line = cues.to_line and cues.to_line.fullmatch(line)
        if to_line:
            end = i + 1
            while end < len(lines) and lines[end] and _is_entry(lines[end], cues):
                end += 1
            entries = [to_line[1], *lines[i + 1:end]]
            names = [_clean_name(part, cues) for entry in entries for part in entry.split(";")]
            return lines[:i] + lines[end:], [n for n in names if n], lines[i:end]
    # "A los medios ... / A las organizaciones ...": two or more lines opening with the
    # language's "to".
    if cues.to_prefix:
        for start in head:
            end = start
            while end < len(lines) and lines[end] and cues.to_prefix.match(lines[end]) \
                    and _is_entry(lines[end], cues):
                end += 1
            if end - start >= 2:
                names = [_clean_name(cues.to_prefix.sub("", line, count=1), cues)
                         for line in lines[start:end]]
                return lines[:start] + lines[end:], names, lines[start:end]
        # "Open letter / to Emmanuel Macron, President of the Republic, for a ceasefire":
        # one line under the title says whom the letter is to; a comma binds a person
        # to their office, so only the purpose is cut off.
        for start in content[:_OPEN_LETTER_LINES]:
            line = lines[start]
            prefix = cues.to_prefix.match(line)
            if prefix and not line.endswith(":") and len(line.split()) <= _ENTRY_MAX_WORDS * 2:
                phrase = line[prefix.end():]
                if cues.purpose:
                    phrase = cues.purpose.split(phrase, maxsplit=1)[0]
                name = _clean_name(phrase, cues)
                if name:
                    return lines[:start] + lines[start + 1:], [name], [line]
    return lines, [], []


def _entries_after(lines: list[str], heading: int, cues: _Cues):
    end, taken = heading + 1, [heading]
    while end < len(lines):
        if not lines[end]:
            end += 1
            continue
        if not _is_entry(lines[end], cues):
            break
        taken.append(end)
        end += 1
    names = [_clean_name(lines[i], cues) for i in taken[1:]]
    block = [lines[i] for i in taken]
    taken_set = set(taken)
    rest = [line for i, line in enumerate(lines) if i not in taken_set]
    return rest, [n for n in names if n], block


# --- Dates --------------------------------------------------------------------------------


@cache
def _months(code: str) -> dict[str, int]:
    """Month names of every language's locale, nominative and genitive, and the
    abbreviations of this language and English."""
    names: dict[str, int] = {}
    for lang in LANGUAGES.values():
        widths = ("wide", "abbreviated") if lang.code in (code, "en") else ("wide",)
        for width in widths:
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context, lang.locale).items():
                    names.setdefault(name.casefold().rstrip("."), number)
    names.setdefault("sept", 9)
    return names


@cache
def _date_patterns(code: str) -> tuple[re.Pattern[str], ...]:
    month = "|".join(sorted(map(re.escape, _months(code)), key=len, reverse=True))
    month = rf"(?P<month>{month})\.?"
    return (
        re.compile(rf"(?<!\w){month}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})\b",
                   re.I),
        re.compile(rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th|\.)?\s+(?:de\s+)?{month},?\s+"
                   rf"(?:de\s+|del\s+)?(?P<year>\d{{4}})\b", re.I),
        re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})\b"),
        re.compile(r"\b(?P<day>\d{1,2})\s?[./]\s?(?P<month>\d{1,2})\s?[./]\s?(?P<year>\d{4})\b"),
    )


_YEAR = re.compile(r"\d{4}")


def _dates_in(line: str, cues: _Cues) -> list[tuple[re.Match[str], datetime.date]]:
    if len(line) > _LINE_MAX:
        line = line[:_LINE_MAX]
    if not _YEAR.search(line):  # every date here has its year: most lines have none
        return []
    months = _months(cues.lang.code)
    found = []
    for pattern in _date_patterns(cues.lang.code):
        for match in pattern.finditer(line):
            month = match["month"].casefold().rstrip(".")
            try:
                day = datetime.date(int(match["year"]), months.get(month) or int(month),
                                    int(match["day"]))
            except ValueError:  # 31.02.2020 is no date
                continue
            found.append((match, day))
    return sorted(found, key=lambda pair: pair[0].start())


# "Kyiv, 16 September 2020", "Leipzig, den 13.05.2024", "неділя, 22 березня 2020 р.":
# a few words around the date and nothing else make a date line.
_DATE_LINE_WORDS = 5


def _take_date(lines: list[str], cues: _Cues
               ) -> tuple[list[str], datetime.date | None, str | None]:
    """The lines without the date line, the date, and the date line if it was one."""
    # As with month names, a date may be in another language than the text around it.
    words = "|".join(lang.year_words for lang in LANGUAGES.values() if lang.year_words)
    year_words = _rx(rf"^\s*(?:{words})?\s*[.,]?\s*$")
    for index, line in enumerate(lines):
        for match, day in _dates_in(line, cues):
            before, after = line[: match.start()], line[match.end():]
            if year_words.match(after) and len(before.split()) <= _DATE_LINE_WORDS \
                    and not before.rstrip().endswith((".", ":")):
                return lines[:index] + lines[index + 1:], day, line
    for line in lines:
        dates = _dates_in(line, cues)
        if dates:
            return lines, dates[0][1], None
    return lines, None, None


# --- Title --------------------------------------------------------------------------------

_TITLE_MAX = 200
_FIRST_SENTENCE = re.compile(r".+?[.!?](?=\s|$)")


def _title(first_line: str) -> tuple[str, bool]:
    """The title and whether the line is consumed (a long first line is body text)."""
    if len(first_line) <= _TITLE_MAX:
        return first_line, True
    sentence = _FIRST_SENTENCE.match(first_line[:_LINE_MAX])
    return (sentence[0] if sentence else first_line)[:_TITLE_MAX].rstrip(), False


# --- Addressees ---------------------------------------------------------------------------


def _clean_name(name: str, cues: _Cues) -> str:
    name = name.strip(" ,;.:!")
    if cues.articles:
        name = cues.articles.sub("", name)
    name = re.sub(r"^(?:(?:and|&|also|the)\s+)+", "", name, flags=re.I)
    name = re.sub(r"\s+also$", "", name, flags=re.I).strip(" ,;.:")
    return name[:1].upper() + name[1:]


def _split_on_and(part: str, cues: _Cues) -> list[str]:
    # "X of A and B" usually names one body ("Office of Crimea and Sevastopol"), so split
    # only when the left side has no "of", or the right starts "the "; never before a
    # preposition ("humanitaires et de défense").
    for match in cues.and_split.finditer(part):
        left, right = part[: match.start()], part[match.end():]
        if cues.of_word.match(right):
            continue
        if not cues.of_word.search(left) or right.lower().startswith("the "):
            return [left, *_split_on_and(right, cues)]
    return [part]


def _split_addressees(phrase: str, default: list[str], cues: _Cues) -> list[str]:
    phrase = phrase.strip(" ,;:")
    if not phrase or (cues.pronouns and cues.pronouns.fullmatch(phrase)):
        return list(default)
    if cues.fillers and cues.fillers.fullmatch(phrase):
        return []
    parts = [piece for part in re.split(r"[,;]", phrase) for piece in _split_on_and(part, cues)]
    return [name for name in (_clean_name(part, cues) for part in parts) if name]


# --- Demand groups ------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”»’)]?\s+(?=[\"“„«(]?[^\W\d_])")


def _sentences(paragraph: str) -> list[str]:
    # A stop followed by a lower-case word ("2024 r. w trybie") ends no sentence.
    parts, start = [], 0
    for match in _SENTENCE_END.finditer(paragraph):
        following = paragraph[match.end(): match.end() + 2].lstrip("\"“„«(")
        if following[:1].isupper():
            parts.append(paragraph[start: match.start()].strip())
            start = match.end()
    parts.append(paragraph[start:].strip())
    return [part for part in parts if part]


def _link(link: str) -> str:
    return rf"\s*(?:{link})" if link.startswith((",", r"\s")) else rf"\s+(?:{link})"


def _colon_intro(line: str, default: list[str], cues: _Cues) -> list[str] | None:
    """Addressees of an intro line ending with ":", or None if it is no intro."""
    if not line.endswith(":") or len(line) > _LINE_MAX:
        return None
    best: tuple[int, str, str] | None = None
    for verb, link in cues.verbs:
        # Intro paragraphs may open with other sentences; the last verb leads into the list.
        found = next(reversed(list(verb.finditer(line))), None)
        if found is not None and (best is None or found.start() > best[0]):
            best = (found.start(), line[found.end():-1], link)
    if best is not None:
        _start, who, link = best
        then = re.search(rf"{_link(link)}\b", who, re.I) if link else None
        return _split_addressees(who[: then.start()] if then else who, default, cues)
    if cues.heading and cues.heading.fullmatch(line):
        return list(default)
    return None


def _collect_items(lines: list[str], start: int) -> tuple[list[str], int]:
    raw: list[str] = []
    previous_number = None
    separated = False  # an item so far ended with ";" or ","
    index = end = start
    while index < len(lines):
        line = lines[index]
        if not line:  # blank lines between items
            index += 1
            continue
        marker = _marker(line)
        if not marker:
            if raw and line[:1].islower() and lines[index - 1]:
                raw.append(line)  # an item whose marker the page lost
                separated = separated or bool(_TRAILING_SEPARATOR.search(line))
                index += 1
                end = index
                continue
            break
        number = _marker_number(marker)
        # A restarted numbering, or a "." after ";"-terminated items, starts another
        # list (often the signatories).
        if number is not None and previous_number is not None and number <= previous_number:
            break
        if raw and raw[-1].endswith(".") and separated:
            break
        raw.append(line[marker.end():])
        separated = separated or bool(_TRAILING_SEPARATOR.search(raw[-1]))
        previous_number = number
        index += 1
        end = index
    return [_TRAILING_SEPARATOR.sub("", item) for item in raw], end


def _collect_semicolon_items(lines: list[str], start: int) -> tuple[list[str], int]:
    end = start
    while end < len(lines) and lines[end] and not _marker(lines[end]) \
            and lines[end].endswith(";"):
        end += 1
    last = lines[end] if start < end < len(lines) else ""
    if last.endswith(".") and not _marker(last):
        end += 1
    return [_TRAILING_SEPARATOR.sub("", line) for line in lines[start:end]], end


def _capitalized(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:]


def _as_demand(what: str) -> str:
    what = _capitalized(what.strip(" ,;"))
    return what if what.endswith((".", "!")) else what + "."


def _inline_demands(sentence: str, default: list[str], cues: _Cues
                    ) -> tuple[list[str], list[str]] | None:
    """(addressees, demands) of one sentence that makes a demand, or None."""
    if len(sentence) > _LINE_MAX:
        return None
    body = sentence.rstrip(" .!")
    for verb, link in cues.verbs:
        if not link:
            continue
        for found in verb.finditer(body):
            subject = body[: found.start()].strip(" ,")
            if cues.subjects and subject and not cues.subjects.search(subject):
                continue
            rest = re.match(rf"(?P<who>.*?){_link(link)}(?:\s+|(?<=['’]))(?P<what>\S.*)",
                            body[found.end():], re.I | re.S)
            if not rest:
                continue
            who, what = rest["who"].strip(" ,"), rest["what"]
            # "appelons à la reconnaissance": a call for something, to nobody; a demand
            # with nobody named needs a pronoun before the verb ("vous demandons").
            if cues.noun_start and cues.noun_start.match(what):
                continue
            if not who and not (cues.pronouns and cues.pronouns.search(
                    subject.split()[-1] if subject else "")):
                continue
            if cues.salutation and cues.salutation.fullmatch(who):
                who = ""  # "Nous vous demandons, Monsieur le Président, d’agir"
            return _split_addressees(who, default, cues), [_as_demand(what)]
    for verb in cues.direct:
        found = verb.search(body)
        if found:
            what = body[found.end():]
            if what and not (cues.fillers and cues.fillers.match(what)):
                return [], [_as_demand(what)]
    return None


def _colon_inline(line: str, default: list[str], cues: _Cues) -> ParsedDemandGroup | None:
    """ "Deshalb fordern wir: Schützen Sie ...": demands after an intro on one line."""
    head, colon, rest = line.partition(":")
    if not colon or not rest.strip() or len(head) > 120:
        return None
    if not (any(verb.search(head) for verb, _ in cues.verbs)
            or (cues.heading and cues.heading.fullmatch(head + ":"))):
        return None
    if _colon_intro(head + ":", default, cues) is None:
        return None
    return ParsedDemandGroup(line, list(default), [_as_demand(s) for s in _sentences(rest)])


def _group_at(lines: list[str], index: int, default: list[str], cues: _Cues,
              previous: ParsedDemandGroup | None) -> tuple[ParsedDemandGroup | None, int, bool]:
    """The demand group at lines[index], if any, the index after it, and whether the
    line was an intro with nothing after it."""
    line = lines[index]
    addressees = _colon_intro(line, default, cues)
    if addressees is not None:
        demands, end = _collect_items(lines, index + 1)
        if not demands:
            demands, end = _collect_semicolon_items(lines, index + 1)
        if demands:
            return ParsedDemandGroup(line, addressees, demands), end, False
        return None, index + 1, True
    group = _colon_inline(line, default, cues)
    if group:
        return group, index + 1, False
    found: list[tuple[list[str], list[str], str]] = []
    for sentence in _sentences(line[:_LINE_MAX * 4]):
        inline = _inline_demands(sentence, default, cues)
        if inline:
            found.append((*inline, sentence))
    if not found:
        return None, index + 1, False
    addressees = found[0][0]
    also = cues.also and cues.also.search(found[0][2][:60])
    if not addressees and also and previous is not None:
        addressees = list(previous.addressees)
    demands = [demand for _, ds, _ in found for demand in ds]
    # One paragraph, one group: later sentences of it address the same people.
    return ParsedDemandGroup(line, addressees or [], demands), index + 1, False


# --- Signatories --------------------------------------------------------------------------

_SIGNATORY_MAX = 150
_COUNTRY_SUFFIXES = (
    re.compile(r"(?P<name>.+?)\s*\((?P<country>[^()]+)\)"),
    re.compile(r"(?P<name>.+?)\s+[-–—]\s+(?P<country>[^-–—]+)"),
    re.compile(r"(?P<name>.+?),\s*(?P<country>[^,]+)"),
)
# Everyday names that pycountry's lookup does not know.
_COUNTRY_ALIASES = {
    "russia": "RU", "uk": "GB", "great britain": "GB", "britain": "GB", "turkey": "TR",
    "palestine": "PS", "ivory coast": "CI", "macedonia": "MK", "burma": "MM",
    "brunei": "BN", "cape verde": "CV", "dr congo": "CD", "drc": "CD", "swaziland": "SZ",
    "україна": "UA", "украина": "UA", "росія": "RU", "россия": "RU", "polska": "PL",
    "deutschland": "DE", "france": "FR", "españa": "ES", "méxico": "MX", "беларусь": "BY",
    "білорусь": "BY", "грузія": "GE", "грузия": "GE", "казахстан": "KZ",
}  # fmt: skip
_PERSON_WORD = re.compile(r"[A-ZÀ-ÖØ-ÞА-ЯЁІЇЄҐ][\w’'.-]*")
_PERSON_WORDS = (2, 4)


def _country_code(candidate: str) -> str | None:
    candidate = re.sub(r"^the\s+", "", candidate.strip(), flags=re.I)
    # Short lower-case words ("and", "can") are not country codes.
    if len(candidate) <= 3 and not candidate.isupper():
        return None
    if candidate.lower() in _COUNTRY_ALIASES:
        return _COUNTRY_ALIASES[candidate.lower()]
    try:
        return pycountry.countries.lookup(candidate).alpha_2
    except LookupError:
        return None


def _strip_marker(line: str) -> str:
    marker = _marker(line)
    return _TRAILING_SEPARATOR.sub("", line[marker.end():] if marker else line)


def _is_signatory_line(line: str, cues: _Cues) -> bool:
    text = _strip_marker(line)
    sentence = text.endswith(".") and len(text.split()) >= 5
    # Organization names do not end a question or an exclamation, nor hold addresses.
    return (
        0 < len(text) <= _SIGNATORY_MAX
        and not sentence
        and not text.endswith((":", "!", "?"))
        and not any(mark in text for mark in ("@", "://"))
        and not _dates_in(text, cues)
    )


@cache
def _organization_words() -> re.Pattern[str]:
    words = "|".join(lang.organization_words for lang in LANGUAGES.values())
    return re.compile(rf"\b(?:{words})\b", re.I)


def _is_person(name: str) -> bool:
    words = name.split()
    return (_PERSON_WORDS[0] <= len(words) <= _PERSON_WORDS[1]
            and all(_PERSON_WORD.fullmatch(word) for word in words)
            and not _organization_words().search(name))


def _signatory(line: str) -> ParsedSignatory:
    text = _strip_marker(line)
    for pattern in _COUNTRY_SUFFIXES:
        match = pattern.fullmatch(text)
        code = match and _country_code(match["country"])
        if code:
            return ParsedSignatory(match["name"], code)
    name, comma, rest = text.partition(",")
    if comma and rest.strip() and _is_person(name):
        return ParsedSignatory(name.strip(), None, rest.strip())
    return ParsedSignatory(text, None)


def _blocks(tail: list[str], cues: _Cues) -> list[tuple[int, int]]:
    """Stretches of signatory-like lines: a paragraph of several such lines stands alone;
    one-line paragraphs in a row (one name per paragraph) make one stretch."""
    stretches: list[tuple[int, int]] = []
    start = None
    single = False
    index = 0
    while index <= len(tail):
        line = tail[index] if index < len(tail) else ""
        if line and _is_signatory_line(line, cues):
            if start is None:
                start = index
            index += 1
            continue
        if start is not None:
            length = index - start
            follows = stretches and single and length == 1 and stretches[-1][1] + 1 == start
            if follows:
                stretches[-1] = (stretches[-1][0], index)
            else:
                stretches.append((start, index))
            single = length == 1 or (follows and single)
            start = None
        elif line:
            single = False
        index += 1
    return stretches


def _with_roles(signatories: list[ParsedSignatory], cues: _Cues) -> list[ParsedSignatory]:
    """A line that opens with an office ("Director", "Responsable FLPA") belongs to the
    name above it."""
    merged: list[ParsedSignatory] = []
    for signatory in signatories:
        if merged and cues.role and cues.role.match(signatory.name) \
                and merged[-1].affiliation is None and not signatory.country:
            merged[-1].affiliation = signatory.name
        else:
            merged.append(signatory)
    return merged


def _take_signatories(tail: list[str], headed: bool, cues: _Cues, min_run: int = 1
                      ) -> tuple[list[ParsedSignatory], list[str], list[str]]:
    """The signatories in ``tail`` (lines after a heading, or after the last group), the
    lines left over, and the lines they were read from."""
    stretches = _blocks(tail, cues)
    if headed:
        first_line = next((i for i, line in enumerate(tail) if line), None)
        stretches = [s for s in stretches[:1] if s[0] == first_line]
    stretches = [s for s in stretches
                 if len([line for line in tail[s[0]:s[1]] if line]) >= min_run]
    if not stretches:
        return [], tail, []
    # Without a heading, the longest stretch is the list: a closing remark after it or a
    # note before it is not a signatory.
    first, last = max(reversed(stretches), key=lambda s: len([x for x in tail[s[0]:s[1]] if x]))
    found = [_signatory(line) for line in tail[first:last] if line]
    return _with_roles(found, cues), tail[:first] + tail[last:], tail[first:last]


# Without demands, only a longer list of names at the very end is taken for signatories:
# two or three short lines are as likely a sign-off.
_BARE_RUN_MIN = 4


def _heading_at(texts: list[str], cues: _Cues) -> tuple[int | None, str | None]:
    """The last signatory heading or closing formula, and the closing if it is one."""
    for index in range(len(texts) - 1, -1, -1):
        line = texts[index]
        if cues.signatory_heading.fullmatch(line):
            return index, None
        if cues.closing and cues.closing.fullmatch(line):
            return index, line
    return None, None


# --- Warnings -----------------------------------------------------------------------------


def _signatory_doubt(signatory: ParsedSignatory, cues: _Cues) -> str | None:
    name = signatory.name
    if cues.signatory_heading.fullmatch(name) or (cues.closing and cues.closing.fullmatch(name)):
        return _("“%(name)s” was read as a signatory but looks like a heading.", name=name)
    if _dates_in(name, cues):
        return _("“%(name)s” was read as a signatory but holds a date.", name=name)
    if len(name.split()) > 12 or (name.endswith((".", "!", "?")) and len(name.split()) >= 6):
        return _("“%(name)s” was read as a signatory but looks like a sentence.", name=name)
    return None


def _warnings(parsed: ParsedStatement, title_found: bool, lonely_intros: list[str],
              cues: _Cues) -> list[str]:
    warnings = []
    if not title_found:
        warnings.append(_("No title was recognised: the first sentence is used."))
    if not parsed.demand_groups:
        warnings.append(_("No demands were recognised, and so no addressees."))
    for number, group in enumerate(parsed.demand_groups, 1):
        if not group.addressees:
            warnings.append(_("Group %(number)d names no addressee.", number=number))
        if not group.demands:
            warnings.append(_("Group %(number)d has no demand.", number=number))
    for line in lonely_intros:
        warnings.append(_("“%(line)s” announces demands, but no list follows it.", line=line))
    if not parsed.signatories:
        warnings.append(_("No signatories were recognised."))
    warnings += [w for w in (_signatory_doubt(s, cues) for s in parsed.signatories) if w]
    if parsed.unplaced_lines:
        warnings.append(ngettext(
            "%(num)d line was not understood and is kept in the lead text.",
            "%(num)d lines were not understood and are kept in the lead text.",
            len(parsed.unplaced_lines)))
    return warnings


# --- The whole ------------------------------------------------------------------------------


def _strings(parts: Iterable[object]) -> list[str]:
    return [part for part in parts if isinstance(part, str) and part]


def parse_statement(text: str, marks: Mapping[int, LineKind] | None = None
                    ) -> ParsedStatement:
    """The reading of a pasted text. With ``marks`` (line number: kind, numbered as in
    ``ParsedStatement.lines``), those lines are what the marks say and the rest what the
    reading made of them, and the statement is put together from that."""
    text = _readable(text)
    cues = _cues(_language(text).code)
    parsed, units = _read(text, cues)
    if not marks:
        return parsed
    kinds = {line.number: line.kind for line in parsed.lines}
    for number, kind in marks.items():
        if number not in kinds:
            raise StatementTextError(_(
                "A mark is for line %(number)s, which the text does not have.",
                number=number))
        try:
            kinds[number] = LineKind(kind)
        except ValueError as error:
            raise StatementTextError(_("Choose what the line is from the list.")) from error
    texts = {line.number: line.text for line in parsed.lines}
    return _assemble(units, kinds, cues, texts)


def _read(text: str, cues: _Cues) -> tuple[ParsedStatement, list[str]]:
    """The reading, and the lines it read (a hard-wrapped paragraph as one), furniture
    included."""
    lines, dropped = _lines(text)
    units = sorted([line for line in lines if line] + dropped, key=_numbers)
    lines, to_addressees, to_block = _take_to_block(lines, cues)
    lines, day, date_line = _take_date(lines, cues)
    content = [line for line in lines if line]
    if not content:
        raise StatementTextError(_(
            "No statement text found: the text is empty or holds only page furniture "
            "(menus, search and share widgets), a date or a To: list."))
    first = lines.index(content[0])
    title, consumed = _title(content[0])
    rest = lines[first + 1:] if consumed else lines[first:]
    title_found = consumed and not (title.endswith(".") and len(title.split()) > 12)

    salutation = next((line for line in content[:_HEAD_LINES]
                       if cues.salutation and cues.salutation.fullmatch(line)
                       and len(line) < 120), None)
    default = to_addressees or _salutation_addressees(salutation, cues)

    sequence: list[str | ParsedDemandGroup] = []
    lonely: list[str] = []
    kinds: dict[int, LineKind] = {}

    def mark(lines: Iterable[str], kind: LineKind) -> None:
        for line in lines:
            kinds.update(dict.fromkeys(_numbers(line), kind))

    index, last_group = 0, None
    while index < len(rest):
        if not rest[index]:
            sequence.append("")
            index += 1
            continue
        group, after, lonely_intro = _group_at(rest, index, default, cues, last_group)
        if lonely_intro:
            lonely.append(rest[index])
        if group:
            last_group = group
            mark([rest[index]], LineKind.INTRO)
            mark(rest[index + 1:after], LineKind.DEMAND)
        sequence.append(group or rest[index])
        index = after

    groups = [part for part in sequence if isinstance(part, ParsedDemandGroup)]
    at = [i for i, part in enumerate(sequence) if isinstance(part, ParsedDemandGroup)]
    first_at, last_at = (at[0], at[-1]) if at else (len(sequence), len(sequence))
    lead = [p for p in sequence[:first_at] if isinstance(p, str)]
    between = _strings(sequence[first_at:last_at])
    after = [p for p in sequence[last_at + 1:] if isinstance(p, str)]
    # After demands, one short line alone is as likely a subheading or a sign-off.
    min_run = 2
    if not groups:
        heading, _closing = _heading_at(_strings(lead), cues)
        if heading is not None:
            cut = [i for i, p in enumerate(lead) if p][heading]
            lead, after = lead[:cut], lead[cut:]
        else:
            # Only a longer run of names at the very end counts without demands.
            min_run = _BARE_RUN_MIN
            cut = len(lead)
            while cut and (not lead[cut - 1] or _is_signatory_line(lead[cut - 1], cues)):
                cut -= 1
            lead, after = lead[:cut], lead[cut:]
    heading, closing = _heading_at_lines(after, cues)
    signatory_heading = after[heading] if heading is not None and not closing else None
    if heading is None:
        signatories, leftover, signatory_lines = _take_signatories(after, False, cues, min_run)
    else:
        signatories, leftover, signatory_lines = _take_signatories(
            after[heading + 1:], True, cues)
        mark([after[heading]], LineKind.CLOSING)
        # A closing formula is kept as the reading's closing, not as lead text.
        leftover = after[:heading] + leftover
    if not signatories and not groups:
        lead, leftover = lead + leftover, []
    leftover = _strings(leftover)
    # "Respectfully," above "Signed:" is the letter's closing, placed as such.
    closing_line = next((line for line in reversed(leftover)
                         if cues.closing and cues.closing.fullmatch(line)), None)
    if closing_line is not None:
        leftover.remove(closing_line)
        closing = closing or closing_line
        mark([closing_line], LineKind.CLOSING)
    mark(signatory_lines, LineKind.SIGNATORY)
    lead = _strings(lead)
    # A "To:" list that no group took its addressees from is not placed either.
    if any(group.addressees == to_addressees for group in groups) or (
            to_addressees and not groups):
        to_block_lines = [] if groups else to_block
    else:
        to_block_lines = to_block
    unplaced = to_block_lines + between + leftover
    parsed = ParsedStatement(
        title=title,
        date=day,
        body="\n\n".join(to_block_lines + lead + between + leftover),
        demand_groups=groups,
        signatories=signatories,
        dropped_lines=dropped,
        unplaced_lines=unplaced,
        language=cues.lang.code,
        salutation=salutation,
        closing=closing,
        signatory_heading=signatory_heading,
        addressee_lines=[line for line in to_block if line and line not in to_block_lines],
    )
    parsed.warnings = _warnings(parsed, title_found, lonely, cues)
    mark(to_block, LineKind.LEAD if to_block_lines else LineKind.ADDRESSEE)
    mark([date_line] if date_line else [], LineKind.DATE)
    mark([content[0]] if consumed else [], LineKind.TITLE)
    mark(dropped, LineKind.FURNITURE)
    parsed.lines = _read_lines(text, kinds)
    return parsed, units


def _pieces(units: list[str], kinds: Mapping[int, LineKind], texts: Mapping[int, str]
            ) -> list[tuple[LineKind, str]]:
    """The read lines cut where the marks part lines the reading had joined."""
    pieces: list[tuple[LineKind, str]] = []
    for unit in units:
        run: list[int] = []
        for number in _numbers(unit):
            if run and kinds[run[0]] is not kinds[number]:
                pieces.append((kinds[run[0]], " ".join(texts[n] for n in run)))
                run = []
            run.append(number)
        pieces.append((kinds[run[0]], " ".join(texts[n] for n in run)))
    return pieces


def _addressee_line(line: str, cues: _Cues) -> list[str]:
    """The names a line of a "To:" block gives ("To:" alone gives none)."""
    if cues.to_heading and cues.to_heading.fullmatch(line):
        return []
    to_line = cues.to_line and cues.to_line.fullmatch(line)
    prefix = cues.to_prefix and cues.to_prefix.match(line)
    if to_line:
        line = to_line[1]
    elif prefix:  # "to Emmanuel Macron, President, for a ceasefire": the purpose is cut
        line = line[prefix.end():]
        line = cues.purpose.split(line, maxsplit=1)[0] if cues.purpose else line
    names = [_clean_name(part, cues) for part in line.split(";")]
    return [name for name in names if name]


def _marked_group(line: str, default: list[str], cues: _Cues,
                  previous: ParsedDemandGroup | None) -> ParsedDemandGroup:
    """The group a line marked as an introduction opens: its addressees, and the demands
    it makes itself when it is one sentence ("We call on X to stop Y.")."""
    addressees = _colon_intro(line, default, cues)
    if addressees is not None:
        return ParsedDemandGroup(line, addressees, [])
    group, _after, _lonely = _group_at([line], 0, default, cues, previous)
    return group or ParsedDemandGroup(line, list(default), [])


# Lines that are not the statement's text: the title falls back on none of them.
_NOT_TEXT = frozenset({LineKind.FURNITURE, LineKind.DATE, LineKind.ADDRESSEE, LineKind.CLOSING})


def _assemble(units: list[str], kinds: Mapping[int, LineKind], cues: _Cues,
              texts: Mapping[int, str]) -> ParsedStatement:
    """The statement the lines make, each line being what ``kinds`` says."""
    pieces = _pieces(units, kinds, texts)
    default = [name for kind, line in pieces if kind is LineKind.ADDRESSEE
               for name in _addressee_line(line, cues)]
    leads = [line for kind, line in pieces if kind is LineKind.LEAD]
    salutation = next((line for line in leads[:_HEAD_LINES]
                       if cues.salutation and cues.salutation.fullmatch(line)
                       and len(line) < 120), None)
    default = default or _salutation_addressees(salutation, cues)
    by_kind: dict[LineKind, list[str]] = {kind: [] for kind in LineKind}
    groups: list[ParsedDemandGroup] = []
    unplaced: list[str] = []
    notes: list[str] = []
    day = None
    for kind, line in pieces:
        by_kind[kind].append(line)
        if kind is LineKind.DATE:
            found = _dates_in(line, cues)
            if not found:
                notes.append(_("“%(line)s” is marked as the date, but no date could be read "
                               "in it.", line=line))
            day = day or (found[0][1] if found else None)
        elif kind is LineKind.INTRO:
            groups.append(_marked_group(line, default, cues, groups[-1] if groups else None))
        elif kind is LineKind.DEMAND:
            if not groups:
                groups.append(ParsedDemandGroup("", list(default), []))
            groups[-1].demands.append(_strip_marker(line))
        elif kind is LineKind.LEAD and groups:
            unplaced.append(line)  # between or after the demands: not understood
    if not by_kind[LineKind.DATE]:
        # As the reading does: a date in the text dates the statement.
        day = next((found[0][1] for found in (_dates_in(line, cues) for kind, line in pieces
                                              if kind is not LineKind.FURNITURE) if found),
                   None)
    title = " ".join(by_kind[LineKind.TITLE])
    first = next((line for kind, line in pieces if kind not in _NOT_TEXT), None)
    if not title and first:
        title = _title(first)[0]
        notes.insert(0, _("No line is marked as the title: the first sentence is used."))
    elif not title:
        notes.insert(0, _("No line is marked as the title."))
    closings = by_kind[LineKind.CLOSING]
    parsed = ParsedStatement(
        title=title,
        date=day,
        body="\n\n".join(leads),
        demand_groups=groups,
        signatories=_with_roles([_signatory(line) for line in by_kind[LineKind.SIGNATORY]],
                                cues),
        dropped_lines=by_kind[LineKind.FURNITURE],
        unplaced_lines=unplaced,
        language=cues.lang.code,
        salutation=salutation,
        closing=closings[0] if closings else None,
        addressee_lines=by_kind[LineKind.ADDRESSEE],
    )
    lonely = [group.intro for group in groups if group.intro and not group.demands]
    parsed.warnings = notes + _warnings(parsed, True, lonely, cues)
    parsed.lines = [ReadLine(number, texts[number], kind) for number, kind in sorted(kinds.items())]
    return parsed


def numbered_lines(text: str) -> list[tuple[int, str]]:
    """The lines ``ParsedStatement.lines`` lists, with their numbers, in order: the
    lines a coordinator can mark."""
    return [(number, line) for number, line in
            enumerate(map(_one_spaced, _readable(text).splitlines())) if line]


def _read_lines(text: str, kinds: Mapping[int, LineKind]) -> list[ReadLine]:
    return [ReadLine(number, line, kinds.get(number, LineKind.LEAD))
            for number, line in enumerate(map(_one_spaced, text.splitlines())) if line]


def _heading_at_lines(lines: list[str], cues: _Cues) -> tuple[int | None, str | None]:
    texts = _strings(lines)
    heading, closing = _heading_at(texts, cues)
    if heading is None:
        return None, None
    return [i for i, line in enumerate(lines) if line][heading], closing


def _salutation_addressees(salutation: str | None, cues: _Cues) -> list[str]:
    """ "Dear World Leaders," names its addressees; "Dear Sirs," does not."""
    if not salutation:
        return []
    named = re.fullmatch(r"dear\s+(?P<who>.+?)\s*[,:!]?", salutation, re.I)
    if not named or re.fullmatch(r"(?:sirs?|madams?|sir\s+or\s+madam|all|friends|colleagues)",
                                 named["who"], re.I):
        return []
    return [_clean_name(named["who"], cues)]
