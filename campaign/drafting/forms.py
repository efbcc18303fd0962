"""The coordinators' forms for drafting a statement, and for its languages and translations."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    Field,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    AnyOf,
    DataRequired,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from campaign.drafting.importer import (
    LineKind,
    ParsedDemandGroup,
    ParsedSignatory,
    ParsedStatement,
    StatementTextError,
    numbered_lines,
)
from campaign.drafting.services import AffiliationSettings, StatementDetails
from campaign.form_fields import (
    LongListSelect,
    at_most,
    at_most_message,
    one_line,
    stored_length,
    strip_whitespace,
)
from campaign.languages import format_count
from campaign.rendering import MARKDOWN_LENGTH
from campaign.signing.models import ORGANIZATION_NAME_LENGTH
from campaign.statements.deadlines import DeadlineChoice, time_zone_names
from campaign.statements.models import (
    ADDRESSEE_NAME_LENGTH,
    DEMAND_TEXT_LENGTH,
    DISCLAIMER_LENGTH,
    Addressee,
    SignatoryGrouping,
    StatementError,
    TranslationPartKind,
)
from campaign.statements.translating import PART_LENGTHS, PartState, TranslationPartState
from campaign.text import country_names, name_key

# "Name (UA)": the way the reading writes a signatory whose country it found.
_SIGNATORY_WITH_COUNTRY = re.compile(r"(?P<name>.+?)\s*\((?P<code>[A-Z]{2})\)")


# Without a stylesheet rule for them, text areas are sized here.
_LONG_TEXT = {"rows": 16, "cols": 72}
_LINES = {"rows": 5, "cols": 72}


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
    title = StringField(_l("Title"), filters=[strip_whitespace], validators=[
        DataRequired(message=_l("Give the statement a title.")), one_line, at_most(300)])
    slug = StringField(_l("Address (slug)"), filters=[strip_whitespace], validators=[
        DataRequired(message=_l("Give the statement a slug.")), at_most(80)])
    statement_date = DateField(_l("Date (optional)"), validators=[Optional()])
    body_markdown = TextAreaField(_l("Lead text (Markdown)"), render_kw=_LONG_TEXT,
                                  validators=[at_most(MARKDOWN_LENGTH)])


# What a coordinator can mark a line as, in the order a statement runs.
LINE_KINDS: dict[LineKind, Any] = {
    LineKind.TITLE: _l("Title"),
    LineKind.DATE: _l("Date"),
    LineKind.LEAD: _l("Lead text"),
    LineKind.ADDRESSEE: _l("Addressee (a line of a “To:” list)"),
    LineKind.INTRO: _l("Introduction of a group of demands, with its addressees"),
    LineKind.DEMAND: _l("Demand"),
    LineKind.SIGNATORY: _l("Signatory"),
    LineKind.CLOSING: _l("Closing or signatories' heading (not saved)"),
    LineKind.FURNITURE: _l("Page furniture (left out)"),
}

# Bounds on what the reading page sends back: every row is a field, and a page of
# thousands of them is already long. More is refused with a message (see
# `oversized_lists`), never cut silently.
MARKABLE_LINES = 3000
GROUPS = 200
ROWS = 500
SIGNATORIES = 5000
POSITION_MAX = 10_000
# A signatory's line past this is refused unread (see _signatory_name_fits).
_ITEM_LENGTH = 2000
# The lines left out and the warnings are only shown again: hidden, and many.
_SHOWN_AGAIN = 100_000
LIST_LIMITS = {"lines": MARKABLE_LINES, "groups": GROUPS, "signatories": SIGNATORIES,
               "addressees": ROWS, "demands": ROWS, "dropped_lines": _SHOWN_AGAIN,
               "unplaced_lines": _SHOWN_AGAIN, "warnings": _SHOWN_AGAIN}
# "groups-3-demands-12-text": a list's name and a row number, at any depth.
_ROW_KEY = re.compile(r"(?P<list>[a-z_]+)-(?P<index>[^-]*)")


def oversized_lists(formdata: Any) -> str | None:
    """Why the sent form cannot be read, or None. WTForms reads any digits after a
    list's name as a row number ("²" and a 5,000-digit number included, which fail)
    and drops rows beyond a list's bound without a word; both are said here first."""
    rows: dict[tuple[str, str], set[str]] = {}
    for key in formdata:
        prefix = ""
        for match in _ROW_KEY.finditer(key):
            name, index = match["list"], match["index"]
            if name not in LIST_LIMITS or match.start() != len(prefix):
                break
            if not (index.isascii() and index.isdigit() and len(index) <= 6):
                return str(_l("The form sent back is not one this page made. Start again "
                              "from the pasted text."))
            rows.setdefault((prefix, name), set()).add(index)
            prefix += match.group(0) + "-"
    for (_prefix, name), indices in rows.items():
        if len(indices) > LIST_LIMITS[name]:
            return str(_l("A list on this page has more than %(limit)s rows: shorten it "
                          "before reading it again.", limit=format_count(LIST_LIMITS[name])))
    return None


class PositionField(IntegerField):
    """A row's place in its list; blank keeps it where it is."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(_position_message()) from error

    def pre_validate(self, form: Any) -> None:
        # A word is no number, and no number in the range either: one message is enough.
        # A blank is left to Optional, which takes it for "keep the row's place".
        if self.process_errors and (self.raw_data or [""])[0].strip():
            raise StopValidation()


def _position_message() -> Any:
    return _l("A position is a whole number from 1 to %(max)s.", max=format_count(POSITION_MAX))


def _position() -> PositionField:
    return PositionField(_l("Position"), validators=[
        Optional(), NumberRange(min=1, max=POSITION_MAX, message=_position_message())])


class LineMarkForm(Form):
    kind = SelectField(_l("What this line is"), widget=LongListSelect(),
                       choices=[SelectChoice(kind.value, label)
                                for kind, label in LINE_KINDS.items()],
                       validate_choice=False, validators=[AnyOf(
                           [kind.value for kind in LINE_KINDS],
                           message=_l("Choose what the line is from the list."))])


def _signatory_name_fits(form: Form, field: Field) -> None:
    """A signatory's row is saved as its name, less the country written after it."""
    line = field.data or ""
    if stored_length(line) <= ORGANIZATION_NAME_LENGTH:
        return
    # Finding the country costs time growing with the square of a line of spaces.
    if len(line) > _ITEM_LENGTH or stored_length(
            _signatory(line).listed_name) > ORGANIZATION_NAME_LENGTH:
        raise ValidationError(at_most_message(ORGANIZATION_NAME_LENGTH))


def _row_form(check_length: Any) -> type[Form]:
    """A row of a list, held to what its text is saved as: its text, its place, and a
    box to remove it. Each longer text would be refused by the database on saving."""

    class RowForm(Form):
        text = StringField(_l("Text"), filters=[strip_whitespace],
                           validators=[one_line, check_length])
        position = _position()
        remove = BooleanField(_l("Remove"))

    return RowForm


AddresseeRowForm = _row_form(at_most(ADDRESSEE_NAME_LENGTH))
DemandRowForm = _row_form(at_most(DEMAND_TEXT_LENGTH))
SignatoryRowForm = _row_form(_signatory_name_fits)


class ReadingGroupForm(Form):
    intro = TextAreaField(_l("Introduction"), filters=[strip_whitespace], render_kw=_LINES,
                          validators=[at_most(DEMAND_TEXT_LENGTH)])
    position = _position()
    remove = BooleanField(_l("Remove this group, with its addressees and demands"))
    addressees = FieldList(FormField(AddresseeRowForm), max_entries=ROWS)
    demands = FieldList(FormField(DemandRowForm), max_entries=ROWS)


def _rows(entries: list[Any]) -> list[Any]:
    """The rows in the order their positions ask (ties and blanks keep their place),
    without those marked for removal."""
    kept = [(entry.position.data or index + 1, index, entry)
            for index, entry in enumerate(entries) if not entry.remove.data]
    return [entry for _position, _index, entry in sorted(kept, key=lambda row: row[:2])]


def _reordered(entries: list[Any]) -> bool:
    return any(entry.remove.data or (entry.position.data not in (None, index + 1))
               for index, entry in enumerate(entries))


def _texts(rows: list[Any]) -> list[str]:
    return [row.text.data for row in _rows(rows) if row.text.data]


class ReadingForm(_DetailsFields):
    """The importer's reading of a pasted text, as the coordinator corrects it: the text
    itself and the marks on its lines (to read it again), and the statement read from
    them, in rows to edit, add, remove and reorder. Everything travels in the form,
    nothing in the session. The lines the reading dropped or could not place, and
    its warnings, ride along in hidden fields to be shown again."""

    text = HiddenField()
    lines = FieldList(FormField(LineMarkForm), max_entries=MARKABLE_LINES)
    groups = FieldList(FormField(ReadingGroupForm), max_entries=GROUPS)
    signatories = FieldList(FormField(SignatoryRowForm), max_entries=SIGNATORIES)
    # Choices are the coordinator's teams, set by the view; none for a first statement.
    team = SelectField(_l("Team that runs it"), coerce=int, validate_choice=False,
                       validators=[Optional()])
    dropped_lines = FieldList(HiddenField(), max_entries=_SHOWN_AGAIN)
    unplaced_lines = FieldList(HiddenField(), max_entries=_SHOWN_AGAIN)
    warnings = FieldList(HiddenField(), max_entries=_SHOWN_AGAIN)
    # The language the importer read the text in: the statement's own language.
    language = HiddenField()

    @classmethod
    def from_parsed(cls, parsed: ParsedStatement, *, slug: str, text: str,
                    marks: list[str] | None = None) -> ReadingForm:
        """The form showing a reading, with an empty row at the end of each list (and an
        empty group) to add one."""
        # formdata=None: the request's form is the pasted text (or the older reading).
        def rows(texts: list[str]) -> list[dict[str, Any]]:
            return [{"text": item, "position": number}
                    for number, item in enumerate([*texts, ""], 1)]

        groups = [*parsed.demand_groups, ParsedDemandGroup("", [], [])]
        longest = max(len(items) for group in groups for items in (group.addressees,
                                                                    group.demands))
        if len(groups) > GROUPS or longest >= ROWS or len(parsed.signatories) >= SIGNATORIES \
                or max(len(parsed.dropped_lines), len(parsed.unplaced_lines),
                       len(parsed.warnings)) > _SHOWN_AGAIN:
            raise StatementError(str(_l(
                "The reading has more than this page can show (at most %(groups)s groups, "
                "%(rows)s addressees or demands in a group and %(signatories)s "
                "signatories). Shorten the text and paste it again, or import it with the "
                "import-statement command.", groups=format_count(GROUPS - 1),
                rows=format_count(ROWS - 1), signatories=format_count(SIGNATORIES - 1))),
                field="text")
        return cls(formdata=None, data={
            "title": parsed.title,
            "slug": slug,
            "statement_date": parsed.date,
            "body_markdown": parsed.body,
            "text": text,
            "lines": [{"kind": kind} for kind in marks] if marks is not None
            else [{"kind": line.kind.value} for line in parsed.lines]
            if len(parsed.lines) <= MARKABLE_LINES else [],
            "groups": [{"intro": group.intro, "position": number,
                        "addressees": rows(group.addressees), "demands": rows(group.demands)}
                       for number, group in enumerate(groups, 1)],
            "signatories": rows(list(map(signatory_line, parsed.signatories))),
            "dropped_lines": parsed.dropped_lines,
            "unplaced_lines": parsed.unplaced_lines,
            "warnings": parsed.warnings,
            "language": parsed.language or "",
        })

    def marks(self) -> dict[int, LineKind]:
        """The kind chosen for each line, by the line's number in the text."""
        try:
            numbers = [number for number, _line in numbered_lines(self.text.data or "")]
        except StatementTextError as error:
            raise StatementError(str(error)) from error
        if len(numbers) != len(self.lines.entries):
            raise StatementError(str(_l("The marks do not fit the text: read it again from "
                                        "the start.")))
        return {number: LineKind(entry.kind.data)
                for number, entry in zip(numbers, self.lines.entries, strict=True)}

    def error_messages(self) -> list[tuple[str, str]]:
        """Every error on the page, with the id of the field it is about."""
        found: list[tuple[str, str]] = [("", str(error)) for error in self.form_errors]

        def collect(field: Any) -> None:
            if isinstance(field, FieldList):
                for entry in field.entries:
                    collect(entry)
            elif isinstance(field, FormField):
                for sub in field.form:
                    collect(sub)
            else:
                found.extend((field.id, str(error)) for error in field.errors)

        for field in self:
            collect(field)
        return found

    def has_pending_changes(self) -> bool:
        """Whether rows are marked for removal or given another place: the page then
        shows the result before anything is saved."""
        return _reordered(self.groups.entries) or _reordered(self.signatories.entries) or any(
            _reordered(group.addressees.entries) or _reordered(group.demands.entries)
            for group in self.groups.entries)

    def to_parsed(self) -> ParsedStatement:
        """The reading as corrected: rows in their new order, without the removed and
        the empty ones; a group with nothing in it is left out."""
        groups = []
        for entry in _rows(self.groups.entries):
            group = ParsedDemandGroup(
                intro=entry.intro.data or "",
                addressees=list(dict.fromkeys(_texts(entry.addressees.entries))),
                demands=_texts(entry.demands.entries))
            if group.intro or group.addressees or group.demands:
                groups.append(group)
        signatories: dict[str, ParsedSignatory] = {}
        for line in _texts(self.signatories.entries):
            signatory = _signatory(line)
            # The statement lists an organization once.
            signatories.setdefault(name_key(signatory.listed_name), signatory)
        return ParsedStatement(
            title=self.title.data or "",
            date=self.statement_date.data,
            body=(self.body_markdown.data or "").strip(),
            demand_groups=groups,
            signatories=list(signatories.values()),
            dropped_lines=[field.data for field in self.dropped_lines],
            unplaced_lines=[field.data for field in self.unplaced_lines],
            warnings=[field.data for field in self.warnings],
            language=self.language.data or None,
        )


class FoundingOrganizationForm(FlaskForm):
    name = StringField(_l("Name of the organization"), filters=[strip_whitespace], validators=[
        DataRequired(message=_l("Enter the organization's name.")),
        at_most(ORGANIZATION_NAME_LENGTH), one_line])
    country = SelectField(
        _l("Country (optional)"), validators=[Optional()],
        choices=lambda: [SelectChoice("", _l("No country")),
                         *(SelectChoice(code, name) for code, name in country_names().items())])


class DetailsForm(_DetailsFields):
    def to_details(self) -> StatementDetails:
        return StatementDetails(title=self.title.data, slug=self.slug.data,
                                statement_date=self.statement_date.data,
                                body_markdown=self.body_markdown.data or "")


class NewGroupForm(FlaskForm):
    intro = TextAreaField(_l("Introduction (optional)"), filters=[strip_whitespace],
                          render_kw=_LINES, validators=[at_most(DEMAND_TEXT_LENGTH)])


class GroupForm(FlaskForm):
    intro = TextAreaField(_l("Introduction"), filters=[strip_whitespace], render_kw=_LINES,
                          validators=[at_most(DEMAND_TEXT_LENGTH)])
    addressees = SelectMultipleField(
        _l("Addressed to"), coerce=int, widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )

    def offer(self, addressees: list[Addressee]) -> GroupForm:
        self.addressees.choices = [(addressee.id, addressee.name) for addressee in addressees]
        return self


class DemandForm(FlaskForm):
    text = TextAreaField(_l("Demand"), filters=[strip_whitespace], render_kw=_LINES, validators=[
        DataRequired(message=_l("Write the demand.")), at_most(DEMAND_TEXT_LENGTH)])


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
        filters=[strip_whitespace], render_kw=_LINES, validators=[at_most(DISCLAIMER_LENGTH)])
    signatory_grouping = RadioField(_l("How the signatories are listed"),
                                    choices=GROUPING_CHOICES,
                                    default=SignatoryGrouping.NONE.value)

    def to_settings(self) -> AffiliationSettings:
        return AffiliationSettings(
            asks_affiliation=bool(self.asks_affiliation.data),
            disclaimer=self.affiliation_disclaimer.data or "",
            grouping=SignatoryGrouping(self.signatory_grouping.data))



# --- A statement's languages and translations --------------------------------------
_LANGUAGE_HINT = _l("A language code: “uk” Ukrainian, “en” English, “ru” Russian, "
                    "“crh” Crimean Tatar.")


class SourceLanguageForm(FlaskForm):
    language = StringField(_l("The statement is written in"), filters=[strip_whitespace],
                           description=_LANGUAGE_HINT, validators=[
                               DataRequired(message=_l("Write a language code."))])


class NewTranslationForm(FlaskForm):
    language = StringField(_l("Translate into"), filters=[strip_whitespace],
                           description=_LANGUAGE_HINT, validators=[
                               DataRequired(message=_l("Write a language code."))])


class TranslationForm(FlaskForm):
    """One text area per part of the statement, named by the part's key, and for a
    part older than its source a box to say that it still says the same."""

    @classmethod
    def for_parts(cls, states: list[TranslationPartState], *,
                  submitted: bool = False) -> TranslationForm:
        class Form(cls):  # type: ignore[valid-type,misc]
            pass

        data: dict[str, object] = {}
        for state in states:
            source = state.source
            rows = 1 if source.kind in (TranslationPartKind.TITLE,
                                        TranslationPartKind.ADDRESSEE) else (
                12 if source.kind is TranslationPartKind.BODY else 4)
            setattr(Form, f"part-{source.key}", TextAreaField(
                source.label, render_kw={"rows": rows, "cols": 72},
                validators=[at_most(PART_LENGTHS[source.kind])]))
            data[f"part-{source.key}"] = state.translated.text if state.translated else ""
            if state.state is PartState.OUTDATED:
                setattr(Form, f"current-{source.key}", BooleanField(
                    _l("The translation above still says what the changed source says")))
        # Shown, the stored translation; sent, what the translator wrote.
        form = Form(data=data) if submitted else Form(formdata=None, data=data)
        form.states = states
        return form

    def texts(self) -> dict[str, str]:
        return {state.source.key: self[f"part-{state.source.key}"].data or ""
                for state in self.states}

    def still_current(self) -> set[str]:
        return {state.source.key for state in self.states
                if f"current-{state.source.key}" in self and
                self[f"current-{state.source.key}"].data}

    def part_field(self, state: TranslationPartState) -> object:
        return self[f"part-{state.source.key}"]

    def current_field(self, state: TranslationPartState) -> object | None:
        name = f"current-{state.source.key}"
        return self._fields.get(name)


class TranslationRemovalForm(FlaskForm):
    """The confirmation that removes a translation: its text is lost."""


class DraftDeletionForm(FlaskForm):
    """The confirmation that deletes a draft, with the organizations on its list."""

    # The organizations the confirmation page counted (services.shown_deletion).
    shown = HiddenField()


class GroupRemovalForm(FlaskForm):
    """The confirmation that removes a group of demands, with its demands."""

    # The demands the confirmation page counted (services.shown_group_removal).
    shown = HiddenField()


class DemandRemovalForm(FlaskForm):
    """The confirmation that removes a demand, with its translations."""

    # The text the confirmation page showed (services.shown_demand_removal).
    shown = HiddenField()


class AddresseeRemovalForm(FlaskForm):
    """The confirmation that removes an addressee, with the letters to them that failed."""

    # The failed letters the confirmation page showed (services.shown_removal).
    shown = HiddenField()
