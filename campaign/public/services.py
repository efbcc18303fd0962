"""What the statement's public page shows, read in one place for the page and the API."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from campaign.extensions import db
from campaign.replies.models import Reply
from campaign.replies.services import published_replies_by_group
from campaign.signing.models import (
    ACTIVE_INDIVIDUAL_STATUSES,
    ACTIVE_ORGANIZATION_STATUSES,
    IndividualSignature,
    NameDisplay,
    OrganizationSignature,
)
from campaign.signing.tally import Counts, read_counts
from campaign.statements.models import DemandGroup, Statement
from campaign.statements.translating import (
    StatementText,
    official_languages,
    reading_language,
    statement_text,
)
from campaign.updates.models import Update
from campaign.updates.services import published_updates

# How many of the latest individual signers the page names; the rest are counted.
RECENT_SIGNERS_SHOWN = 50


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
    # The statement in the language it is read in, and every language it is published
    # in (the source first).
    text: StatementText | None = None
    languages: list[str] = field(default_factory=list)


def load_statement_page(statement: Statement, asked_language: str | None = None,
                        interface_language: str | None = None) -> StatementPage:
    """What the public sees: the statement in the reader's language (see
    `reading_language`), approved organizations, kept counts, and the names of the
    latest individuals who chose to be shown (never an e-mail address). The
    signatories are one list, whatever the language each signed in."""
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
               OrganizationSignature.status.in_(ACTIVE_ORGANIZATION_STATUSES))
        .order_by(OrganizationSignature.founding.desc(), OrganizationSignature.approved_at,
                  OrganizationSignature.id)
    ))
    recent = db.session.scalars(
        select(IndividualSignature)
        .where(IndividualSignature.statement_id == statement.id,
               IndividualSignature.status.in_(ACTIVE_INDIVIDUAL_STATUSES),
               IndividualSignature.name_display != NameDisplay.HIDDEN)
        .order_by(IndividualSignature.confirmed_at.desc())
        .limit(RECENT_SIGNERS_SHOWN)
    )
    languages = official_languages(statement)
    language = reading_language(statement, asked_language,
                                interface_language or statement.language, languages)
    return StatementPage(
        statement=statement,
        text=statement_text(statement, language, languages),
        languages=languages,
        organizations=organizations,
        counts=read_counts(statement.id),
        recent_signers=[name for signature in recent if (name := signature.public_name)],
        replies=published_replies_by_group(statement),
        updates=published_updates(statement),
    )
