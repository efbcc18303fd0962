"""Creating statements and reading them for their public page."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from slugify import slugify
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from campaign.database import utcnow
from campaign.domain import DomainError
from campaign.extensions import db
from campaign.letters.models import Reply
from campaign.letters.replies import published_replies_by_group
from campaign.signing.models import (
    IndividualSignature,
    IndividualStatus,
    NameDisplay,
    OrganizationSignature,
    OrganizationStatus,
    TallyKind,
)
from campaign.signing.tally import Counts, add_to_tally, create_tally, read_counts
from campaign.statements.importer import ParsedStatement, StatementTextError, parse_statement
from campaign.statements.models import (
    VISIBLE_STATUSES,
    Addressee,
    Demand,
    DemandGroup,
    Statement,
    StatementStatus,
)
from campaign.text import name_key
from campaign.updates.models import Update
from campaign.updates.services import published_updates

# How many of the latest individual signers the page names; the rest are counted.
RECENT_SIGNERS_SHOWN = 50


class StatementError(DomainError):
    """The statement cannot be created or changed as asked; the message says why, and
    ``field`` names the form field it is about, when there is one."""


def suggest_slug(text: str) -> str:
    """Letters, digits and hyphens, short enough for the statement's address."""
    return slugify(text, max_length=80, word_boundary=True)


def available_slug(wanted: str, *, statement: Statement | None = None) -> str:
    """The slug as stored, refused when it is empty or another statement has it."""
    slug = suggest_slug(wanted)
    if not slug:
        raise StatementError(_("Give the statement a slug made of letters or digits."),
                             field="slug")
    taken = select(Statement.id).where(Statement.slug == slug)
    if statement is not None and statement.id is not None:
        taken = taken.where(Statement.id != statement.id)
    if db.session.scalar(taken) is not None:
        raise StatementError(_("A statement with the slug “%(slug)s” already exists.", slug=slug),
                             field="slug")
    return slug


def read_statement_text(text: str) -> ParsedStatement:
    """The importer's reading of a pasted text, for a coordinator to correct."""
    try:
        return parse_statement(text)
    except StatementTextError as error:
        raise StatementError(_(
            "No statement text found: the text is empty or holds only page furniture "
            "(menus, search and share widgets), a date or a To: list."), field="text") from error


def create_statement_from_text(
    parsed: ParsedStatement, *, slug: str | None = None, publish: bool = False
) -> Statement:
    """A draft (or, when asked, published) statement with the groups of demands, the
    addressees and the founding signatories of the text as read (by the importer, or
    as a coordinator corrected that reading)."""
    slug = available_slug(slug or parsed.title)
    if not parsed.title.strip():
        raise StatementError(_("Give the statement a title."), field="title")
    statement = Statement(slug=slug, title=parsed.title, statement_date=parsed.date,
                          body_markdown=parsed.body, status=StatementStatus.DRAFT)
    addressees: dict[str, Addressee] = {}
    for position, parsed_group in enumerate(parsed.demand_groups):
        group = DemandGroup(position=position, intro=parsed_group.intro)
        for name in parsed_group.addressees:
            if name not in addressees:
                addressees[name] = Addressee(name=name, statement=statement)
        group.address_to([addressees[name] for name in dict.fromkeys(parsed_group.addressees)])
        for demand_position, text in enumerate(parsed_group.demands):
            group.demands.append(Demand(position=demand_position, text=text))
        statement.demand_groups.append(group)

    seen: set[str] = set()
    for signatory in parsed.signatories:
        key = name_key(signatory.listed_name)
        if key in seen:
            continue
        seen.add(key)
        db.session.add(OrganizationSignature(
            statement=statement, name=signatory.listed_name, name_key=key,
            country=signatory.country, founding=True, status=OrganizationStatus.APPROVED,
            approved_at=utcnow(), confirmed_at=utcnow(),
        ))
    db.session.add(statement)
    create_tally(statement)
    db.session.flush()
    if seen:
        add_to_tally(statement.id, TallyKind.ORGANIZATIONS, len(seen))
    if publish:
        statement.publish()
    return statement


def get_visible_statement(slug: str) -> Statement | None:
    """A published or closed statement; drafts and unknown slugs are not found."""
    return db.session.scalars(
        select(Statement)
        .where(Statement.slug == slug, Statement.status.in_(VISIBLE_STATUSES))
    ).one_or_none()


def get_statement(slug: str) -> Statement | None:
    return db.session.scalars(select(Statement).where(Statement.slug == slug)).one_or_none()


def published_statements() -> list[Statement]:
    return list(db.session.scalars(
        select(Statement)
        .where(Statement.status.in_(VISIBLE_STATUSES))
        .order_by(Statement.published_at.desc())
    ))


@dataclass(frozen=True)
class StatementPage:
    statement: Statement
    organizations: list[OrganizationSignature]
    counts: Counts
    recent_signers: list[str]
    # Published replies of addressees by the group of demands they answer (None: no group).
    replies: dict[int | None, list[Reply]]
    # Published updates, newest first.
    updates: list[Update] = field(default_factory=list)


def load_statement_page(statement: Statement) -> StatementPage:
    """What the public sees: approved organizations, kept counts, and the names of
    the latest individuals who chose to be shown (never an e-mail address)."""
    # The demands are loaded here, for the page, and not with every lookup of a
    # statement: signing needs only its row, and a signature a second is many lookups.
    db.session.scalars(
        select(Statement)
        .where(Statement.id == statement.id)
        .options(selectinload(Statement.demand_groups).selectinload(DemandGroup.addressees),
                 selectinload(Statement.demand_groups).selectinload(DemandGroup.demands))
    ).one()
    organizations = list(db.session.scalars(
        select(OrganizationSignature)
        .where(OrganizationSignature.statement_id == statement.id,
               OrganizationSignature.status == OrganizationStatus.APPROVED)
        .order_by(OrganizationSignature.founding.desc(), OrganizationSignature.approved_at,
                  OrganizationSignature.id)
    ))
    recent = db.session.scalars(
        select(IndividualSignature)
        .where(IndividualSignature.statement_id == statement.id,
               IndividualSignature.status == IndividualStatus.CONFIRMED,
               IndividualSignature.name_display != NameDisplay.HIDDEN)
        .order_by(IndividualSignature.confirmed_at.desc())
        .limit(RECENT_SIGNERS_SHOWN)
    )
    return StatementPage(
        statement=statement,
        organizations=organizations,
        counts=read_counts(statement.id),
        recent_signers=[name for signature in recent if (name := signature.public_name)],
        replies=published_replies_by_group(statement),
        updates=published_updates(statement),
    )


def get_statement_by_sign_on_token(slug: str, token: str) -> Statement | None:
    """The statement a private sign-on link opens; None for an unknown or revoked link."""
    return db.session.scalars(
        select(Statement).where(Statement.slug == slug, Statement.sign_on_token == token)
    ).one_or_none()
