"""Writing an update, and confirming its publish."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from campaign.form_fields import at_most, one_line
from campaign.rendering import MARKDOWN_LENGTH
from campaign.updates.services import MAX_TITLE_LENGTH


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class UpdateForm(FlaskForm):
    title = StringField(_l("Title"), filters=[_strip], validators=[
        DataRequired(message=_l("Give the update a title.")), one_line,
        Length(max=MAX_TITLE_LENGTH, message=_l("Keep the title shorter."))])
    body = TextAreaField(_l("Text"), filters=[_strip], render_kw={"rows": 14, "cols": 72},
                         validators=[DataRequired(message=_l("Write the update's text.")),
                                     at_most(MARKDOWN_LENGTH)])


class ConfirmPublishForm(FlaskForm):
    # The text the confirmation page showed (services.shown_text).
    shown = HiddenField()
