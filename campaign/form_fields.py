"""Filters and validators that every form shares, with the messages people see."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.validators import DataRequired, Length, ValidationError

from campaign.signing.validation import InvalidEmail, normalize_email

NAME_LENGTH = 120
EMAIL_LENGTH = 254


def strip_whitespace(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def required(message: Any) -> DataRequired:
    # DataRequired checks the value after the filters, so "   " (stripped to "") is
    # refused at the field rather than reaching the database's non-empty check.
    return DataRequired(message=message)


def at_most(limit: int) -> Length:
    return Length(max=limit, message=_l("Use at most %(max)d characters.", max=limit))


def valid_email(form: FlaskForm, field: Field) -> None:
    try:
        normalize_email(field.data or "")
    except InvalidEmail as error:
        raise ValidationError(_l("Enter a valid e-mail address (%(reason)s)",
                                 reason=str(error))) from error
