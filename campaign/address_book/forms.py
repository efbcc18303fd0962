"""Choosing an address book entry for a statement. An entry itself is edited with
the addressee's form: it holds the same details."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import InputRequired

from campaign.statements.models import AddressBookEntry


class PickFromBookForm(FlaskForm):
    entry = SelectField(_l("From the address book"), coerce=int, validators=[
        InputRequired(message=_l("Choose an entry of the address book."))])

    def offer(self, entries: list[AddressBookEntry]) -> PickFromBookForm:
        self.entry.choices = [
            (entry.id, f"{entry.name} ({entry.role})" if entry.role else entry.name)
            for entry in entries
        ]
        return self
