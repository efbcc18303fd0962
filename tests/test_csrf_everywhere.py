"""Every form the app takes is protected against posts from other sites: a POST
without a CSRF token is refused on every route, whichever of the two checks guards it
(Flask-WTF's session tokens, or the statement page's own, campaign.form_tokens).
A view exempted from the first and forgotten by the second would fail here."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import AnyConverter, BaseConverter, IntegerConverter, Rule

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
