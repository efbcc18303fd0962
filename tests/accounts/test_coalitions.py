"""Coalitions as teams: a team owns many statements and its members run them all; only
its owner changes who is on it; every coordinator sets their password and time zone;
a draft can be deleted; an organization can be listed by hand."""

from __future__ import annotations

from datetime import UTC, datetime
from html import unescape

import pytest
from flask import Flask
from sqlalchemy import select

from campaign.accounts.models import Coordinator, Team
from campaign.accounts.services import (
    AccountError,
    NotTeamOwner,
    begin_sign_in,
    cancel_invitation,
    change_password,
    create_team,
    finish_sign_in,
    give_statement_to_team,
    invitation_for_token,
    invite_to_team,
    is_on_team,
    remove_member,
    set_time_zone,
    team_statements,
)
from campaign.digests.models import DigestSent
from campaign.digests.services import send_due_digests
from campaign.drafting.services import add_founding_organization, delete_draft
from campaign.extensions import db
from campaign.outbox.models import OutboxMessage
from campaign.signing.models import (
    IndividualSignature,
    IndividualStatus,
    NameDisplay,
    OrganizationSignature,
)
from campaign.signing.tally import create_tally, read_counts
from campaign.statements.models import Statement, StatementError, StatementStatus
from tests.conftest import COORDINATOR_PASSWORD, create_coordinator_for, sign_in
from tests.support import csrf_token, hidden_fields, post_form


def coordinator(email: str) -> Coordinator:
    return db.session.scalars(select(Coordinator).where(Coordinator.email == email)).one()


def second_statement(team: Team, slug: str = "second", *, status=StatementStatus.DRAFT
                     ) -> Statement:
    statement = Statement(slug=slug, title="A second letter", status=status)
    db.session.add(statement)
    create_tally(statement)
    give_statement_to_team(statement, team)
    db.session.flush()
    return statement


@pytest.fixture
def coalition(app_context, statement_slug):
    """Mariia owns the team of the example statement, Oleksandra is on it, Petro is not."""
    return _coalition(statement_slug)


@pytest.fixture
def coalition_ids(app, statement_slug) -> dict[str, int]:
    """The same for browsers (whose requests must not share the test's app context)."""
    with app.app_context():
        team = _coalition(statement_slug)
        db.session.commit()
        return {"team": team.id, "owner": team.owner_id,
                "oleksandra": coordinator("oleksandra@example.org").id}


def _coalition(statement_slug: str) -> Team:
    create_coordinator_for("mariia@example.org", statement_slug, name="Mariia")
    create_coordinator_for("oleksandra@example.org", statement_slug, name="Oleksandra")
    create_coordinator_for("petro@example.org", name="Petro")
    statement = db.session.scalars(select(Statement).where(Statement.slug == statement_slug)).one()
    return db.session.get_one(Team, statement.team_id)


def test_a_member_sees_every_statement_of_the_team(coalition):
    second_statement(coalition)
    db.session.commit()

    slugs = [s.slug for s in team_statements(coordinator("oleksandra@example.org"))]

    assert sorted(slugs) == ["crimea-2020", "second"]
    assert team_statements(coordinator("petro@example.org")) == []
    assert coalition.owner.email == "mariia@example.org"


def test_only_the_owner_removes_members_and_the_removed_lose_every_statement(coalition):
    second = second_statement(coalition)
    oleksandra = coordinator("oleksandra@example.org")

    with pytest.raises(NotTeamOwner):
        remove_member(coalition, coordinator("mariia@example.org").id, oleksandra)
    with pytest.raises(AccountError, match="owner cannot be removed"):
        remove_member(coalition, coalition.owner_id, coalition.owner)
    remove_member(coalition, oleksandra.id, coalition.owner)
    db.session.commit()

    assert not is_on_team(oleksandra, second)
    assert team_statements(oleksandra) == []


def test_only_the_owner_invites_and_a_cancelled_invitation_stops_working(coalition):
    with pytest.raises(NotTeamOwner):
        invite_to_team(coalition, "new@example.org", coordinator("oleksandra@example.org"))
    invitation = invite_to_team(coalition, "new@example.org", coalition.owner)
    db.session.commit()
    message = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.to_address == "new@example.org")).one()
    token = message.context["token"]
    assert invitation_for_token(token).team_id == coalition.id

    with pytest.raises(NotTeamOwner):
        cancel_invitation(coalition, invitation.id, coordinator("oleksandra@example.org"))
    cancel_invitation(coalition, invitation.id, coalition.owner)
    db.session.commit()

    with pytest.raises(AccountError, match="cancelled"):
        invitation_for_token(token)
    with pytest.raises(AccountError, match="no longer open"):
        cancel_invitation(coalition, invitation.id, coalition.owner)


def test_removing_a_member_is_confirmed_on_a_page_of_its_own(app: Flask, coalition_ids):
    team_id = coalition_ids["team"]
    owner = app.test_client()
    sign_in(owner, "mariia@example.org")
    url = f"/coordinate/teams/{team_id}/members/{coalition_ids['oleksandra']}/remove"

    confirm = owner.get(url)
    assert confirm.status_code == 200
    assert "Remove Oleksandra from the team" in unescape(confirm.text)
    assert "oleksandra@example.org" in owner.get(f"/coordinate/teams/{team_id}").text

    done = owner.post(url, data={"csrf_token": csrf_token(confirm.text)})
    assert done.status_code == 302
    page = owner.get(done.headers["Location"])
    assert "Oleksandra is no longer on the team." in unescape(page.text)
    assert "oleksandra@example.org" not in page.text

    removed = app.test_client()
    sign_in(removed, "oleksandra@example.org")
    assert removed.get("/coordinate/crimea-2020/edit").status_code == 404
    assert removed.get(f"/coordinate/teams/{team_id}").status_code == 404


def test_removing_a_member_twice_says_so_instead_of_not_found(app: Flask, coalition_ids):
    team_id = coalition_ids["team"]
    owner = app.test_client()
    sign_in(owner, "mariia@example.org")
    url = f"/coordinate/teams/{team_id}/members/{coalition_ids['oleksandra']}/remove"
    confirmation = {"csrf_token": csrf_token(owner.get(url).text)}

    first = owner.post(url, data=confirmation)
    second = owner.post(url, data=confirmation)

    assert first.status_code == 302
    assert second.status_code == 302
    assert second.headers["Location"] == f"/coordinate/teams/{team_id}"
    assert "This person is not on the team (any more)." in unescape(
        owner.get(second.headers["Location"]).text)


def test_a_member_who_is_not_the_owner_cannot_remove_anyone(app: Flask, coalition_ids):
    member = app.test_client()
    sign_in(member, "oleksandra@example.org")
    url = f"/coordinate/teams/{coalition_ids['team']}/members/{coalition_ids['owner']}/remove"

    refused = member.post(url, data={"csrf_token": csrf_token(member.get(url).text)})

    assert refused.status_code == 302
    assert "Only the team" in unescape(member.get(refused.headers["Location"]).text)
    assert member.get(f"/coordinate/teams/{2**31}").status_code == 404
    with app.app_context():
        assert coordinator("mariia@example.org").memberships


def test_changing_the_password_needs_the_current_one(app_context):
    create_coordinator_for("mariia@example.org", name="Mariia")
    mariia = coordinator("mariia@example.org")

    with pytest.raises(AccountError, match="current password is not right"):
        change_password(mariia, "a wrong password", "a brand new passphrase")
    with pytest.raises(AccountError, match="at least"):
        change_password(mariia, COORDINATOR_PASSWORD, "short")
    change_password(mariia, COORDINATOR_PASSWORD, "a brand new passphrase")
    db.session.commit()

    assert mariia.password_hash.startswith("$argon2")
    finish_sign_in(begin_sign_in("mariia@example.org"), "a brand new passphrase")
    with pytest.raises(AccountError):
        finish_sign_in(begin_sign_in("mariia@example.org"), COORDINATOR_PASSWORD)


def test_the_password_page_keeps_this_session_signed_in(app: Flask, coalition_ids):
    browser = app.test_client()
    sign_in(browser, "mariia@example.org")
    other = app.test_client()
    sign_in(other, "mariia@example.org")

    wrong = post_form(browser, "/coordinate/password", "/coordinate/password", {
        "current_password": "not it", "password": "a brand new passphrase",
        "password_again": "a brand new passphrase"})
    assert wrong.status_code == 400
    assert "The current password is not right." in wrong.text
    changed = post_form(browser, "/coordinate/password", "/coordinate/password", {
        "current_password": COORDINATOR_PASSWORD, "password": "a brand new passphrase",
        "password_again": "a brand new passphrase"})

    assert changed.status_code == 302
    assert browser.get("/coordinate/").status_code == 200
    assert other.get("/coordinate/").status_code == 302  # the old password's session ended


def test_a_digest_comes_at_the_coordinators_local_hour(app_context, statement_slug):
    create_coordinator_for("mariia@example.org", statement_slug, name="Mariia")
    mariia = coordinator("mariia@example.org")
    set_time_zone(mariia, "Europe/Kyiv")  # UTC+2 in winter
    with pytest.raises(AccountError):
        set_time_zone(mariia, "Mars/Olympus_Mons")
    statement = db.session.scalars(select(Statement).where(Statement.slug == statement_slug)).one()
    # 23:30 UTC on 1 March is already 2 March in Kyiv: not "yesterday" at 07:00 on 3 March.
    for when in (datetime(2026, 3, 1, 12, 0, tzinfo=UTC), datetime(2026, 3, 1, 23, 30, tzinfo=UTC)):
        db.session.add(IndividualSignature(
            statement=statement, name="Someone", email=f"{when.hour}@example.org", country="UA",
            name_display=NameDisplay.FULL, status=IndividualStatus.CONFIRMED,
            created_at=when, confirmed_at=when))
    db.session.commit()

    assert send_due_digests(now=datetime(2026, 3, 2, 4, 55, tzinfo=UTC)) == 0  # 06:55 in Kyiv
    # 05:05 UTC, before 07:00 on a UTC clock: only Kyiv's clock makes it due.
    sent = send_due_digests(now=datetime(2026, 3, 2, 5, 5, tzinfo=UTC))  # 07:05 in Kyiv
    db.session.commit()

    assert sent == 1
    [note] = db.session.scalars(select(DigestSent)).all()
    assert note.day.isoformat() == "2026-03-01"
    message = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.template == "digest")).one()
    assert message.context["individuals"] == 1


def test_only_a_draft_is_deleted_with_what_it_holds(coalition):
    draft = second_statement(coalition)
    add_founding_organization(draft, "Kherson Lawyers Guild", "UA")
    published = db.session.scalars(select(Statement).where(Statement.slug == "crimea-2020")).one()
    db.session.commit()

    with pytest.raises(StatementError, match="Only a draft can be deleted"):
        delete_draft(published)
    delete_draft(draft)
    db.session.commit()

    assert db.session.scalars(select(Statement.slug)).all() == ["crimea-2020"]
    assert db.session.scalars(select(OrganizationSignature).where(
        OrganizationSignature.name == "Kherson Lawyers Guild")).all() == []


def test_deleting_a_draft_asks_first(app: Flask, coalition_ids):
    with app.app_context():
        second_statement(db.session.get_one(Team, coalition_ids["team"]))
        db.session.commit()
    browser = app.test_client()
    sign_in(browser, "oleksandra@example.org")

    confirm = browser.get("/coordinate/second/delete")
    assert confirm.status_code == 200
    assert "This cannot be undone." in confirm.text
    deleted = browser.post("/coordinate/second/delete", data=hidden_fields(confirm.text))

    assert deleted.status_code == 302
    assert "is deleted" in browser.get(deleted.headers["Location"]).text
    with app.app_context():
        assert db.session.scalar(select(Statement.id).where(Statement.slug == "second")) is None
    assert "Close it instead" in browser.get("/coordinate/crimea-2020/delete").text


def test_an_organization_is_added_by_hand_at_any_time(app: Flask, coalition_ids):
    with app.app_context():
        statement_id = db.session.scalar(select(Statement.id).where(
            Statement.slug == "crimea-2020"))
        before = read_counts(statement_id).organizations
    browser = app.test_client()
    sign_in(browser, "oleksandra@example.org")
    url = "/coordinate/crimea-2020/founding-organizations/new"

    added = post_form(browser, url, url, {"name": "  Kharkiv Lawyers Circle ",
                                          "country": "UA"})
    again = post_form(browser, url, url, {"name": "kharkiv lawyers circle", "country": ""})

    assert added.status_code == 302
    assert again.status_code == 400
    assert "is on the statement&#39;s list already" in again.text
    assert "Kharkiv Lawyers Circle" in app.test_client().get("/s/crimea-2020").text
    with app.app_context():
        assert read_counts(statement_id).organizations == before + 1
        with pytest.raises(StatementError):
            add_founding_organization(db.session.get_one(Statement, statement_id), "   ", None)


def test_a_new_team_is_created_from_the_workspace(app: Flask, coalition_ids):
    browser = app.test_client()
    sign_in(browser, "petro@example.org")

    created = post_form(browser, "/coordinate/", "/coordinate/teams", {"name": "Kyiv Coalition"})

    assert created.status_code == 302
    page = browser.get(created.headers["Location"])
    assert "Team “Kyiv Coalition”" in page.text
    with app.app_context():
        team = db.session.scalars(select(Team).where(Team.name == "Kyiv Coalition")).one()
        assert team.owner.email == "petro@example.org"
        with pytest.raises(AccountError, match="name"):
            create_team(coordinator("petro@example.org"), "   ")
