"""A letter as a PDF: the HTML of the e-mail, laid out for print by WeasyPrint.

WeasyPrint may fetch nothing but our own static files (the print stylesheet and its
fonts) and the organizations' logos from the logo store: a letter to a government
must not reveal, by a request to a third party, that it is being printed, and a link
in the statement's text must not be fetched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import current_app, render_template
from flask_babel import gettext as _

from campaign.letters.building import LetterContent
from campaign.signing.logos import logo_folder, logo_path


def _static_folder() -> Path:
    assert current_app.static_folder is not None
    return Path(current_app.static_folder).resolve()


def render_letter_html(content: LetterContent, *, for_print: bool = False) -> str:
    return render_template("letters/letter.html", letter=content,
                           logo_uri=_logo_uri if for_print else None)


def _logo_uri(name: str) -> str | None:
    path = logo_path(name)
    return path.resolve().as_uri() if path else None


def render_letter_pdf(content: LetterContent) -> bytes:
    # Imported here: WeasyPrint loads Pango when imported, and a machine without it
    # should still serve everything but PDFs.
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    static = _static_folder()
    fetcher = _own_files_only([static, logo_folder().resolve()])
    fonts = FontConfiguration()
    stylesheets = [
        CSS(filename=str(static / "css" / "letter-print.css"), url_fetcher=fetcher,
            font_config=fonts),
        CSS(string=_page_numbers_css(), font_config=fonts),
    ]
    document = HTML(string=render_letter_html(content, for_print=True),
                    base_url=static.as_uri() + "/", url_fetcher=fetcher)
    return document.write_pdf(stylesheets=stylesheets, font_config=fonts)


def _page_numbers_css() -> str:
    """"Page N of M" in the reader's language, from @page counters; kept out of the
    stylesheet file so that the words are translated like every other string."""
    words = _("Page %(page)s of %(pages)s", page="\0page\0", pages="\0pages\0")
    content = '"' + words.replace('"', "'") + '"'
    content = content.replace("\0page\0", '" counter(page) "').replace(
        "\0pages\0", '" counter(pages) "')
    return f"@page {{ @bottom-center {{ content: {content}; }} }}"


def _own_files_only(folders: list[Path]) -> Any:
    from weasyprint import URLFetcher
    from weasyprint.urls import URLFetchingError

    class OwnFilesOnly(URLFetcher):
        """Refuses every URL but a file in static/ or the logo store, before anything
        is opened."""

        def fetch(self, url: str, headers: dict[str, str] | None = None) -> Any:
            if not url.startswith("file:"):
                raise URLFetchingError(f"not a local file of ours: {url}")
            path = Path(unquote(urlsplit(url).path)).resolve()
            if not any(path.is_relative_to(folder) for folder in folders) or not path.is_file():
                raise URLFetchingError(f"not a local file of ours: {url}")
            return super().fetch(url, headers)

    return OwnFilesOnly(allowed_protocols={"file"})
