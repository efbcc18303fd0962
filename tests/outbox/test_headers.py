"""What a person reads in an e-mail's headers (the subject, the names in From and
Reply-To) arrives exactly as written, in any script and at any length, as a real SMTP
server receives it and Python's `email` (policy.default) reads it; and no text a
person typed can break a header or add one."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from campaign.extensions import db
from campaign.outbox.delivery import DeliveryResult, build_email, display_name, one_line
from campaign.outbox.models import OutboxMessage
from campaign.outbox.services import queue_email
from campaign.outbox.tasks import deliver_due_messages
from campaign.signing.models import NameDisplay
from campaign.signing.services import IndividualSignatureRequest, sign_as_individual
from tests.conftest import import_example, make_app
from tests.example_statement import TITLE as EXAMPLE_TITLE

UKRAINIAN_TITLE = (
    "Заява правозахисних організацій щодо засудження членів другої бахчисарайської групи "
    "у «справі кримських мусульман»: вимагаємо негайно звільнити політв’язнів, припинити "
    "переслідування кримських татар і допустити міжнародних спостерігачів до Криму"
)
MIXED_TITLE = (
    "Заява щодо «справи Хізб ут-Тахрір» — “case against Crimean Muslims” — Bakhchysarai, "
    "Сімферополь & Rostov-on-Don: 7 members, 13–19 years"
)
TITLES = {"english": EXAMPLE_TITLE, "ukrainian": UKRAINIAN_TITLE, "mixed": MIXED_TITLE}
SENDER_NAME = 'Коаліція «Кримська правозахисна група», "ГО" — Undersigned, Київ'
SIGNER_NAME = 'Коваленко, Олена "Лєна"'


def test_the_titles_are_the_hard_cases():
    assert len(UKRAINIAN_TITLE) > 200
    assert "“" in EXAMPLE_TITLE and "—" in MIXED_TITLE and "«" in MIXED_TITLE


@pytest.fixture(scope="module")
def named_sender_app(app: Flask, database_url, mail_dir, _smtp_controller) -> Flask:
    """Sending over real SMTP from a sender whose name has commas, quotes, Cyrillic."""
    return make_app(database_url, mail_dir, MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1",
                    MAIL_PORT=_smtp_controller.port, MAIL_TIMEOUT=5,
                    MAIL_DEFAULT_SENDER=f"{SENDER_NAME} <statements@example.org>")


@pytest.fixture
def sending(named_sender_app: Flask, app: Flask) -> Iterator[None]:
    with named_sender_app.app_context():
        yield
        db.session.rollback()


def as_written(name: str, address: str) -> str:
    """A mailbox as the Reply-To column holds it: the name quoted, not encoded."""
    return f'"{email.utils.quote(name)}" <{address}>'


def received_sender(received) -> tuple[str, str]:
    [sender] = received["From"].addresses
    return sender.display_name, sender.addr_spec


@pytest.mark.parametrize("title", TITLES.values(), ids=TITLES.keys())
@pytest.mark.usefixtures("sending")
def test_a_confirmation_arrives_with_its_subject_and_sender_as_written(smtp, title):
    statement = import_example()
    statement.title = title
    db.session.commit()
    sign_as_individual(statement, IndividualSignatureRequest(
        name=SIGNER_NAME, email="olena@example.org", country="UA",
        name_display=NameDisplay.FULL, wants_updates=False))
    db.session.commit()

    assert deliver_due_messages() == {DeliveryResult.SENT: 1}

    [received] = smtp.messages
    row = db.session.scalars(select(OutboxMessage)).one()
    assert received["Subject"] == row.subject == f"Please confirm your signature: {title}"
    assert received_sender(received) == (SENDER_NAME, "statements@example.org")
    assert received["To"] == "olena@example.org"
    text = " ".join(received.get_body(("plain",)).get_content().split())
    assert f"“{title}”" in text and f"Hello {SIGNER_NAME}," in text


@pytest.mark.usefixtures("sending")
def test_reply_to_names_with_commas_quotes_and_cyrillic_arrive_as_written(smtp):
    names = [("Коваленко, Олена", "olena@example.org"),
             ('Taras "Kobzar" Shevchenko', "taras@example.org"),
             ("Громадська організація «Кримська правозахисна група» — координаторка кампанії",
              "crimea@example.org")]
    reply_to = ", ".join(as_written(*pair) for pair in names)
    queue_email(to="olena@example.org", subject=MIXED_TITLE, template="already_signed",
                context={"statement_title": MIXED_TITLE, "statement_slug": "a",
                         "signer_name": "Olena"}, reply_to=reply_to)
    db.session.commit()

    assert deliver_due_messages() == {DeliveryResult.SENT: 1}

    [received] = smtp.messages
    assert [(address.display_name, address.addr_spec)
            for address in received["Reply-To"].addresses] == names
    assert received["Subject"] == MIXED_TITLE


@pytest.mark.usefixtures("sending")
def test_a_title_with_line_breaks_and_a_header_in_it_stays_one_subject(smtp):
    title = "Hearing moved\r\nBcc: intruder@evil.example\r\n\tX-Injected: yes\n"
    queue_email(to="olena@example.org", subject=title, template="already_signed",
                context={"statement_title": title, "statement_slug": "a",
                         "signer_name": "Olena"})
    db.session.commit()

    assert deliver_due_messages() == {DeliveryResult.SENT: 1}

    [received] = smtp.messages
    assert received["Subject"] == "Hearing moved Bcc: intruder@evil.example X-Injected: yes"
    assert received["Bcc"] is None and received["X-Injected"] is None
    assert smtp.recipients == [["olena@example.org"]]


def test_one_line_keeps_the_spaces_written_and_drops_only_breaks_and_controls():
    assert one_line(" A  title\u00a0with\tbreaks\r\n and\u2028more\x00 ") == \
        "A  title\u00a0with breaks and more"
    assert display_name(" Olena  \r\n Kovalenko\u00a0") == "Olena Kovalenko"


def round_trip(subject: str, sender_name: str) -> email.message.EmailMessage:
    message = OutboxMessage(id=7, to_address="olena@example.org", subject=subject,
                            template="already_signed",
                            context={"statement_title": "A", "statement_slug": "a",
                                     "signer_name": "Olena"},
                            reply_to=as_written(sender_name, "team@example.org"))
    return email.message_from_bytes(build_email(message).as_bytes(),
                                    policy=email.policy.default)  # type: ignore[return-value]


# Words of several scripts, typographic punctuation, the characters that mean something
# in a header (commas, quotes, "=?", angle brackets) and spaces, in any number.
_TEXT = st.text(st.sampled_from(list(
    "aZ09 ,;:\"'()<>@=?_-.\\«»“”’—–…ЖжЇїҐґЁёΩßçéłŁ中文العربية😀")), min_size=1, max_size=240)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(subject=_TEXT, name=_TEXT)
def test_any_subject_and_display_name_is_read_back_as_written(app_context, subject, name):
    received = round_trip(subject, name)

    assert received["Subject"] == one_line(subject)
    [reply_to] = received["Reply-To"].addresses
    assert (reply_to.display_name, reply_to.addr_spec) == (display_name(name),
                                                           "team@example.org")
    lines = received.as_bytes(policy=email.policy.SMTP).split(b"\r\n")
    assert max(map(len, lines)) <= 998
