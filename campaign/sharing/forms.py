"""The form of the Mastodon share page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField

from campaign.form_fields import at_most, required, strip_whitespace
from campaign.sharing.services import MAX_INSTANCE_LENGTH


class MastodonForm(FlaskForm):
    instance = StringField(_l("Your Mastodon server"), filters=[strip_whitespace], validators=[
        required(_l("Enter the address of your Mastodon server, such as mastodon.social.")),
        at_most(MAX_INSTANCE_LENGTH)])
