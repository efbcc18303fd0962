"""The moderation forms, and the words coordinators see for stored choices."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from campaign.abuse.models import HoldReason
from campaign.form_fields import at_most_message
from campaign.moderation.models import ModerationActionKind
from campaign.signing.forms import prepared_logo_of
from campaign.signing.logos import PreparedLogo
from campaign.signing.models import NameDisplay

REASON_LENGTH = 2000
ORGANIZATION_NAME_LENGTH = 200


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class RejectionForm(FlaskForm):
    reason = TextAreaField(_l("Reason (sent to the organization's contact)"), filters=[_strip],
                           validators=[
        DataRequired(message=_l("Give the reason: it is sent to the organization's contact.")),
        Length(max=REASON_LENGTH, message=at_most_message(REASON_LENGTH))])


class LogoForm(FlaskForm):
    logo = FileField(_l("Logo: PNG, JPEG or WebP, at most 2 MB"))
    prepared_logo: PreparedLogo | None = None

    def validate_logo(self, field: Any) -> None:
        self.prepared_logo = prepared_logo_of(field)
        if self.prepared_logo is None:
            raise ValidationError(_l("Choose a logo file."))


class DisplayNameForm(FlaskForm):
    display_name = StringField(_l("Name shown on the statement"), filters=[_strip], validators=[
        Length(max=ORGANIZATION_NAME_LENGTH, message=at_most_message(ORGANIZATION_NAME_LENGTH))])


NAME_DISPLAY_LABELS = {
    NameDisplay.FULL: _l("Full name"),
    NameDisplay.FIRST_NAME_AND_INITIAL: _l("First name and initial"),
    NameDisplay.HIDDEN: _l("Name not shown"),
}

ACTION_LABELS = {
    ModerationActionKind.APPROVE: _l("Approved"),
    ModerationActionKind.REJECT: _l("Rejected"),
    ModerationActionKind.UNDO: _l("Undid the decision"),
    ModerationActionKind.RENAME: _l("Changed the name shown"),
    ModerationActionKind.HIDE: _l("Hid a signature"),
    ModerationActionKind.UNHIDE: _l("Showed a signature again"),
    ModerationActionKind.RELEASE: _l("Released a held signature"),
    ModerationActionKind.INVALIDATE: _l("Invalidated a held signature"),
}

HOLD_REASON_LABELS = {
    HoldReason.RATE_LIMIT: _l("Too many signatures from one network"),
    HoldReason.HONEYPOT: _l("Filled in a field hidden from people"),
    HoldReason.BLOCK_LIST: _l("On a block list"),
}
