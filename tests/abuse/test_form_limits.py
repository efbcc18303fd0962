"""The forms that do not sign (resend, confirm, the signer's page, unsubscribe) answer
a calm 429 over their limit, per client."""

from __future__ import annotations

import pytest

from tests.abuse.limits_setup import client_from, mailed_to, sign
from tests.support import post_form, session_csrf_token


def _token(client) -> dict[str, str]:
    """A form's CSRF token, as a browser holds it: requests without one are refused
    before any limit counts them."""
    return {"csrf_token": session_csrf_token(client)}


def _calm_429(response) -> None:
    assert response.status_code == 429
    assert "Please wait a little" in response.text
    assert "Nothing is wrong with what you entered" in response.text
    assert response.headers["Retry-After"] == "60"


def test_send_me_my_link_over_its_limit_answers_429(limited_app, statement_slug):
    app = limited_app(RESEND_RATE_LIMIT="1 per minute")
    browser = client_from(app, "203.0.113.5")
    sign(browser, statement_slug, "olena@example.org")

    def resend(client):
        return post_form(client, f"/s/{statement_slug}", f"/s/{statement_slug}/manage",
                         {"manage-email": "olena@example.org"})

    assert resend(browser).status_code == 302
    _calm_429(resend(browser))
    # Another client has a limit of its own.
    assert resend(client_from(app, "198.51.100.7")).status_code == 302


def test_an_ipv6_client_taking_a_new_address_each_time_meets_the_limit(limited_app,
                                                                       statement_slug):
    app = limited_app(RESEND_RATE_LIMIT="2 per minute")
    sign(client_from(app, "203.0.113.5"), statement_slug, "olena@example.org")

    def resend(address: str):
        return post_form(client_from(app, address), f"/s/{statement_slug}",
                         f"/s/{statement_slug}/manage", {"manage-email": "olena@example.org"})

    assert [resend(f"2001:db8:1:2::{number:x}").status_code for number in range(1, 3)] == [
        302, 302]
    _calm_429(resend("2001:db8:1:2:ffff:ffff:ffff:ffff"))
    assert resend("2001:db8:1:3::1").status_code == 302


def test_posts_without_the_forms_token_use_up_no_ones_limit(limited_app, statement_slug):
    # A page elsewhere makes its visitors post "send me my link" again and again.
    app = limited_app(RESEND_RATE_LIMIT="1 per minute")
    browser = client_from(app, "203.0.113.5")
    sign(browser, statement_slug, "olena@example.org")
    for _ in range(3):
        forged = browser.post(f"/s/{statement_slug}/manage",
                              data={"manage-email": "olena@example.org"})
        assert forged.status_code == 400

    asked = post_form(browser, f"/s/{statement_slug}", f"/s/{statement_slug}/manage",
                      {"manage-email": "olena@example.org"})

    assert asked.status_code == 302


def test_confirming_over_its_limit_answers_429(limited_app):
    app = limited_app(CONFIRM_RATE_LIMIT="2 per minute")
    browser = client_from(app, "203.0.113.5")

    token = _token(browser)

    assert browser.post("/confirm/not-a-token", data=token).status_code == 400
    assert browser.post("/confirm/nor-this", data=token).status_code == 400
    _calm_429(browser.post("/confirm/a-third-guess", data=token))


def test_the_signer_page_buttons_share_one_limit(limited_app):
    app = limited_app(SIGNER_ACTION_RATE_LIMIT="2 per minute")
    browser = client_from(app, "203.0.113.5")

    token = _token(browser)

    assert browser.post("/signer/guess/withdraw", data=token).status_code == 404
    assert browser.post("/signer/guess/erase", data=token).status_code == 404
    _calm_429(browser.post("/signer/guess/updates/off", data=token))
    _calm_429(browser.post("/signer/guess/name", data=token))


def test_unsubscribing_over_its_limit_answers_429(limited_app, statement_slug):
    app = limited_app(UNSUBSCRIBE_RATE_LIMIT="1 per minute")
    browser = client_from(app, "203.0.113.5")

    assert browser.post("/unsubscribe/guess").status_code == 404
    _calm_429(browser.post("/unsubscribe/guess"))
    with app.app_context():
        assert mailed_to() == []


@pytest.mark.parametrize("setting", ["RATELIMIT_DEFAULT", "RATELIMIT_APPLICATION",
                                     "RATELIMIT_META"])
def test_a_limit_outside_the_views_stops_the_app_from_starting_and_leaves_none_behind(
        limited_app, setting):
    """Only the views' own limits are checked (campaign.abuse.limits): a default,
    application or meta limit would silently limit nothing, so it is refused, and
    refused before the process's one limiter has kept it for the next app."""
    with pytest.raises(RuntimeError, match=f"{setting} is not supported"):
        limited_app(**{setting: "2 per minute"})

    browser = client_from(limited_app(), "203.0.113.5")
    assert [browser.get("/coordinate/sign-in").status_code for _ in range(4)] == [200] * 4
