"""The workspace's languages: the statement's own, and its translations, part by part."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug import Response

from campaign.accounts.access import team_statement_or_404
from campaign.drafting.translation_forms import (
    NewTranslationForm,
    SourceLanguageForm,
    TranslationForm,
    TranslationRemovalForm,
)
from campaign.extensions import db
from campaign.form_fields import show_error
from campaign.languages import language_name
from campaign.statements import translating
from campaign.statements.models import Statement, StatementError, StatementTranslation

bp = Blueprint("translations", __name__, url_prefix="/coordinate")


def _translation_or_404(statement: Statement, language: str) -> StatementTranslation:
    translation = translating.find_translation(statement, language)
    if translation is None:
        abort(404)
    return translation


def _render_index(statement: Statement, source_form: SourceLanguageForm | None = None,
                  new_form: NewTranslationForm | None = None,
                  status: int = 200) -> tuple[str, int]:
    translations = translating.translations_of(statement)
    return render_template(
        "drafting/translations.html", statement=statement,
        translations=[(translation, translating.translation_states(translation))
                      for translation in translations],
        source_form=source_form or SourceLanguageForm(
            formdata=None, prefix="source", language=statement.language),
        new_form=new_form or NewTranslationForm(formdata=None, prefix="new"),
    ), status


def _to_index(statement: Statement) -> Response:
    return redirect(url_for(".index", slug=statement.slug))


def _to_translation(translation: StatementTranslation) -> Response:
    return redirect(url_for(".translation", slug=translation.statement.slug,
                            language=translation.language))


@bp.get("/<slug>/translations")
@login_required
def index(slug: str) -> tuple[str, int]:
    return _render_index(team_statement_or_404(slug))


@bp.post("/<slug>/translations/source")
@login_required
def source_language(slug: str) -> Response | tuple[str, int]:
    statement = team_statement_or_404(slug)
    form = SourceLanguageForm(prefix="source")
    if not form.validate_on_submit():
        return _render_index(statement, source_form=form, status=400)
    try:
        translating.set_source_language(statement, form.language.data)
    except StatementError as error:
        show_error(form, error)
        return _render_index(statement, source_form=form, status=400)
    db.session.commit()
    flash(_("The statement is written in %(language)s.",
            language=language_name(statement.language)))
    return _to_index(statement)


@bp.post("/<slug>/translations")
@login_required
def add(slug: str) -> Response | tuple[str, int]:
    statement = team_statement_or_404(slug)
    form = NewTranslationForm(prefix="new")
    if not form.validate_on_submit():
        return _render_index(statement, new_form=form, status=400)
    try:
        translation = translating.add_translation(statement, form.language.data)
    except StatementError as error:
        db.session.rollback()
        show_error(form, error)
        return _render_index(statement, new_form=form, status=400)
    db.session.commit()
    flash(_("A draft translation into %(language)s is started. Nobody outside the team sees "
            "it until you approve it as official.", language=language_name(translation.language)))
    return _to_translation(translation)


def _render_translation(translation: StatementTranslation, form: TranslationForm | None = None,
                        status: int = 200) -> tuple[str, int]:
    states = form.states if form else translating.translation_states(translation)
    return render_template(
        "drafting/translation.html", statement=translation.statement,
        translation=translation, form=form or TranslationForm.for_parts(states),
        states=states, needs_work=[state for state in states if state.needs_work],
    ), status


@bp.get("/<slug>/translations/<language>")
@login_required
def translation(slug: str, language: str) -> tuple[str, int]:
    return _render_translation(_translation_or_404(team_statement_or_404(slug), language))


@bp.post("/<slug>/translations/<language>")
@login_required
def save(slug: str, language: str) -> Response | tuple[str, int]:
    translation = _translation_or_404(team_statement_or_404(slug), language)
    form = TranslationForm.for_parts(translating.translation_states(translation), submitted=True)
    if not form.validate_on_submit():
        return _render_translation(translation, form, 400)
    try:
        translating.save_translation(translation, form.texts(), form.still_current())
    except StatementError as error:
        show_error(form, error)
        return _render_translation(translation, form, 400)
    db.session.commit()
    flash(_("The translation is saved."))
    return _to_translation(translation)


def _change(slug: str, language: str, change: object, done: str) -> Response:
    translation = _translation_or_404(team_statement_or_404(slug), language)
    try:
        change(translation)  # type: ignore[operator]
    except StatementError as error:
        db.session.rollback()
        flash(str(error))
        return _to_translation(translation)
    db.session.commit()
    flash(done)
    return _to_translation(translation)


@bp.post("/<slug>/translations/<language>/approve")
@login_required
def approve(slug: str, language: str) -> Response:
    return _change(slug, language, translating.approve_translation, _(
        "The translation is official: readers in its language see it, and addressees in "
        "its language are sent it."))


@bp.post("/<slug>/translations/<language>/withdraw")
@login_required
def withdraw(slug: str, language: str) -> Response:
    return _change(slug, language, translating.withdraw_translation, _(
        "The translation is a draft again: only the team sees it."))


@bp.route("/<slug>/translations/<language>/remove", methods=["GET", "POST"])
@login_required
def remove(slug: str, language: str) -> Response | str:
    """Removing a translation loses its text: the page asks first, the form does it."""
    statement = team_statement_or_404(slug)
    translation = _translation_or_404(statement, language)
    form = TranslationRemovalForm()
    if not form.validate_on_submit():
        return render_template("drafting/translation_remove.html", statement=statement,
                               translation=translation, form=form)
    name = language_name(translation.language)
    translating.remove_translation(translation)
    db.session.commit()
    flash(_("The translation into %(language)s is removed.", language=name))
    return _to_index(statement)
