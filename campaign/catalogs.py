"""The translation catalogs: extract, update, add a language, compile and check.

    python -m campaign.catalogs update      re-extract the strings, merge them into
                                            every campaign/translations/<lang>/…/messages.po
    python -m campaign.catalogs init LANG   start the catalog of a new language
    python -m campaign.catalogs compile     .po to .mo (dev.py and the Dockerfile run it)
    python -m campaign.catalogs check       fail unless every catalog matches the source,
                                            is fully translated (nothing empty or fuzzy)
                                            and compiles

The check compares the messages themselves, not where they are: moving a string to
another line or file is no change a translator has to make.
"""

from __future__ import annotations

import contextlib
import io
import sys
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "campaign" / "translations"
# The names the code translates with, beyond Babel's own (_, gettext, ngettext…).
KEYWORDS = ["lazy_gettext", "_l", "lazy_ngettext:1,2"]


def _pybabel(*arguments: str) -> None:
    CommandLineInterface().run(["pybabel", "--quiet", *arguments])


def extract(target: Path) -> None:
    keywords = [part for keyword in KEYWORDS for part in ("-k", keyword)]
    # From the project's root, so that the catalogs name files by relative paths.
    with contextlib.chdir(ROOT):
        _pybabel("extract", "-F", "babel.cfg", *keywords, "--sort-by-file",
                 "--project", "Undersigned", "-o", str(target), ".")


def catalog_files() -> list[Path]:
    return sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))


def _read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def update() -> None:
    with tempfile.TemporaryDirectory() as directory:
        template = Path(directory) / "messages.pot"
        extract(template)
        _pybabel("update", "-i", str(template), "-d", str(TRANSLATIONS), "--no-fuzzy-matching",
                 "--ignore-obsolete")


def init(language: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        template = Path(directory) / "messages.pot"
        extract(template)
        _pybabel("init", "-i", str(template), "-d", str(TRANSLATIONS), "-l", language)


def compile_catalogs() -> None:
    """Write each .mo whose .po is newer (cheap enough to run on every start)."""
    for po in catalog_files():
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with mo.open("wb") as handle:
                write_mo(handle, _read(po))


def problems() -> list[str]:
    """What is wrong with the catalogs, one line each; none when all is well."""
    found: list[str] = []
    with tempfile.TemporaryDirectory() as directory:
        template_path = Path(directory) / "messages.pot"
        extract(template_path)
        source = {message.id for message in _read(template_path) if message.id}
    files = catalog_files()
    if not files:
        found.append(f"no catalog in {TRANSLATIONS}")
    for path in files:
        name = path.relative_to(TRANSLATIONS)
        catalog = _read(path)
        messages = [message for message in catalog if message.id]
        ids = {message.id for message in messages}
        for missing in sorted(map(str, source - ids)):
            found.append(f"{name}: missing (run `python -m campaign.catalogs update`): "
                         f"{missing!r}")
        for gone in sorted(map(str, ids - source)):
            found.append(f"{name}: no longer in the source (run the update): {gone!r}")
        for message in messages:
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if message.fuzzy:
                found.append(f"{name}: fuzzy, check and unmark it: {message.id!r}")
            if not all(strings):
                found.append(f"{name}: not translated: {message.id!r}")
            found.extend(f"{name}: {message.id!r}: {error}" for error in message.check(catalog))
        try:
            write_mo(io.BytesIO(), catalog)
        except Exception as error:
            found.append(f"{name}: does not compile: {error}")
    return found


def main(arguments: list[str]) -> int:
    command, *rest = arguments or ["help"]
    if command == "update":
        update()
    elif command == "init" and len(rest) == 1:
        init(rest[0])
    elif command == "compile":
        compile_catalogs()
    elif command == "check":
        found = problems()
        print("\n".join(found) or "The catalogs are complete and up to date.")
        return 1 if found else 0
    else:
        print(__doc__)
        return 0 if command in {"help", "-h", "--help"} else 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
