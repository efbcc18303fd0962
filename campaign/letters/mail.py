"""A letter's e-mail, as the worker delivers it: rendered from the database at that
moment, with its PDF attached, and the letter's state following the outbox row's."""

from __future__ import annotations

from flask import Flask

from campaign.extensions import db
from campaign.letters.building import LetterContent, build_letter, build_sent_letter
from campaign.letters.models import Letter
from campaign.letters.pdf import render_letter_pdf
from campaign.letters.sender import voice_of
from campaign.letters.services import (
    LETTER_TEMPLATE,
    letter_file_name,
    letter_of_message,
    mark_failed,
    mark_sent,
)
from campaign.outbox.delivery import (
    Attachment,
    TemplateHooks,
    register_template_hooks,
    register_voice,
)
from campaign.outbox.models import OutboxMessage
from campaign.statements.models import Addressee


class LetterGone(LookupError):
    """The letter was deleted (with its addressee) after its e-mail was queued."""


def letter_content(letter_id: int | None = None,
                   test_addressee_id: int | None = None) -> LetterContent:
    """The letter a row carries: a letter's, or a test copy of one addressee's."""
    if test_addressee_id is not None:
        addressee = db.session.get(Addressee, test_addressee_id)
        if addressee is None:
            raise LetterGone(f"addressee {test_addressee_id} no longer exists")
        return build_letter(addressee)
    letter = db.session.get(Letter, letter_id)
    if letter is None:
        raise LetterGone(f"letter {letter_id} no longer exists")
    return build_sent_letter(letter)


def letter_pdf_name(content: LetterContent) -> str:
    return letter_file_name(content.statement, content.addressee_name)


def _attach_pdf(message: OutboxMessage) -> list[Attachment]:
    """The letter's PDF, rendered once per letter (one addressee, one sending): kept on
    the letter in the attempt's transaction, which commits whatever the attempt's
    outcome, so that a retry sends the same PDF without rendering it again. A test copy
    has no letter to keep it on, and is sent once."""
    context = message.context
    content = letter_content(context.get("letter_id"), context.get("test_addressee_id"))
    letter = letter_of_message(message) if context.get("test_addressee_id") is None else None
    if letter is None:
        return [Attachment(letter_pdf_name(content), "application/pdf",
                           render_letter_pdf(content))]
    if letter.pdf is None:
        letter.pdf = render_letter_pdf(content)
    return [Attachment(letter_pdf_name(content), "application/pdf", letter.pdf)]


def register_letter_mail(app: Flask) -> None:
    # The PDF is rendered here, in the worker, at delivery: never on a request's path.
    register_template_hooks(LETTER_TEMPLATE, TemplateHooks(
        attachments=_attach_pdf, on_sent=mark_sent, on_given_up=mark_failed))
    app.add_template_global(letter_content)
    # Every e-mail about a statement speaks in its coalition's name, letters or not.
    register_voice(voice_of)
