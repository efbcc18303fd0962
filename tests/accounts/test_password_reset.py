"""Resetting a forgotten password by a single-use link sent by e-mail."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from campaign.accounts.models import Coordinator
from campaign.database import utcnow
from campaign.extensions import db, limiter
from campaign.outbox import requests as requests_module
from campaign.outbox.models import MailRequest, OutboxMessage
from campaign.outbox.requests import answer_mail_requests
from campaign.outbox.tasks import deliver_due_messages
from campaign.text import hash_token
from tests.conftest import COORDINATOR_PASSWORD, create_coordinator_for
from tests.support import (
    csrf_token,
    path_of,
    post_form,
    read_mail_dir,
    sql_statements,
    text_of,
)

ADDRESS = "mariia@example.org"
NEW_PASSWORD = "a much longer new passphrase"
_RESET_LINK = re.compile(r"https?://\S+/coordinate/reset-password/[\w-]+")
SAME_ANSWER = "If an account has this address, we have sent a link"


def ask_for_reset(client: FlaskClient, email: str):
    return post_form(client, "/coordinate/forgot-password", "/coordinate/forgot-password",
                     {"email": email})


def delivered_mail(app: Flask, mail_dir: Path) -> list[EmailMessage]:
    with app.app_context():
        deliver_due_messages()
    return read_mail_dir(mail_dir)


def reset_link_in(message: EmailMessage) -> str:
    match = _RESET_LINK.search(text_of(message))
    assert match, "the e-mail has no reset link"
    return path_of(match[0])


def set_new_password(client: FlaskClient, link: str, password: str = NEW_PASSWORD,
                     again: str | None = None):
    return post_form(client, link, link, {"password": password,
                                          "password_again": password if again is None else again})


def sign_in_with(client: FlaskClient, password: str):
    return post_form(client, "/coordinate/sign-in", "/coordinate/sign-in",
                     {"email": ADDRESS, "password": password})


def coordinator(app: Flask) -> Coordinator:
    with app.app_context():
        found = db.session.scalars(select(Coordinator).where(Coordinator.email == ADDRESS)).one()
        db.session.expunge(found)
        return found


def test_sign_in_page_links_to_the_password_reset_form(client):
    page = client.get("/coordinate/sign-in")

    assert 'href="/coordinate/forgot-password"' in page.text
    assert "Forgot your password?" in page.text


def test_forgotten_password_is_reset_by_the_emailed_link_which_signs_in(app, client, mail_dir):
    with app.app_context():
        create_coordinator_for(ADDRESS, name="Mariia Tomak")

    answer = ask_for_reset(client, "Mariia@Example.org")
    assert answer.status_code == 302
    page = client.get(answer.headers["Location"])
    assert SAME_ANSWER in page.text

    [message] = delivered_mail(app, mail_dir)
    assert message["To"] == ADDRESS
    assert "Hello Mariia Tomak" in text_of(message)
    link = reset_link_in(message)
    token = link.rsplit("/", 1)[1]
    stored = coordinator(app)
    assert stored.password_reset_token_hash == hash_token(token)
    assert token not in (stored.password_reset_token_hash or "")
    assert stored.password_reset_expires_at is not None
    assert timedelta(minutes=55) < stored.password_reset_expires_at - utcnow() <= timedelta(hours=1)

    form = client.get(link)
    assert form.status_code == 200
    assert "Choose a new password" in form.text
    done = set_new_password(client, link)

    assert done.status_code == 302
    workspace = client.get(done.headers["Location"])
    assert "Your new password is set, and you are signed in." in workspace.text
    assert "Your statements" in workspace.text
    assert coordinator(app).password_reset_token_hash is None
    client.post("/coordinate/sign-out", data={"csrf_token": csrf_token(workspace.text)})
    assert sign_in_with(client, COORDINATOR_PASSWORD).status_code == 400
    assert sign_in_with(client, NEW_PASSWORD).status_code == 302


def test_unknown_address_gets_the_same_answer_and_no_email(app, client, mail_dir):
    with app.app_context():
        create_coordinator_for(ADDRESS)

    unknown = ask_for_reset(client, "nobody@example.org")
    known = ask_for_reset(client, ADDRESS)

    assert unknown.status_code == known.status_code == 302
    assert unknown.headers["Location"] == known.headers["Location"]
    [message] = delivered_mail(app, mail_dir)
    assert message["To"] == ADDRESS


def test_a_used_reset_link_is_explained_and_changes_nothing(app, client, mail_dir):
    with app.app_context():
        create_coordinator_for(ADDRESS)
    ask_for_reset(client, ADDRESS)
    link = reset_link_in(delivered_mail(app, mail_dir)[0])
    set_new_password(client, link)
    password_hash = coordinator(app).password_hash

    other = app.test_client()  # someone else who found the old e-mail
    page = other.get(link)
    refused = other.post(link, data={
        "password": "yet another password 123", "password_again": "yet another password 123",
        "csrf_token": csrf_token(other.get("/coordinate/sign-in").text)})

    assert page.status_code == 400
    assert "has been used already" in page.text
    assert refused.status_code == 400
    assert coordinator(app).password_hash == password_hash
    assert other.get("/coordinate/").status_code == 302


@pytest.mark.parametrize("then", ["changes the password", "signs out"])
def test_a_reset_link_stops_working_when_its_coordinator_then(app, client, mail_dir, then):
    """Someone who read the reset e-mail (a mailbox reached for a moment) must not keep a
    way in after the coordinator, signed in, changed the password or signed out."""
    with app.app_context():
        create_coordinator_for(ADDRESS)
    ask_for_reset(client, ADDRESS)
    link = reset_link_in(delivered_mail(app, mail_dir)[0])
    assert sign_in_with(client, COORDINATOR_PASSWORD).status_code == 302
    if then == "changes the password":
        changed = post_form(client, "/coordinate/password", "/coordinate/password", {
            "current_password": COORDINATOR_PASSWORD, "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD})
        assert changed.status_code == 302
    else:
        workspace = client.get("/coordinate/")
        client.post("/coordinate/sign-out", data={"csrf_token": csrf_token(workspace.text)})
    password_hash = coordinator(app).password_hash

    intruder = app.test_client()
    page = intruder.get(link)
    refused = intruder.post(link, data={
        "password": "the intruder's own passphrase",
        "password_again": "the intruder's own passphrase",
        "csrf_token": csrf_token(intruder.get("/coordinate/sign-in").text)})

    assert page.status_code == 400
    assert refused.status_code == 400
    assert coordinator(app).password_hash == password_hash
    assert intruder.get("/coordinate/").status_code == 302


def test_an_expired_reset_link_is_explained_and_changes_nothing(app, client, mail_dir):
    with app.app_context():
        create_coordinator_for(ADDRESS)
    ask_for_reset(client, ADDRESS)
    link = reset_link_in(delivered_mail(app, mail_dir)[0])
    with app.app_context():
        account = db.session.scalars(select(Coordinator)).one()
        account.password_reset_expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()

    page = client.get(link)

    assert page.status_code == 400
    assert "This link to reset your password has expired. Ask for a new one." in page.text
    assert sign_in_with(client, COORDINATOR_PASSWORD).status_code == 302


def test_short_or_mismatched_new_password_is_explained_next_to_its_field(app, client, mail_dir):
    with app.app_context():
        create_coordinator_for(ADDRESS)
    ask_for_reset(client, ADDRESS)
    link = reset_link_in(delivered_mail(app, mail_dir)[0])

    short = set_new_password(client, link, "short")
    mismatched = set_new_password(client, link, NEW_PASSWORD, again=NEW_PASSWORD + "!")

    assert short.status_code == 400
    assert re.search(r'id="password-error"[^>]*>\s*<span[^>]*>Error:</span> '
                     r"Use a password of at least 10 characters\.", short.text)
    assert mismatched.status_code == 400
    assert re.search(r'id="password_again-error"[^>]*>\s*<span[^>]*>Error:</span> '
                     r"The two passwords are not the same\.", mismatched.text)
    assert 'aria-describedby="password_again-error"' in mismatched.text
    # Nothing changed, and the link still works.
    assert coordinator(app).password_reset_token_hash is not None
    assert sign_in_with(client, COORDINATOR_PASSWORD).status_code == 302


def test_resetting_lifts_the_slowdown_after_wrong_passwords(app, client, mail_dir):
    with app.app_context():
        create_coordinator_for(ADDRESS)
    for _ in range(6):
        sign_in_with(client, "wrong password")
    assert coordinator(app).sign_in_blocked_until is not None
    ask_for_reset(client, ADDRESS)

    set_new_password(client, reset_link_in(delivered_mail(app, mail_dir)[0]))

    account = coordinator(app)
    assert account.failed_sign_ins == 0
    assert account.sign_in_blocked_until is None


def test_reset_emails_to_one_account_are_limited_and_the_first_link_keeps_working(
    app, client, mail_dir
):
    with app.app_context():
        create_coordinator_for(ADDRESS)

    for _ in range(3):
        assert ask_for_reset(client, ADDRESS).status_code == 302
    [first] = delivered_mail(app, mail_dir)
    # Once the resend interval has passed, another link may be sent.
    with app.app_context():
        account = db.session.scalars(select(Coordinator)).one()
        account.password_reset_expires_at -= timedelta(minutes=6)
        db.session.commit()
    ask_for_reset(client, ADDRESS)
    messages = delivered_mail(app, mail_dir)

    assert len(messages) == 2
    assert client.get(reset_link_in(first)).status_code == 400  # replaced by the newer link
    assert client.get(reset_link_in(messages[-1])).status_code == 200


def test_reset_request_without_its_security_token_is_refused(app, client, mail_dir):
    with app.app_context():
        create_coordinator_for(ADDRESS)

    refused = client.post("/coordinate/forgot-password", data={"email": ADDRESS})

    assert refused.status_code == 400
    assert delivered_mail(app, mail_dir) == []


def test_simultaneous_reset_requests_mail_one_link(app, monkeypatch):
    with app.app_context():
        create_coordinator_for(ADDRESS)
    requests = 32
    clients = [app.test_client() for _ in range(requests)]
    tokens = [csrf_token(each.get("/coordinate/forgot-password").text) for each in clients]
    start = threading.Barrier(requests)

    def ask(index: int) -> int:
        start.wait()
        return clients[index].post("/coordinate/forgot-password", data={
            "email": ADDRESS, "csrf_token": tokens[index]}).status_code

    with ThreadPoolExecutor(max_workers=requests) as pool:
        statuses = list(pool.map(ask, range(requests)))

    assert statuses == [302] * requests
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MailRequest)) == requests

    # Workers answering them at once, a request at a time each.
    monkeypatch.setattr(requests_module, "ANSWERED_PER_BATCH", 1)

    def answer(_: int) -> None:
        with app.app_context():
            while answer_mail_requests():
                db.session.commit()

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(answer, range(4)))

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MailRequest)) == 0
        [message] = db.session.scalars(select(OutboxMessage)).all()
        token = message.context["token"]
        assert db.session.scalars(select(Coordinator)).one().password_reset_token_hash == (
            hash_token(token))


@pytest.mark.parametrize("form", ["forgot", "reset", "invitation"])
def test_the_account_links_share_one_limit_per_connection(app, client, monkeypatch, mail_dir,
                                                          form):
    """Asking for links, setting a password through one and accepting an invitation
    draw on one budget: three requests for links, then the form of the parameter
    is refused."""
    monkeypatch.setitem(app.config, "ACCOUNT_LINK_RATE_LIMIT", "3 per minute;10 per hour")
    limiter.reset()
    with app.app_context():
        create_coordinator_for(ADDRESS)
    elsewhere = {"REMOTE_ADDR": "198.51.100.7"}
    page = client.get("/coordinate/forgot-password")
    client.post("/coordinate/forgot-password", environ_base=elsewhere,
                data={"email": ADDRESS, "csrf_token": csrf_token(page.text)})
    link = reset_link_in(delivered_mail(app, mail_dir)[0])
    for _ in range(3):
        assert ask_for_reset(client, "nobody@example.org").status_code == 302
    action = {"forgot": "/coordinate/forgot-password", "reset": link,
              "invitation": "/coordinate/invitations/some-token/account"}[form]

    refused = client.post(action, data={
        "email": ADDRESS, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD,
        "name": "Someone", "csrf_token": csrf_token(client.get(link).text)})

    assert refused.status_code == 429
    assert "Please wait a little" in refused.text
    assert int(refused.headers["Retry-After"]) > 0
    assert len(delivered_mail(app, mail_dir)) == 1
    # The link still works from another connection, and the password was not changed.
    assert sign_in_with(app.test_client(), COORDINATOR_PASSWORD).status_code == 302
    assert client.get(link).status_code == 200
    limiter.reset()


def test_the_form_does_the_same_work_for_an_address_with_an_account_and_one_without(
        app, client, mail_dir):
    """Its time must not tell whether an address has an account: the request only
    writes the address down, and the worker looks it up."""
    with app.app_context():
        create_coordinator_for(ADDRESS)
    token = csrf_token(client.get("/coordinate/forgot-password").text)

    def statements_for(address: str) -> list[str]:
        with app.app_context(), sql_statements() as seen:
            assert client.post("/coordinate/forgot-password", data={
                "email": address, "csrf_token": token}).status_code == 302
        return seen

    statements_for("warming-up@example.org")
    with_an_account = statements_for(ADDRESS)
    without = statements_for("nobody@example.org")

    assert with_an_account == without
    assert not any("coordinator" in statement for statement in with_an_account)
    [message] = delivered_mail(app, mail_dir)
    assert str(message["To"]) == ADDRESS
