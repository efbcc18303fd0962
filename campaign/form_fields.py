"""Filters and validators that every form shares, with the messages people see."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import Field
from wtforms.fields.choices import Choice
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import Select

from campaign.domain import DomainError
from campaign.text import (
    InvalidEmail,
    UndeliverableEmail,
    normalize_email,
    without_bidi_controls,
)

NAME_LENGTH = 120
EMAIL_LENGTH = 254


def strip_whitespace(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def strip_name(value: Any) -> Any:
    """A name as typed, less the whitespace around it and any bidirectional control
    (campaign.text.without_bidi_controls): one typed of nothing else is empty, and
    refused as a missing name."""
    return strip_whitespace(without_bidi_controls(value) if isinstance(value, str) else value)


def required(message: Any) -> DataRequired:
    # DataRequired checks the value after the filters, so "   " (stripped to "") is
    # refused at the field rather than reaching the database's non-empty check.
    return DataRequired(message=message)


def at_most_message(limit: int) -> Any:
    return lazy_ngettext("Use at most %(num)d character.", "Use at most %(num)d characters.",
                         limit)


def stored_length(text: str) -> int:
    """The most characters TEXT can take once stored. Names and titles are stored in
    NFC (campaign.text.normalize_name), and a few characters grow under it (U+FB2C
    becomes three): a limit checked on the typed text alone would let a value past its
    column's length, which PostgreSQL refuses with an error."""
    return max(len(text), len(unicodedata.normalize("NFC", text)))


class AtMost(Length):
    """Length's check, on the stored length (stored_length)."""

    def __call__(self, form: FlaskForm, field: Field) -> None:
        if isinstance(field.data, str) and stored_length(field.data) > self.max:
            raise ValidationError(self.message)


def at_most(limit: int) -> Length:
    return AtMost(max=limit, message=at_most_message(limit))


# What a browser's one-line input never sends, and a header (a title is a subject) must
# not hold.
_LINE_BREAK = re.compile(r"[\r\n\v\f\x85\u2028\u2029]")


def has_line_break(text: str) -> bool:
    return _LINE_BREAK.search(text) is not None


def one_line(form: FlaskForm, field: Field) -> None:
    if isinstance(field.data, str) and has_line_break(field.data):
        raise ValidationError(_l("Write this on one line, without line breaks."))


def valid_email(form: FlaskForm, field: Field) -> None:
    try:
        normalize_email(field.data or "")
    except UndeliverableEmail as error:
        raise ValidationError(_l(
            "We cannot send e-mail to addresses with non-Latin letters before the @ yet; "
            "please use another address.")) from error
    except InvalidEmail as error:
        raise ValidationError(_l("Enter a valid e-mail address (%(reason)s)",
                                 reason=str(error))) from error


class LongListSelect(Select):
    """A <select> of a long, fixed list, such as the ~250 countries. WTForms escapes
    and formats every option on every render, and a statement page shows the country
    list twice: that was half of the page's time. Each option is rendered once
    per label (so once per language) and selection, and reused."""

    @classmethod
    def render_option(cls, choice: Choice, **kwargs: Any) -> Markup:
        if kwargs or choice.render_kw or not isinstance(choice.value, str):
            return super().render_option(choice, **kwargs)
        return _rendered_option(choice.value, str(choice.label or choice.value),
                                bool(choice.selected))


@lru_cache(maxsize=4096)
def _rendered_option(value: str, label: str, selected: bool) -> Markup:
    return Select.render_option(Choice(value, label, selected, {}))


def show_error(form: FlaskForm, error: DomainError) -> None:
    """A service's refusal, next to the field it is about or else above the form."""
    field = form[error.field] if error.field and error.field in form else None
    if field is not None:
        field.errors = [*field.errors, str(error)]
    else:
        form.form_errors.append(str(error))
