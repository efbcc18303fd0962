"""A statement's addressee, and choosing an address book entry for a statement (an
entry itself is edited with the addressee's form: it holds the same details)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Optional, Regexp

from campaign.addressees.services import AddresseeDetails
from campaign.form_fields import at_most, one_line, strip_whitespace
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


class AddresseeForm(FlaskForm):
    name = StringField(_l("Name"), filters=[strip_whitespace], validators=[
        DataRequired(message=_l("Enter the addressee's name.")), one_line, at_most(300)])
    role = StringField(_l("Role (optional)"), filters=[strip_whitespace],
                       validators=[one_line, at_most(200)])
    email = StringField(_l("E-mail address, where known (optional)"), filters=[strip_whitespace],
                        validators=[at_most(254)])
    language = StringField(_l("Language (optional)"), filters=[strip_whitespace], validators=[
        Optional(), at_most(16),
        Regexp(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$",
               message=_l("Enter a language code such as en, uk or pt-BR."))])

    def to_details(self) -> AddresseeDetails:
        return AddresseeDetails(name=self.name.data, role=self.role.data or None,
                                email=self.email.data or None,
                                language=self.language.data or None)
