"""The moderation forms (bulk invalidation's too), and the words coordinators see for
stored choices."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateTimeLocalField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from campaign.abuse.models import HoldReason
from campaign.form_fields import at_most, at_most_message, show_error
from campaign.moderation.invalidation import (
    NAME_PATTERN_LENGTH,
    Criteria,
    CriteriaError,
    parse_criteria,
)
from campaign.moderation.invalidation import REASON_LENGTH as INVALIDATION_REASON_LENGTH
from campaign.moderation.models import ModerationActionKind
from campaign.signing.forms import prepared_logo_of
from campaign.signing.logos import PreparedLogo
from campaign.signing.models import ORGANIZATION_NAME_LENGTH, NameDisplay

REASON_LENGTH = 2000
TIME_FORMAT = "%Y-%m-%dT%H:%M"


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
        at_most(ORGANIZATION_NAME_LENGTH)])


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


class _UTCDateTimeField(DateTimeLocalField):
    """A time typed in UTC, as the page says."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        if isinstance(self.data, datetime):
            self.data = self.data.replace(tzinfo=UTC)


CRITERIA_FIELDS = ("ip_range", "email_domain", "name_pattern", "created_from", "created_to")


class CriteriaForm(FlaskForm):
    """Read from the query string of the preview, or posted with the confirmation."""

    ip_range = StringField(_l("IP range"), filters=[_strip])
    email_domain = StringField(_l("E-mail domain"), filters=[_strip])
    name_pattern = StringField(_l("Name"), filters=[_strip], validators=[
        Length(max=NAME_PATTERN_LENGTH, message=at_most_message(NAME_PATTERN_LENGTH))])
    created_from = _UTCDateTimeField(_l("Signed from (UTC)"), format=TIME_FORMAT,
                                     validators=[Optional()])
    created_to = _UTCDateTimeField(_l("Signed before (UTC)"), format=TIME_FORMAT,
                                   validators=[Optional()])

    criteria: Criteria | None = None

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if any(getattr(self, name).errors for name in CRITERIA_FIELDS):
            return False
        try:
            self.criteria = parse_criteria(
                ip_range=self.ip_range.data, email_domain=self.email_domain.data,
                name_pattern=self.name_pattern.data, created_from=self.created_from.data,
                created_to=self.created_to.data)
        except CriteriaError as error:
            show_error(self, error)
            return False
        # Valid criteria are kept even when another field is not, so that the page
        # can show their preview again beside that field's error.
        return valid


class InvalidationForm(CriteriaForm):
    reason = TextAreaField(_l("Reason (kept in the log)"), filters=[_strip], validators=[
        DataRequired(message=_l("Say why: the reason is kept in the log.")),
        Length(max=INVALIDATION_REASON_LENGTH,
               message=at_most_message(INVALIDATION_REASON_LENGTH))])
    # How many signatures the preview said would be invalidated: the confirmation holds it.
    shown = HiddenField()

    @property
    def shown_count(self) -> int | None:
        text = self.shown.data or ""
        return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None
