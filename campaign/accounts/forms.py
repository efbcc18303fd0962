"""Forms of the coordinators' accounts."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, Field, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Optional, ValidationError

from campaign.accounts.services import (
    AccountError,
    available_time_zones,
    check_password_strength,
)
from campaign.form_fields import (
    EMAIL_LENGTH,
    NAME_LENGTH,
    at_most,
    strip_whitespace,
    valid_email,
)
from campaign.languages import language_links

TEAM_NAME_LENGTH = 200
# Far longer than any passphrase, short enough that hashing a pasted book is cheap.
PASSWORD_LENGTH = 1000


def _strong_password(form: FlaskForm, field: Field) -> None:
    # The rule lives in the service; the form only shows its message at the field.
    try:
        check_password_strength(field.data or "")
    except AccountError as error:
        raise ValidationError(str(error)) from error


def _email_field(label: Any) -> EmailField:
    return EmailField(label, filters=[strip_whitespace], validators=[
        DataRequired(message=_l("Enter an e-mail address.")),
        at_most(EMAIL_LENGTH),
        valid_email])


def _new_password_field(label: Any) -> PasswordField:
    return PasswordField(label, validators=[
        DataRequired(message=_l("Enter a password.")), at_most(PASSWORD_LENGTH),
        _strong_password])


def _password_again_field(label: Any) -> PasswordField:
    return PasswordField(label, validators=[
        DataRequired(message=_l("Enter the password again.")),
        EqualTo("password", message=_l("The two passwords are not the same."))])


class SignInForm(FlaskForm):
    # Checked like every other address field: a malformed one is the person's typo
    # to correct here, and says nothing about which accounts exist.
    email = EmailField(_l("E-mail address"), filters=[strip_whitespace], validators=[
        DataRequired(message=_l("Enter your e-mail address.")),
        at_most(EMAIL_LENGTH),
        valid_email])
    password = PasswordField(_l("Password"), validators=[
        DataRequired(message=_l("Enter your password.")),
        at_most(PASSWORD_LENGTH)])
    next = HiddenField()


class PasswordResetRequestForm(FlaskForm):
    email = _email_field(_l("Your e-mail address"))


class NewPasswordForm(FlaskForm):
    password = _new_password_field(_l("New password"))
    password_again = _password_again_field(_l("New password again"))


class InvitationForm(FlaskForm):
    email = _email_field(_l("E-mail address of the person to invite"))


class TeamNameForm(FlaskForm):
    name = StringField(_l("Name of the team"), filters=[strip_whitespace], validators=[
        DataRequired(message=_l("Give the team a name.")), at_most(TEAM_NAME_LENGTH)])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[
        DataRequired(message=_l("Enter your current password.")),
        at_most(PASSWORD_LENGTH)])
    password = _new_password_field(_l("New password"))
    password_again = _password_again_field(_l("New password again"))


class NewAccountForm(FlaskForm):
    name = StringField(_l("Your name"), filters=[strip_whitespace], validators=[
        DataRequired(message=_l("Enter your name.")),
        at_most(NAME_LENGTH)])
    password = _new_password_field(_l("Password"))
    password_again = _password_again_field(_l("Password again"))


NO_DIGEST = "none"


class DigestSettingsForm(FlaskForm):
    digest_hour = SelectField(
        _l("Daily digest"),
        choices=[SelectChoice(NO_DIGEST, _l("No digest")),
                 *(SelectChoice(str(hour), f"{hour:02d}:00") for hour in range(24))])

    time_zone = SelectField(_l("Your time zone"), validators=[Optional()],
                            choices=lambda: [SelectChoice(zone, zone.replace("_", " "))
                                             for zone in available_time_zones()])

    # Each language named in itself, as on the switcher; left out, it stays as it is.
    language = SelectField(_l("Language of the e-mails we send you"), validators=[Optional()],
                           choices=lambda: [SelectChoice(link["code"], link["name"])
                                            for link in language_links()])

    def chosen_hour(self) -> int | None:
        return None if self.digest_hour.data == NO_DIGEST else int(self.digest_hour.data)
