"""Two coordinators at the same draft: what one commits while the other's page is open,
or while the other's request runs. Never a 500, and nothing irreversible done that the
page did not show."""

from __future__ import annotations

from html import unescape

from flask import Flask
from sqlalchemy import func, select

from campaign.drafting.services import add_founding_organization
from campaign.extensions import db
from campaign.signing.models import OrganizationSignature
from campaign.statements.models import Demand, DemandGroup, Statement
from campaign.statements.services import get_statement
from tests.drafting.test_drafting_pages import (
    demand_texts,
    draft_example,
    ids,
    load,
    signed_in_drafter,
)
from tests.example_statement import FOUNDING_ORGANIZATIONS
from tests.support import committed_meanwhile, hidden_fields


def _organizations(app: Flask, slug: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(OrganizationSignature).join(Statement)
            .where(Statement.slug == slug))


def test_an_organization_that_joined_after_the_delete_page_opened_is_not_deleted_unseen(app):
    """The page counted the organizations deleted with the draft; one co-signed through
    the private link meanwhile. Pressing the button deleted it too, unseen."""
    slug = draft_example(app)
    client = signed_in_drafter(app, slug)
    url = f"/coordinate/{slug}/delete"
    page = client.get(url).text
    shown = len(FOUNDING_ORGANIZATIONS)
    assert f"{shown} organizations are on its list" in unescape(page)
    with app.app_context():
        add_founding_organization(get_statement(slug), "Kherson Lawyers Guild", "UA")
        db.session.commit()

    pressed = client.post(url, data=hidden_fields(page))

    assert _organizations(app, slug) == shown + 1
    assert pressed.status_code == 409, pressed.status_code
    told = unescape(pressed.text)
    assert ("The organizations on this draft's list changed since you opened this page, so "
            "nothing was deleted. Read the page again, then confirm.") in told
    assert f"{shown + 1} organizations are on its list" in told
    deleted = client.post(url, data=hidden_fields(pressed.text))
    assert deleted.status_code == 302
    assert _organizations(app, slug) == 0


def test_a_demand_added_after_the_group_removal_page_opened_is_not_removed_unseen(app):
    """The page said how many demands go with the group; a colleague added one
    meanwhile, and pressing the button removed it too, unseen."""
    slug = draft_example(app)
    client = signed_in_drafter(app, slug)
    group_id = ids(app, slug)["group"]
    url = f"/coordinate/{slug}/groups/{group_id}/remove"
    before = demand_texts(load(app, slug))
    page = client.get(url).text
    with app.app_context():
        group = db.session.get_one(DemandGroup, group_id)
        group.demands.append(Demand(position=len(group.demands), text="Release them."))
        db.session.commit()

    pressed = client.post(url, data=hidden_fields(page))

    assert demand_texts(load(app, slug))[0] == [*before[0], "Release them."]
    assert pressed.status_code == 409, pressed.status_code
    told = unescape(pressed.text)
    assert ("The demands of this group changed since you opened this page, so nothing was "
            "removed. Read the page again, then confirm.") in told
    assert f"its {len(before[0]) + 1} demands are removed with it" in told
    removed = client.post(url, data=hidden_fields(pressed.text))
    assert removed.status_code == 302
    assert demand_texts(load(app, slug)) == before[1:]


def test_a_group_removal_pressed_twice_tells_the_second_press_it_is_done(app):
    slug = draft_example(app)
    client = signed_in_drafter(app, slug)
    url = f"/coordinate/{slug}/groups/{ids(app, slug)['group']}/remove"
    form = hidden_fields(client.get(url).text)

    first = client.post(url, data=form)
    second = client.post(url, data=form)

    assert first.status_code == 302
    assert second.status_code == 302, second.status_code
    told = unescape(client.get(second.headers["Location"]).text)
    assert "This group of demands was already removed." in told
    assert client.get(url).status_code == 404


def test_moving_a_demand_as_a_colleague_removes_the_next_one_says_so(app):
    """The move swaps two demands' positions, one UPDATE at a time; a colleague's removal
    of the other one, committed in between, made the swap's UPDATE find no row: a 500."""
    slug = draft_example(app)
    client = signed_in_drafter(app, slug)
    with app.app_context():
        group = db.session.get_one(DemandGroup, ids(app, slug)["group"])
        first, second = group.demands[0].id, group.demands[1].id
    page = client.get(f"/coordinate/{slug}/groups/{group.id}").text

    with committed_meanwhile(app, f"DELETE FROM demand WHERE id = {second}",
                             at=lambda sql: sql.startswith("UPDATE demand")) as ran:
        moved = client.post(f"/coordinate/{slug}/demands/{first}/move",
                            data={"csrf_token": hidden_fields(page)["csrf_token"],
                                  "direction": "down"})

    assert ran
    assert moved.status_code == 302, moved.status_code
    told = unescape(client.get(moved.headers["Location"]).text)
    assert ("A colleague changed this group of demands meanwhile, so nothing was moved. "
            "Look at it again, then move it.") in told


def test_saving_a_demand_a_colleague_removed_meanwhile_says_so(app):
    """The demand was read, then a colleague's removal committed, then its UPDATE found
    no row: a 500. The same holds for any form saved over a row removed meanwhile."""
    slug = draft_example(app)
    client = signed_in_drafter(app, slug)
    demand_id = ids(app, slug)["demand"]
    url = f"/coordinate/{slug}/demands/{demand_id}"
    page = client.get(url).text

    with committed_meanwhile(app, f"DELETE FROM demand WHERE id = {demand_id}",
                             at=lambda sql: sql.startswith("UPDATE demand")) as ran:
        saved = client.post(url, data={"csrf_token": hidden_fields(page)["csrf_token"],
                                       "text": "Free them all."})

    assert ran
    assert saved.status_code == 409, saved.status_code
    told = unescape(saved.text)
    assert "<h1>Changed meanwhile</h1>" in told
    assert ("A colleague changed or removed what you were saving, so nothing was saved. "
            "Go back, reload the page and try again.") in told


def test_saving_a_translation_a_colleague_removed_meanwhile_says_so(app):
    """The translation was found, then a colleague's removal committed, then its parts
    were written to a translation no longer there: the database refused, with a 500."""
    from campaign.statements.translating import add_translation

    slug = draft_example(app)
    client = signed_in_drafter(app, slug)
    with app.app_context():
        translation_id = add_translation(get_statement(slug), "uk").id
        db.session.commit()
    url = f"/coordinate/{slug}/translations/uk"
    page = client.get(url).text

    with committed_meanwhile(
            app, f"DELETE FROM statement_translation WHERE id = {translation_id}",
            at=lambda sql: sql.startswith("SELECT translated_part")) as ran:
        saved = client.post(url, data={"csrf_token": hidden_fields(page)["csrf_token"],
                                       "part-title": "Заява"})

    assert ran
    assert saved.status_code == 302, saved.status_code
    assert saved.headers["Location"].endswith(f"/coordinate/{slug}/translations")
    told = unescape(client.get(saved.headers["Location"]).text)
    assert ("The translation into Ukrainian was removed meanwhile, so nothing was saved."
            in told)


def test_removing_a_demand_asks_first_and_removes_only_the_text_it_showed(app):
    """One click on "Remove" took a demand and its translations for good, though the
    group's removal, which loses no more, asks first."""
    slug = draft_example(app)
    client = signed_in_drafter(app, slug)
    found = ids(app, slug)
    url = f"/coordinate/{slug}/demands/{found['demand']}/remove"
    before = demand_texts(load(app, slug))
    group_page = client.get(f"/coordinate/{slug}/groups/{found['group']}").text
    assert f'href="{url}"' in group_page

    pressed_at_once = client.post(url, data={"csrf_token": hidden_fields(group_page)[
        "csrf_token"]})
    asked = client.get(url)

    # Without what the confirmation carries, the press is answered with it.
    assert pressed_at_once.status_code == 409
    assert "<h1>Remove demand 1 of group 1?</h1>" in unescape(pressed_at_once.text)
    assert demand_texts(load(app, slug)) == before
    assert asked.status_code == 200
    assert "<h1>Remove demand 1 of group 1?</h1>" in unescape(asked.text)
    assert before[0][0] in unescape(asked.text)
    with app.app_context():  # a colleague rewrites it meanwhile
        db.session.get_one(Demand, found["demand"]).text = "Free them all."
        db.session.commit()
    changed = client.post(url, data=hidden_fields(asked.text))
    assert changed.status_code == 409, changed.status_code
    assert ("This demand changed since you opened this page, so nothing was removed. Read "
            "the page again, then confirm.") in unescape(changed.text)
    assert "Free them all." in unescape(changed.text)
    removed = client.post(url, data=hidden_fields(changed.text))
    again = client.post(url, data=hidden_fields(changed.text))

    assert removed.status_code == 302
    assert demand_texts(load(app, slug))[0] == before[0][1:]
    assert again.status_code == 302
    assert "This demand was already removed." in unescape(
        client.get(again.headers["Location"]).text)


def test_adding_a_demand_to_a_group_a_colleague_removed_meanwhile_says_so(app):
    """The group was found, then a colleague's removal committed, then the demand was
    written into a group no longer there: the database refused, with a 500."""
    slug = draft_example(app)
    client = signed_in_drafter(app, slug)
    group_id = ids(app, slug)["group"]
    url = f"/coordinate/{slug}/groups/{group_id}"
    page = client.get(url).text

    with committed_meanwhile(app, f"DELETE FROM demand_group WHERE id = {group_id}",
                             at=lambda sql: sql.startswith("SELECT demand.")) as ran:
        added = client.post(f"{url}/demands", data={
            "csrf_token": hidden_fields(page)["csrf_token"], "new-demand-text": "Release them."})

    assert ran
    assert added.status_code == 302, added.status_code
    assert added.headers["Location"].endswith(f"/coordinate/{slug}/edit#groups")
    told = unescape(client.get(added.headers["Location"]).text)
    assert ("This group of demands was removed meanwhile, so the demand was not added."
            in told)


def test_a_translation_removal_pressed_twice_tells_the_second_press_it_is_done(app):
    from campaign.statements.translating import add_translation

    slug = draft_example(app)
    client = signed_in_drafter(app, slug)
    with app.app_context():
        add_translation(get_statement(slug), "uk")
        db.session.commit()
    url = f"/coordinate/{slug}/translations/uk/remove"
    form = hidden_fields(client.get(url).text)

    first = client.post(url, data=form)
    second = client.post(url, data=form)

    assert first.status_code == 302
    assert second.status_code == 302, second.status_code
    assert second.headers["Location"].endswith(f"/coordinate/{slug}/translations")
    told = unescape(client.get(second.headers["Location"]).text)
    assert "The translation into Ukrainian was already removed." in told
    assert client.get(url).status_code == 404
