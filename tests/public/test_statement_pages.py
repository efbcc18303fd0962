"""The public pages as a reader sees them: the list of statements and a statement."""

from __future__ import annotations

import dataclasses
import re
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from sqlalchemy import update

from campaign.drafting.importer import parse_statement
from campaign.drafting.services import create_statement_from_text
from campaign.extensions import db
from campaign.statements.models import Statement, StatementStatus
from tests.conftest import SERVER_NAME
from tests.example_statement import EXAMPLE, FOUNDING_ORGANIZATIONS


def add_statement(slug: str, *, title: str | None = None, body: str | None = None,
                  publish: bool = True) -> Statement:
    """The example statement under another slug, title or body."""
    parsed = parse_statement(EXAMPLE.read_text(encoding="utf-8"))
    changes = {key: value for key, value in (("title", title), ("body", body)) if value}
    statement = create_statement_from_text(dataclasses.replace(parsed, **changes), slug=slug,
                                           publish=publish)
    db.session.commit()
    return statement


# --- Reading a page --------------------------------------------------------------

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}


@dataclasses.dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    children: list[Element | str] = dataclasses.field(default_factory=list)

    def iter(self):
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def find_all(self, tag: str, class_: str | None = None) -> list[Element]:
        return [element for element in self.iter() if element.tag == tag and (
            class_ is None or class_ in (element.attrs.get("class") or "").split())]

    @property
    def text(self) -> str:
        parts = [child if isinstance(child, str) else child.text for child in self.children]
        return " ".join(" ".join(parts).split())


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.open = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs))
        self.open[-1].children.append(element)
        if tag not in _VOID:
            self.open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.open[-1].children.append(Element(tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.open) - 1, 0, -1):
            if self.open[depth].tag == tag:
                del self.open[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.open[-1].children.append(data)


def parse(html: str) -> Element:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def only(elements: list[Element]) -> Element:
    assert len(elements) == 1, f"{len(elements)} elements instead of one"
    return elements[0]


# --- The list of statements ------------------------------------------------------


def test_home_lists_published_statements_and_not_drafts(app, client):
    with app.app_context():
        add_statement("crimea-2020", title="Free the Bakhchysarai group")
        add_statement("closed-one", title="An earlier appeal")
        add_statement("draft-one", title="A draft nobody may see yet", publish=False)
        db.session.execute(update(Statement).where(Statement.slug == "closed-one")
                           .values(status=StatementStatus.CLOSED))
        db.session.commit()

    response = client.get("/")

    assert response.status_code == 200
    listed = {item.find_all("a")[0].attrs["href"]: item.text
              for item in only(parse(response.text).find_all("ul", "statement-list"))
              .find_all("li")}
    assert set(listed) == {"/s/crimea-2020", "/s/closed-one"}
    assert "Free the Bakhchysarai group" in listed["/s/crimea-2020"]
    assert "September 16, 2020" in listed["/s/crimea-2020"]
    assert "Closed" in listed["/s/closed-one"]
    assert "A draft nobody may see yet" not in response.text


def test_home_without_published_statements_says_so(app, client):
    with app.app_context():
        add_statement("draft-one", publish=False)

    response = client.get("/")

    assert response.status_code == 200
    assert "No statement is published yet." in parse(response.text).text
    assert parse(response.text).find_all("ul", "statement-list") == []


# --- A statement -----------------------------------------------------------------


def test_statement_page_shows_title_date_lead_demands_by_addressee_organizations_and_counts(
    client, statement_slug
):
    response = client.get(f"/s/{statement_slug}")

    assert response.status_code == 200
    page = parse(response.text)
    article = only(page.find_all("article", "statement"))
    assert only(article.find_all("h1")).text == (
        "Statement of human rights organizations on the conviction of the members of the "
        "Second Bakhchysarai group of the “case against Crimean Muslims”")
    time = only(article.find_all("time"))
    assert (time.attrs["datetime"], time.text) == ("2020-09-16", "September 16, 2020")
    lead = only(article.find_all("div", "lead")).text
    assert lead.startswith("On September 16, 2020 the Southern District Military Court")
    assert "prisoner of conscience by Amnesty International" in lead

    groups = article.find_all("section", "demand-group")
    assert [[addressee.text for addressee in group.find_all("span", "addressee")]
            for group in groups] == [
        ["Government of Russian Federation"],
        ["International organizations", "Governments of democratic countries"],
        ["President of Ukraine", "Parliament of Ukraine",
         "Ministry for Reintegration of Temporarily Occupied Territories of Ukraine",
         "Prosecutor’s Office of the Autonomous Republic of Crimea and Sevastopol City"],
    ]
    demands = [[item.text for item in group.find_all("li")] for group in groups]
    assert [len(items) for items in demands] == [3, 5, 4]
    assert demands[0][0].startswith("immediately release all political prisoners")
    assert demands[1][2].startswith("strengthen sectoral sanctions against Russian Federation")
    assert demands[2][0].startswith("enable effective investigation")
    assert demands[2][3].startswith("enable proper functioning of the Department for Crimes")

    organizations = only(article.find_all("ul", "organizations")).find_all("li")
    assert [item.text for item in organizations] == FOUNDING_ORGANIZATIONS
    counts = only(article.find_all("p", "counts")).text
    assert counts == "12 organizations · 0 individuals have signed"


@pytest.mark.parametrize("path", ["/s/draft-one", "/s/no-such-statement"],
                         ids=["draft", "unknown"])
def test_draft_or_unknown_statement_is_a_page_not_found(app, client, path):
    with app.app_context():
        add_statement("draft-one", title="A draft nobody may see yet", publish=False)

    response = client.get(path)

    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert only(parse(response.text).find_all("h1")).text == "Page not found"
    assert "A draft nobody may see yet" not in response.text
    assert "Traceback" not in response.text


def test_statement_body_markdown_cannot_inject_scripts_links_or_images(app, client):
    body = (
        "Our lead paragraph with **emphasis**.\n\n"
        "<script>alert(1)</script>\n\n"
        "A [x](javascript:alert(1)) link.\n\n"
        "<img src=https://evil.example/x.png>\n\n"
        "![tracker](https://evil.example/pixel.png)\n"
    )
    with app.app_context():
        add_statement("sanitized", body=body)

    response = client.get("/s/sanitized")

    assert response.status_code == 200
    lead = only(parse(response.text).find_all("div", "lead"))
    assert lead.find_all("strong")[0].text == "emphasis"
    tags = {element.tag for element in lead.iter()}
    assert not tags & {"script", "img", "iframe", "style", "object", "embed"}
    for element in lead.iter():
        for name, value in element.attrs.items():
            assert not name.startswith("on"), (element.tag, name)
            assert "javascript:" not in (value or "").lower(), (element.tag, name, value)
            assert "evil.example" not in (value or ""), (element.tag, name, value)
    assert "<script" not in response.text.lower()
    assert "<img" not in response.text.lower()


def urls_in(html: str, *, links: bool = True) -> list[str]:
    return [value for element in parse(html).iter()
            for name, value in element.attrs.items()
            if name in {"src", "href", "srcset", "action", "poster", "data"} and value
            and (links or element.tag != "a")]


def is_own(url: str) -> bool:
    parts = urlsplit(url)
    if not parts.scheme and not parts.netloc:
        return not url.startswith("//")
    return parts.scheme in {"http", "https"} and parts.netloc == SERVER_NAME


def test_statement_page_loads_nothing_from_another_origin(client, statement_slug):
    response = client.get(f"/s/{statement_slug}")
    assert response.status_code == 200

    urls = urls_in(response.text)
    # A link loads nothing until followed: the share links lead to other sites, and only
    # they (and signatories' own websites) may.
    loaded = urls_in(response.text, links=False)

    assert any(url.endswith(".css") for url in loaded)  # the check below has something to see
    assert [url for url in loaded if not is_own(url)] == []
    assert {urlsplit(url).netloc for url in urls if not is_own(url)} <= {
        "", "t.me", "wa.me", "x.com", "www.facebook.com"}
    # Inline styles and the stylesheets the page links to fetch nothing from elsewhere.
    stylesheets = [url for url in urls if url.endswith(".css")]
    for url in stylesheets:
        css = client.get(urlsplit(url).path)
        assert css.status_code == 200, url
        for reference in re.findall(r"""url\(\s*['"]?([^'")]+)""", css.text) + re.findall(
                r"""@import\s+['"]([^'"]+)""", css.text):
            assert is_own(reference), (url, reference)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", unescape(response.text))
