"""Every form the app takes is protected against posts from other sites: a POST
without a CSRF token is refused on every route, whichever of the two checks guards it
(Flask-WTF's session tokens, or the statement page's own, campaign.form_tokens).
A view exempted from the first and forgotten by the second would fail here."""

from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.routing import AnyConverter, BaseConverter, IntegerConverter, Rule

from tests.conftest import SERVER_NAME, make_app
from tests.support import csrf_token

# RFC 8058 one-click unsubscribe: mail clients post it with no cookie and no token;
# the signed token in its address is the authority, and it can only stop mail.
WITHOUT_TOKEN = {"signer.unsubscribe_post"}


def _a_value(converter: BaseConverter) -> object:
    if isinstance(converter, AnyConverter):
        return min(converter.items)
    return 1 if isinstance(converter, IntegerConverter) else "x"


def _an_address(app: Flask, rule: Rule) -> str:
    values = {name: _a_value(converter) for name, converter in rule._converters.items()}
    with app.test_request_context():
        return app.url_for(rule.endpoint, **values)


def test_every_post_route_refuses_a_post_without_its_token(app):
    posted = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint in WITHOUT_TOKEN:
            continue
        address = _an_address(app, rule)
        answer = app.test_client().post(address, data={"anything": "at all"})
        posted.append((rule.endpoint, answer.status_code,
                       "The form could not be sent" in answer.text))

    assert len(posted) > 30
    assert [post for post in posted if post[1:] != (400, True)] == []


# Over HTTPS Flask-WTF also checks that a post comes from this site, by its Referer.
REFERERS = {
    "this site": ("https://{host}/coordinate/sign-in", True),
    "another site": ("https://elsewhere.example/", False),
    "a port out of range": ("https://{host}:99999/", False),
    "a broken IPv6 host": ("https://[::1/", False),
}


@pytest.mark.parametrize("referer", REFERERS)
def test_over_https_a_session_form_from_elsewhere_is_refused_calmly(
        app, database_url, mail_dir, referer):
    """Even with its token: a Referer that cannot be read (which no browser sends, but a
    script can) is refused like one of another site, not answered with a 500."""
    secure = make_app(database_url, mail_dir, SESSION_COOKIE_SECURE=True,
                      PREFERRED_URL_SCHEME="https")
    visitor = secure.test_client()
    base_url = f"https://{SERVER_NAME}"
    page = visitor.get("/coordinate/sign-in", base_url=base_url)
    address, accepted = REFERERS[referer]

    answer = visitor.post("/coordinate/sign-in", base_url=base_url,
                          headers={"Referer": address.format(host=SERVER_NAME)},
                          data={"email": "nobody@example.org", "password": "not this one",
                                "csrf_token": csrf_token(page.text)})

    assert answer.status_code == 400
    # Past the check, the form is read: these are not a coordinator's address and password.
    assert ("We could not sign you in." in answer.text) is accepted
    assert ("The form could not be sent" in answer.text) is not accepted
