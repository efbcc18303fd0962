"""The signing forms: what a signer may type, and the messages shown next to each field."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, Field, RadioField, SelectField, StringField, URLField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, Length, Optional, ValidationError

from campaign.signing.models import NameDisplay, OrganizationType
from campaign.signing.services import IndividualSignatureRequest, OrganizationSignatureRequest
from campaign.signing.validation import InvalidEmail, country_names, normalize_email

NAME_LENGTH = 120
ORGANIZATION_NAME_LENGTH = 200


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _valid_email(form: FlaskForm, field: Field) -> None:
    try:
        normalize_email(field.data or "")
    except InvalidEmail as error:
        raise ValidationError(_l("Enter a valid e-mail address (%(reason)s)",
                                 reason=str(error))) from error


def _known_country(form: FlaskForm, field: Field) -> None:
    if field.data not in country_names():
        raise ValidationError(_l("Choose a country from the list."))


def _web_address(value: Any) -> Any:
    """Accept "example.org" as people type it, and store it as a link."""
    value = _strip(value)
    if value and "://" not in value:
        return f"https://{value}"
    return value


def _http_only(form: FlaskForm, field: Field) -> None:
    if field.data and not field.data.lower().startswith(("https://", "http://")):
        raise ValidationError(_l("Enter a web address starting with https://"))


def _country_field(label: Any) -> SelectField:
    # A <select>: the browser's own type-to-search works without JavaScript.
    return SelectField(
        label,
        choices=lambda: [SelectChoice("", _l("Choose a country")),
                         *(SelectChoice(code, name) for code, name in country_names().items())],
        validate_choice=False,
        validators=[_required(_l("Choose a country.")), _known_country],
    )


def _required(message: Any) -> DataRequired:
    # DataRequired checks the value after the filters, so "   " (stripped to "") is
    # refused here rather than reaching the database's non-empty check.
    return DataRequired(message=message)


def _too_long(limit: int) -> Length:
    return Length(max=limit, message=_l("Use at most %(max)d characters.", max=limit))


class IndividualSignatureForm(FlaskForm):
    name = StringField(_l("Your name"), filters=[_strip], validators=[
        _required(_l("Enter your name.")), _too_long(NAME_LENGTH)])
    email = EmailField(_l("Your e-mail address"), filters=[_strip], validators=[
        _required(_l("Enter your e-mail address.")), _too_long(254), _valid_email])
    country = _country_field(_l("Country"))
    name_display = RadioField(
        _l("How your name is shown"),
        choices=[
            SelectChoice(NameDisplay.FULL.value, _l("Full name")),
            SelectChoice(NameDisplay.FIRST_NAME_AND_INITIAL.value, _l("First name and initial")),
            SelectChoice(NameDisplay.HIDDEN.value, _l("Not shown: count my signature only")),
        ],
        default=NameDisplay.FULL.value,
        validators=[_required(_l("Choose how your name is shown."))],
    )
    wants_updates = BooleanField(_l("Send me updates about this statement"), default=False)

    def to_request(self) -> IndividualSignatureRequest:
        return IndividualSignatureRequest(
            name=self.name.data, email=self.email.data, country=self.country.data,
            name_display=NameDisplay(self.name_display.data),
            wants_updates=bool(self.wants_updates.data),
        )


ORGANIZATION_TYPE_LABELS = {
    OrganizationType.NGO: _l("Non-governmental organization"),
    OrganizationType.UNION: _l("Trade union"),
    OrganizationType.FAITH_GROUP: _l("Faith group"),
    OrganizationType.ACADEMIC: _l("Academic institution"),
    OrganizationType.MEDIA: _l("Media"),
    OrganizationType.OTHER: _l("Other"),
}


class OrganizationSignatureForm(FlaskForm):
    name = StringField(_l("Organization name"), filters=[_strip], validators=[
        _required(_l("Enter the organization's name.")), _too_long(ORGANIZATION_NAME_LENGTH)])
    country = _country_field(_l("Country"))
    organization_type = SelectField(
        _l("Type of organization"),
        choices=[SelectChoice("", _l("Choose a type")), *(
            SelectChoice(kind.value, label) for kind, label in ORGANIZATION_TYPE_LABELS.items())],
        validate_choice=False,
        validators=[_required(_l("Choose the type of organization."))],
    )
    website = URLField(_l("Website (optional)"), filters=[_web_address], validators=[
        Optional(), _too_long(300), _http_only,
        URL(message=_l("Enter a web address such as https://example.org"))])
    contact_name = StringField(_l("Contact person"), filters=[_strip], validators=[
        _required(_l("Enter the name of the contact person.")), _too_long(NAME_LENGTH)])
    contact_email = EmailField(_l("Contact e-mail address (never shown publicly)"),
                               filters=[_strip], validators=[
        _required(_l("Enter the contact e-mail address.")), _too_long(254), _valid_email])
    authorized_to_sign = BooleanField(
        _l("I am authorized to sign this statement on behalf of this organization"),
        validators=[DataRequired(message=_l(
            "Tick this box to confirm that you may sign for the organization."))],
    )

    def validate_organization_type(self, field: Field) -> None:
        if field.data not in {kind.value for kind in OrganizationType}:
            raise ValidationError(_l("Choose a type from the list."))

    def to_request(self) -> OrganizationSignatureRequest:
        return OrganizationSignatureRequest(
            name=self.name.data, country=self.country.data,
            organization_type=OrganizationType(self.organization_type.data),
            website=self.website.data or None, contact_name=self.contact_name.data,
            contact_email=self.contact_email.data,
            authorized_to_sign=bool(self.authorized_to_sign.data),
        )
