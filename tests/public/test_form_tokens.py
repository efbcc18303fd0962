"""The statement page's forms are protected against cross-site posts without a session:
a nonce cookie and a token made from it (campaign.form_tokens)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from campaign.extensions import db
from campaign.form_tokens import nonce_cookie_name
from campaign.outbox.models import OutboxMessage
from campaign.signing.models import IndividualSignature, OrganizationSignature
from tests.conftest import SERVER_NAME, make_app
from tests.support import csrf_token, individual_fields, organization_fields

FORMS = {
    "sign": ("sign", individual_fields),
    "co-sign": ("cosign", organization_fields),
    "ask for my link": ("manage", lambda: {"manage-email": "olena@example.org"}),
}


def _rows(app: Flask) -> int:
    with app.app_context():
        return sum(db.session.scalar(select(func.count()).select_from(model)) for model in (
            IndividualSignature, OrganizationSignature, OutboxMessage))


def _post(client: FlaskClient, slug: str, form: str, token: str):
    path, fields = FORMS[form]
    values = fields()
    prefix = next(iter(values)).partition("-")[0]
    return client.post(f"/s/{slug}/{path}", data={**values, f"{prefix}-csrf_token": token})


def _refused(response) -> None:
    assert response.status_code == 400
    assert "The form could not be sent" in response.text


def test_a_reader_gets_no_session_only_a_nonce_and_signs_with_it(app, statement_slug):
    reader = app.test_client()
    page = reader.get(f"/s/{statement_slug}")

    assert page.status_code == 200
    cookies = page.headers.getlist("Set-Cookie")
    assert [cookie.split("=")[0] for cookie in cookies] == ["form_nonce"]
    assert "HttpOnly" in cookies[0] and "SameSite=Lax" in cookies[0]
    # The page seen again keeps the nonce it gave: its token stays the same.
    again = reader.get(f"/s/{statement_slug}")
    assert "Set-Cookie" not in again.headers
    assert csrf_token(again.text) == csrf_token(page.text)

    signed = _post(reader, statement_slug, "sign", csrf_token(page.text))

    assert signed.status_code == 302
    assert signed.headers["Location"].endswith(f"/s/{statement_slug}/check-your-email")
    assert "Set-Cookie" not in signed.headers
    with app.app_context():
        assert db.session.scalars(select(IndividualSignature.email)).all() == [
            "olena@example.org"]


@pytest.mark.parametrize("form", FORMS)
def test_a_token_without_its_browsers_cookie_is_refused_and_nothing_is_kept(
        app, statement_slug, form):
    reader, stranger = app.test_client(), app.test_client()
    token = csrf_token(reader.get(f"/s/{statement_slug}").text)
    strangers_token = csrf_token(stranger.get(f"/s/{statement_slug}").text)
    assert token != strangers_token
    cookieless = app.test_client()
    rows_before = _rows(app)

    # A page elsewhere can make a browser post, but not with the token of its cookie.
    _refused(_post(cookieless, statement_slug, form, token))
    _refused(_post(reader, statement_slug, form, strangers_token))
    _refused(_post(reader, statement_slug, form, ""))
    _refused(_post(reader, statement_slug, form, token[:-1] + ("A" if token[-1] != "A" else "B")))
    _refused(_post(reader, statement_slug, form, "é" * 43))
    # NUL is refused before any view reads the form (campaign.input_checks).
    assert _post(reader, statement_slug, form, "\x00" * 43).status_code == 400

    assert _rows(app) == rows_before


@pytest.mark.parametrize("forged", ["", "short", "x" * 22 + "\x00", "é" * 22, "a" * 4000])
def test_a_forged_nonce_cookie_is_replaced_and_never_accepted(app, statement_slug, forged):
    reader = app.test_client()
    reader.set_cookie(nonce_cookie_name_for(app), forged, domain=SERVER_NAME)

    page = reader.get(f"/s/{statement_slug}")

    assert page.status_code == 200
    assert any(cookie.startswith("form_nonce=") for cookie in page.headers.getlist("Set-Cookie"))
    assert _post(reader, statement_slug, "sign", csrf_token(page.text)).status_code == 302


def nonce_cookie_name_for(app: Flask) -> str:
    with app.app_context():
        return nonce_cookie_name()


def test_over_https_the_nonce_is_a_host_only_secure_cookie(database_url, mail_dir, app,
                                                           statement_slug):
    secure = make_app(database_url, mail_dir, SESSION_COOKIE_SECURE=True,
                      PREFERRED_URL_SCHEME="https")
    reader = secure.test_client()

    page = reader.get(f"/s/{statement_slug}", base_url=f"https://{SERVER_NAME}")

    [cookie] = page.headers.getlist("Set-Cookie")
    assert cookie.startswith("__Host-form_nonce=")
    assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
    signed = reader.post(f"/s/{statement_slug}/sign", base_url=f"https://{SERVER_NAME}", data={
        **individual_fields(), "person-csrf_token": csrf_token(page.text)},
        headers={"Referer": f"https://{SERVER_NAME}/"})
    assert signed.status_code == 302


THIS_SITE = f"https://{SERVER_NAME}"
# Over HTTPS, where a post comes from: its Origin, or without one its Referer (the
# pages' Referrer-Policy, strict-origin, sends the site's address).
ORIGINS = {
    "Referer of this site": ({"Referer": f"{THIS_SITE}/"}, True),
    "Origin of this site, no Referer": ({"Origin": THIS_SITE}, True),
    "Origin of this site, Referer withheld by the browser": (
        {"Origin": THIS_SITE, "Referer": ""}, True),
    "neither": ({}, False),
    "Referer of another site": ({"Referer": "https://elsewhere.example/"}, False),
    "Referer of this host over HTTP": ({"Referer": f"http://{SERVER_NAME}/"}, False),
    "Referer of a look-alike host": (
        {"Referer": f"https://{SERVER_NAME}.elsewhere.example/"}, False),
    "Origin of another site, Referer of this one": (
        {"Origin": "https://elsewhere.example", "Referer": f"{THIS_SITE}/"}, False),
    "Origin null, no Referer": ({"Origin": "null"}, False),
    "Origin with a port out of range": ({"Origin": f"{THIS_SITE}:99999"}, False),
    "Referer with a broken IPv6 host": ({"Referer": "https://[::1/"}, False),
}


@pytest.mark.parametrize("behind_a_proxy", [False, True], ids=["direct", "behind a proxy"])
@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("origin", ORIGINS)
def test_over_https_a_post_must_come_from_this_site_as_well_as_carry_its_token(
        database_url, mail_dir, app, statement_slug, form, origin, behind_a_proxy):
    """What Flask-WTF asks of every other form over HTTPS, by the Referer; the Origin,
    which browsers send with every form post, is read first. Behind a proxy that ends
    TLS, the request is HTTPS by the proxy's X-Forwarded-Proto."""
    secure = make_app(database_url, mail_dir, SESSION_COOKIE_SECURE=True,
                      PREFERRED_URL_SCHEME="https", TRUSTED_PROXY_COUNT=int(behind_a_proxy))
    reader = secure.test_client()
    if behind_a_proxy:
        reader.environ_base.update(HTTP_X_FORWARDED_PROTO="https",
                                   HTTP_X_FORWARDED_FOR="203.0.113.5")
        base_url = f"http://{SERVER_NAME}"
    else:
        base_url = THIS_SITE
    page = reader.get(f"/s/{statement_slug}", base_url=base_url)
    assert page.headers["Set-Cookie"].startswith("__Host-form_nonce=")
    path, fields = FORMS[form]
    values = fields()
    prefix = next(iter(values)).partition("-")[0]
    headers, accepted = ORIGINS[origin]
    rows_before = _rows(app)

    answer = reader.post(f"/s/{statement_slug}/{path}", base_url=base_url, headers=headers,
                         data={**values, f"{prefix}-csrf_token": csrf_token(page.text)})

    if accepted:
        assert answer.status_code == 302
        assert _rows(app) > rows_before or form == "ask for my link"
    else:
        _refused(answer)
        assert _rows(app) == rows_before
