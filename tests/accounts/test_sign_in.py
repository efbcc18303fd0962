"""Signing in to the workspace, and who may see which statement."""

from __future__ import annotations

from campaign.accounts.models import Coordinator
from campaign.extensions import db
from tests.conftest import COORDINATOR_PASSWORD, create_coordinator_for, import_example
from tests.support import post_form


def test_coordinator_signs_in_and_sees_the_statements_of_their_team(coordinator_client):
    page = coordinator_client.get("/coordinate/")

    assert page.status_code == 200
    assert "Your statements" in page.text
    assert "Statement of human rights organizations" in page.text


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get("/coordinate/")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/coordinate/sign-in?next=")


def test_wrong_password_is_refused_and_repeated_failures_slow_down_sign_in(app, client):
    with app.app_context():
        create_coordinator_for("someone@example.org")

    for _ in range(5):
        refused = post_form(client, "/coordinate/sign-in", "/coordinate/sign-in",
                            {"email": "someone@example.org", "password": "wrong password"})
        assert refused.status_code == 400
        assert "The e-mail address or the password is not right." in refused.text
    blocked = post_form(client, "/coordinate/sign-in", "/coordinate/sign-in",
                        {"email": "someone@example.org", "password": COORDINATOR_PASSWORD})

    assert blocked.status_code == 400
    assert "too many wrong passwords were tried" in blocked.text
    with app.app_context():
        coordinator = db.session.query(Coordinator).one()
        assert coordinator.failed_sign_ins == 5
        assert coordinator.sign_in_blocked_until is not None


def test_sign_in_returns_to_the_page_asked_for_but_never_to_another_site(app, client):
    with app.app_context():
        create_coordinator_for("someone@example.org")

    response = post_form(client, "/coordinate/sign-in?next=//evil.example/x",
                         "/coordinate/sign-in", {"email": "someone@example.org",
                                                 "password": COORDINATOR_PASSWORD,
                                                 "next": "//evil.example/x"})

    assert response.headers["Location"] == "/coordinate/"


def test_create_coordinator_command_puts_the_account_on_a_team(app):
    with app.app_context():
        import_example()
    result = app.test_cli_runner().invoke(args=[
        "create-coordinator", "Lead@Example.org", "--name", "Lead", "--password",
        COORDINATOR_PASSWORD, "--statement", "crimea-2020"])

    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.query(Coordinator.email).scalar() == "lead@example.org"
    client = app.test_client()
    post_form(client, "/coordinate/sign-in", "/coordinate/sign-in",
              {"email": "lead@example.org", "password": COORDINATOR_PASSWORD})
    assert "Statement of human rights organizations" in client.get("/coordinate/").text


def test_a_new_password_ends_the_sessions_opened_with_the_old_one(app, coordinator_client):
    from campaign.accounts.services import find_coordinator, set_password

    assert coordinator_client.get("/coordinate/").status_code == 200
    with app.app_context():
        set_password(find_coordinator("coordinator@example.org"), "a brand new passphrase")
        db.session.commit()

    response = coordinator_client.get("/coordinate/")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/coordinate/sign-in")
