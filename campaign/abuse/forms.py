"""The forms of the block and allow lists and of bulk invalidation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from campaign.abuse.invalidation import (
    NAME_PATTERN_LENGTH,
    REASON_LENGTH,
    Criteria,
    CriteriaError,
    parse_criteria,
)
from campaign.abuse.lists import REASON_LENGTH as ENTRY_REASON_LENGTH
from campaign.abuse.lists import ListError, parse_entry
from campaign.abuse.models import EntryTarget, ListKind
from campaign.form_fields import at_most_message, show_error

LIST_KIND_LABELS = {ListKind.BLOCK: _l("Block list"), ListKind.ALLOW: _l("Allow list")}
TARGET_LABELS = {EntryTarget.EMAIL: _l("E-mail address"), EntryTarget.DOMAIN: _l("Domain"),
                 EntryTarget.IP_RANGE: _l("IP range")}
TIME_FORMAT = "%Y-%m-%dT%H:%M"


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class ListEntryForm(FlaskForm):
    list_kind = RadioField(_l("Add to"), default=ListKind.BLOCK.value, choices=[
        SelectChoice(ListKind.BLOCK.value,
                     _l("Block list: hold their signatures as suspected")),
        SelectChoice(ListKind.ALLOW.value, _l("Allow list: lift a block, and exempt a "
                                              "network from the per-IP limit")),
    ], validators=[DataRequired(message=_l("Choose a list."))])
    value = StringField(_l("E-mail address, domain or IP range"), filters=[_strip],
                        validators=[DataRequired(message=_l(
                            "Enter an e-mail address, a domain or an IP range."))])
    reason = TextAreaField(_l("Reason (for the team)"), filters=[_strip], validators=[
        DataRequired(message=_l("Say why: the rest of the team will read it.")),
        Length(max=ENTRY_REASON_LENGTH, message=at_most_message(ENTRY_REASON_LENGTH))])

    def validate_value(self, field: StringField) -> None:
        try:
            parse_entry(field.data or "")
        except ListError as error:
            raise ValidationError(str(error)) from error


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
        Length(max=REASON_LENGTH, message=at_most_message(REASON_LENGTH))])
