"""A letter as a PDF: the HTML of the e-mail, laid out for print by WeasyPrint.

WeasyPrint may fetch nothing but our own static files (the print stylesheet and its
fonts): a letter to a government must not reveal, by a request to a third party,
that it is being printed, and a link in the statement's text must not be fetched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import current_app, render_template
from flask_babel import gettext as _

from campaign.letters.building import LetterContent


def _static_folder() -> Path:
    assert current_app.static_folder is not None
    return Path(current_app.static_folder).resolve()


def render_letter_html(content: LetterContent) -> str:
    return render_template("letters/letter.html", letter=content)


def render_letter_pdf(content: LetterContent) -> bytes:
    # Imported here: WeasyPrint loads Pango when imported, and a machine without it
    # should still serve everything but PDFs.
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    static = _static_folder()
    fetcher = _static_files_only(static)
    fonts = FontConfiguration()
    stylesheets = [
        CSS(filename=str(static / "css" / "letter-print.css"), url_fetcher=fetcher,
            font_config=fonts),
        CSS(string=_page_numbers_css(), font_config=fonts),
    ]
    document = HTML(string=render_letter_html(content), base_url=static.as_uri() + "/",
                    url_fetcher=fetcher)
    return document.write_pdf(stylesheets=stylesheets, font_config=fonts)


def _page_numbers_css() -> str:
    """"Page N of M" in the reader's language, from @page counters; kept out of the
    stylesheet file so that the words are translated like every other string."""
    words = _("Page %(page)s of %(pages)s", page="\0page\0", pages="\0pages\0")
    content = '"' + words.replace('"', "'") + '"'
    content = content.replace("\0page\0", '" counter(page) "').replace(
        "\0pages\0", '" counter(pages) "')
    return f"@page {{ @bottom-center {{ content: {content}; }} }}"


def _static_files_only(static: Path) -> Any:
    from weasyprint import URLFetcher
    from weasyprint.urls import URLFetchingError

    class StaticFilesOnly(URLFetcher):
        """Refuses every URL but a file in static/, before anything is opened."""

        def fetch(self, url: str, headers: dict[str, str] | None = None) -> Any:
            if not url.startswith("file:"):
                raise URLFetchingError(f"not a local static file: {url}")
            path = Path(unquote(urlsplit(url).path)).resolve()
            if not path.is_relative_to(static) or not path.is_file():
                raise URLFetchingError(f"not a local static file: {url}")
            return super().fetch(url, headers)

    return StaticFilesOnly(allowed_protocols={"file"})
