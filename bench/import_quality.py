"""How well the importer reads real statements: scores it on the import corpus.

    .venv/bin/python bench/import_quality.py [--check] [--corpus DIR] [--show ID]

For every text in tests/drafting/import_corpus/ the importer's reading is compared
with the structure written down by hand beside it (<id>.expected.json): the F1 of its
demands, its addressees and its signatories' names, each a fuzzy match of normalized
text (NFC, case folded, spaces folded, edge punctuation stripped; difflib ratio of at
least MATCH), the text's score being their mean. Two things are counted rather than
averaged, because one is enough to mislead a coordinator: furniture kept (expected
furniture lines found anywhere in the reading) and invented signatories (signatories
read that match none expected). Addressees are compared as a set: one named by two
groups is one addressee. --check exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import statistics
import sys
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from campaign.drafting.importer import ParsedStatement, parse_statement  # noqa: E402

CORPUS = ROOT / "tests" / "drafting" / "import_corpus"
MATCH = 0.85
TARGET_MEAN = 0.9
TARGET_EACH = 0.7

_EDGES = " \t.,;:!?–—-•·*\"'“”„«»()[]"


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFC", text).casefold()
    return re.sub(r"\s+", " ", text).strip(_EDGES)


def similar(a: str, b: str) -> bool:
    a, b = normalize(a), normalize(b)
    return a == b or difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= MATCH


def _matched(read: list[str], expected: list[str]) -> tuple[int, list[str]]:
    """How many read items match an expected one (each used once), and the unmatched."""
    left = list(expected)
    hits, strays = 0, []
    for item in read:
        found = next((i for i, want in enumerate(left) if similar(item, want)), None)
        if found is None:
            strays.append(item)
        else:
            hits += 1
            del left[found]
    return hits, strays


def _distinct(items: Iterable[str]) -> list[str]:
    return list({normalize(item): item for item in items}.values())


def f1(read: list[str], expected: list[str]) -> float:
    if not read and not expected:
        return 1.0
    hits, _ = _matched(read, expected)
    if not hits:
        return 0.0
    precision, recall = hits / len(read), hits / len(expected)
    return 2 * precision * recall / (precision + recall)


def _reading_pieces(parsed: ParsedStatement) -> Iterable[str]:
    yield parsed.title
    yield from parsed.body.splitlines()
    for group in parsed.demand_groups:
        yield group.intro
        yield from group.addressees
        yield from group.demands
    for signatory in parsed.signatories:
        yield signatory.name
        yield getattr(signatory, "affiliation", None) or ""


def furniture_kept(parsed: ParsedStatement, furniture: list[str]) -> list[str]:
    pieces = [normalize(piece) for piece in _reading_pieces(parsed) if piece]
    kept = []
    for line in furniture:
        wanted = normalize(line)
        pattern = re.compile(rf"(?<!\w){re.escape(wanted)}(?!\w)")
        if any(pattern.search(piece) for piece in pieces):
            kept.append(line)
    return kept


@dataclass
class Result:
    id: str
    language: str
    demands: float = 0.0
    addressees: float = 0.0
    signatories: float = 0.0
    kept: list[str] = field(default_factory=list)
    invented: list[str] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None

    @property
    def score(self) -> float:
        return 0.0 if self.error else (self.demands + self.addressees + self.signatories) / 3


def score_text(path: Path) -> Result:
    expected = json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))
    result = Result(path.stem, expected["language"])
    started = time.perf_counter()
    try:
        parsed = parse_statement(path.read_text(encoding="utf-8"))
    except Exception as error:  # a crash is a score of 0, reported
        result.error = f"{type(error).__name__}: {error}"
        return result
    result.seconds = time.perf_counter() - started
    groups = expected["groups"]
    result.demands = f1([d for g in parsed.demand_groups for d in g.demands],
                        [d for g in groups for d in g["demands"]])
    # Addressees are people and bodies, counted once however many groups name them.
    result.addressees = f1(_distinct(a for g in parsed.demand_groups for a in g.addressees),
                           _distinct(a for g in groups for a in g["addressees"]))
    names = [s["name"] for s in expected["signatories"]]
    read_names = [s.name for s in parsed.signatories]
    result.signatories = f1(read_names, names)
    result.invented = _matched(read_names, names)[1]
    result.kept = furniture_kept(parsed, expected["furniture"])
    return result


def evaluate(corpus: Path = CORPUS) -> list[Result]:
    return [score_text(path) for path in sorted(corpus.glob("*.txt"))]


def misses(results: list[Result]) -> list[str]:
    mean = statistics.mean(r.score for r in results) if results else 0.0
    found = []
    if mean < TARGET_MEAN:
        found.append(f"mean {mean:.3f} < {TARGET_MEAN}")
    found += [f"{r.id}: {r.score:.2f} < {TARGET_EACH}" for r in results if r.score < TARGET_EACH]
    found += [f"{r.id}: furniture kept {r.kept}" for r in results if r.kept]
    found += [f"{r.id}: invented signatories {r.invented}" for r in results if r.invented]
    found += [f"{r.id}: {r.error}" for r in results if r.error]
    return found


def table(results: list[Result]) -> str:
    rows = [("text", "lang", "demands", "addressees", "signatories", "furniture kept",
             "invented", "ms", "score")]
    for r in results:
        rows.append((r.id, r.language, f"{r.demands:.2f}", f"{r.addressees:.2f}",
                     f"{r.signatories:.2f}", str(len(r.kept)), str(len(r.invented)),
                     f"{r.seconds * 1000:.0f}", "ERROR" if r.error else f"{r.score:.2f}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.rjust(width) if i else cell.ljust(width)
                               for i, (cell, width) in enumerate(zip(row, widths, strict=True)))
                     for row in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--show", metavar="ID", help="print the importer's summary of one text")
    args = parser.parse_args(argv)
    if args.show:
        print(parse_statement((args.corpus / f"{args.show}.txt").read_text(encoding="utf-8"))
              .summary())
        return 0
    results = evaluate(args.corpus)
    print(table(results))
    mean = statistics.mean(r.score for r in results)
    print(f"\n{len(results)} texts, mean {mean:.3f} (target >= {TARGET_MEAN}, "
          f"each >= {TARGET_EACH}, no furniture kept, no invented signatory)")
    problems = misses(results)
    for problem in problems:
        print(f"  missed: {problem}")
    print("targets met" if not problems else "targets MISSED")
    return 1 if args.check and problems else 0


if __name__ == "__main__":
    sys.exit(main())
