"""The languages of the interface: which one a request is served in, the switcher that
changes it, and the language each person is written to in.

A language is offered when its catalog exists: `LANGUAGES` lists the codes, and
adding one is `pybabel init` and a translation (see the README), no code here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar
from urllib.parse import urlsplit

from babel import Locale, UnknownLocaleError
from babel.numbers import format_decimal
from flask import Blueprint, Flask, current_app, has_request_context, redirect, request, url_for
from flask_babel import force_locale, get_locale
from markupsafe import Markup
from werkzeug import Response

LANGUAGE_COOKIE = "language"
# A BCP 47 tag as people and address books write one ("uk", "crh", "en-GB"): a statement
# may be translated into a language the interface does not speak.
LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(-[a-z0-9]{2,8})*")
LANGUAGE_TAG_MAX = 16
# A year: the choice is a preference, not a secret, and holds nothing about the reader.
LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600

bp = Blueprint("languages", __name__)
T = TypeVar("T")


def supported_language(code: str | None) -> str | None:
    """The interface language a code asks for ("uk", "uk-UA", "UK_ua"), or None when we
    have no catalog for it."""
    if not code:
        return None
    languages = current_app.config["LANGUAGES"]
    wanted = code.strip().replace("_", "-").lower()
    for candidate in (wanted, wanted.split("-", 1)[0]):
        if candidate in languages:
            return candidate
    return None


def language_or_default(code: str | None) -> str:
    return supported_language(code) or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_locale() -> str | None:
    """The reader's choice from the switcher, else their browser's Accept-Language;
    outside a request (a worker, the CLI) Flask-Babel's default applies, and mail is
    written inside `in_language` for its recipient."""
    if not has_request_context():
        return None
    chosen = supported_language(request.cookies.get(LANGUAGE_COOKIE))
    return chosen or request.accept_languages.best_match(current_app.config["LANGUAGES"])


def current_language() -> str:
    """The code of the language this request is served in, as stored on what it makes
    (a signature, a coordinator's settings)."""
    return language_or_default(str(get_locale() or ""))


def language_tag(code: str | None) -> str | None:
    """The tag as stored ("UK_ua" -> "uk-ua"), or None when it is not a language tag."""
    if not code:
        return None
    tag = code.strip().replace("_", "-").lower()
    if len(tag) > LANGUAGE_TAG_MAX or not LANGUAGE_TAG.fullmatch(tag):
        return None
    return tag


def best_language(wanted: str | None, available: list[str]) -> str | None:
    """Which of `available` serves a reader of `wanted`: the same tag, else the same
    language ("uk-ua" is served by "uk", and "uk" by "uk-ua")."""
    tag = language_tag(wanted)
    if tag is None:
        return None
    if tag in available:
        return tag
    base = tag.split("-", 1)[0]
    return next((code for code in available if code.split("-", 1)[0] == base), None)


def language_name(code: str, in_code: str | None = None) -> str:
    """A language's name in the reader's language (or in `in_code`: a language is
    offered in its own name); the tag itself when Babel does not know it."""
    reader = _babel_locale(in_code or str(get_locale() or "en"))
    try:
        name = Locale.parse(_babel_locale(code)).get_display_name(reader)
    except (ValueError, UnknownLocaleError):
        # Babel names more languages than it has locales for (Crimean Tatar, say).
        try:
            name = Locale.parse(reader).languages.get(code.split("-", 1)[0])
        except (ValueError, UnknownLocaleError):
            name = None
    return name[:1].upper() + name[1:] if name else code


def _babel_locale(tag: str) -> str:
    """Babel's spelling of a stored tag: "en-gb" -> "en_GB"."""
    language, _sep, region = tag.replace("_", "-").partition("-")
    return f"{language}_{region.upper()}" if len(region) == 2 else language


def lang_attribute(code: str) -> Markup:
    """` lang="uk"` on an element whose text is in another language than the page, so
    that a screen reader speaks it in its own voice (and a browser hyphenates it)."""
    if language_tag(code) == language_tag(str(get_locale() or "")):
        return Markup("")
    return Markup(' lang="%s"') % code


def format_count(number: int) -> str:
    """A count as the reader writes it (1,000 in English, 1 000 in Ukrainian); as in
    English outside an application (the importer is used on its own too)."""
    return format_decimal(number, locale=get_locale() or "en")


@contextmanager
def in_language(code: str | None) -> Iterator[None]:
    """Render and translate in this person's language (the default when we have no
    catalog for theirs)."""
    with force_locale(language_or_default(code)):
        yield


def in_each_language(make: Callable[[], T]) -> dict[str, T]:
    """What `make` writes, in every language we offer: a mailing to many writes its
    subject once per language, not once per recipient."""
    written = {}
    for code in current_app.config["LANGUAGES"]:
        with force_locale(code):
            written[code] = make()
    return written


def language_links() -> list[dict[str, str | bool]]:
    """The switcher's links: each language named in itself, so that a reader who does
    not understand the current page still finds their own."""
    current = current_language()
    here = request.full_path.rstrip("?") if has_request_context() else "/"
    return [{"code": code, "name": Locale.parse(code).get_display_name(code).capitalize(),
             "current": code == current,
             "url": url_for("languages.choose", code=code, next=here)}
            for code in current_app.config["LANGUAGES"]]


def local_path(target: str | None) -> str | None:
    """`target` when it is a path on this site, else None: the switcher must not send
    a reader to another site (an open redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(char) < 32 for char in target):
        return None
    return target


@bp.get("/language/<code>")
def choose(code: str) -> Response:
    """A plain link (no JavaScript, no form): remember the language and go back to the
    page the reader was on. An unknown language changes nothing."""
    response = redirect(local_path(request.args.get("next")) or url_for("statements.index"))
    language = supported_language(code)
    if language is not None:
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=LANGUAGE_COOKIE_MAX_AGE,
                            secure=current_app.config["SESSION_COOKIE_SECURE"],
                            httponly=True, samesite="Lax")
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.add_template_global(language_links)
    app.add_template_global(language_name)
    app.add_template_global(lang_attribute)

    @app.after_request
    def vary_by_language(response: Response) -> Response:
        # The same address answers in the language of the cookie or the browser: a
        # shared cache must keep one copy per language.
        response.vary.update(("Accept-Language", "Cookie"))
        return response
