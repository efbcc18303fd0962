"""The forms of the block and allow lists."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from campaign.abuse.lists import REASON_LENGTH as ENTRY_REASON_LENGTH
from campaign.abuse.lists import ListError, parse_entry
from campaign.abuse.models import EntryTarget, ListKind
from campaign.form_fields import at_most_message

LIST_KIND_LABELS = {ListKind.BLOCK: _l("Block list"), ListKind.ALLOW: _l("Allow list")}
TARGET_LABELS = {EntryTarget.EMAIL: _l("E-mail address"), EntryTarget.DOMAIN: _l("Domain"),
                 EntryTarget.IP_RANGE: _l("IP range")}


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
