"""The interface's language: the switcher on every page, its cookie, the browser's
Accept-Language when there is no choice, and `lang` on every page."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from campaign.languages import LANGUAGE_COOKIE
from tests.conftest import SERVER_NAME


def html_lang(html: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', html)
    assert match, "the page has no <html lang>"
    return match[1]


def test_without_a_choice_the_browser_language_is_used(client: FlaskClient) -> None:
    page = client.get("/", headers={"Accept-Language": "uk-UA,uk;q=0.9,en;q=0.5"})
    assert html_lang(page.text) == "uk"
    assert "Заяви" in page.text
    assert html_lang(client.get("/", headers={"Accept-Language": "de, fr"}).text) == "en"
    assert html_lang(client.get("/").text) == "en"


def test_the_switcher_is_a_plain_link_on_every_page_and_remembers_the_choice(
        client: FlaskClient, statement_slug: str) -> None:
    page = client.get(f"/s/{statement_slug}?x=1")
    # Each language named in itself, marked with its own language.
    assert (f'<a href="/language/uk?next=/s/{statement_slug}?x%3D1" lang="uk" hreflang="uk">'
            "Українська</a>") in page.text
    assert '<span lang="en" aria-current="true">English</span>' in page.text

    response = client.get(f"/language/uk?next=/s/{statement_slug}?x%3D1",
                          headers={"Accept-Language": "en"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/s/{statement_slug}?x=1"
    cookie = client.get_cookie(LANGUAGE_COOKIE, domain=SERVER_NAME)
    assert cookie is not None and cookie.value == "uk" and cookie.http_only

    # The cookie wins over the browser's language, on every page.
    for path in ("/", f"/s/{statement_slug}", "/privacy", "/coordinate/sign-in"):
        page = client.get(path, headers={"Accept-Language": "en"})
        assert html_lang(page.text) == "uk", path
        assert '<span lang="uk" aria-current="true">Українська</span>' in page.text
    assert "Accept-Language" in page.headers["Vary"] and "Cookie" in page.headers["Vary"]

    client.get("/language/en?next=/")
    assert html_lang(client.get("/", headers={"Accept-Language": "uk"}).text) == "en"


@pytest.mark.parametrize("code", ["xx", "de", "../uk", "uk;q=1"])
def test_an_unknown_language_changes_nothing(client: FlaskClient, code: str) -> None:
    response = client.get(f"/language/{code}?next=/privacy")
    assert response.status_code in (302, 404)
    assert client.get_cookie(LANGUAGE_COOKIE, domain=SERVER_NAME) is None
    assert html_lang(client.get("/privacy").text) == "en"


def test_a_bad_cookie_falls_back_to_the_browser_language(client: FlaskClient) -> None:
    client.set_cookie(LANGUAGE_COOKIE, "klingon", domain=SERVER_NAME)
    assert html_lang(client.get("/", headers={"Accept-Language": "uk"}).text) == "uk"


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/", "/\\evil.example", "evil.example",
    "javascript:alert(1)", "/%0d%0aSet-Cookie:x=1", ""])
def test_the_switcher_never_leads_off_the_site(client: FlaskClient, target: str) -> None:
    response = client.get("/language/uk", query_string={"next": target})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\"))
    assert "evil" not in location and "\n" not in location
    assert client.get_cookie(LANGUAGE_COOKIE, domain=SERVER_NAME).value == "uk"


def test_countries_are_named_and_sorted_for_the_reader(client: FlaskClient,
                                                       statement_slug: str) -> None:
    ukrainian = client.get(f"/s/{statement_slug}", headers={"Accept-Language": "uk"}).text
    options = re.findall(r'<option value="([A-Z]{2})">([^<]+)</option>', ukrainian)
    names = [name for _code, name in options]
    assert ("UA", "Україна") in options
    # The Ukrainian alphabet: е, є, ж and и, і, ї, й … я (code points put є, і and ї
    # after я).
    assert names.index("Ефіопія") < names.index("Єгипет") < names.index("Замбія")
    assert names.index("Ірак") < names.index("Йорданія") < names.index("Ямайка")
    assert names.index("Гаїті") < names.index("Гаяна")
    assert names.index("Гвінея") < names.index("Гібралтар") < names.index("Гондурас")
    # Each language keeps its own names: the English page after the Ukrainian one.
    english = client.get(f"/s/{statement_slug}", headers={"Accept-Language": "en"}).text
    assert '<option value="UA">Ukraine</option>' in english
    assert "Україна" not in english


def test_counts_are_written_as_the_reader_writes_numbers(app, client: FlaskClient,
                                                         statement_slug: str) -> None:
    from campaign.extensions import db
    from campaign.signing.tally import TallyKind, add_to_tally
    from campaign.statements.services import get_statement

    with app.app_context():
        add_to_tally(get_statement(statement_slug).id, TallyKind.INDIVIDUALS, 1234)
        db.session.commit()
    assert "1\u00a0234 особи підписали" in client.get(
        f"/s/{statement_slug}", headers={"Accept-Language": "uk"}).text
    assert "1,234 individuals have signed" in client.get(f"/s/{statement_slug}").text
