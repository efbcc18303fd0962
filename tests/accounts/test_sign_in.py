"""Signing in to the workspace, and who may see which statement."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from campaign.accounts import services
from campaign.accounts.models import Coordinator
from campaign.config import load_settings
from campaign.extensions import db, limiter
from tests.conftest import COORDINATOR_PASSWORD, create_coordinator_for, import_example
from tests.support import csrf_token, post_form


def test_coordinator_signs_in_and_sees_the_statements_of_their_team(coordinator_client):
    page = coordinator_client.get("/coordinate/")

    assert page.status_code == 200
    assert "Your statements" in page.text
    assert "Statement of human rights organizations" in page.text


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get("/coordinate/")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/coordinate/sign-in?next=")


REFUSED = "We could not sign you in."


def sign_in_from(client, address: str, password: str, ip: str = "127.0.0.1"):
    page = client.get("/coordinate/sign-in")
    return client.post("/coordinate/sign-in", environ_base={"REMOTE_ADDR": ip}, data={
        "email": address, "password": password, "csrf_token": csrf_token(page.text)})


@pytest.fixture
def password_checks(monkeypatch):
    """The password hashes each attempt was checked against, in order."""
    checked: list[str] = []
    verify = services._verify

    def counting_verify(password_hash: str, password: str) -> bool:
        checked.append(password_hash)
        return verify(password_hash, password)

    monkeypatch.setattr(services, "_verify", counting_verify)
    return checked


def stored_coordinator(app) -> Coordinator:
    with app.app_context():
        coordinator = db.session.query(Coordinator).one()
        db.session.expunge(coordinator)
        return coordinator


def test_repeated_wrong_passwords_slow_down_the_account_from_any_address(app, client,
                                                                          password_checks):
    with app.app_context():
        create_coordinator_for("someone@example.org")

    for attempt in range(services.FREE_ATTEMPTS):
        refused = sign_in_from(client, "someone@example.org", "wrong password",
                               ip=f"203.0.113.{attempt}")
        assert refused.status_code == 400
        assert REFUSED in refused.text
    blocked = sign_in_from(client, "someone@example.org", COORDINATOR_PASSWORD,
                           ip="198.51.100.7")

    assert blocked.status_code == 400
    assert REFUSED in blocked.text
    assert "too many wrong passwords were tried" in blocked.text
    coordinator = stored_coordinator(app)
    assert coordinator.failed_sign_ins == services.FREE_ATTEMPTS
    assert coordinator.sign_in_blocked_until is not None
    # The right password, sent while the account waits, was never checked.
    assert password_checks.count(coordinator.password_hash) == services.FREE_ATTEMPTS


def test_a_right_password_resets_the_count_of_wrong_ones(app, client):
    with app.app_context():
        create_coordinator_for("someone@example.org")
    sign_in_from(client, "someone@example.org", "wrong password")

    signed_in = sign_in_from(client, "someone@example.org", COORDINATOR_PASSWORD)

    assert signed_in.status_code == 302
    coordinator = stored_coordinator(app)
    assert coordinator.failed_sign_ins == 0
    assert coordinator.sign_in_blocked_until is None


def _page_without_token(response, address: str) -> str:
    return re.sub(r'value="[^"]*"', "", response.text.replace(address, "ADDRESS"))


def test_a_waiting_account_answers_like_an_address_without_account(app, password_checks):
    with app.app_context():
        create_coordinator_for("someone@example.org")
    real, unknown = app.test_client(), app.test_client()
    for _ in range(services.FREE_ATTEMPTS):
        sign_in_from(real, "someone@example.org", "wrong password")
        sign_in_from(unknown, "nobody@example.org", "wrong password")
    password_checks.clear()

    from_real = sign_in_from(real, "someone@example.org", "wrong password")
    from_unknown = sign_in_from(unknown, "nobody@example.org", "wrong password")

    assert from_real.status_code == from_unknown.status_code == 400
    assert (_page_without_token(from_real, "someone@example.org")
            == _page_without_token(from_unknown, "nobody@example.org"))
    # Each refusal costs one password check, so that the time taken does not tell.
    assert len(password_checks) == 2


def test_simultaneous_wrong_passwords_are_all_counted_and_only_the_free_ones_checked(
        app, monkeypatch):
    password_checks: list[str] = []
    verify = services._verify

    def counting_verify(password_hash: str, password: str) -> bool:
        # The refusals' decoy check is left out: its cost is not what this test is about.
        if password_hash == services._UNKNOWN_ACCOUNT_HASH:
            return False
        password_checks.append(password_hash)
        return verify(password_hash, password)

    monkeypatch.setattr(services, "_verify", counting_verify)
    with app.app_context():
        create_coordinator_for("someone@example.org")
    attempts = 32
    clients = [app.test_client() for _ in range(attempts)]
    tokens = [csrf_token(each.get("/coordinate/sign-in").text) for each in clients]
    start = threading.Barrier(attempts)

    def attempt(index: int) -> tuple[int, str]:
        start.wait()
        response = clients[index].post("/coordinate/sign-in", data={
            "email": "someone@example.org", "password": f"guess {index}",
            "csrf_token": tokens[index]})
        return response.status_code, response.text

    with ThreadPoolExecutor(max_workers=attempts) as pool:
        answers = list(pool.map(attempt, range(attempts)))

    assert all(status == 400 and REFUSED in text for status, text in answers)
    coordinator = stored_coordinator(app)
    assert password_checks.count(coordinator.password_hash) == services.FREE_ATTEMPTS
    assert coordinator.failed_sign_ins == services.FREE_ATTEMPTS
    assert coordinator.sign_in_blocked_until is not None


HOSTILE_ADDRESSES = [
    "foo",
    "someone@",
    "someone@example.org\r\nBcc: victim@example.org",
    "x" * 100_000 + "@example.org",
    "@" * 5000,
    "\u202esomeone@example.org",
    "🙂@🙂",
]


@pytest.mark.parametrize("address", HOSTILE_ADDRESSES)
def test_a_malformed_address_is_an_error_at_its_field(app, client, address):
    with app.app_context():
        create_coordinator_for("someone@example.org")

    response = sign_in_from(client, address, COORDINATOR_PASSWORD)

    assert response.status_code == 400
    assert 'id="email-error"' in response.text
    assert 'aria-describedby="email-error"' in response.text
    assert stored_coordinator(app).failed_sign_ins == 0


@pytest.mark.parametrize("body", [
    "email=%ff%fe&password=x",  # not UTF-8, and no address
    "email=someone%40example.org&password=%ff%fe",
    "email=s%C3%B6meone%40ex%C3%A4mple.org&password=x",  # valid, and unknown
    "email=someone%40example.org&password=" + "x" * 200_000,
    "email=someone%40example.org&email=other%40example.org&password=x",
])
def test_hostile_sign_in_forms_are_refused_calmly(app, client, body):
    with app.app_context():
        create_coordinator_for("someone@example.org")
    token = csrf_token(client.get("/coordinate/sign-in").text)

    response = client.post("/coordinate/sign-in", data=f"{body}&csrf_token={token}",
                           content_type="application/x-www-form-urlencoded")

    assert response.status_code == 400
    assert "Sign in" in response.text


@pytest.mark.parametrize("target", ["/%0d%0aSet-Cookie:%20x=y", "/%5C%5Cevil.example",
                                    "/\\evil.example"])
def test_sign_in_never_returns_to_a_target_with_a_line_break_or_backslash(app, client,
                                                                          target):
    with app.app_context():
        create_coordinator_for("someone@example.org")
    token = csrf_token(client.get("/coordinate/sign-in").text)

    response = client.post(
        "/coordinate/sign-in", content_type="application/x-www-form-urlencoded",
        data=f"email=someone%40example.org&password={COORDINATOR_PASSWORD.replace(' ', '+')}"
             f"&next={target}&csrf_token={token}")

    assert response.status_code == 302
    assert response.headers["Location"] == "/coordinate/"


def test_sign_in_over_the_per_address_limit_is_refused_calmly(app, client, monkeypatch,
                                                               password_checks):
    monkeypatch.setitem(app.config, "SIGN_IN_RATE_LIMIT", "3 per minute;4 per hour")
    limiter.reset()
    with app.app_context():
        create_coordinator_for("someone@example.org")
    for _ in range(3):
        assert sign_in_from(client, "someone@example.org", "wrong password").status_code == 400
    password_checks.clear()

    refused = sign_in_from(client, "someone@example.org", COORDINATOR_PASSWORD)

    assert refused.status_code == 429
    assert "Please wait a little" in refused.text
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert password_checks == []
    assert stored_coordinator(app).failed_sign_ins == 3
    # Another connection is not held back by this one's attempts.
    assert sign_in_from(client, "someone@example.org", COORDINATOR_PASSWORD,
                        ip="198.51.100.7").status_code == 302
    # The form itself still opens.
    assert client.get("/coordinate/sign-in").status_code == 200
    limiter.reset()


def test_the_sign_in_limits_are_on_by_default_and_set_by_the_environment(tmp_path):
    assert load_settings(tmp_path, {})["SIGN_IN_RATE_LIMIT"] == "5 per minute;20 per hour"
    settings = load_settings(tmp_path, {"SIGN_IN_RATE_LIMIT": "2 per minute",
                                        "ACCOUNT_LINK_RATE_LIMIT": "1 per minute"})
    assert settings["RATELIMIT_ENABLED"] is True
    assert settings["SIGN_IN_RATE_LIMIT"] == "2 per minute"
    assert settings["ACCOUNT_LINK_RATE_LIMIT"] == "1 per minute"


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


def test_signing_out_ends_the_session_on_every_device_and_any_copy_of_its_cookie(app):
    # A coordinator signs out of a shared or seized computer: a copy of its cookie,
    # and the session on their other device, must not open the workspace any more.
    with app.app_context():
        create_coordinator_for("coordinator@example.org")
    laptop, phone, copy = app.test_client(), app.test_client(), app.test_client()
    for device in (laptop, phone):
        assert sign_in_from(device, "coordinator@example.org",
                            COORDINATOR_PASSWORD).status_code == 302
        assert device.get("/coordinate/").status_code == 200
    name, domain = app.config["SESSION_COOKIE_NAME"], app.config["SERVER_NAME"]
    copy.set_cookie(name, laptop.get_cookie(name, domain=domain).value, domain=domain)
    assert copy.get("/coordinate/").status_code == 200

    workspace = laptop.get("/coordinate/")
    signed_out = laptop.post("/coordinate/sign-out",
                             data={"csrf_token": csrf_token(workspace.text)})

    assert signed_out.status_code == 302
    for device in (laptop, phone, copy):
        answer = device.get("/coordinate/")
        assert answer.status_code == 302
        assert answer.headers["Location"].startswith("/coordinate/sign-in")
    # Signing in again works as before.
    assert sign_in_from(laptop, "coordinator@example.org", COORDINATOR_PASSWORD).status_code == 302
    assert laptop.get("/coordinate/").status_code == 200
