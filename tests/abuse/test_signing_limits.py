"""Over the signing limit a signature is held, not refused: stored as suspected, not
mailed, and the page says exactly what it says to everyone."""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Iterator

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import func, select

from campaign.abuse import clients
from campaign.abuse.clients import address_hash
from campaign.abuse.models import HoldReason
from campaign.abuse.services import windows
from campaign.config import load_settings
from campaign.extensions import db, limiter
from campaign.signing import services as signing_services
from campaign.signing.logos import logo_folder
from campaign.signing.models import IndividualStatus, OrganizationSignature, OrganizationStatus
from campaign.statements.services import create_sign_on_link, get_statement
from tests.abuse.limits_setup import (
    client_from,
    cosign,
    individual,
    mailed_to,
    organization,
    sign,
    without_csrf_tokens,
)
from tests.conftest import import_example
from tests.faults.support import RedisServer
from tests.support import csrf_token, organization_fields


def test_a_signature_over_the_limit_is_held_unmailed(limited_app, statement_slug):
    app = limited_app(SIGNING_RATE_LIMIT="2 per minute;3 per hour")
    browser = client_from(app, "203.0.113.5")

    for email in ("one@example.org", "two@example.org", "three@example.org"):
        assert sign(browser, statement_slug, email).status_code == 302

    with app.app_context():
        assert [individual(e).status for e in ("one@example.org", "two@example.org")] == [
            IndividualStatus.UNCONFIRMED] * 2
        held = individual("three@example.org")
        assert held.status is IndividualStatus.SUSPECTED
        assert held.hold_reason is HoldReason.RATE_LIMIT
        assert held.confirmation_token_hash is None
        assert mailed_to() == ["one@example.org", "two@example.org"]


def test_the_held_signer_sees_exactly_what_everyone_sees(limited_app, statement_slug):
    app = limited_app(SIGNING_RATE_LIMIT="1 per minute")
    browser = client_from(app, "203.0.113.5")

    accepted = sign(browser, statement_slug, "one@example.org")
    held = sign(browser, statement_slug, "two@example.org")

    assert (held.status_code, held.location) == (accepted.status_code, accepted.location)
    assert held.headers.get("Retry-After") is None
    accepted_page = browser.get(accepted.location)
    held_page = browser.get(held.location)
    assert held_page.status_code == accepted_page.status_code == 200
    assert without_csrf_tokens(held_page.text) == without_csrf_tokens(accepted_page.text)
    with app.app_context():
        assert individual("two@example.org").status is IndividualStatus.SUSPECTED


def test_the_limit_counts_per_address_and_statement(limited_app, statement_slug):
    app = limited_app(SIGNING_RATE_LIMIT="1 per minute")
    with app.app_context():
        other_slug = import_example("second").slug
    first, second = client_from(app, "203.0.113.5"), client_from(app, "198.51.100.7")

    sign(first, statement_slug, "one@example.org")
    sign(first, other_slug, "two@example.org")
    sign(second, statement_slug, "three@example.org")

    with app.app_context():
        assert {individual(e).status for e in (
            "one@example.org", "two@example.org", "three@example.org")} == {
            IndividualStatus.UNCONFIRMED}
        assert len(mailed_to()) == 3


def test_an_ipv6_client_is_counted_by_its_64_whichever_address_it_takes(
        limited_app, statement_slug):
    # A home or a rented server is given a /64: a new address for every submission
    # costs it nothing.
    app = limited_app(SIGNING_RATE_LIMIT="2 per minute")
    emails = [f"signer{number}@example.org" for number in range(1, 5)]

    for number, email in enumerate(emails, start=1):
        sign(client_from(app, f"2001:db8:1:2::{number:x}"), statement_slug, email)
    sign(client_from(app, "2001:db8:1:3::1"), statement_slug, "neighbour@example.org")

    with app.app_context():
        assert [individual(email).status for email in emails] == [
            IndividualStatus.UNCONFIRMED] * 2 + [IndividualStatus.SUSPECTED] * 2
        # The next /64 is someone else.
        assert individual("neighbour@example.org").status is IndividualStatus.UNCONFIRMED


def test_an_individual_and_an_organization_from_one_address_are_not_held(
        limited_app, statement_slug):
    app = limited_app(SIGNING_RATE_LIMIT="1 per minute")
    browser = client_from(app, "203.0.113.5")

    sign(browser, statement_slug, "iryna@solidarity.example.org")
    cosign(browser, statement_slug, "Kharkiv Solidarity Network", "iryna@solidarity.example.org")

    with app.app_context():
        assert individual("iryna@solidarity.example.org").status is IndividualStatus.UNCONFIRMED
        assert organization("Kharkiv Solidarity Network").status is (
            OrganizationStatus.UNCONFIRMED)
        assert len(mailed_to()) == 2


def test_co_signatures_over_the_limit_are_held(limited_app, statement_slug):
    app = limited_app(SIGNING_RATE_LIMIT="1 per minute")
    browser = client_from(app, "203.0.113.5")

    first = cosign(browser, statement_slug, "Zmina", "contact@zmina.example.org")
    held = cosign(browser, statement_slug, "Memorial", "contact@memorial.example.org")

    assert held.status_code == first.status_code == 302
    assert held.location == first.location
    with app.app_context():
        memorial = organization("Memorial")
        assert (memorial.status, memorial.hold_reason) == (
            OrganizationStatus.SUSPECTED, HoldReason.RATE_LIMIT)
        assert mailed_to() == ["contact@zmina.example.org"]


def test_co_signatures_through_the_private_link_are_held_too(limited_app, app):
    limited = limited_app(SIGNING_RATE_LIMIT="1 per minute")
    with app.app_context():
        token = create_sign_on_link(import_example("draft", publish=False))
        db.session.commit()
    browser = client_from(limited, "203.0.113.5")
    page = f"/s/draft/private/{token}"

    for name in ("Zmina", "Memorial"):
        response = cosign(browser, "draft", name, f"contact@{name.lower()}.example.org",
                          page=page, action=f"{page}/cosign")
        assert response.status_code == 302
        assert response.location.endswith(f"{page}/check-your-email")

    with limited.app_context():
        assert organization("Memorial").status is OrganizationStatus.SUSPECTED
        assert mailed_to() == ["contact@zmina.example.org"]


def test_behind_a_proxy_each_client_counts_for_itself(limited_app, statement_slug):
    app = limited_app(SIGNING_RATE_LIMIT="1 per minute", TRUSTED_PROXY_COUNT=1)
    proxy = client_from(app, "10.0.0.2")

    def sign_through_proxy(email: str, forwarded_for: str) -> None:
        proxy.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded_for
        assert sign(proxy, statement_slug, email).status_code == 302

    sign_through_proxy("one@example.org", "203.0.113.5")
    sign_through_proxy("two@example.org", "198.51.100.7")
    # The client wrote a hop of its own before the one the proxy appended: only the
    # proxy's is believed, so this is 203.0.113.5 again.
    sign_through_proxy("three@example.org", "192.0.2.77, 203.0.113.5")

    with app.app_context():
        one, two, three = (individual(f"{n}@example.org") for n in ("one", "two", "three"))
        assert (one.status, two.status, three.status) == (
            IndividualStatus.UNCONFIRMED, IndividualStatus.UNCONFIRMED,
            IndividualStatus.SUSPECTED)
        assert (one.ip_prefix, two.ip_prefix, three.ip_prefix) == (
            "203.0.113.0/24", "198.51.100.0/24", "203.0.113.0/24")
        assert one.ip_hash == three.ip_hash == address_hash("203.0.113.5")
        assert two.ip_hash == address_hash("198.51.100.7")
        # Never the address itself.
        assert "203.0.113.5" not in {one.ip_hash, one.ip_prefix}


@pytest.mark.parametrize("proxies", [0, 1])
def test_a_proxy_the_settings_forgot_is_reported_once_in_the_log(
        limited_app, statement_slug, caplog, monkeypatch, proxies):
    # Alembic's logging setup, run by the suite's migrations, disabled the logger.
    monkeypatch.setattr(clients.log, "disabled", False)
    app = limited_app(TRUSTED_PROXY_COUNT=proxies)
    browser = client_from(app, "10.0.0.2")

    with caplog.at_level(logging.WARNING, logger="campaign.abuse.clients"):
        for number in range(3):
            browser.environ_base["HTTP_X_FORWARDED_FOR"] = f"203.0.113.{number}"
            sign(browser, statement_slug, f"signer{number}@example.org")

    reported = [record for record in caplog.records if "TRUSTED_PROXY_COUNT" in record.message]
    assert len(reported) == (1 if proxies == 0 else 0)


def test_a_held_resubmission_changes_and_sends_nothing(limited_app, statement_slug):
    app = limited_app(SIGNING_RATE_LIMIT="1 per minute", CONFIRMATION_RESEND_MINUTES=0)
    browser = client_from(app, "203.0.113.5")
    sign(browser, statement_slug, "olena@example.org")

    sign(browser, statement_slug, "olena@example.org", **{"person-name": "Someone Else"})

    with app.app_context():
        signature = individual("olena@example.org")
        assert (signature.status, signature.name) == (
            IndividualStatus.UNCONFIRMED, "Olena Kovalenko")
        assert mailed_to() == ["olena@example.org"]


def test_a_signature_held_by_the_honeypot_goes_on_when_its_signer_signs_again(
        limited_app, statement_slug):
    app = limited_app(SIGNING_RATE_LIMIT="5 per minute")
    browser = client_from(app, "203.0.113.5")
    sign(browser, statement_slug, "olena@example.org", **{"person-homepage": "http://spam"})

    sign(browser, statement_slug, "olena@example.org")

    with app.app_context():
        assert individual("olena@example.org").status is IndividualStatus.UNCONFIRMED
        assert mailed_to() == ["olena@example.org"]


def test_the_limits_are_on_by_default_in_every_mode(tmp_path):
    embedded = load_settings(tmp_path, {})
    production = load_settings(tmp_path, {
        "APP_ENV": "production", "DATABASE_URL": "postgresql://db/x",
        "REDIS_URL": "redis://cache:6379/0",
        "SECRET_KEY": "KsxRNMF5V4eguBBoH5AwGSAE0fZAFzH-OK9d9dE5UltHBp4KeMY9wZHLQs5dmpfk",
        "SERVER_NAME": "statements.example.org", "MAIL_DEFAULT_SENDER": "s@example.org"})

    assert embedded["RATELIMIT_ENABLED"] and production["RATELIMIT_ENABLED"]
    assert embedded["RATELIMIT_STORAGE_URI"] == "memory://"
    assert production["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/0"
    for settings in (embedded, production):
        assert settings["SIGNING_RATE_LIMIT"] == "1 per minute;5 per 5 minutes"
    assert load_settings(tmp_path, {"SIGNING_RATE_LIMIT": "3 per minute"})[
        "SIGNING_RATE_LIMIT"] == "3 per minute"


def _storages() -> list[str]:
    """Memory always; Redis where the suite has one (the PostgreSQL tier)."""
    broker = os.environ.get("TEST_BROKER_URL", "")
    return ["memory://", *([broker] if broker.startswith("redis") else [])]


@pytest.mark.parametrize("storage", _storages())
def test_the_held_path_on_each_storage(limited_app, statement_slug, storage):
    app: Flask = limited_app(SIGNING_RATE_LIMIT="1 per minute", RATELIMIT_STORAGE_URI=storage)
    # Only the limits' own keys go, never the broker's.
    limiter.reset()
    browser = client_from(app, "203.0.113.5")

    sign(browser, statement_slug, "one@example.org")
    sign(browser, statement_slug, "two@example.org")

    with app.app_context():
        assert get_statement(statement_slug) is not None
        assert individual("two@example.org").status is IndividualStatus.SUSPECTED
        assert mailed_to() == ["one@example.org"]
    limiter.reset()


# Redis too where the suite has it (.ci/run's PostgreSQL run): there the windows are
# counted in one script call of our own, which the library must read back.
LIMIT_STORAGES = ["memory://", *(
    [os.environ["TEST_BROKER_URL"]]
    if os.environ.get("TEST_BROKER_URL", "").startswith("redis://") else [])]


@pytest.mark.parametrize("storage", LIMIT_STORAGES)
def test_every_window_is_counted_where_the_limits_library_reads_it(
        limited_app, statement_slug, storage):
    app = limited_app(SIGNING_RATE_LIMIT="5 per minute;7 per hour",
                      RATELIMIT_STORAGE_URI=storage)
    limiter.reset()
    browser = client_from(app, "203.0.113.9")
    for email in ("one@example.org", "two@example.org", "three@example.org"):
        assert sign(browser, statement_slug, email).status_code == 302

    with app.app_context():
        keys = ("signing", "individual_signature", str(get_statement(statement_slug).id),
                address_hash("203.0.113.9"))
        stats = [limiter.limiter.get_window_stats(window, *keys)
                 for window in windows("5 per minute;7 per hour")]
        assert [window.remaining for window in stats] == [2, 4]
        assert all(window.reset_time > 0 for window in stats)


@pytest.fixture
def redis_cluster(tmp_path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path, cluster=True)
    try:
        server.start()
        yield server
    finally:
        server.kill()


@pytest.mark.redis_server
def test_on_a_redis_cluster_every_window_is_counted_and_the_flood_held(
        limited_app, statement_slug, redis_cluster):
    """The windows' keys fall in different slots of a cluster, where one script call
    cannot count them all (redis-py refuses it): the signature must still be counted
    in every window, and held, not let through unchecked or answered with an error."""
    app = limited_app(SIGNING_RATE_LIMIT="2 per minute;3 per hour",
                      RATELIMIT_STORAGE_URI=redis_cluster.url)
    browser = client_from(app, "203.0.113.5")

    answers = [sign(browser, statement_slug, f"{n}@example.org").status_code
               for n in ("one", "two", "three")]

    assert answers == [302, 302, 302]
    with app.app_context():
        assert individual("three@example.org").status is IndividualStatus.SUSPECTED
        assert mailed_to() == ["one@example.org", "two@example.org"]
        keys = ("signing", "individual_signature", str(get_statement(statement_slug).id),
                address_hash("203.0.113.5"))
        assert [limiter.limiter.get_window_stats(window, *keys).remaining
                for window in windows("2 per minute;3 per hour")] == [0, 0]


def _picture(number: int) -> bytes:
    picture = io.BytesIO()
    Image.new("RGB", (40 + number, 40), (number, 90, 200)).save(picture, format="PNG")
    return picture.getvalue()


def _cosign_with_logo(browser, slug: str, number: int, logo: bytes | None = None):
    page = browser.get(f"/s/{slug}")
    data: dict[str, object] = {
        **organization_fields(**{"org-name": f"Network {number}",
                                 "org-contact_email": f"contact{number}@example.org"}),
        "org-csrf_token": csrf_token(page.text)}
    if logo is not None:
        data["org-logo"] = (io.BytesIO(logo), "logo.png")
    return browser.post(f"/s/{slug}/cosign", data=data, content_type="multipart/form-data")


def test_held_co_signatures_keep_their_logos_up_to_a_budget(limited_app, statement_slug,
                                                           monkeypatch):
    # Partners co-signing from one office are held after the first, and a coordinator
    # may release them with their logos; a flood of held ones with pictures of their
    # own stops being kept at the statement's budget, never filling the disk.
    monkeypatch.setattr(signing_services, "HELD_LOGOS_PER_STATEMENT", 2)
    app = limited_app(SIGNING_RATE_LIMIT="1 per minute")
    browser = client_from(app, "203.0.113.9")
    with app.app_context():
        folder = logo_folder()
    before = set(folder.iterdir()) if folder.is_dir() else set()

    for number in range(4):
        assert _cosign_with_logo(browser, statement_slug, number,
                                 _picture(number)).status_code == 302

    with app.app_context():
        rows = [organization(f"Network {number}") for number in range(4)]
        assert [(row.status, row.logo is not None) for row in rows] == [
            (OrganizationStatus.UNCONFIRMED, True), (OrganizationStatus.SUSPECTED, True),
            (OrganizationStatus.SUSPECTED, True), (OrganizationStatus.SUSPECTED, False)]
    assert {path.name for path in set(folder.iterdir()) - before} == {
        row.logo for row in rows[:3]}


def test_co_signatures_with_a_logo_are_refused_past_their_limit(limited_app, statement_slug):
    # Decoding a picture made to cost a second of CPU: past the limit, nothing is
    # decoded or kept, and the form says to wait. Without a logo, nothing is counted.
    app = limited_app(LOGO_RATE_LIMIT="2 per hour")
    browser = client_from(app, "203.0.113.10")

    answers = [_cosign_with_logo(browser, statement_slug, number, _picture(number))
               for number in range(3)]
    without_logo = _cosign_with_logo(browser, statement_slug, 3)
    elsewhere = _cosign_with_logo(client_from(app, "198.51.100.7"), statement_slug, 4,
                                  _picture(4))

    assert [answer.status_code for answer in answers] == [302, 302, 429]
    assert "Please wait a little" in answers[2].text
    assert without_logo.status_code == elsewhere.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OrganizationSignature)
                                 .where(OrganizationSignature.name.like("Network %"))) == 4
        assert db.session.scalars(select(OrganizationSignature).where(
            OrganizationSignature.name == "Network 2")).one_or_none() is None
