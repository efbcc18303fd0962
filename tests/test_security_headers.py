"""Security headers on every response, and pages that the strict policy does not break."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from campaign.extensions import db
from campaign.security import parse_policy
from campaign.signing.models import OrganizationSignature
from campaign.statements.models import Addressee, Demand, DemandGroup, Statement
from tests.conftest import SERVER_NAME, make_app

STRICT_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "form-action": "'self'",
    "base-uri": "'none'",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
}


# The one page other sites may frame: the embeddable widget.
FRAMEABLE = re.compile(r"/s/[^/]+/widget")


def assert_security_headers(response: TestResponse, where: str) -> None:
    policy = parse_policy(response.headers.get("Content-Security-Policy", ""))
    frameable = bool(FRAMEABLE.fullmatch(where)) and response.status_code == 200
    for directive, value in STRICT_POLICY.items():
        if directive == "frame-ancestors" and frameable:
            value = "*"
        if directive == "style-src" and "sandbox" in policy:
            continue  # a sandboxed e-mail preview may allow its own <style> by hash
        assert policy.get(directive) == value, (where, directive, policy)
    assert response.headers.get("X-Frame-Options") == (None if frameable else "DENY"), where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    assert response.headers.get("Referrer-Policy") == "strict-origin", where


class InlineCode(HTMLParser):
    """What a strict CSP would block in a page: inline scripts, <style> elements,
    style attributes and event-handler attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = [name for name, _ in attrs]
        if tag == "script" and "src" not in names:
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        self.found.extend(f"{tag} {name}=" for name in names
                          if name == "style" or name.startswith("on"))


def inline_code_in(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def sample_arguments(app: Flask, slug: str) -> dict[str, object]:
    with app.app_context():
        group_id = db.session.scalars(select(DemandGroup.id)).first()
        return {
            "slug": slug,
            "token": "not-a-real-token",
            "file_name": "missing.eml",
            "filename": "css/site.css",
            "addressee_id": db.session.scalars(select(Addressee.id)).first(),
            "group_id": group_id,
            "demand_id": db.session.scalars(select(Demand.id)).first(),
            "organization_id": db.session.scalars(select(OrganizationSignature.id)).first(),
            # Nothing of these kinds exists in the example: their pages are 404s.
            "reply_id": 1, "update_id": 1, "entry_id": 1, "letter_id": 1,
            "code": "uk",
            # A logo no listed organization has: 404.
            "name": "0" * 64 + ".png",
            # The example's team, when a coordinator was made for it (else a 404).
            "team_id": db.session.scalars(select(Statement.team_id)).first() or 1,
            "coordinator_id": 1, "invitation_id": 1,
            # A translation that does not exist: its pages are 404s.
            "language": "uk",
        }


def every_get_url(app: Flask, arguments: dict[str, object]) -> list[str]:
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in (rule.methods or ()):
                continue
            missing = set(rule.arguments) - set(arguments)
            assert not missing, f"give {rule.rule} a sample value for {missing}"
            urls.append(url_for(rule.endpoint, **{name: arguments[name]
                                                  for name in rule.arguments}))
    return urls


def walk(app: Flask, client: FlaskClient, slug: str) -> list[tuple[str, TestResponse]]:
    # Buffered: a streamed response (an export) is read to its end and closed.
    return [(url, client.get(url, buffered=True))
            for url in every_get_url(app, sample_arguments(app, slug))]


def test_every_get_route_carries_the_headers_for_the_public(app, client, statement_slug):
    responses = walk(app, client, statement_slug)

    statuses = {response.status_code for _, response in responses}
    assert {200, 302, 404} <= statuses  # pages, redirects to sign-in, error pages
    for url, response in responses:
        assert response.status_code < 500, url
        assert_security_headers(response, url)
        assert "Strict-Transport-Security" not in response.headers, url


def test_every_get_route_carries_the_headers_for_a_coordinator(app, coordinator_client,
                                                              statement_slug):
    responses = walk(app, coordinator_client, statement_slug)

    assert sum(response.status_code == 200 for _, response in responses) >= 20
    for url, response in responses:
        assert response.status_code < 500, url
        assert_security_headers(response, url)


def test_no_page_has_inline_script_or_style(app, coordinator_client, statement_slug):
    pages = 0
    for url, response in walk(app, coordinator_client, statement_slug):
        if response.mimetype != "text/html" or "sandbox" in parse_policy(
                response.headers["Content-Security-Policy"]):
            continue
        pages += 1
        assert inline_code_in(response.text) == [], url
    public = app.test_client()
    for url in (f"/s/{statement_slug}", "/", "/privacy", "/coordinate/sign-in"):
        response = public.get(url)
        pages += 1
        assert inline_code_in(response.text) == [], url
    assert pages >= 25


def test_the_inline_code_check_finds_what_the_policy_blocks():
    html = ('<p style="color:red" onclick="go()">x</p><script>go()</script>'
            '<script src="/static/a.js"></script><style>p{}</style>')
    assert inline_code_in(html) == ["p style=", "p onclick=", "<script> without src", "<style>"]


def test_posts_and_their_redirects_carry_the_headers(client, statement_slug):
    from tests.support import individual_fields, post_form

    response = post_form(client, f"/s/{statement_slug}", f"/s/{statement_slug}/sign",
                         individual_fields())

    assert response.status_code == 302
    assert_security_headers(response, "the signing form's redirect")
    refused = client.post(f"/s/{statement_slug}/sign", data=individual_fields())
    assert refused.status_code == 400  # no CSRF token
    assert_security_headers(refused, "the CSRF error page")


def test_letter_preview_is_sandboxed_and_allows_only_its_own_style(app, coordinator_client,
                                                                   statement_slug):
    with app.app_context():
        addressee_id = db.session.scalars(select(Addressee.id)).first()

    response = coordinator_client.get(
        f"/coordinate/{statement_slug}/letters/to/{addressee_id}")

    assert response.status_code == 200
    assert_security_headers(response, "the letter preview")
    policy = parse_policy(response.headers["Content-Security-Policy"])
    assert "sandbox" in policy
    (style,) = re.findall(r"<style>(.*?)</style>", response.text, re.S)
    assert "max-width: 640px" in style
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert policy["style-src"] == f"'sha256-{digest}'"


@pytest.fixture
def bare_app(database_url, mail_dir, app) -> Flask:
    """An application of its own, to which a test may add a route."""
    return make_app(database_url, mail_dir, PROPAGATE_EXCEPTIONS=False)


def test_a_route_may_open_framing_for_itself_only(bare_app):
    @bare_app.get("/test-widget")
    def widget() -> tuple[str, int, dict[str, str]]:
        return "widget", 200, {"Content-Security-Policy": "frame-ancestors https://news.example"}

    client = bare_app.test_client()
    widget_response = client.get("/test-widget")
    page = client.get("/privacy")

    policy = parse_policy(widget_response.headers["Content-Security-Policy"])
    assert policy["frame-ancestors"] == "https://news.example"
    assert {name: value for name, value in policy.items() if name != "frame-ancestors"} == {
        name: value for name, value in STRICT_POLICY.items() if name != "frame-ancestors"}
    assert "X-Frame-Options" not in widget_response.headers
    assert_security_headers(page, "a page beside the widget")


def test_a_server_error_page_carries_the_headers(bare_app):
    @bare_app.get("/test-broken")
    def broken() -> str:
        raise RuntimeError("a bug")

    response = bare_app.test_client().get("/test-broken")

    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert_security_headers(response, "the 500 page")


def test_https_instances_send_hsts(database_url, mail_dir, app, statement_slug):
    https_app = make_app(database_url, mail_dir, PREFERRED_URL_SCHEME="https")
    client = https_app.test_client()

    for url in (f"/s/{statement_slug}", "/static/css/site.css", "/nowhere", "/coordinate/"):
        response = client.get(url, base_url=f"https://{SERVER_NAME}")
        assert response.headers["Strict-Transport-Security"] == (
            "max-age=63072000; includeSubDomains"), url
        assert_security_headers(response, url)


def test_pages_are_kept_by_no_cache_unless_their_view_allows_it(app, coordinator_client,
                                                                 statement_slug):
    """The coordinators' pages hold signers' names and contacts' addresses, and every
    form token is bound to one browser: no page may sit in a shared or seized cache."""
    pages = 0
    for url, response in walk(app, coordinator_client, statement_slug):
        if response.mimetype == "text/html":
            pages += 1
            assert response.headers["Cache-Control"] == "no-store", url
    assert pages >= 20
    # What is the same for everyone says so itself: the share card, the stylesheet.
    card = coordinator_client.get(f"/s/{statement_slug}/preview.png")
    assert "public" in card.headers["Cache-Control"]
