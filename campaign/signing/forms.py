"""The signing forms: what a signer may type, and the messages shown next to each field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms import BooleanField, EmailField, Field, RadioField, SelectField, StringField, URLField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, Optional, ValidationError

from campaign.form_fields import (
    EMAIL_LENGTH,
    NAME_LENGTH,
    LongListSelect,
    at_most,
    has_line_break,
    one_line,
    required,
    stored_length,
    strip_name,
    strip_whitespace,
    valid_email,
)
from campaign.form_tokens import FormTokenCSRF
from campaign.signing.logos import LogoError, PreparedLogo, prepare_logo
from campaign.signing.models import ORGANIZATION_NAME_LENGTH, NameDisplay, OrganizationType
from campaign.signing.services import IndividualSignatureRequest, OrganizationSignatureRequest
from campaign.statements.models import AFFILIATION_LENGTH
from campaign.text import InvalidEmail, country_names, normalize_email


def _known_country(form: FlaskForm, field: Field) -> None:
    if field.data not in country_names():
        raise ValidationError(_l("Choose a country from the list."))


def _web_address(value: Any) -> Any:
    """Accept "example.org" as people type it, and store it as a link."""
    value = strip_whitespace(value)
    if value and "://" not in value:
        return f"https://{value}"
    return value


def _http_only(form: FlaskForm, field: Field) -> None:
    if field.data and not field.data.lower().startswith(("https://", "http://")):
        raise ValidationError(_l("Enter a web address starting with https://"))


def prepared_logo_of(field: Field) -> PreparedLogo | None:
    """The uploaded logo as it will be stored; None when no file was chosen; a
    ValidationError, with the store's reason, for a file that cannot be a logo."""
    if not isinstance(field.data, FileStorage) or not field.data.filename:
        return None
    try:
        return prepare_logo(field.data.stream)
    except LogoError as error:
        raise ValidationError(str(error)) from error


def _country_field(label: Any) -> SelectField:
    # A <select>: the browser's own type-to-search works without JavaScript.
    return SelectField(
        label,
        choices=lambda: [SelectChoice("", _l("Choose a country")),
                         *(SelectChoice(code, name) for code, name in country_names().items())],
        validate_choice=False,
        validators=[required(_l("Choose a country.")), _known_country],
        widget=LongListSelect(),
    )


def _honeypot() -> StringField:
    """A trap for programs that fill in every field: hidden from people, from screen
    readers and from the keyboard (see the `honeypot` macro), so whatever fills it is
    not a person. Its label tells anyone who sees it anyway to leave it empty."""
    return StringField(_l("Leave this field empty: it is here to catch automated spam."))


class StatementPageForm(FlaskForm):
    """A form of the statement page, whose CSRF token needs no session
    (campaign.form_tokens)."""

    class Meta:
        csrf_class = FormTokenCSRF


class Trapped:
    """A public form with a honeypot field."""

    homepage: StringField

    @property
    def honeypot_filled(self) -> bool:
        return bool(self.homepage.data)


class IndividualSignatureForm(Trapped, StatementPageForm):
    name = StringField(_l("Your name"), filters=[strip_name], validators=[
        required(_l("Enter your name.")), at_most(NAME_LENGTH)])
    email = EmailField(_l("Your e-mail address"), filters=[strip_whitespace], validators=[
        required(_l("Enter your e-mail address.")), at_most(EMAIL_LENGTH), valid_email])
    country = _country_field(_l("Country"))
    # Rendered and kept only where the statement asks for it.
    affiliation = StringField(
        _l("Affiliation or title (optional)"), filters=[strip_name],
        validators=[Optional(), at_most(AFFILIATION_LENGTH), one_line])
    name_display = RadioField(
        _l("How your name is shown"),
        choices=[
            SelectChoice(NameDisplay.FULL.value, _l("Full name")),
            SelectChoice(NameDisplay.FIRST_NAME_AND_INITIAL.value, _l("First name and initial")),
            SelectChoice(NameDisplay.HIDDEN.value, _l("Not shown: count my signature only")),
        ],
        default=NameDisplay.FULL.value,
        validators=[required(_l("Choose how your name is shown."))],
    )
    wants_updates = BooleanField(_l("Send me updates about this statement"), default=False)
    homepage = _honeypot()

    def to_request(self) -> IndividualSignatureRequest:
        return IndividualSignatureRequest(
            name=self.name.data, email=self.email.data, country=self.country.data,
            name_display=NameDisplay(self.name_display.data),
            wants_updates=bool(self.wants_updates.data),
            affiliation=self.affiliation.data or None,
        )


INDIVIDUAL_FORM_PREFIX = "person"
_NAME_DISPLAYS = frozenset(choice.value for choice in NameDisplay)


@dataclass(frozen=True)
class QuickSubmission:
    request: IndividualSignatureRequest
    honeypot_filled: bool


def quick_individual_submission(formdata: Any) -> QuickSubmission | None:
    """What IndividualSignatureForm would make of FORMDATA (a MultiDict posted with its
    prefix), or None where it would refuse it. The same rules as the form's, read the
    way WTForms reads them (first value of each field, the filters before the
    validators, a missing radio button taking its default), without building the
    form: on the signing path, building and validating it cost more than the
    database. A refusal goes to the form itself, which says why; the CSRF token is
    checked by the caller. tests/signing/test_quick_check.py holds the two to the
    same answers."""
    def first(field: str) -> str | None:
        return formdata.get(f"{INDIVIDUAL_FORM_PREFIX}-{field}")

    name = strip_name(first("name"))
    email = strip_whitespace(first("email"))
    country = first("country")
    name_display = first("name_display")
    if name_display is None:
        name_display = IndividualSignatureForm.name_display.kwargs["default"]
    if not (name and stored_length(name) <= NAME_LENGTH and email
            and stored_length(email) <= EMAIL_LENGTH
            and country and country in country_names() and name_display in _NAME_DISPLAYS):
        return None
    try:
        normalize_email(email)
    except InvalidEmail:
        return None
    affiliation = strip_name(first("affiliation"))
    if affiliation and (stored_length(affiliation) > AFFILIATION_LENGTH
                        or has_line_break(affiliation)):
        return None
    wants_updates = first("wants_updates")
    return QuickSubmission(
        IndividualSignatureRequest(
            name=name, email=email, country=country, name_display=NameDisplay(name_display),
            wants_updates=wants_updates is not None and wants_updates not in ("false", ""),
            affiliation=affiliation or None),
        honeypot_filled=bool(first("homepage")),
    )


ORGANIZATION_TYPE_LABELS = {
    OrganizationType.NGO: _l("Non-governmental organization"),
    OrganizationType.UNION: _l("Trade union"),
    OrganizationType.FAITH_GROUP: _l("Faith group"),
    OrganizationType.ACADEMIC: _l("Academic institution"),
    OrganizationType.MEDIA: _l("Media"),
    OrganizationType.OTHER: _l("Other"),
}


class OrganizationSignatureForm(Trapped, StatementPageForm):
    name = StringField(_l("Organization name"), filters=[strip_name], validators=[
        required(_l("Enter the organization's name.")), at_most(ORGANIZATION_NAME_LENGTH)])
    country = _country_field(_l("Country"))
    organization_type = SelectField(
        _l("Type of organization"),
        choices=[SelectChoice("", _l("Choose a type")), *(
            SelectChoice(kind.value, label) for kind, label in ORGANIZATION_TYPE_LABELS.items())],
        validate_choice=False,
        validators=[required(_l("Choose the type of organization."))],
    )
    website = URLField(_l("Website (optional)"), filters=[_web_address], validators=[
        Optional(), at_most(300), _http_only,
        URL(message=_l("Enter a web address such as https://example.org"))])
    contact_name = StringField(_l("Contact person"), filters=[strip_name], validators=[
        required(_l("Enter the name of the contact person.")), at_most(NAME_LENGTH)])
    contact_email = EmailField(_l("Contact e-mail address (never shown publicly)"),
                               filters=[strip_whitespace], validators=[
        required(_l("Enter the contact e-mail address.")), at_most(EMAIL_LENGTH), valid_email])
    authorized_to_sign = BooleanField(
        _l("I am authorized to sign this statement on behalf of this organization"),
        validators=[DataRequired(message=_l(
            "Tick this box to confirm that you may sign for the organization."))],
    )
    logo = FileField(_l("Logo (optional): PNG, JPEG or WebP, at most 2 MB"))
    homepage = _honeypot()
    # The logo as it will be stored, once the form validated (campaign.signing.logos).
    prepared_logo: PreparedLogo | None = None

    def validate_organization_type(self, field: Field) -> None:
        if field.data not in {kind.value for kind in OrganizationType}:
            raise ValidationError(_l("Choose a type from the list."))

    def validate_logo(self, field: Field) -> None:
        self.prepared_logo = prepared_logo_of(field)

    def to_request(self) -> OrganizationSignatureRequest:
        return OrganizationSignatureRequest(
            name=self.name.data, country=self.country.data,
            organization_type=OrganizationType(self.organization_type.data),
            website=self.website.data or None, contact_name=self.contact_name.data,
            contact_email=self.contact_email.data,
            authorized_to_sign=bool(self.authorized_to_sign.data), logo=self.prepared_logo,
        )


NAME_DISPLAY_CHOICES = [
    SelectChoice(NameDisplay.FULL.value, _l("Full name")),
    SelectChoice(NameDisplay.FIRST_NAME_AND_INITIAL.value, _l("First name and initial")),
    SelectChoice(NameDisplay.HIDDEN.value, _l("Not shown: count my signature only")),
]


class ManageSignatureForm(Trapped, StatementPageForm):
    """On the statement page: the signer asks for the link to their own page again."""

    email = EmailField(_l("Your e-mail address"), filters=[strip_whitespace], validators=[
        required(_l("Enter your e-mail address.")), at_most(EMAIL_LENGTH), valid_email])
    homepage = _honeypot()


class NameDisplayForm(FlaskForm):
    name_display = RadioField(_l("How your name is shown"), choices=NAME_DISPLAY_CHOICES,
                              validators=[required(_l("Choose how your name is shown."))])


class SignerActionForm(FlaskForm):
    """A button only (updates on or off, withdraw, erase): its CSRF token is the form."""
