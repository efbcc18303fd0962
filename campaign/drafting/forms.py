"""The coordinators' forms for drafting a statement."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from campaign.drafting.importer import ParsedDemandGroup, ParsedSignatory, ParsedStatement
from campaign.drafting.services import AffiliationSettings, StatementDetails
from campaign.form_fields import LongListSelect, at_most_message, one_line
from campaign.statements.deadlines import DeadlineChoice, time_zone_names
from campaign.statements.models import DISCLAIMER_LENGTH, Addressee, SignatoryGrouping
from campaign.text import country_names

# "Name (UA)": the way the reading writes a signatory whose country it found.
_SIGNATORY_WITH_COUNTRY = re.compile(r"(?P<name>.+?)\s*\((?P<code>[A-Z]{2})\)")


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


# Without a stylesheet rule for them, text areas are sized here.
_LONG_TEXT = {"rows": 16, "cols": 72}
_LINES = {"rows": 5, "cols": 72}


def _too_long(limit: int) -> Length:
    return Length(max=limit, message=at_most_message(limit))


def signatory_line(signatory: ParsedSignatory) -> str:
    name = signatory.listed_name
    return f"{name} ({signatory.country})" if signatory.country else name


def _signatory(line: str) -> ParsedSignatory:
    match = _SIGNATORY_WITH_COUNTRY.fullmatch(line)
    if match and match["code"] in country_names():
        return ParsedSignatory(match["name"], match["code"])
    return ParsedSignatory(line, None)


class PasteForm(FlaskForm):
    text = TextAreaField(_l("The statement's text"), render_kw=_LONG_TEXT, validators=[
        DataRequired(message=_l("Paste the text of the statement."))])


class _DetailsFields(FlaskForm):
    title = StringField(_l("Title"), filters=[_strip], validators=[
        DataRequired(message=_l("Give the statement a title.")), one_line, _too_long(300)])
    slug = StringField(_l("Address (slug)"), filters=[_strip], validators=[
        DataRequired(message=_l("Give the statement a slug.")), _too_long(80)])
    statement_date = DateField(_l("Date (optional)"), validators=[Optional()])
    body_markdown = TextAreaField(_l("Lead text (Markdown)"), render_kw=_LONG_TEXT)


class ReadingGroupForm(Form):
    intro = TextAreaField(_l("Introduction"), filters=[_strip], render_kw=_LINES)
    addressees = TextAreaField(_l("Addressees, one per line"), render_kw=_LINES)
    demands = TextAreaField(_l("Demands, one per line"), render_kw={"rows": 10, "cols": 72})


class ReadingForm(_DetailsFields):
    """The importer's reading of a pasted text, as the coordinator corrects it. The
    lines it dropped or could not place ride along in hidden fields, so that the page
    shows them again if saving fails."""

    groups = FieldList(FormField(ReadingGroupForm))
    signatories = TextAreaField(_l("Signatory organizations, one per line"),
                                render_kw={"rows": 12, "cols": 72})
    dropped_lines = FieldList(HiddenField())
    unplaced_lines = FieldList(HiddenField())

    @classmethod
    def from_parsed(cls, parsed: ParsedStatement, *, slug: str) -> ReadingForm:
        # formdata=None: the request's form is the pasted text, not this one.
        return cls(formdata=None, data={
            "title": parsed.title,
            "slug": slug,
            "statement_date": parsed.date,
            "body_markdown": parsed.body,
            "groups": [{"intro": group.intro, "addressees": "\n".join(group.addressees),
                        "demands": "\n".join(group.demands)} for group in parsed.demand_groups],
            "signatories": "\n".join(map(signatory_line, parsed.signatories)),
            "dropped_lines": parsed.dropped_lines,
            "unplaced_lines": parsed.unplaced_lines,
        })

    def to_parsed(self) -> ParsedStatement:
        """The corrected reading; a group left without demands is left out."""
        groups = [
            ParsedDemandGroup(intro=group.intro.data or "",
                              addressees=_lines(group.addressees.data),
                              demands=_lines(group.demands.data))
            for group in self.groups
        ]
        return ParsedStatement(
            title=self.title.data,
            date=self.statement_date.data,
            body=(self.body_markdown.data or "").strip(),
            demand_groups=[group for group in groups if group.demands],
            signatories=[_signatory(line) for line in _lines(self.signatories.data)],
            dropped_lines=[field.data for field in self.dropped_lines],
            unplaced_lines=[field.data for field in self.unplaced_lines],
        )


class DetailsForm(_DetailsFields):
    def to_details(self) -> StatementDetails:
        return StatementDetails(title=self.title.data, slug=self.slug.data,
                                statement_date=self.statement_date.data,
                                body_markdown=self.body_markdown.data or "")


class NewGroupForm(FlaskForm):
    intro = TextAreaField(_l("Introduction (optional)"), filters=[_strip], render_kw=_LINES)


class GroupForm(FlaskForm):
    intro = TextAreaField(_l("Introduction"), filters=[_strip], render_kw=_LINES)
    addressees = SelectMultipleField(
        _l("Addressed to"), coerce=int, widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )

    def offer(self, addressees: list[Addressee]) -> GroupForm:
        self.addressees.choices = [(addressee.id, addressee.name) for addressee in addressees]
        return self


class DemandForm(FlaskForm):
    text = TextAreaField(_l("Demand"), filters=[_strip], render_kw=_LINES, validators=[
        DataRequired(message=_l("Write the demand."))])


# --- Sign-on settings: the deadline, affiliations, how signatories are listed ----------


class DeadlineForm(FlaskForm):
    deadline_date = DateField(_l("Sign-on closes on (date)"), validators=[Optional()])
    deadline_time = TimeField(_l("At (time, 24-hour clock)"), validators=[Optional()])
    time_zone = SelectField(_l("Time zone of the deadline"), choices=lambda: [
        SelectChoice(name, name) for name in time_zone_names()],
        validate_choice=False, widget=LongListSelect(),
        # The zones' names are the IANA database's identifiers, in English in every
        # interface language: a screen reader reads them so.
        render_kw={"lang": "en"})
    delivery_date = DateField(_l("Planned delivery date (optional)"), validators=[Optional()])

    def to_choice(self) -> DeadlineChoice:
        return DeadlineChoice(deadline_date=self.deadline_date.data,
                              deadline_time=self.deadline_time.data,
                              time_zone=self.time_zone.data or "",
                              delivery_date=self.delivery_date.data)


GROUPING_CHOICES = [
    SelectChoice(SignatoryGrouping.NONE.value, _l("In the order they signed")),
    SelectChoice(SignatoryGrouping.COUNTRY.value, _l("Grouped by country")),
    SelectChoice(SignatoryGrouping.AFFILIATION.value,
                 _l("Grouped by organization (individuals by the affiliation they give)")),
]


class AffiliationSettingsForm(FlaskForm):
    asks_affiliation = BooleanField(
        _l("Ask individuals for an affiliation or title (they may leave it empty)"))
    affiliation_disclaimer = TextAreaField(
        _l("Disclaimer shown with the affiliations (empty: the standard one)"),
        filters=[_strip], render_kw=_LINES, validators=[_too_long(DISCLAIMER_LENGTH)])
    signatory_grouping = RadioField(_l("How the signatories are listed"),
                                    choices=GROUPING_CHOICES,
                                    default=SignatoryGrouping.NONE.value)

    def to_settings(self) -> AffiliationSettings:
        return AffiliationSettings(
            asks_affiliation=bool(self.asks_affiliation.data),
            disclaimer=self.affiliation_disclaimer.data or "",
            grouping=SignatoryGrouping(self.signatory_grouping.data))
