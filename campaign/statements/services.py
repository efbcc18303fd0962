"""The ground floor: finding a statement, its address (slug), and its lifecycle (the
transitions themselves are methods of Statement, beside its status sets)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from slugify import slugify
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.routing import Map

from campaign.database import utcnow
from campaign.extensions import db
from campaign.statements.models import (
    VISIBLE_STATUSES,
    Addressee,
    Demand,
    DemandGroup,
    Statement,
    StatementError,
)


def suggest_slug(text: str) -> str:
    """Letters, digits and hyphens, short enough for the statement's address."""
    return slugify(text, max_length=80, word_boundary=True)


def reserved_slugs(url_map: Map) -> frozenset[str]:
    """The fixed words that a route puts where another takes a statement's slug:
    "invitations" in /coordinate/invitations/<token> beside /coordinate/<slug>/edit.
    The router prefers the fixed word wherever the rest of the address fits its route
    too (/coordinate/invitations/edit is an invitation's page), so a statement with
    that slug would lose pages. Every such word is refused, not only those that clash
    today; read from the routes themselves, a page added later is counted too."""
    slug_places = set()
    rules = [rule.rule.split("/") for rule in url_map.iter_rules()]
    for parts in rules:
        slug_places.update(tuple(parts[:index]) for index, part in enumerate(parts)
                           if part == "<slug>")
    return frozenset(parts[index] for parts in rules for index in range(1, len(parts))
                     if tuple(parts[:index]) in slug_places and "<" not in parts[index])


def available_slug(wanted: str, *, statement: Statement | None = None) -> str:
    """The slug as stored, refused when it is empty, a word of the app's own addresses,
    or another statement has it."""
    slug = suggest_slug(wanted)
    if not slug:
        raise StatementError(_("Give the statement a slug made of letters or digits."),
                             field="slug")
    if slug in reserved_slugs(current_app.url_map):
        raise StatementError(_("“%(slug)s” is a word the coordinators' pages use in their "
                               "addresses: choose another slug.", slug=slug), field="slug")
    taken = select(Statement.id).where(Statement.slug == slug)
    if statement is not None and statement.id is not None:
        taken = taken.where(Statement.id != statement.id)
    if db.session.scalar(taken) is not None:
        raise _slug_taken(slug)
    return slug


def _slug_taken(slug: str) -> StatementError:
    return StatementError(_("A statement with the slug “%(slug)s” already exists.", slug=slug),
                          field="slug")


@contextmanager
def claiming_slug(slug: str) -> Iterator[None]:
    """The block that writes a statement under SLUG (as available_slug returned it),
    flushed in a savepoint: another save may take the slug after available_slug looked,
    and the database's unique slug then refuses this one, which is said at the field
    as available_slug says it. Any other refusal is not about the slug, and is raised."""
    try:
        with db.session.begin_nested():
            yield
            db.session.flush()
    except IntegrityError as error:
        if db.session.scalar(select(Statement.id).where(Statement.slug == slug)) is None:
            raise
        raise _slug_taken(slug) from error


# --- Finding a statement and its parts -------------------------------------------------


def get_visible_statement(slug: str) -> Statement | None:
    """A published or closed statement; drafts and unknown slugs are not found."""
    return db.session.scalars(
        select(Statement)
        .where(Statement.slug == slug, Statement.status.in_(VISIBLE_STATUSES))
    ).one_or_none()


def get_statement(slug: str) -> Statement | None:
    return db.session.scalars(select(Statement).where(Statement.slug == slug)).one_or_none()


def get_statement_by_sign_on_token(slug: str, token: str) -> Statement | None:
    """The statement a private sign-on link opens; None for an unknown or revoked link."""
    return db.session.scalars(
        select(Statement).where(Statement.slug == slug, Statement.sign_on_token == token)
    ).one_or_none()


def published_statements() -> list[Statement]:
    return list(db.session.scalars(
        select(Statement)
        .where(Statement.status.in_(VISIBLE_STATUSES))
        .order_by(Statement.published_at.desc())
    ))


def find_group(statement: Statement, group_id: int) -> DemandGroup | None:
    return db.session.scalars(select(DemandGroup).where(
        DemandGroup.id == group_id, DemandGroup.statement_id == statement.id)).one_or_none()


def find_demand(statement: Statement, demand_id: int) -> Demand | None:
    return db.session.scalars(
        select(Demand).join(DemandGroup)
        .where(Demand.id == demand_id, DemandGroup.statement_id == statement.id)
    ).one_or_none()


def find_addressee(statement: Statement, addressee_id: int) -> Addressee | None:
    return db.session.scalars(select(Addressee).where(
        Addressee.id == addressee_id, Addressee.statement_id == statement.id)).one_or_none()


# --- Lifecycle -----------------------------------------------------------------------


@dataclass(frozen=True)
class MissingPart:
    """Something a statement lacks before it can be published, and where it is fixed:
    in one group (``group_id``), or in the statement's own section (``section``)."""

    message: str
    section: str
    group_id: int | None = None


def publication_problems(statement: Statement, *,
                         without: Addressee | None = None) -> list[MissingPart]:
    """What a reader would miss in the published statement: a title, and demands each
    addressed to someone. The one check behind every way of publishing (the
    transition calls it). WITHOUT: as the statement would be once that addressee is
    removed."""
    problems = []
    if not (statement.title or "").strip():
        problems.append(MissingPart(_("The statement has no title."), "details"))
    if not statement.demand_groups:
        problems.append(MissingPart(_("The statement has no group of demands."), "groups"))
    for number, group in enumerate(statement.demand_groups, 1):
        # The links, not the view-only list: a group not flushed yet has only these.
        if not [link for link in group.addressee_links
                if without is None or link.addressee is not without]:
            problems.append(MissingPart(
                _("Group %(number)d of demands is addressed to nobody.", number=number),
                "groups", group.id))
        if not group.demands:
            problems.append(MissingPart(
                _("Group %(number)d of demands has no demand.", number=number),
                "groups", group.id))
    return problems


def keep_publishable(statement: Statement, *, without: Addressee | None = None) -> None:
    """Refuse a change that leaves a statement past its draft without what publishing
    required of it: its public page, its letters and its translations stand on its
    demands and their addressees, and removed texts cannot be brought back. Called
    after the change, on the session's state, and the caller rolls the change back;
    or before an addressee's removal (WITHOUT), so that it is refused on asking."""
    if statement.is_draft:
        return
    problems = publication_problems(statement, without=without)
    if problems:
        raise StatementError(_(
            "Nothing is changed: once published, a statement keeps at least one group of "
            "demands, each with a demand and an addressee. %(problems)s",
            problems=" ".join(problem.message for problem in problems)))


def publish_statement(statement: Statement) -> None:
    statement.publish()


def close_statement(statement: Statement, now: datetime | None = None) -> None:
    """The close button's service, and beat's when a deadline passes."""
    statement.close(now or utcnow())


def reopen_statement(statement: Statement) -> None:
    statement.reopen(utcnow())


# --- The private sign-on link ----------------------------------------------------------


def create_sign_on_link(statement: Statement) -> str:
    """A new token (replacing any earlier one, which then stops working)."""
    statement.open_sign_on_link(secrets.token_urlsafe(24))
    assert statement.sign_on_token is not None
    return statement.sign_on_token


def revoke_sign_on_link(statement: Statement) -> None:
    if statement.sign_on_token is None:
        raise StatementError(_("This statement has no private sign-on link."))
    statement.sign_on_token = None
