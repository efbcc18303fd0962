"""Drafting a statement in the browser, as a coordinator does it: paste the text, correct
the reading, save a draft, edit it, reorder it, publish, close and reopen it.

Every form is sent as a browser sends it: with the fields and the CSRF token the page
holds."""

from __future__ import annotations

from collections.abc import Callable
from html import unescape
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from campaign.accounts.models import TeamMembership
from campaign.extensions import db
from campaign.rendering import MARKDOWN_LENGTH
from campaign.signing.models import OrganizationSignature
from campaign.statements import services as statements
from campaign.statements.models import (
    DEMAND_TEXT_LENGTH,
    Addressee,
    Demand,
    DemandGroup,
    Statement,
    StatementStatus,
)
from tests.conftest import create_coordinator_for, import_example, sign_in
from tests.example_statement import ADDRESSEES, EXAMPLE, FOUNDING_ORGANIZATIONS, TITLE
from tests.support import committed_meanwhile, csrf_token, hidden_fields, post_form

DRAFTER = "drafter@example.org"
DROPPED = ["Generic selectors", "Exact matches only", "Search in title", "Search in content",
           "Post Type Selectors", "Scroll to Top"]


# --- What a coordinator does -------------------------------------------------------


class _FormReader(HTMLParser):
    """The fields a browser would send with the form whose action is `action`."""

    def __init__(self, action: str) -> None:
        super().__init__(convert_charrefs=True)
        self.action = action
        self.inside = False
        self.fields: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.inside = found.get("action", "").split("#")[0] == self.action
        elif self.inside and tag == "input" and "name" in found:
            if found.get("type") in ("checkbox", "radio") and "checked" not in found:
                return
            self.fields[found["name"]] = found.get("value", "")
        elif self.inside and tag == "textarea":
            self._textarea = found["name"]
            self.fields[self._textarea] = ""
        elif self.inside and tag == "select":
            self._select = found["name"]
        elif self._select is not None and tag == "option" and (
                "selected" in found or self._select not in self.fields):
            # A browser sends the selected option, or else the first.
            self.fields[self._select] = found.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self.fields[self._textarea] += data


def form_fields(html: str, action: str) -> dict[str, str]:
    reader = _FormReader(action)
    reader.feed(html)
    assert reader.fields, f"no form sends to {action}"
    # A browser drops the line break that follows <textarea>.
    return {name: value.removeprefix("\r\n").removeprefix("\n")
            for name, value in reader.fields.items()}


def press(client: FlaskClient, page_url: str, action: str, **data: str):
    """Press a button of a small form on the page (it holds only the CSRF token)."""
    page = client.get(page_url)
    assert page.status_code == 200, page.status_code
    return client.post(action, data={"csrf_token": csrf_token(page.text), **data})


def signed_in_drafter(app: Flask, *slugs: str, email: str = DRAFTER) -> FlaskClient:
    with app.app_context():
        create_coordinator_for(email, *slugs, name="Drafter")
    client = app.test_client()
    sign_in(client, email)
    return client


def paste(client: FlaskClient, text: str):
    return post_form(client, "/coordinate/new", "/coordinate/new", {"text": text})


def row_texts(fields: dict[str, str], prefix: str) -> list[str]:
    """The texts of a list's rows on the reading page, in their order, without the
    empty row left to add one."""
    rows = sorted(int(name[len(prefix) + 1:].split("-")[0]) for name in fields
                  if name.startswith(prefix + "-") and name.endswith("-text"))
    return [fields[f"{prefix}-{row}-text"] for row in rows if fields[f"{prefix}-{row}-text"]]


def draft_example(app: Flask, slug: str = "crimea-draft") -> str:
    with app.app_context():
        import_example(slug=slug, publish=False)
    return slug


# --- What the database holds ---------------------------------------------------------


def load(app: Flask, slug: str) -> Statement:
    with app.app_context():
        statement = db.session.scalars(select(Statement).where(Statement.slug == slug)).one()
        for group in statement.demand_groups:
            _ = group.demands, group.addressees
        db.session.expunge_all()
        return statement


def demand_texts(statement: Statement) -> list[list[str]]:
    return [[demand.text for demand in group.demands] for group in statement.demand_groups]


def ids(app: Flask, slug: str) -> dict[str, int]:
    with app.app_context():
        statement_id = db.session.scalar(select(Statement.id).where(Statement.slug == slug))
        group_id = db.session.scalar(select(DemandGroup.id).where(
            DemandGroup.statement_id == statement_id).order_by(DemandGroup.position))
        demand_id = db.session.scalar(select(Demand.id).where(Demand.group_id == group_id)
                                      .order_by(Demand.position))
        addressee_id = db.session.scalar(select(Addressee.id).where(
            Addressee.statement_id == statement_id))
    return {"group": group_id, "demand": demand_id, "addressee": addressee_id}


# --- Paste to start --------------------------------------------------------------------


def test_pasted_example_is_read_for_the_coordinator_to_correct(app):
    client = signed_in_drafter(app)

    page = paste(client, EXAMPLE.read_text(encoding="utf-8"))

    assert page.status_code == 200
    fields = form_fields(page.text, "/coordinate/new/save")
    assert fields["title"] == TITLE
    assert fields["slug"].startswith("statement-of-human-rights-organizations")
    assert fields["statement_date"] == "2020-09-16"
    assert "Southern District Military Court" in fields["body_markdown"]
    groups = sorted({int(name.split("-")[1]) for name in fields if name.startswith("groups-")})
    assert groups == [0, 1, 2, 3]  # and an empty one, to add a group
    for number, addressees in enumerate(ADDRESSEES):
        assert row_texts(fields, f"groups-{number}-addressees") == addressees
    assert len(row_texts(fields, "groups-1-demands")) == 5
    assert row_texts(fields, "groups-3-demands") == []
    assert row_texts(fields, "signatories") == FOUNDING_ORGANIZATIONS
    text = unescape(page.text)
    for line in DROPPED:
        assert f"<li>{line}</li>" in text
    assert "Every line found its place." in text


def test_corrected_reading_is_saved_as_a_draft_of_its_team(app):
    client = signed_in_drafter(app)
    fields = form_fields(paste(client, EXAMPLE.read_text(encoding="utf-8")).text,
                         "/coordinate/new/save")
    fields.update({"groups-0-demands-1-text":
                   "Stop the persecution of Crimean Tatars and Crimean Muslims.",
                   "slug": "crimea-2020-draft"})

    saved = client.post("/coordinate/new/save", data=fields)

    assert saved.status_code == 302
    assert saved.headers["Location"] == "/coordinate/crimea-2020-draft/edit"
    statement = load(app, "crimea-2020-draft")
    assert statement.status is StatementStatus.DRAFT
    assert statement.title == TITLE
    assert demand_texts(statement)[0][1] == (
        "Stop the persecution of Crimean Tatars and Crimean Muslims.")
    assert [len(group) for group in demand_texts(statement)] == [3, 5, 4]
    assert [[a.name for a in group.addressees] for group in statement.demand_groups] == ADDRESSEES
    with app.app_context():
        # The drafter had no team: the statement goes to a new one of theirs.
        assert db.session.scalar(select(TeamMembership.team_id)) == statement.team_id
        assert statement.team_id is not None
        assert sorted(db.session.scalars(select(OrganizationSignature.name))) == sorted(
            FOUNDING_ORGANIZATIONS)
    edit_page = client.get(saved.headers["Location"], follow_redirects=True)
    assert "is saved as a draft" in unescape(edit_page.text)
    assert client.get("/s/crimea-2020-draft").status_code == 404


def test_furniture_only_text_is_refused_next_to_the_text_box(app):
    client = signed_in_drafter(app)

    page = paste(client, "Generic selectors\nScroll to Top\n")

    assert page.status_code == 400
    assert 'id="text-error"' in page.text
    assert "No statement text found" in page.text


def test_taken_slug_is_refused_next_to_the_slug_field(app, statement_slug):
    client = signed_in_drafter(app)
    fields = form_fields(paste(client, EXAMPLE.read_text(encoding="utf-8")).text,
                         "/coordinate/new/save")

    refused = client.post("/coordinate/new/save", data={**fields, "slug": statement_slug})

    assert refused.status_code == 400
    assert 'id="slug-error"' in refused.text
    assert f"A statement with the slug “{statement_slug}” already exists." in refused.text
    # The reading is still there to save under another slug.
    assert "<li>Scroll to Top</li>" in refused.text
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Statement)) == 1


def _before_writing(write: str) -> Callable[[str], bool]:
    """The moment another save's commit lands: after the slug was found free, before
    WRITE stores it, or before the savepoint it is written in. (Run inside the
    savepoint, the SQL standing for that commit would be taken back with it.)"""
    return lambda sql: sql.lstrip().upper().startswith(("SAVEPOINT", write))


def test_a_slug_taken_by_a_simultaneous_save_is_refused_at_its_field(app):
    with app.app_context():
        import_example(slug="another", publish=False)
    client = signed_in_drafter(app)
    fields = form_fields(paste(client, EXAMPLE.read_text(encoding="utf-8")).text,
                         "/coordinate/new/save")
    fields["slug"] = "crimea-draft"

    with committed_meanwhile(
            app, "UPDATE statement SET slug = 'crimea-draft' WHERE slug = 'another'",
            at=_before_writing("INSERT INTO STATEMENT")) as ran:
        saved = client.post("/coordinate/new/save", data=fields)

    assert ran and saved.status_code == 400
    assert 'id="slug-error"' in saved.text
    assert "A statement with the slug “crimea-draft” already exists." in saved.text
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Statement)) == 1


def test_a_slug_taken_by_a_simultaneous_rename_is_refused_at_its_field(app):
    slug = draft_example(app)
    with app.app_context():
        import_example(slug="another", publish=False)
    client = signed_in_drafter(app, slug)
    fields = form_fields(client.get(f"/coordinate/{slug}/edit").text,
                         f"/coordinate/{slug}/details")
    fields.update(slug="bakhchysarai", title="A title never saved")

    with committed_meanwhile(
            app, "UPDATE statement SET slug = 'bakhchysarai' WHERE slug = 'another'",
            at=_before_writing("UPDATE STATEMENT SET")) as ran:
        refused = client.post(f"/coordinate/{slug}/details", data=fields)

    assert ran and refused.status_code == 400
    assert 'id="slug-error"' in refused.text
    assert "A statement with the slug “bakhchysarai” already exists." in refused.text
    assert load(app, slug).title == TITLE


# --- Editing a draft -------------------------------------------------------------------


def test_coordinator_edits_title_and_lead_and_the_public_page_renders_it_safely(app):
    slug = draft_example(app)
    client = signed_in_drafter(app, slug)
    fields = form_fields(client.get(f"/coordinate/{slug}/edit").text,
                         f"/coordinate/{slug}/details")
    fields.update(title="Free the Second Bakhchysarai group", slug="bakhchysarai",
                  body_markdown="We **condemn** it.\n\n<script>alert(1)</script>")

    saved = client.post(f"/coordinate/{slug}/details", data=fields, follow_redirects=True)

    assert "The title, address, date and lead text are saved." in saved.text
    press(client, "/coordinate/bakhchysarai/publish", "/coordinate/bakhchysarai/publish")
    public = client.get("/s/bakhchysarai").text
    assert "<h1>Free the Second Bakhchysarai group</h1>" in public
    assert "We <strong>condemn</strong> it." in public
    assert "<script>" not in public


def test_a_title_or_an_addressee_with_a_line_break_is_refused(app):
    slug = draft_example(app)
    client = signed_in_drafter(app, slug)
    fields = form_fields(client.get(f"/coordinate/{slug}/edit").text,
                         f"/coordinate/{slug}/details")
    fields.update(title="Free them\r\nBcc: intruder@evil.example")

    title = client.post(f"/coordinate/{slug}/details", data=fields)
    addressee = post_form(client, f"/coordinate/{slug}/addressees/new",
                          f"/coordinate/{slug}/addressees/new",
                          {"name": "Council of Europe\nBcc: intruder@evil.example"})

    for refused in (title, addressee):
        assert refused.status_code == 400
        assert "Write this on one line, without line breaks." in refused.text
    assert load(app, slug).title == TITLE
    with app.app_context():
        assert db.session.scalars(select(Addressee).where(
            Addressee.name.like("Council%"))).all() == []


def test_demands_and_groups_move_up_and_down(app):
    slug = draft_example(app)
    client = signed_in_drafter(app, slug)
    before = demand_texts(load(app, slug))
    first = ids(app, slug)

    press(client, f"/coordinate/{slug}/groups/{first['group']}",
          f"/coordinate/{slug}/demands/{first['demand']}/move", direction="down")
    press(client, f"/coordinate/{slug}/edit",
          f"/coordinate/{slug}/groups/{first['group']}/move", direction="down")
    moved = press(client, f"/coordinate/{slug}/edit",
                  f"/coordinate/{slug}/groups/{first['group']}/move", direction="down")

    after = demand_texts(load(app, slug))
    assert after[2] == [before[0][1], before[0][0], before[0][2]]
    assert after[:2] == before[1:]
    refused = press(client, f"/coordinate/{slug}/edit",
                    f"/coordinate/{slug}/groups/{first['group']}/move", direction="down")
    assert "It is already at the bottom." in client.get(refused.headers["Location"]).text
    assert moved.status_code == 302


def test_groups_and_demands_are_added_edited_and_removed(app):
    slug = draft_example(app)
    client = signed_in_drafter(app, slug)
    first = ids(app, slug)

    added = press(client, f"/coordinate/{slug}/edit", f"/coordinate/{slug}/groups")
    group_url = added.headers["Location"]
    post_form(client, group_url, f"{group_url}/demands", {"new-demand-text": "Release them."})
    post_form(client, f"/coordinate/{slug}/demands/{first['demand']}",
              f"/coordinate/{slug}/demands/{first['demand']}", {"text": "Free them all."})
    edited = demand_texts(load(app, slug))
    removal = f"/coordinate/{slug}/groups/{first['group']}/remove"
    client.post(removal, data=hidden_fields(client.get(removal).text))
    empty = post_form(client, group_url, f"{group_url}/demands", {"new-demand-text": "  "})

    assert edited[0][0] == "Free them all."
    assert edited[-1] == ["Release them."]
    assert demand_texts(load(app, slug)) == edited[1:]
    assert empty.status_code == 400
    assert 'id="new-demand-text-error"' in empty.text


def test_removing_a_group_asks_first_saying_what_goes_with_it(app):
    slug = draft_example(app)
    client = signed_in_drafter(app, slug)
    first = ids(app, slug)
    remove = f"/coordinate/{slug}/groups/{first['group']}/remove"
    before = demand_texts(load(app, slug))

    asked = client.get(remove)

    assert f'href="{remove}"' in client.get(f"/coordinate/{slug}/edit").text
    assert "<h1>Remove group 1 of demands?</h1>" in unescape(asked.text)
    assert (f"Its introduction and its {len(before[0])} demands are removed with it, and so "
            "are their translations.") in unescape(asked.text)
    assert demand_texts(load(app, slug)) == before
    removed = client.post(remove, data=hidden_fields(asked.text))
    assert removed.status_code == 302
    assert demand_texts(load(app, slug)) == before[1:]


def test_a_published_statement_keeps_a_group_of_demands_each_with_a_demand_and_an_addressee(
        app, coordinator_client, statement_slug):
    # What the publish transition refuses, a published statement must not become: one
    # click each would have removed every group, with its texts and translations.
    client, slug = coordinator_client, statement_slug
    before = load(app, slug)
    groups = [group.id for group in before.demand_groups]
    for group_id in groups:
        removal = f"/coordinate/{slug}/groups/{group_id}/remove"
        removal = client.post(removal, data=hidden_fields(client.get(removal).text))
    told = unescape(client.get(removal.headers["Location"]).text)
    last = groups[-1]
    unaddressed = post_form(client, f"/coordinate/{slug}/groups/{last}",
                            f"/coordinate/{slug}/groups/{last}", {"intro": "To nobody:"})
    kept = load(app, slug)
    last_demand = kept.demand_groups[0].demands[-1].id
    for demand in kept.demand_groups[0].demands:
        removal = f"/coordinate/{slug}/demands/{demand.id}/remove"
        client.post(removal, data=hidden_fields(client.get(removal).text))
    only_addressee = kept.demand_groups[0].addressees[-1].id
    for addressee in kept.demand_groups[0].addressees:
        removal = f"/coordinate/{slug}/addressees/{addressee.id}/remove"
        asked = client.get(removal)
        if asked.status_code == 200:
            client.post(removal, data=form_fields(asked.text, removal))
    # The last one's removal is refused on asking, and on pressing a page opened earlier.
    assert asked.status_code == 302
    pressed = press(client, f"/coordinate/{slug}/edit", removal)
    assert "Group 1 of demands is addressed to nobody." in unescape(
        client.get(pressed.headers["Location"]).text)

    assert ("Nothing is changed: once published, a statement keeps at least one group of "
            "demands, each with a demand and an addressee. The statement has no group of "
            "demands.") in told
    assert unaddressed.status_code == 400
    assert 'id="addressees-error"' in unaddressed.text
    assert "Group 1 of demands is addressed to nobody." in unescape(unaddressed.text)
    after = load(app, slug)
    assert after.status is StatementStatus.PUBLISHED
    assert [group.id for group in after.demand_groups] == [last]
    assert after.demand_groups[0].intro == before.demand_groups[-1].intro
    assert [demand.id for demand in after.demand_groups[0].demands] == [last_demand]
    assert [addressee.id for addressee in after.demand_groups[0].addressees] == [only_addressee]
    with app.app_context():
        assert statements.publication_problems(statements.get_statement(slug)) == []


def test_addressees_are_added_edited_removed_and_chosen_for_groups(app):
    slug = draft_example(app)
    client = signed_in_drafter(app, slug)
    first = ids(app, slug)

    added = post_form(client, f"/coordinate/{slug}/addressees/new",
                      f"/coordinate/{slug}/addressees/new",
                      {"name": "Council of Europe", "role": "Commissioner for Human Rights",
                       "email": "Commissioner@coe.example.org", "language": "en"})
    duplicate = post_form(client, f"/coordinate/{slug}/addressees/new",
                          f"/coordinate/{slug}/addressees/new", {"name": "Council of Europe"})
    with app.app_context():
        council = db.session.scalars(select(Addressee).where(
            Addressee.name == "Council of Europe")).one()
        council_id, council_email = council.id, council.email
    group_url = f"/coordinate/{slug}/groups/{first['group']}"
    fields = form_fields(client.get(group_url).text, group_url)
    client.post(group_url, data={**fields, "addressees": [str(first["addressee"]),
                                                          str(council_id)]})
    second_group = load(app, slug).demand_groups[1].id
    second_url = f"/coordinate/{slug}/groups/{second_group}"
    client.post(second_url, data={**form_fields(client.get(second_url).text, second_url),
                                  "addressees": [str(council_id)]})

    assert added.status_code == 302
    assert council_email == "commissioner@coe.example.org"
    assert duplicate.status_code == 400
    assert 'id="name-error"' in duplicate.text
    groups = load(app, slug).demand_groups
    assert "Council of Europe" in [a.name for a in groups[0].addressees]
    assert [a.name for a in groups[1].addressees] == ["Council of Europe"]

    removal = f"/coordinate/{slug}/addressees/{council_id}/remove"
    removed = client.post(removal, data=form_fields(client.get(removal).text, removal))
    assert "Council of Europe is removed" in client.get(removed.headers["Location"]).text
    groups = load(app, slug).demand_groups
    assert groups[1].addressees == []
    assert "Council of Europe" not in [a.name for a in groups[0].addressees]


# --- Lifecycle ---------------------------------------------------------------------------


def test_publish_close_and_reopen(app):
    slug = draft_example(app)
    client = signed_in_drafter(app, slug)
    edit = f"/coordinate/{slug}/edit"
    assert client.get(f"/s/{slug}").status_code == 404

    # Publishing asks first, on a page of its own; asking changes nothing.
    asked = client.get(f"/coordinate/{slug}/publish")
    assert "This cannot be undone." in asked.text
    assert load(app, slug).status is StatementStatus.DRAFT
    published = press(client, f"/coordinate/{slug}/publish", f"/coordinate/{slug}/publish")
    assert "The statement is published" in client.get(published.headers["Location"]).text
    assert client.get(f"/s/{slug}").status_code == 200
    assert 'id="sign-heading"' in client.get(f"/s/{slug}").text

    press(client, edit, f"/coordinate/{slug}/close")
    closed_page = client.get(f"/s/{slug}")
    assert closed_page.status_code == 200
    assert "This statement is closed" in closed_page.text
    assert FOUNDING_ORGANIZATIONS[0] in closed_page.text
    assert load(app, slug).closed_at is not None

    refused = client.post(f"/coordinate/{slug}/publish",
                          data={"csrf_token": csrf_token(client.get(edit).text)})
    assert "Only a draft can be published" in client.get(refused.headers["Location"]).text
    assert load(app, slug).status is StatementStatus.CLOSED

    press(client, edit, f"/coordinate/{slug}/reopen")
    reopened = load(app, slug)
    assert reopened.status is StatementStatus.PUBLISHED
    assert reopened.closed_at is None
    assert 'id="sign-heading"' in client.get(f"/s/{slug}").text


def test_workspace_links_each_statement_to_its_edit_page(app):
    slug = draft_example(app)
    client = signed_in_drafter(app, slug)

    page = client.get("/coordinate/").text

    assert f'href="/coordinate/{slug}/edit"' in page
    assert 'href="/coordinate/new"' in page


def test_workspace_without_statements_says_to_paste_one(app):
    page = signed_in_drafter(app).get("/coordinate/").text

    assert "You are not on the team of any statement yet." in page
    assert 'href="/coordinate/new"' in page


# --- Who may do it -------------------------------------------------------------------------


def _pages(slug: str, found: dict[str, int]) -> tuple[list[str], list[str]]:
    group, demand, addressee = found["group"], found["demand"], found["addressee"]
    gets = [f"/coordinate/{slug}/edit", f"/coordinate/{slug}/groups/{group}",
            f"/coordinate/{slug}/demands/{demand}", f"/coordinate/{slug}/addressees/new",
            f"/coordinate/{slug}/addressees/{addressee}",
            f"/coordinate/{slug}/groups/{group}/remove",
            f"/coordinate/{slug}/demands/{demand}/remove"]
    posts = [f"/coordinate/{slug}/{action}" for action in (
        "details", "publish", "close", "reopen", "sign-on-link", "sign-on-link/revoke",
        "groups", f"groups/{group}", f"groups/{group}/move", f"groups/{group}/remove",
        f"groups/{group}/demands", f"demands/{demand}", f"demands/{demand}/move",
        f"demands/{demand}/remove", "addressees/new", f"addressees/{addressee}",
        f"addressees/{addressee}/remove")]
    return gets, posts


@pytest.mark.parametrize("team", [str(2**31), str(2**63), str(-2**63 - 1), "-1"])
def test_a_team_no_database_holds_is_refused_at_its_field(app, team):
    client = signed_in_drafter(app)
    fields = form_fields(paste(client, EXAMPLE.read_text(encoding="utf-8")).text,
                         "/coordinate/new/save")

    refused = client.post("/coordinate/new/save", data={**fields, "team": team,
                                                          "slug": "crimea-2020-draft"})

    assert refused.status_code == 400
    assert "Choose one of your teams." in refused.text
    with app.app_context():
        assert db.session.scalar(select(Statement.id).where(
            Statement.slug == "crimea-2020-draft")) is None


def test_coordinator_of_another_team_gets_not_found_everywhere(app):
    slug = draft_example(app)
    found = ids(app, slug)
    signed_in_drafter(app, slug)
    outsider = signed_in_drafter(app, email="outsider@example.org")
    token = csrf_token(outsider.get("/coordinate/new").text)
    gets, posts = _pages(slug, found)

    for url in gets:
        assert outsider.get(url).status_code == 404, url
    for url in posts:
        response = outsider.post(url, data={"csrf_token": token, "direction": "up",
                                            "text": "x", "name": "x", "title": "x", "slug": "x"})
        assert response.status_code == 404, url
    statement = load(app, slug)
    assert statement.status is StatementStatus.DRAFT
    assert statement.title == TITLE
    assert statement.sign_on_token is None
    assert sum(map(len, demand_texts(statement))) == 12


def test_anonymous_visitor_is_sent_to_sign_in(app, client):
    slug = draft_example(app)
    gets, posts = _pages(slug, ids(app, slug))
    token = csrf_token(client.get("/coordinate/sign-in").text)

    for url in [*gets, "/coordinate/new"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/coordinate/sign-in?next="), url
    for url in [*posts, "/coordinate/new", "/coordinate/new/save"]:
        assert client.post(url, data={"csrf_token": token}).status_code == 302, url
    assert load(app, slug).status is StatementStatus.DRAFT


@pytest.mark.parametrize("action", ["publish", "sign-on-link", "details"])
def test_form_sent_without_csrf_token_changes_nothing(app, action):
    slug = draft_example(app)
    client = signed_in_drafter(app, slug)

    response = client.post(f"/coordinate/{slug}/{action}",
                           data={"title": "Changed", "slug": slug})

    assert response.status_code == 400
    statement = load(app, slug)
    assert statement.status is StatementStatus.DRAFT
    assert statement.sign_on_token is None
    assert statement.title == TITLE


def test_an_over_long_lead_text_is_refused_at_its_field(app):
    # markdown-it takes some 15 µs a character on "[a" repeated, and every coalition's
    # pages share the web workers: the lead text is held to MARKDOWN_LENGTH.
    slug = draft_example(app)
    client = signed_in_drafter(app, slug)
    fields = form_fields(client.get(f"/coordinate/{slug}/edit").text,
                         f"/coordinate/{slug}/details")
    before = load(app, slug).body_markdown
    fields.update(body_markdown="[a" * (MARKDOWN_LENGTH // 2 + 1))

    refused = client.post(f"/coordinate/{slug}/details", data=fields)

    assert refused.status_code == 400
    assert 'id="body_markdown-error"' in refused.text
    assert f"Use at most {MARKDOWN_LENGTH} characters." in refused.text
    assert load(app, slug).body_markdown == before


def test_an_over_long_demand_or_introduction_is_refused_at_its_field(app):
    slug = draft_example(app)
    client = signed_in_drafter(app, slug)
    first = ids(app, slug)
    long_text = "Release them. " * (DEMAND_TEXT_LENGTH // 14 + 1)

    demand = post_form(client, f"/coordinate/{slug}/demands/{first['demand']}",
                       f"/coordinate/{slug}/demands/{first['demand']}", {"text": long_text})
    intro = post_form(client, f"/coordinate/{slug}/groups/{first['group']}",
                      f"/coordinate/{slug}/groups/{first['group']}", {"intro": long_text})

    assert demand.status_code == 400 and 'id="text-error"' in demand.text
    assert intro.status_code == 400 and 'id="intro-error"' in intro.text
    assert long_text.strip() not in demand_texts(load(app, slug))[0]


def test_a_paste_whose_lead_text_is_over_long_is_refused_with_a_message(app):
    client = signed_in_drafter(app)
    lead = "We condemn the sentences. " * (MARKDOWN_LENGTH // 26 + 1)
    title, rest = EXAMPLE.read_text(encoding="utf-8").split("\n", 1)
    reading = paste(client, f"{title}\n{lead}\n{rest}")
    assert reading.status_code == 200
    fields = form_fields(reading.text, "/coordinate/new/save")
    assert len(fields["body_markdown"]) > MARKDOWN_LENGTH

    refused = client.post("/coordinate/new/save", data={**fields, "action": "save"})

    assert refused.status_code == 400
    assert 'id="body_markdown-error"' in refused.text
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Statement)) == 0


def test_a_slug_that_a_workspace_address_uses_is_refused_next_to_the_slug_field(app):
    # /coordinate/invitations/edit is the invitation page's address: a statement with
    # that slug could not have been edited.
    slug = draft_example(app)
    client = signed_in_drafter(app, slug)
    fields = form_fields(client.get(f"/coordinate/{slug}/edit").text,
                         f"/coordinate/{slug}/details")
    fields.update(slug="invitations")

    refused = client.post(f"/coordinate/{slug}/details", data=fields)

    assert refused.status_code == 400
    assert 'id="slug-error"' in refused.text
    assert ("“invitations” is a word the coordinators' pages use in their addresses: "
            "choose another slug.") in unescape(refused.text)
    assert load(app, slug).slug == slug
