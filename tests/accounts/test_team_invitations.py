"""A team's page (reached from each of its statements), and inviting another coordinator
onto it by e-mail."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from campaign.accounts.models import Coordinator, TeamInvitation, TeamMembership
from campaign.database import utcnow
from campaign.extensions import db, limiter
from campaign.outbox.tasks import deliver_due_messages
from campaign.statements.models import Statement
from campaign.text import hash_token
from tests.conftest import COORDINATOR_PASSWORD, create_coordinator_for, sign_in
from tests.letters.letters_setup import HOMOGRAPH, HOMOGRAPH_ASCII, NOT_PLAIN_LATIN
from tests.support import (
    committed_meanwhile,
    csrf_token,
    page_text,
    path_of,
    post_form,
    read_mail_dir,
    text_of,
)

INVITED = "oleksandra@example.org"
TITLE = "Statement of human rights organizations"
_INVITATION_LINK = re.compile(r"https?://\S+/coordinate/invitations/[\w-]+")


def team_url(slug: str) -> str:
    return f"/coordinate/{slug}/team"


def team_page_url(app: Flask, slug: str) -> str:
    with app.app_context():
        team_id = db.session.scalar(select(Statement.team_id).where(Statement.slug == slug))
    return f"/coordinate/teams/{team_id}"


def invite(client: FlaskClient, slug: str, email: str = INVITED):
    action = f"{team_page_url(client.application, slug)}/invitations"
    return post_form(client, team_url(slug), action, {"email": email})


def delivered_mail(app: Flask, mail_dir: Path) -> list[EmailMessage]:
    with app.app_context():
        deliver_due_messages()
    return read_mail_dir(mail_dir)


def invitation_link(app: Flask, mail_dir: Path) -> str:
    [message] = [m for m in delivered_mail(app, mail_dir) if m["To"] == INVITED][-1:]
    match = _INVITATION_LINK.search(text_of(message))
    assert match, "the e-mail has no invitation link"
    return path_of(match[0])


def invited_link(app: Flask, client: FlaskClient, slug: str, mail_dir: Path) -> str:
    assert invite(client, slug).status_code == 302
    return invitation_link(app, mail_dir)


def membership_of(app: Flask, email: str) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(
            select(TeamMembership.team_id).join(Coordinator)
            .where(Coordinator.email == email)))


def the_invitation(app: Flask) -> TeamInvitation:
    with app.app_context():
        invitation = db.session.scalars(select(TeamInvitation)).one()
        db.session.expunge(invitation)
        return invitation


def test_team_page_lists_the_team_and_the_workspace_links_to_it(coordinator_client,
                                                                 statement_slug):
    workspace = coordinator_client.get("/coordinate/")
    page = coordinator_client.get(team_url(statement_slug))

    assert f'href="{team_url(statement_slug)}"' in workspace.text
    assert page.status_code == 200
    assert "Mariia Tomak" in page.text
    assert "coordinator@example.org" in page.text
    assert "No invitation is waiting for an answer." in page.text
    assert "Invite by e-mail" in page.text


def test_inviting_stores_only_a_hash_lists_the_invitation_and_mails_the_link(
    app, coordinator_client, statement_slug, mail_dir
):
    response = invite(coordinator_client, statement_slug, "Oleksandra@Example.org")

    assert response.status_code == 302
    page = coordinator_client.get(response.headers["Location"])
    assert f"We have sent an invitation to {INVITED}." in page.text
    assert re.search(rf"<td>{re.escape(INVITED)}</td>\s*<td>Mariia Tomak</td>", page.text)
    [message] = delivered_mail(app, mail_dir)
    assert message["To"] == INVITED
    assert message["Reply-To"] == "coordinator@example.org"
    assert "Mariia Tomak invites you to the team “Mariia Tomak” on Undersigned" in text_of(
        message)
    assert TITLE in text_of(message)
    token = invitation_link(app, mail_dir).rsplit("/", 1)[1]
    invitation = the_invitation(app)
    assert invitation.token_hash == hash_token(token)
    assert invitation.accepted_at is None
    assert timedelta(days=6, hours=23) < invitation.expires_at - utcnow() <= timedelta(days=7)
    with app.app_context():
        inviter = db.session.scalars(select(Coordinator)).one()
        assert invitation.invited_by_id == inviter.id


def test_invited_person_without_an_account_creates_one_and_joins_the_team(
    app, coordinator_client, statement_slug, mail_dir
):
    link = invited_link(app, coordinator_client, statement_slug, mail_dir)
    newcomer = app.test_client()

    form = newcomer.get(link)
    assert form.status_code == 200
    assert f"Create your coordinator account for {INVITED} to join." in form.text
    mismatched = post_form(newcomer, link, f"{link}/account", {
        "name": "Oleksandra Matviichuk", "password": COORDINATOR_PASSWORD,
        "password_again": "something else entirely"})
    assert mismatched.status_code == 400
    assert re.search(r'id="password_again-error"[^>]*>\s*<span[^>]*>Error:</span> '
                     r"The two passwords are not the same\.", mismatched.text)
    assert membership_of(app, INVITED) == []

    joined = post_form(newcomer, link, f"{link}/account", {
        "name": "Oleksandra Matviichuk", "password": COORDINATOR_PASSWORD,
        "password_again": COORDINATOR_PASSWORD})

    assert joined.status_code == 302
    assert joined.headers["Location"] == team_page_url(app, statement_slug)
    team = newcomer.get(team_url(statement_slug))
    assert "Your account is ready, and you are on the team “Mariia Tomak”." in team.text
    assert "Oleksandra Matviichuk" in team.text and "Mariia Tomak" in team.text
    assert TITLE in newcomer.get("/coordinate/").text
    assert len(membership_of(app, INVITED)) == 1
    assert the_invitation(app).accepted_at is not None


def test_an_account_made_for_the_address_meanwhile_is_explained_not_a_500(
    app, coordinator_client, statement_slug, mail_dir
):
    link = invited_link(app, coordinator_client, statement_slug, mail_dir)
    newcomer = app.test_client()
    # Another team's invitation to the same address, accepted in another tab at once.
    with committed_meanwhile(
            app, "INSERT INTO coordinator (email, name, password_hash, created_at, "
                 "failed_sign_ins, digest_hour) VALUES "
                 f"('{INVITED}', 'Other tab', 'x', '2026-01-01 00:00:00', 0, 7)",
            at=lambda statement: statement.startswith("INSERT INTO coordinator")) as made:
        answer = post_form(newcomer, link, f"{link}/account", {
            "name": "Oleksandra Matviichuk", "password": COORDINATOR_PASSWORD,
            "password_again": COORDINATOR_PASSWORD})

    assert made
    assert answer.status_code == 400
    assert "A coordinator with this e-mail address exists already." in answer.text
    assert membership_of(app, INVITED) == []
    assert the_invitation(app).accepted_at is None


def test_invited_coordinator_with_an_account_signs_in_then_joins(
    app, client, coordinator_client, statement_slug, mail_dir
):
    with app.app_context():
        create_coordinator_for(INVITED, name="Oleksandra Matviichuk")
    link = invited_link(app, coordinator_client, statement_slug, mail_dir)
    assert TITLE not in _workspace_after_sign_in(app, INVITED)

    to_sign_in = client.get(link)
    assert to_sign_in.status_code == 302
    sign_in_page = client.get(to_sign_in.headers["Location"])
    assert "Sign in to join the team “Mariia Tomak”." in sign_in_page.text
    signed_in = post_form(client, to_sign_in.headers["Location"], "/coordinate/sign-in", {
        "email": INVITED, "password": COORDINATOR_PASSWORD, "next": link})
    assert signed_in.headers["Location"] == link
    offer = client.get(link)
    assert "Join the team" in offer.text
    joined = client.post(f"{link}/accept", data={"csrf_token": csrf_token(offer.text)})

    assert joined.status_code == 302
    team = client.get(joined.headers["Location"])
    assert "You are on the team “Mariia Tomak” now." in team.text
    assert TITLE in client.get("/coordinate/").text
    assert len(membership_of(app, INVITED)) == 1
    assert the_invitation(app).accepted_at is not None


def _workspace_after_sign_in(app: Flask, email: str) -> str:
    browser = app.test_client()
    sign_in(browser, email)
    return browser.get("/coordinate/").text


def test_signed_in_as_another_address_the_invitation_cannot_be_accepted(
    app, coordinator_client, statement_slug, mail_dir
):
    with app.app_context():
        create_coordinator_for("someone.else@example.org")
    link = invited_link(app, coordinator_client, statement_slug, mail_dir)
    other = app.test_client()
    sign_in(other, "someone.else@example.org")

    page = other.get(link)
    refused = other.post(f"{link}/accept", data={"csrf_token": csrf_token(page.text)})

    assert "This invitation is for another e-mail address" in page.text
    assert refused.status_code == 400
    assert membership_of(app, "someone.else@example.org") == []
    assert the_invitation(app).accepted_at is None


def test_a_used_invitation_is_explained_and_adds_nobody(
    app, coordinator_client, statement_slug, mail_dir
):
    link = invited_link(app, coordinator_client, statement_slug, mail_dir)
    newcomer = app.test_client()
    post_form(newcomer, link, f"{link}/account", {
        "name": "Oleksandra", "password": COORDINATOR_PASSWORD,
        "password_again": COORDINATOR_PASSWORD})

    stranger = app.test_client()
    page = stranger.get(link)
    refused = stranger.post(f"{link}/account", data={
        "name": "Intruder", "password": COORDINATOR_PASSWORD,
        "password_again": COORDINATOR_PASSWORD,
        "csrf_token": csrf_token(stranger.get("/coordinate/sign-in").text)})

    assert page.status_code == 400
    assert "This invitation has been accepted already." in page.text
    assert refused.status_code == 400
    with app.app_context():
        assert db.session.scalars(select(Coordinator.name).order_by(Coordinator.id)).all() == [
            "Mariia Tomak", "Oleksandra"]


def test_an_expired_invitation_is_explained(app, coordinator_client, statement_slug, mail_dir):
    link = invited_link(app, coordinator_client, statement_slug, mail_dir)
    with app.app_context():
        invitation = db.session.scalars(select(TeamInvitation)).one()
        invitation.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()

    page = app.test_client().get(link)

    assert page.status_code == 400
    assert "This invitation has expired." in page.text
    assert "Invitations not yet accepted" in coordinator_client.get(team_url(statement_slug)).text
    assert INVITED not in coordinator_client.get(team_url(statement_slug)).text


def sent_a_while_ago(app: Flask) -> None:
    """As if the invitation was mailed before the resend interval."""
    with app.app_context():
        db.session.execute(update(TeamInvitation).values(
            sent_at=utcnow() - timedelta(minutes=app.config["INVITATION_RESEND_MINUTES"])))
        db.session.commit()


def test_inviting_again_at_once_sends_nothing_and_says_why(app, coordinator_client,
                                                           statement_slug, mail_dir):
    first = invited_link(app, coordinator_client, statement_slug, mail_dir)

    for _ in range(3):
        refused = invite(coordinator_client, statement_slug, INVITED.upper())
        assert refused.status_code == 400
        assert re.search(
            r'id="email-error"[^>]*>\s*<span[^>]*>Error:</span> An invitation was sent to '
            r"oleksandra@example\.org less than 5 minutes ago\. Give it time to arrive; you "
            r"can send it again after that\.", refused.text)

    assert len([m for m in delivered_mail(app, mail_dir) if m["To"] == INVITED]) == 1
    assert app.test_client().get(first).status_code == 200


def test_invitations_over_their_limit_answer_429_and_mail_nobody(
        app, coordinator_client, statement_slug, mail_dir, monkeypatch):
    monkeypatch.setitem(app.config, "INVITATION_RATE_LIMIT", "2 per minute")
    limiter.reset()
    for number in range(2):
        assert invite(coordinator_client, statement_slug,
                      f"member{number}@example.org").status_code == 302

    refused = invite(coordinator_client, statement_slug, "member2@example.org")

    assert refused.status_code == 429
    assert "Please wait a little" in refused.text
    assert sorted(m["To"] for m in delivered_mail(app, mail_dir)) == [
        "member0@example.org", "member1@example.org"]


def test_cancelling_and_inviting_again_at_once_sends_nothing_more(
        app, coordinator_client, statement_slug, mail_dir):
    first = invited_link(app, coordinator_client, statement_slug, mail_dir)
    team_page = team_page_url(app, statement_slug)
    invitation_id = the_invitation(app).id
    cancelled = coordinator_client.post(
        f"{team_page}/invitations/{invitation_id}/cancel",
        data={"csrf_token": csrf_token(coordinator_client.get(team_page).text)})
    assert cancelled.status_code == 302

    refused = invite(coordinator_client, statement_slug)

    assert refused.status_code == 400
    assert "less than 5 minutes ago" in refused.text
    assert len([m for m in delivered_mail(app, mail_dir) if m["To"] == INVITED]) == 1
    assert "it was cancelled" in app.test_client().get(first).text
    assert INVITED not in coordinator_client.get(team_page).text
    # Later, it is sent as a new one.
    sent_a_while_ago(app)
    again = invited_link(app, coordinator_client, statement_slug, mail_dir)
    assert app.test_client().get(again).status_code == 200
    assert INVITED in coordinator_client.get(team_page).text


def test_the_hourly_sweep_deletes_invitations_cancelled_or_expired_once_resendable(
        app, coordinator_client, statement_slug, mail_dir):
    from campaign.privacy.tasks import delete_expired_unconfirmed

    invited_link(app, coordinator_client, statement_slug, mail_dir)
    team_page = team_page_url(app, statement_slug)
    coordinator_client.post(
        f"{team_page}/invitations/{the_invitation(app).id}/cancel",
        data={"csrf_token": csrf_token(coordinator_client.get(team_page).text)})
    invite(coordinator_client, statement_slug, "open@example.org")
    with app.app_context():
        delete_expired_unconfirmed()
        # Within the resend interval it stays, so that inviting again waits it out.
        assert len(db.session.scalars(select(TeamInvitation)).all()) == 2

    sent_a_while_ago(app)
    with app.app_context():
        delete_expired_unconfirmed()
        assert db.session.scalars(select(TeamInvitation.email)).all() == ["open@example.org"]


def test_inviting_again_as_the_sweep_deletes_the_expired_one_sends_a_new_one(
        app, coordinator_client, statement_slug, mail_dir):
    invited_link(app, coordinator_client, statement_slug, mail_dir)
    sent_a_while_ago(app)
    with committed_meanwhile(
            app, "DELETE FROM team_invitation",
            at=lambda statement: statement.startswith("UPDATE team_invitation")) as swept:
        answer = invite(coordinator_client, statement_slug)

    assert swept
    assert answer.status_code == 302
    assert app.test_client().get(invitation_link(app, mail_dir)).status_code == 200


def test_an_address_has_one_open_invitation_to_a_team_in_the_database(
        app, coordinator_client, statement_slug, mail_dir):
    invited_link(app, coordinator_client, statement_slug, mail_dir)
    with app.app_context():
        invitation = db.session.scalars(select(TeamInvitation)).one()
        db.session.add(TeamInvitation(team_id=invitation.team_id, email=INVITED,
                                      token_hash="0" * 64, expires_at=invitation.expires_at))
        with pytest.raises(IntegrityError):
            db.session.flush()


def test_inviting_again_replaces_the_earlier_link(app, coordinator_client, statement_slug,
                                                  mail_dir):
    first = invited_link(app, coordinator_client, statement_slug, mail_dir)
    sent_a_while_ago(app)
    second = invited_link(app, coordinator_client, statement_slug, mail_dir)

    assert first != second
    assert "a newer invitation replaced it" in app.test_client().get(first).text
    assert app.test_client().get(second).status_code == 200
    with app.app_context():
        assert len(db.session.scalars(select(TeamInvitation)).all()) == 1


def test_inviting_a_member_says_so_and_sends_nothing(app, coordinator_client, statement_slug,
                                                     mail_dir):
    refused = invite(coordinator_client, statement_slug, "Coordinator@example.org")

    assert refused.status_code == 400
    assert re.search(r'id="email-error"[^>]*>\s*<span[^>]*>Error:</span> '
                     r"coordinator@example\.org is on the team already\.", refused.text)
    assert delivered_mail(app, mail_dir) == []
    with app.app_context():
        assert db.session.scalars(select(TeamInvitation)).all() == []


def test_an_invited_address_with_a_non_latin_domain_is_listed_in_its_ascii_form_too(
        coordinator_client, statement_slug):
    invited = invite(coordinator_client, statement_slug, HOMOGRAPH)

    page = page_text(coordinator_client.get(invited.headers["Location"]).text)
    assert f"{HOMOGRAPH} (sent as {HOMOGRAPH_ASCII}: {NOT_PLAIN_LATIN})" in page
    # The members' own addresses are plain ASCII: no note.
    assert page.count(NOT_PLAIN_LATIN) == 1


def test_an_invalid_address_is_explained_next_to_its_field(coordinator_client, statement_slug):
    refused = invite(coordinator_client, statement_slug, "not an address")

    assert refused.status_code == 400
    assert 'aria-describedby="email-hint email-error"' in refused.text
    assert "Enter a valid e-mail address" in refused.text


def test_coordinator_not_on_the_team_gets_404_and_cannot_invite(app, statement_slug, mail_dir):
    with app.app_context():
        create_coordinator_for("outsider@example.org")
        create_coordinator_for("member@example.org", statement_slug)
    outsider = app.test_client()
    sign_in(outsider, "outsider@example.org")
    token = csrf_token(outsider.get("/coordinate/").text)

    page = outsider.get(team_url(statement_slug))
    refused = outsider.post(f"{team_page_url(app, statement_slug)}/invitations",
                            data={"email": INVITED, "csrf_token": token})

    assert page.status_code == 404
    assert "member@example.org" not in page.text
    assert refused.status_code == 404
    assert delivered_mail(app, mail_dir) == []
    with app.app_context():
        assert db.session.scalars(select(TeamInvitation)).all() == []


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitor_is_sent_to_sign_in(app, client, statement_slug, method):
    # Nobody coordinates the statement yet, so it has no team: any team's address will do.
    url = team_url(statement_slug) if method == "get" else "/coordinate/teams/1/invitations"

    response = getattr(client, method)(url, data={
        "email": INVITED, "csrf_token": csrf_token(client.get("/coordinate/sign-in").text)})

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/coordinate/sign-in?next=")
    with app.app_context():
        assert db.session.scalars(select(TeamInvitation)).all() == []


def test_invitation_sent_without_its_security_token_is_refused(app, coordinator_client,
                                                               statement_slug, mail_dir):
    refused = coordinator_client.post(f"{team_page_url(app, statement_slug)}/invitations",
                                      data={"email": INVITED})

    assert refused.status_code == 400
    assert delivered_mail(app, mail_dir) == []
