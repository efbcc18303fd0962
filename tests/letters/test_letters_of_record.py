"""A letter says what its row records: the addressee's name and address as they were
when it was sent. An edit of the addressee afterwards, before the worker renders it,
before it is printed or before a failed one is sent again, changes the addressee's
next letters, never this one."""

from __future__ import annotations

import html
import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from campaign.addressees.services import AddresseeDetails, update_addressee
from campaign.extensions import db
from campaign.letters.models import Letter, LetterStatus
from campaign.letters.services import send_letters
from campaign.outbox.delivery import DeliveryResult
from campaign.outbox.tasks import deliver_due_messages
from tests.conftest import sign_in
from tests.example_statement import ADDRESSEES
from tests.letters.letters_setup import BY_HAND, COORDINATORS, addressee_named, confirm
from tests.letters.test_letters_sending import prepare

RENAMED = "Someone Else Entirely"
NEW_ADDRESS = "someone-else@elsewhere.example"


def flat(text: str) -> str:
    return " ".join(text.split())


def pdf_text(document: bytes) -> str:
    return flat(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(document)).pages))


def rename(slug: str, name: str) -> None:
    """The coordinator edits the addressee: another name, and another address."""
    addressee = addressee_named(slug, name)
    update_addressee(addressee, AddresseeDetails(
        name=RENAMED, role=addressee.role, email=None if name == BY_HAND else NEW_ADDRESS,
        language=addressee.language))
    db.session.commit()


@pytest.mark.usefixtures("smtp_context")
@pytest.mark.pdf
def test_a_letter_edited_before_the_worker_renders_it_goes_as_it_was_sent(smtp):
    statement, coordinator = prepare()
    name = ADDRESSEES[0][0]
    addressee = addressee_named(statement.slug, name)
    sent_to = addressee.email
    send_letters(statement, [addressee], by=coordinator)
    db.session.commit()

    rename(statement.slug, name)
    assert deliver_due_messages() == {DeliveryResult.SENT: 1}

    [received] = smtp.messages
    assert received["To"] == sent_to
    [attachment] = list(received.iter_attachments())
    body = flat(received.get_body(("plain",)).get_content())
    document = pdf_text(attachment.get_content())
    for rendered in (body, document):
        assert f"Dear {name}," in rendered
        assert RENAMED not in rendered
    assert "someone-else" not in attachment.get_filename()


@pytest.mark.pdf
def test_a_letter_to_deliver_by_hand_prints_as_it_was_sent(app):
    with app.app_context():
        statement, coordinator = prepare()
        slug = statement.slug
        send_letters(statement, [addressee_named(slug, BY_HAND)], by=coordinator)
        db.session.commit()
        rename(slug, BY_HAND)
    client = app.test_client()
    sign_in(client, COORDINATORS[0])

    page = client.get(f"/coordinate/{slug}/letters").text
    row = page[page.index('<tr class="letter-to_deliver_by_hand">'):]
    link = re.search(r'<a href="([^"]+)">Download the PDF', row[:row.index("</tr>")])[1]
    printed = client.get(html.unescape(link))

    assert printed.status_code == 200 and printed.mimetype == "application/pdf"
    assert f"Dear {BY_HAND}," in pdf_text(printed.data)
    assert RENAMED not in pdf_text(printed.data)
    assert "someone-else" not in printed.headers["Content-Disposition"]


@pytest.mark.pdf
def test_a_failed_letter_is_sent_again_to_whom_it_was_sent(app, smtp_app, smtp):
    name = ADDRESSEES[0][0]
    with smtp_app.app_context():
        statement, coordinator = prepare()
        slug = statement.slug
        addressee = addressee_named(slug, name)
        sent_to = addressee.email
        send_letters(statement, [addressee], by=coordinator)
        db.session.commit()
        [failed] = db.session.scalars(select(Letter)).all()
        failed.outbox_message.attempts = smtp_app.config["OUTBOX_MAX_ATTEMPTS"] - 1
        db.session.commit()
        smtp.refuse_next = 1
        assert deliver_due_messages() == {DeliveryResult.GAVE_UP: 1}
        failed_id = failed.id
        rename(slug, name)
    client = app.test_client()
    sign_in(client, COORDINATORS[0])

    retry = f"/coordinate/{slug}/letters/{failed_id}/retry"
    asked = html.unescape(client.get(retry).text)
    assert f"E-mail to {sent_to}" in asked and name in asked
    assert RENAMED not in asked and NEW_ADDRESS not in asked
    assert confirm(client, retry).status_code == 302
    with smtp_app.app_context():
        assert deliver_due_messages() == {DeliveryResult.SENT: 1}
        again = db.session.scalars(select(Letter).order_by(Letter.id.desc())).first()
        assert (again.addressee_name, again.to_address, again.status) == (
            name, sent_to, LetterStatus.SENT)

    [received] = smtp.messages
    assert received["To"] == sent_to
    [attachment] = list(received.iter_attachments())
    document = pdf_text(attachment.get_content())
    assert f"Dear {name}," in document and RENAMED not in document
