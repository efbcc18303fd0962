"""Turn a statement pasted from a web page into its parts.

Pasted statements, sign-on letters and petitions arrive as loose lines: page widgets, a
title, perhaps a date, lead paragraphs, groups of demands ("We call on X to:" and a list)
and the signatory organizations. Generic heuristics find these parts; whatever they cannot
place stays in the body (and in ``unplaced_lines``), so nothing is lost silently.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

import pycountry


class StatementTextError(ValueError):
    """The pasted text has nothing in it that could be a statement."""


@dataclass
class ParsedSignatory:
    name: str
    country: str | None


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


# Browsers copy NBSP, thin and ideographic spaces, and invisible joiners verbatim.
_ODD_SPACES = re.compile(r"[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff]")

# Only whole lines are compared, so a sentence that mentions sharing or search stays.
_FURNITURE = frozenset({
    "generic selectors", "exact matches only", "search in title", "search in content",
    "post type selectors", "search", "search for", "scroll to top", "back to top",
    "skip to content", "skip to main content", "menu", "main menu", "toggle navigation",
    "share", "share this", "tweet", "print", "copy link", "facebook", "twitter", "telegram",
    "whatsapp", "linkedin", "email", "read more", "previous post", "next post",
    "related posts", "leave a comment", "accept", "accept all", "reject all", "got it",
})  # fmt: skip
_SHARE = re.compile(r"share (?:on|via) (?:facebook|twitter|x|linkedin|telegram|whatsapp)")
_BREADCRUMB = re.compile(r"home\s*[»>/›→|]\s*\S.*", re.I)
_COOKIE_WORDS = re.compile(r"\b(?:accept|use|consent|policy|settings)\b", re.I)
# Cookie banners are short; a long paragraph that mentions cookies is content.
_COOKIE_BANNER_MAX = 300


def _is_furniture(line: str) -> bool:
    key = line.rstrip(":").strip().lower()
    cookie_banner = len(line) <= _COOKIE_BANNER_MAX and "cookie" in key
    return bool(
        key in _FURNITURE
        or _SHARE.fullmatch(key)
        or _BREADCRUMB.fullmatch(line)
        or (cookie_banner and _COOKIE_WORDS.search(line))
    )


def _join_wrapped(lines: list[str]) -> list[str]:
    joined: list[str] = []
    for line in lines:
        previous = joined[-1] if joined else ""
        # Some pages put a bullet on a line of its own; a line starting in lower case
        # continues the previous one (hard wrap) unless that ends an intro or an item.
        bare_marker = _ITEM.fullmatch(previous)
        wrapped = line[:1].islower() and not _ITEM.match(line) and not previous.endswith((":", ";"))
        if line and previous and (bare_marker or wrapped):
            joined[-1] += " " + line
        else:
            joined.append(line)
    return joined


# A letter's "To:" list sits in its header, so only the first few lines are searched.
_TO_SEARCH_LINES = 5
_TO_LINE = re.compile(r"to\s*:\s*(.*)", re.I)
# A salutation or another header field ("Cc:", "Subject:") ends the list.
_TO_END = re.compile(r"dear\b|[a-z]{1,10}\s*:", re.I)


def _take_to_block(lines: list[str]) -> tuple[list[str], list[str]]:
    """The lines without the letter's "To:" block, and that block's lines."""
    header = [i for i, line in enumerate(lines) if line][:_TO_SEARCH_LINES]
    start = next((i for i in header if _TO_LINE.fullmatch(lines[i])), None)
    if start is None:
        return lines, []
    end = start + 1
    while end < len(lines) and lines[end] and not _TO_END.match(lines[end]):
        end += 1
    return lines[:start] + lines[end:], lines[start:end]


def _to_addressees(block: list[str]) -> list[str]:
    entries = [_TO_LINE.sub(r"\1", block[0]), *block[1:]] if block else []
    # Split on ";" only: a comma often joins a person and their office.
    names = [_clean_name(part) for entry in entries for part in entry.split(";")]
    return [name for name in names if name]


_MONTHS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)  # fmt: skip
_MONTH_NUMBERS = {
    name: number
    for number, full in enumerate(_MONTHS, 1)
    for name in (full, full[:3], "sept" if number == 9 else full)
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTH_NUMBERS, key=len, reverse=True)) + r")\.?"
_DATE_PATTERNS = (
    re.compile(rf"\b{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})\b", re.I),
    re.compile(rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH}\s+(?P<year>\d{{4}})\b", re.I),
    re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})\b"),
    re.compile(r"\b(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4})\b"),
)
# "Kyiv, 16 September 2020" or "Wednesday, 16 September 2020" is still a date line.
_DATE_LINE_PREFIX = re.compile(r"(?:[^\W\d_][\w .’'-]{0,40},\s*)?")


def _dates_in(line: str) -> list[tuple[re.Match[str], datetime.date]]:
    found = []
    for match in (m for pattern in _DATE_PATTERNS for m in pattern.finditer(line)):
        month = match["month"].lower()
        try:
            day = datetime.date(
                int(match["year"]), _MONTH_NUMBERS.get(month) or int(month), int(match["day"])
            )
        except ValueError:  # 31.02.2020 is no date
            continue
        found.append((match, day))
    return sorted(found, key=lambda pair: pair[0].start())


def _take_date(lines: list[str]) -> tuple[list[str], datetime.date | None]:
    for index, line in enumerate(lines):
        for match, day in _dates_in(line):
            alone = line[match.end() :] in ("", ".")
            if alone and _DATE_LINE_PREFIX.fullmatch(line[: match.start()]):
                return lines[:index] + lines[index + 1 :], day
    dates = [day for line in lines for _, day in _dates_in(line)[:1]]
    return lines, dates[0] if dates else None


_TITLE_MAX = 200
_FIRST_SENTENCE = re.compile(r".+?[.!?](?=\s|$)")


def _title(first_line: str) -> tuple[str, bool]:
    """The title and whether the line is consumed (a long first line is body text)."""
    if len(first_line) <= _TITLE_MAX:
        return first_line, True
    sentence = _FIRST_SENTENCE.match(first_line)
    return (sentence[0] if sentence else first_line)[:_TITLE_MAX].rstrip(), False


_ITEM = re.compile(
    r"(?:[•·▪‣◦●]|[-–—*](?=\s)|\(?(?P<num>\d{1,3})[.)](?!\d)|\(?(?P<letter>[a-z])\)(?=\s))\s*"
)
_TRAILING_SEPARATOR = re.compile(r"\s*[;,]\s*(?:and|or)?$")
# The addressee phrase sits between a verb of demanding and what follows it; lazy, so
# it ends at the first "to".
_INTRO_VERBS = (
    (r"calls?\s+(?:up)?on", "to"), (r"urges?", "to"), (r"asks?", "to"), (r"requests?", "to"),
    (r"appeals?\s+to", "to"),
    (r"demands?\s+(?:from|form)", "to"),  # "demand form" is a frequent typo of "from"
    (r"address(?:es)?", r"with\s+an?\s+(?:demand|call|request|appeal)s?\s+to"),
)  # fmt: skip
_INTRO_PATTERNS = [
    re.compile(rf"\b{verb}\s+(?P<who>.+?)\s+{then}\b", re.I) for verb, then in _INTRO_VERBS
]
_DEMAND_HEADING = re.compile(
    r"(?:(?:our|the)\s+)?demands?(?:\s+are)?\s*:|we\s+(?:\w+\s+)?demand(?:\s+the\s+following)?\s*:",
    re.I,
)
# Only "We" + present tense makes an inline demand; "Amnesty called on Russia to
# release him" is narrative and stays in the body.
_INLINE = re.compile(
    r"we\s+(?:also\s+|further\s+|therefore\s+)?(?:urge|call\s+(?:up)?on|demand\s+(?:from|form)"
    r"|appeal\s+to|ask)\s+(?P<who>.+?)\s+to\s+(?P<what>.+?)[.!]",
    re.I,
)
_SENTENCE_BREAK = re.compile(r"[.!?][\"”’)]?\s+\S")
# "We call on you to:" names nobody; the letter's "To:" list says who "you" are.
_PRONOUNS = frozenset({"you", "all of you", "them", "it", "him", "her"})


def _clean_name(name: str) -> str:
    name = re.sub(r"^(?:(?:and|&|also|the)\s+)+", "", name.strip(" ,;."), flags=re.I)
    name = re.sub(r"\s+also$", "", name, flags=re.I)
    return name[:1].upper() + name[1:]


def _split_on_and(part: str) -> list[str]:
    # "X of A and B" usually names one body ("Office of Crimea and Sevastopol"), so
    # split only when the left side has no "of/for/in", or the right starts "the ".
    for match in re.finditer(r"\s+(?:and|&)\s+", part):
        left, right = part[: match.start()], part[match.end() :]
        if not re.search(r"\b(?:of|for|in)\b", left, re.I) or right.lower().startswith("the "):
            return [left, *_split_on_and(right)]
    return [part]


def _split_addressees(phrase: str, default: list[str]) -> list[str]:
    if phrase.strip().lower() in _PRONOUNS:
        return list(default)
    parts = [piece for part in re.split(r"[,;]", phrase) for piece in _split_on_and(part)]
    return [name for name in map(_clean_name, parts) if name]


def _intro_addressees(line: str, default: list[str]) -> list[str] | None:
    """Addressees of an intro line ending with ":", or None if it is no intro."""
    if not line.endswith(":"):
        return None
    matches = [m for pattern in _INTRO_PATTERNS for m in pattern.finditer(line)]
    if matches:
        # Intro paragraphs may open with other sentences; the last verb is the one
        # that leads into the list.
        return _split_addressees(max(matches, key=lambda m: m.start())["who"], default)
    return list(default) if _DEMAND_HEADING.fullmatch(line) else None


def _marker_number(marker: re.Match[str]) -> int | None:
    if marker["num"]:
        return int(marker["num"])
    return ord(marker["letter"]) - ord("a") + 1 if marker["letter"] else None


def _collect_items(lines: list[str], start: int) -> tuple[list[str], int]:
    raw: list[str] = []
    previous_number = None
    for line in lines[start:]:
        marker = _ITEM.match(line)
        if not marker:
            break
        number = _marker_number(marker)
        # A restarted numbering, or a "." after ";"-terminated items, starts another
        # list (often the signatories).
        if number is not None and previous_number is not None and number <= previous_number:
            break
        if raw and raw[-1].endswith(".") and any(map(_TRAILING_SEPARATOR.search, raw)):
            break
        raw.append(line[marker.end() :])
        previous_number = number
    return [_TRAILING_SEPARATOR.sub("", item) for item in raw], start + len(raw)


def _collect_semicolon_items(lines: list[str], start: int) -> tuple[list[str], int]:
    end = start
    while end < len(lines) and not _ITEM.match(lines[end]) and lines[end].endswith(";"):
        end += 1
    last = lines[end] if start < end < len(lines) else ""
    if last.endswith(".") and not _ITEM.match(last):
        end += 1
    return [_TRAILING_SEPARATOR.sub("", line) for line in lines[start:end]], end


def _group_at(
    lines: list[str], index: int, default: list[str]
) -> tuple[ParsedDemandGroup | None, int]:
    """The demand group that starts at lines[index], if any, and the index after it."""
    line = lines[index]
    addressees = _intro_addressees(line, default)
    if addressees is not None:
        demands, end = _collect_items(lines, index + 1)
        if not demands:
            demands, end = _collect_semicolon_items(lines, index + 1)
        if demands:
            return ParsedDemandGroup(line, addressees, demands), end
    inline = _INLINE.fullmatch(line)
    if inline and not _SENTENCE_BREAK.search(inline["what"]):
        addressees = _split_addressees(inline["who"], default)
        demand = inline["what"][:1].upper() + inline["what"][1:] + "."
        return ParsedDemandGroup(line, addressees, [demand]), index + 1
    return None, index + 1


_SIGNATORY_HEADING = re.compile(
    r"(?:signed|signed by|co-?signed by|signatories|signatory organi[sz]ations"
    r"|list of signatories)\s*:?"
    # A letter's closing formula plays the same part as a heading.
    r"|(?:sincerely|yours (?:sincerely|faithfully|truly)|respectfully"
    r"|(?:kind |best )?regards)\s*,?",
    re.I,
)
_SIGNATORY_MAX = 150
_COUNTRY_SUFFIXES = (
    re.compile(r"(?P<name>.+?)\s*\((?P<country>[^()]+)\)"),
    re.compile(r"(?P<name>.+?)\s+[-–—]\s+(?P<country>[^-–—]+)"),
    re.compile(r"(?P<name>.+?),\s*(?P<country>[^,]+)"),
)
# Everyday English names that pycountry's lookup does not know.
_COUNTRY_ALIASES = {
    "russia": "RU", "uk": "GB", "great britain": "GB", "britain": "GB", "turkey": "TR",
    "palestine": "PS", "ivory coast": "CI", "macedonia": "MK", "burma": "MM",
    "brunei": "BN", "cape verde": "CV", "dr congo": "CD", "drc": "CD", "swaziland": "SZ",
}  # fmt: skip


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
    marker = _ITEM.match(line)
    return _TRAILING_SEPARATOR.sub("", line[marker.end() :] if marker else line)


def _is_signatory_line(line: str) -> bool:
    text = _strip_marker(line)
    sentence = text.endswith(".") and len(text.split()) >= 5
    # Organization names do not end a question or an exclamation, nor hold addresses.
    return (
        0 < len(text) <= _SIGNATORY_MAX
        and not sentence
        and not text.endswith((":", "!", "?"))
        and not any(mark in text for mark in ("@", "://"))
    )


def _signatory(line: str) -> ParsedSignatory:
    text = _strip_marker(line)
    for pattern in _COUNTRY_SUFFIXES:
        match = pattern.fullmatch(text)
        code = match and _country_code(match["country"])
        if code:
            return ParsedSignatory(match["name"], code)
    return ParsedSignatory(text, None)


def _take_signatories(tail: list[str], headed: bool) -> tuple[list[ParsedSignatory], list[str]]:
    """The signatories in ``tail`` (lines after a heading, or after the last group) and
    the lines left over."""
    runs: list[tuple[int, int]] = []
    start = None
    for index, line in enumerate([*tail, ""]):
        if line and _is_signatory_line(line):
            start = index if start is None else start
        elif start is not None:
            runs.append((start, index))
            start = None
    if headed:
        runs = [run for run in runs[:1] if run[0] == 0]
    if not runs:
        return [], tail
    # Without a heading, the longest run of short lines is the list: a closing remark
    # after it or a note before it is not a signatory.
    first, last = max(reversed(runs), key=lambda run: run[1] - run[0])
    return [_signatory(line) for line in tail[first:last]], tail[:first] + tail[last:]


def _last_heading(texts: list[str]) -> int | None:
    headings = [i for i, line in enumerate(texts) if _SIGNATORY_HEADING.fullmatch(line)]
    return headings[-1] if headings else None


def _content_lines(text: str) -> tuple[list[str], list[str], list[str]]:
    """Non-blank lines without furniture, the furniture, and the "To:" block."""
    lines, dropped = [], []
    for raw in _INVISIBLE.sub("", _ODD_SPACES.sub(" ", text)).splitlines():
        line = re.sub(r" {2,}", " ", raw.strip())
        if line and _is_furniture(line):
            dropped.append(line)
            line = ""  # a widget between two paragraphs still separates them
        lines.append(line)
    lines, to_block = _take_to_block(lines)
    return [line for line in _join_wrapped(lines) if line], dropped, to_block


def _sequence(lines: list[str], default: list[str]) -> list[str | ParsedDemandGroup]:
    sequence: list[str | ParsedDemandGroup] = []
    index = 0
    while index < len(lines):
        group, after = _group_at(lines, index, default)
        sequence.append(group or lines[index])
        index = after
    return sequence


def parse_statement(text: str) -> ParsedStatement:
    content, dropped, to_block = _content_lines(text)
    to_addressees = _to_addressees(to_block)
    content, day = _take_date(content)
    if not content:
        raise StatementTextError(
            "No statement text found: the text is empty or holds only page furniture "
            "(menus, search and share widgets), a date or a To: list."
        )
    title, consumed = _title(content[0])
    sequence = _sequence(content[1:] if consumed else content, to_addressees)

    groups = [part for part in sequence if isinstance(part, ParsedDemandGroup)]
    at = [i for i, part in enumerate(sequence) if isinstance(part, ParsedDemandGroup)]
    first, last = (at[0], at[-1]) if at else (len(sequence), len(sequence))
    lead, between, after = (
        [part for part in chunk if isinstance(part, str)]
        for chunk in (sequence[:first], sequence[first:last], sequence[last + 1 :])
    )
    if not groups:
        # Without demands, short closing lines are as likely a sign-off as a list of
        # organizations, so only a heading announces signatories.
        heading = _last_heading(lead)
        if heading is not None:
            lead, after = lead[:heading], lead[heading:]
    heading = _last_heading(after)
    if heading is None:
        signatories, leftover = _take_signatories(after, headed=False)
    else:
        signatories, leftover = _take_signatories(after[heading + 1 :], headed=True)
        leftover = after[:heading] + leftover
    # A "To:" list that no group took its addressees from is not placed either.
    if any(group.addressees == to_addressees for group in groups):
        to_block = []
    unplaced = to_block + between + leftover
    return ParsedStatement(
        title=title,
        date=day,
        body="\n\n".join(to_block + lead + between + leftover),
        demand_groups=groups,
        signatories=signatories,
        dropped_lines=dropped,
        unplaced_lines=unplaced,
    )
