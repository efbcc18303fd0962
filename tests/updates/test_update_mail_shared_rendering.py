"""An update's e-mail is rendered once per update and language and shared by every
signer's copy: each copy still carries its own signer's name and links, escaped in
HTML, in its signer's language, and nobody else's."""

from __future__ import annotations

import html
import re
import uuid

import pytest
from sqlalchemy import update

from campaign.extensions import db
from campaign.outbox import delivery
from campaign.outbox.models import OutboxMessage
from campaign.outbox.tasks import deliver_due_messages
from campaign.signing.models import IndividualSignature
from campaign.signing.signer_links import signature_from_token
from campaign.statements.services import get_statement
from campaign.updates import services
from campaign.updates.tasks import fan_out_update_task
from tests.moderation import factories
from tests.support import text_of

# Names with what HTML escapes, and one that looks like a link of another signer's.
SIGNERS = {
    "olena@example.org": ('Olena "Lena" <Kovalenko> & Co', "uk"),
    "taras@example.org": ("Тарас Мельник", "uk"),
    "jane@example.org": ("Jane O'Doe", "en"),
    "john@example.org": ("John http://undersigned.test/unsubscribe/x", "en"),
}
_LINK = re.compile(r"http://undersigned\.test/(signer|unsubscribe)/([\w.-]+)")


@pytest.fixture
def signer_ids(smtp_context, statement_slug) -> dict[str, int]:
    ids = {}
    for address, (name, language) in SIGNERS.items():
        ids[address] = factories.individual(statement_slug, "Signer", address,
                                            wants_updates=True)
        # Written directly: the form would refuse some of these names, which older
        # rows (or another way in) may still hold.
        db.session.execute(update(IndividualSignature)
                           .where(IndividualSignature.id == ids[address])
                           .values(name=name, language=language))
    # Only the update's mail from here on.
    db.session.execute(OutboxMessage.__table__.delete())
    db.session.commit()
    return ids


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """The templates the outbox renders, in order."""
    rendered: list[str] = []
    real = delivery.render_template

    def counting(template: str, **context):
        rendered.append(template)
        return real(template, **context)

    monkeypatch.setattr(delivery, "render_template", counting)
    return rendered


def publish(slug: str) -> int:
    # A title of its own: no other test's rendering can be the one shared here.
    update_ = services.write_update(get_statement(slug), f"Hearing {uuid.uuid4().hex[:8]}",
                                    "The hearing is **public**.", by=None)
    db.session.commit()
    services.publish_update(update_)
    db.session.commit()
    return update_.id


def test_each_copy_carries_its_own_signers_name_and_links_in_their_language(
        signer_ids, statement_slug, smtp, renders):
    fan_out_update_task.run(publish(statement_slug))
    deliver_due_messages()

    mail = {message["To"]: message for message in smtp.messages}
    assert sorted(mail) == sorted(SIGNERS)
    # Once per language, text and HTML, for the four copies.
    assert sorted(renders) == ["emails/update.html", "emails/update.html",
                               "emails/update.txt", "emails/update.txt"]
    links_seen: set[str] = set()
    for address, message in mail.items():
        name, language = SIGNERS[address]
        text = text_of(message)
        page = message.get_body(("html",)).get_content()
        assert message["Content-Language"] == language
        assert text.startswith(f"Вітаємо, {name}!" if language == "uk" else f"Hello {name},")
        assert html.escape(name, quote=False) in page.replace("&#34;", '"').replace(
            "&#39;", "'")
        assert "<Kovalenko>" not in page
        # Its own links, in both bodies and in the header, and they open its signature.
        links = {(kind, token) for kind, token in _LINK.findall(text)
                 if not name.endswith(f"/{kind}/{token}")}
        assert {kind for kind, _ in links} == {"signer", "unsubscribe"}
        assert len(links) == 2
        for kind, token in links:
            assert f"http://undersigned.test/{kind}/{token}" in page
            assert signature_from_token(token).id == signer_ids[address]
        unsubscribe = next(f"http://undersigned.test/{kind}/{token}"
                           for kind, token in links if kind == "unsubscribe")
        assert message["List-Unsubscribe"] == f"<{unsubscribe}>"
        tokens = {token for _, token in links}
        assert not tokens & links_seen
        links_seen |= tokens


def test_a_second_update_is_rendered_anew_not_served_the_first(
        signer_ids, statement_slug, smtp, renders):
    fan_out_update_task.run(publish(statement_slug))
    deliver_due_messages()
    second = services.write_update(get_statement(statement_slug), "Another hearing",
                                   "The verdict is **in**.", by=None)
    db.session.commit()
    services.publish_update(second)
    db.session.commit()
    smtp.messages.clear()

    fan_out_update_task.run(second.id)
    deliver_due_messages()

    assert len(smtp.messages) == len(SIGNERS)
    for message in smtp.messages:
        assert "Another hearing" in text_of(message)
        assert "The verdict is <strong>in</strong>." in message.get_body(
            ("html",)).get_content()
        assert "public" not in text_of(message)
