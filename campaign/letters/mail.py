"""A letter's e-mail, as the worker delivers it: rendered from the database at that
moment, with its PDF attached, and the letter's state following the outbox row's."""

from __future__ import annotations

from flask import Flask

from campaign.extensions import db
from campaign.letters.building import LetterContent, build_letter
from campaign.letters.models import Letter
from campaign.letters.pdf import render_letter_pdf
from campaign.letters.sender import voice_of
from campaign.letters.services import LETTER_TEMPLATE, letter_file_name, mark_failed, mark_sent
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
    return build_letter(letter.addressee)


def letter_pdf_name(content: LetterContent) -> str:
    return letter_file_name(content.statement, content.addressee)


def _attach_pdf(message: OutboxMessage) -> list[Attachment]:
    context = message.context
    content = letter_content(context.get("letter_id"), context.get("test_addressee_id"))
    return [Attachment(letter_pdf_name(content), "application/pdf", render_letter_pdf(content))]


def register_letter_mail(app: Flask) -> None:
    # The PDF is rendered here, in the worker, at delivery: never on a request's path.
    register_template_hooks(LETTER_TEMPLATE, TemplateHooks(
        attachments=_attach_pdf, on_sent=mark_sent, on_given_up=mark_failed))
    app.add_template_global(letter_content)
    # Every e-mail about a statement speaks in its coalition's name, letters or not.
    register_voice(voice_of)
