"""Recording an addressee's reply."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileSize
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired

from campaign.form_fields import at_most
from campaign.rendering import MARKDOWN_LENGTH
from campaign.replies.services import (
    DOCUMENT_TYPES,
    MAX_DOCUMENT_BYTES,
    ReplyDetails,
    ReplyDocument,
)
from campaign.statements.models import Addressee, DemandGroup


def _optional_id(value: Any) -> int | None:
    return None if value in (None, "") else int(value)


class ReplyForm(FlaskForm):
    addressee = SelectField(_l("Who replied"), coerce=int, validators=[
        InputRequired(message=_l("Choose who replied."))])
    demand_group = SelectField(_l("The group of demands it answers (optional)"),
                               coerce=_optional_id)
    received_on = DateField(_l("Date received"), validators=[
        DataRequired(message=_l("Enter the date the reply was received."))])
    text = TextAreaField(_l("The reply's text"), render_kw={"rows": 12, "cols": 72},
                         validators=[DataRequired(message=_l("Write or paste the reply's text.")),
                                     at_most(MARKDOWN_LENGTH)])
    # The same limits are checked again by the service; these give the message at the field.
    document = FileField(_l("Attached document (optional)"), validators=[
        FileAllowed(sorted(DOCUMENT_TYPES), message=_l(
            "Attach a PDF, DOC, DOCX, ODT or TXT file, or an image (PNG, JPEG, GIF or WebP).")),
        FileSize(max_size=MAX_DOCUMENT_BYTES, message=_l(
            "The document is too large: attach at most 10 MB.")),
    ])

    def offer(self, addressees: list[Addressee], groups: list[DemandGroup]) -> ReplyForm:
        self.addressee.choices = [(addressee.id, addressee.name) for addressee in addressees]
        self.demand_group.choices = [("", _l("None: show it under “Replies”"))] + [
            (group.id, _l("Group %(number)d: to %(addressees)s", number=number,
                          addressees="; ".join(a.name for a in group.addressees) or "—"))
            for number, group in enumerate(groups, start=1)
        ]
        return self

    def to_details(self) -> ReplyDetails:
        upload = self.document.data
        document = (ReplyDocument(filename=upload.filename, data=upload.read())
                    if upload and upload.filename else None)
        return ReplyDetails(addressee_id=self.addressee.data,
                            demand_group_id=self.demand_group.data,
                            received_on=self.received_on.data, text=self.text.data or "",
                            document=document)
