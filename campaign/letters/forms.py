"""The coalition's voice in its letters (the sender name, logos, and each group's words),
and the confirmation of a sending."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, StringField, TextAreaField
from wtforms.validators import Optional

from campaign.form_fields import EMAIL_LENGTH, at_most, one_line, strip_whitespace, valid_email
from campaign.letters.services import CLOSING_LENGTH, NOTE_LENGTH, SALUTATION_LENGTH
from campaign.statements.models import SENDER_NAME_LENGTH


class LetterVoiceForm(FlaskForm):
    sender_name = StringField(
        _l("Sender name (your coalition's name)"), filters=[strip_whitespace],
        validators=[one_line, at_most(SENDER_NAME_LENGTH)])
    reply_address = EmailField(
        _l("Address for the addressees' replies (optional)"), filters=[strip_whitespace],
        validators=[Optional(), at_most(EMAIL_LENGTH), valid_email])
    letter_logos = BooleanField(
        _l("Show the organizations' logos in the letters' PDF (the founding organizations' "
           "in the letterhead, each organization's in the list of signatories)"))


class GroupWordingForm(FlaskForm):
    salutation = StringField(_l("Salutation"), filters=[strip_whitespace],
                             validators=[one_line, at_most(SALUTATION_LENGTH)])
    note = TextAreaField(_l("Covering note (Markdown)"), filters=[strip_whitespace],
                         render_kw={"rows": 6, "cols": 72}, validators=[at_most(NOTE_LENGTH)])
    closing = StringField(_l("Closing"), filters=[strip_whitespace],
                          validators=[one_line, at_most(CLOSING_LENGTH)])


class ConfirmSendingForm(FlaskForm):
    # Who the confirmation page showed would get a letter (SendingSummary.recipients).
    recipients = HiddenField()
