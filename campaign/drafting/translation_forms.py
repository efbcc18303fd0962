"""The coordinators' forms for a statement's languages and translations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired

from campaign.statements.models import TranslationPartKind
from campaign.statements.translating import PartState, TranslationPartState

_LANGUAGE_HINT = _l("A language code: “uk” Ukrainian, “en” English, “ru” Russian, "
                    "“crh” Crimean Tatar.")


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


class SourceLanguageForm(FlaskForm):
    language = StringField(_l("The statement is written in"), filters=[_strip],
                           description=_LANGUAGE_HINT, validators=[
                               DataRequired(message=_l("Write a language code."))])


class NewTranslationForm(FlaskForm):
    language = StringField(_l("Translate into"), filters=[_strip],
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
                source.label, render_kw={"rows": rows, "cols": 72}))
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
