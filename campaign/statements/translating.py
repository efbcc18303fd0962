"""The rules of a statement's translations: what a translation must hold to become
official, which parts are missing or older than the source, and the statement's text
as a reader, an API client or an addressee gets it, in their language when an official
translation exists and in the source language otherwise."""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from campaign.database import utcnow
from campaign.extensions import db
from campaign.form_fields import at_most_message
from campaign.languages import best_language, language_name, language_tag
from campaign.rendering import MARKDOWN_LENGTH
from campaign.statements.models import (
    ADDRESSEE_NAME_LENGTH,
    DEMAND_TEXT_LENGTH,
    PUBLIC_TRANSLATION_STATUSES,
    Addressee,
    DemandGroup,
    Statement,
    StatementError,
    StatementTranslation,
    TranslatedPart,
    TranslationPartKind,
    source_hash,
)

TITLE_MAX = 300
# A translated part is held to its source's bound: the body is rendered as Markdown
# (whose cost grows with the text) on the public page and in letters.
PART_LENGTHS = {
    TranslationPartKind.TITLE: TITLE_MAX,
    TranslationPartKind.BODY: MARKDOWN_LENGTH,
    TranslationPartKind.INTRO: DEMAND_TEXT_LENGTH,
    TranslationPartKind.DEMAND: DEMAND_TEXT_LENGTH,
    # As long as the addressee's own name may be.
    TranslationPartKind.ADDRESSEE: ADDRESSEE_NAME_LENGTH,
}


# --- The parts of a statement that a translation translates -----------------------------


@dataclass(frozen=True)
class SourcePart:
    key: str
    kind: TranslationPartKind
    text: str
    # Addressees keep their own names unless a translation gives another.
    required: bool
    group_number: int | None = None
    demand_number: int | None = None
    demand_group_id: int | None = None
    demand_id: int | None = None
    addressee_id: int | None = None

    @property
    def label(self) -> str:
        """The part in the coordinator's words, for the form and for what is missing."""
        match self.kind:
            case TranslationPartKind.TITLE:
                return _("Title")
            case TranslationPartKind.BODY:
                return _("Lead text")
            case TranslationPartKind.INTRO:
                return _("Group %(number)d: introduction", number=self.group_number)
            case TranslationPartKind.DEMAND:
                return _("Group %(group)d, demand %(number)d", group=self.group_number,
                         number=self.demand_number)
        return _("Addressee: %(name)s", name=self.text)


def source_parts(statement: Statement) -> list[SourcePart]:
    """Every part of the statement a translation may translate, in reading order; an
    empty lead text or introduction has nothing to translate."""
    parts = [SourcePart("title", TranslationPartKind.TITLE, statement.title, True)]
    if statement.body_markdown.strip():
        parts.append(SourcePart("body", TranslationPartKind.BODY, statement.body_markdown, True))
    for number, group in enumerate(statement.demand_groups, start=1):
        if group.intro.strip():
            parts.append(SourcePart(f"intro-{group.id}", TranslationPartKind.INTRO, group.intro,
                                    True, group_number=number, demand_group_id=group.id))
        for demand_number, demand in enumerate(group.demands, start=1):
            parts.append(SourcePart(f"demand-{demand.id}", TranslationPartKind.DEMAND,
                                    demand.text, True, group_number=number,
                                    demand_number=demand_number, demand_id=demand.id))
    addressees = db.session.scalars(select(Addressee).where(
        Addressee.statement_id == statement.id).order_by(Addressee.id))
    for addressee in addressees:
        parts.append(SourcePart(f"addressee-{addressee.id}", TranslationPartKind.ADDRESSEE,
                                addressee.name, False, addressee_id=addressee.id))
    return parts


class PartState(enum.StrEnum):
    MISSING = "missing"
    # The source changed since this part was translated.
    OUTDATED = "outdated"
    CURRENT = "current"


@dataclass(frozen=True)
class TranslationPartState:
    source: SourcePart
    translated: TranslatedPart | None

    @property
    def state(self) -> PartState:
        if self.translated is None:
            return PartState.MISSING
        if self.translated.source_hash != source_hash(self.source.text):
            return PartState.OUTDATED
        return PartState.CURRENT

    @property
    def needs_work(self) -> bool:
        """Missing where a translation must have it, or older than its source."""
        return self.state is PartState.OUTDATED or (
            self.state is PartState.MISSING and self.source.required)


def translation_states(translation: StatementTranslation) -> list[TranslationPartState]:
    translated = {part.key: part for part in translation.parts}
    return [TranslationPartState(source, translated.get(source.key))
            for source in source_parts(translation.statement)]


# --- Finding translations ---------------------------------------------------------------


def translations_of(statement: Statement) -> list[StatementTranslation]:
    """Every translation, draft or official, for the workspace."""
    return list(db.session.scalars(
        select(StatementTranslation).where(StatementTranslation.statement_id == statement.id)
        .order_by(StatementTranslation.language)
        .options(selectinload(StatementTranslation.parts))))


def find_translation(statement: Statement, language: str) -> StatementTranslation | None:
    tag = language_tag(language)
    if tag is None:
        return None
    return db.session.scalars(select(StatementTranslation).where(
        StatementTranslation.statement_id == statement.id,
        StatementTranslation.language == tag)).one_or_none()


def official_languages(statement: Statement) -> list[str]:
    """The languages the public may read the statement in, the source first."""
    official = db.session.scalars(
        select(StatementTranslation.language)
        .where(StatementTranslation.statement_id == statement.id,
               StatementTranslation.status.in_(PUBLIC_TRANSLATION_STATUSES))
        .order_by(StatementTranslation.language))
    return [statement.language, *(code for code in official if code != statement.language)]


def reading_language(statement: Statement, asked: str | None, interface: str,
                     available: list[str] | None = None) -> str:
    """The language a reader gets the statement in: the one asked for in the link
    (`?lang=`) when it is offered, else the source language (an unknown or unofficial
    one too, never an error); without one asked for, the reader's interface language
    when it is offered, else the source language."""
    available = available if available is not None else official_languages(statement)
    wanted = asked if asked is not None else interface
    return best_language(wanted, available) or statement.language


# --- The statement's text in one language -------------------------------------------------


@dataclass(frozen=True)
class Passage:
    """A piece of the statement and the language it is written in: a part not (yet)
    translated is shown in the source language, and marked so."""

    text: str
    language: str


@dataclass(frozen=True)
class GroupText:
    group: DemandGroup
    intro: Passage
    demands: list[Passage]


@dataclass(frozen=True)
class StatementText:
    language: str
    source_language: str
    title: Passage
    body: Passage
    groups: list[GroupText]
    addressee_names: dict[int, Passage]

    @property
    def is_translation(self) -> bool:
        return self.language != self.source_language

    def group(self, group: DemandGroup) -> GroupText:
        return next(text for text in self.groups if text.group.id == group.id)

    def addressee(self, addressee: Addressee) -> Passage:
        return self.addressee_names.get(addressee.id,
                                        Passage(addressee.name, self.source_language))


def statement_text(statement: Statement, language: str | None,
                   available: list[str] | None = None) -> StatementText:
    """The statement in `language` when it has an official translation into it (or
    is written in it), else in its source language."""
    translation = None
    available = available if available is not None else official_languages(statement)
    chosen = best_language(language, available)
    if chosen is not None and chosen != statement.language:
        translation = db.session.scalars(
            select(StatementTranslation)
            .where(StatementTranslation.statement_id == statement.id,
                   StatementTranslation.language == chosen)
            .options(selectinload(StatementTranslation.parts))).one()
    return _text(statement, translation)


def title_in(statement: Statement, language: str | None) -> str:
    """The statement's title in `language` when it has an official translation into it,
    else its own: for an e-mail's subject, without loading the whole text. Costs a
    query only when the language is not the statement's own."""
    if language is None or best_language(language, [statement.language]) is not None:
        return statement.title
    titles: dict[str, str] = dict(db.session.execute(
        select(StatementTranslation.language, TranslatedPart.text)
        .join(TranslatedPart, TranslatedPart.translation_id == StatementTranslation.id)
        .where(StatementTranslation.statement_id == statement.id,
               StatementTranslation.status.in_(PUBLIC_TRANSLATION_STATUSES),
               TranslatedPart.key == "title",
               # A title translated before the source's was rewritten is not its title.
               TranslatedPart.source_hash == source_hash(statement.title))).all())
    chosen = best_language(language, list(titles))
    return titles[chosen] if chosen is not None else statement.title


def _current_parts(statement: Statement,
                   translation: StatementTranslation | None) -> dict[str, TranslatedPart]:
    """The translated parts that still translate today's source, by key: a part older
    than its source would speak, as official, for words the team has since rewritten,
    so it is left out like a missing one and the source is shown in its place."""
    if translation is None:
        return {}
    sources = {source.key: source.text for source in source_parts(statement)}
    return {part.key: part for part in translation.parts
            if part.key in sources and part.source_hash == source_hash(sources[part.key])}


def _text(statement: Statement, translation: StatementTranslation | None) -> StatementText:
    parts = _current_parts(statement, translation)
    source = statement.language

    def passage(key: str, text: str) -> Passage:
        part = parts.get(key)
        if part is None or translation is None:
            return Passage(text, source)
        return Passage(part.text, translation.language)

    groups = [
        GroupText(group=group, intro=passage(f"intro-{group.id}", group.intro),
                  demands=[passage(f"demand-{demand.id}", demand.text)
                           for demand in group.demands])
        for group in statement.demand_groups
    ]
    names = {part.addressee_id: Passage(part.text, translation.language)
             for part in parts.values()
             if translation is not None and part.addressee_id is not None}
    return StatementText(
        language=translation.language if translation else source, source_language=source,
        title=passage("title", statement.title), body=passage("body", statement.body_markdown),
        groups=groups, addressee_names=names)


# --- Changing translations ----------------------------------------------------------------


def _tag_or_error(code: str | None, field: str) -> str:
    tag = language_tag(code)
    if tag is None:
        raise StatementError(_(
            "Write a language code such as “uk”, “en” or “crh” (Crimean Tatar)."), field=field)
    return tag


def set_source_language(statement: Statement, code: str | None) -> None:
    tag = _tag_or_error(code, "language")
    if find_translation(statement, tag) is not None:
        raise StatementError(_(
            "There is a translation into %(language)s: the statement cannot be written in "
            "it too. Remove the translation first.", language=language_name(tag)),
            field="language")
    statement.language = tag


def add_translation(statement: Statement, code: str | None) -> StatementTranslation:
    """A new, empty draft translation; refused into the source language or into a
    language it is translated into already (also when two coordinators add it at once)."""
    tag = _tag_or_error(code, "language")
    if tag == statement.language:
        raise StatementError(_(
            "The statement is written in %(language)s: a translation is into another language.",
            language=language_name(tag)), field="language")
    translation = StatementTranslation(statement=statement, language=tag)
    try:
        with db.session.begin_nested():
            db.session.add(translation)
            db.session.flush()
    except IntegrityError as error:
        raise StatementError(_(
            "There is a translation into %(language)s already.", language=language_name(tag)),
            field="language") from error
    return translation


class TranslationRemoved(StatementError):
    """The translation being saved was removed by a colleague meanwhile."""

    def __init__(self, language: str) -> None:
        super().__init__(_("The translation into %(language)s was removed meanwhile, so "
                           "nothing was saved.", language=language_name(language)))


def save_translation(translation: StatementTranslation, texts: Mapping[str, str],
                     still_current: Collection[str] = ()) -> None:
    """The parts as the translator wrote them, by key. A part whose text changed is
    marked as translating today's source; an unchanged one keeps its mark, unless the
    translator says it still matches a changed source (`still_current`). An empty
    part is no translation: the source is shown in its place. Refused
    (TranslationRemoved) when a colleague removed the translation meanwhile."""
    # Locked first: a colleague's removal waits until this commits, and one committed
    # before is told here rather than refused by the database as the parts are written.
    if db.session.scalar(select(StatementTranslation.id).where(
            StatementTranslation.id == translation.id).with_for_update()) is None:
        raise TranslationRemoved(translation.language)
    sources = {source.key: source for source in source_parts(translation.statement)}
    existing = {part.key: part for part in translation.parts}
    for key, raw in texts.items():
        source = sources.get(key)
        if source is None:
            continue
        text = raw.strip()
        part = existing.get(key)
        if source.kind is TranslationPartKind.TITLE and len(text) > TITLE_MAX:
            raise StatementError(_("The title is longer than %(max)d characters.",
                                   max=TITLE_MAX), field=key)
        if len(text) > PART_LENGTHS[source.kind]:
            raise StatementError(str(at_most_message(PART_LENGTHS[source.kind])),
                                 field=key)
        if not text:
            if part is not None:
                translation.parts.remove(part)
            continue
        if part is None:
            translation.parts.append(TranslatedPart(
                kind=source.kind, key=key, text=text, source_hash=source_hash(source.text),
                demand_group_id=source.demand_group_id, demand_id=source.demand_id,
                addressee_id=source.addressee_id))
        elif part.text != text or key in still_current:
            part.text = text
            part.source_hash = source_hash(source.text)
            part.translated_at = utcnow()


def approve_translation(translation: StatementTranslation) -> None:
    """Official: only a translation of every part, none older than its source."""
    states = translation_states(translation)
    missing = [state.source.label for state in states
               if state.state is PartState.MISSING and state.source.required]
    outdated = [state.source.label for state in states if state.state is PartState.OUTDATED]
    if missing:
        raise StatementError(_(
            "This translation cannot be official yet: it misses %(parts)s.",
            parts="; ".join(missing)))
    if outdated:
        raise StatementError(_(
            "This translation cannot be official yet: the source changed since these parts "
            "were translated: %(parts)s.", parts="; ".join(outdated)))
    translation.approve(utcnow())


def withdraw_translation(translation: StatementTranslation) -> None:
    translation.withdraw()


def remove_translation(translation: StatementTranslation) -> None:
    db.session.delete(translation)
