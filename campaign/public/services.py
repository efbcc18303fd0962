"""What the statement's public page shows, read in one place for the page and the API."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from campaign.extensions import db
from campaign.letters.delivery import Delivery, deliveries
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
from campaign.statements.deadlines import describe_deadline
from campaign.statements.models import (
    DemandGroup,
    SignatoryGrouping,
    Statement,
    StatementStatus,
)
from campaign.statements.translating import (
    StatementText,
    official_languages,
    reading_language,
    statement_text,
)
from campaign.text import collation_key, country_names
from campaign.updates.models import Update
from campaign.updates.services import published_updates

# How many of the latest individual signers the page names; the rest are counted.
RECENT_SIGNERS_SHOWN = 50


@dataclass(frozen=True)
class PublicSigner:
    """An individual as the page shows them: never an address."""

    name: str
    affiliation: str | None
    country: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class SignatoryGroup:
    """Signatories under one heading: a country (its code) or an affiliation; KEY is
    None for those without one."""

    key: str | None
    organizations: list[OrganizationSignature]
    individuals: list[PublicSigner]


@dataclass(frozen=True)
class PublishedStatement:
    """What the page and the API both show: the statement in the language it is read
    in, every language it is published in (the source first), its approved
    organizations and its kept counts. Nothing here grows with the signatures."""

    statement: Statement
    text: StatementText
    languages: list[str]
    organizations: list[OrganizationSignature]
    counts: Counts


@dataclass(frozen=True)
class StatementPage(PublishedStatement):
    """The page adds the latest names, replies, updates and letters delivered."""

    recent_signers: list[PublicSigner]
    # Published replies of addressees by the group of demands they answer (None: no group).
    replies: dict[int | None, list[Reply]]
    # Published updates, newest first.
    updates: list[Update] = field(default_factory=list)
    # The signatories under headings, when the statement lists them grouped.
    groups: list[SignatoryGroup] = field(default_factory=list)
    # The sign-on deadline's date, time and zone in the reader's language.
    deadline: dict[str, str] | None = None
    # A closed statement's letters that reached their addressees.
    deliveries: list[Delivery] = field(default_factory=list)

    @property
    def organizations_grouped(self) -> bool:
        return self.statement.signatory_grouping is SignatoryGrouping.COUNTRY

    @property
    def shows_affiliations(self) -> bool:
        return any(signer.affiliation for signer in self.recent_signers)


def group_signatories(grouping: SignatoryGrouping,
                      organizations: list[OrganizationSignature],
                      individuals: list[PublicSigner]) -> list[SignatoryGroup]:
    """By country (in the reader's alphabetical order of country names), organizations
    and individuals alike; or individuals by affiliation (the same one however
    capitalized), organizations keeping their own list. Those with no country or no
    affiliation come last."""
    if grouping is SignatoryGrouping.NONE:
        return []
    grouped: dict[str | None, SignatoryGroup] = {}

    def group_for(key: str | None) -> SignatoryGroup:
        folded = key.casefold() if key and grouping is SignatoryGrouping.AFFILIATION else key
        group = grouped.get(folded)
        # The list runs newest first: the heading ends up spelled as its earliest
        # signer spelled it.
        grouped[folded] = SignatoryGroup(key, group.organizations if group else [],
                                         group.individuals if group else [])
        return grouped[folded]

    if grouping is SignatoryGrouping.COUNTRY:
        for organization in organizations:
            group_for(organization.country).organizations.append(organization)
    for signer in individuals:
        group_for(signer.country if grouping is SignatoryGrouping.COUNTRY
                  else signer.affiliation).individuals.append(signer)
    if grouping is SignatoryGrouping.COUNTRY:
        order = {code: position for position, code in enumerate(country_names())}
        def sort_key(group: SignatoryGroup) -> tuple:
            return (group.key is None, order.get(group.key or "", len(order)))
    else:
        def sort_key(group: SignatoryGroup) -> tuple:
            return (group.key is None, collation_key(group.key or ""))
    return sorted(grouped.values(), key=sort_key)


def load_published_statement(statement: Statement, asked_language: str | None = None,
                             interface_language: str | None = None) -> PublishedStatement:
    """The statement in the reader's language (see `reading_language`), its approved
    organizations and kept counts: what the API answers, without the page's names,
    replies and updates, which it does not show."""
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
    languages = official_languages(statement)
    language = reading_language(statement, asked_language,
                                interface_language or statement.language, languages)
    return PublishedStatement(
        statement=statement,
        text=statement_text(statement, language, languages),
        languages=languages,
        organizations=organizations,
        counts=read_counts(statement.id),
    )


def load_statement_page(statement: Statement, asked_language: str | None = None,
                        interface_language: str | None = None) -> StatementPage:
    """What the public sees: the published statement, and the names of the latest
    individuals who chose to be shown (never an e-mail address). The signatories are
    one list, whatever the language each signed in."""
    published = load_published_statement(statement, asked_language, interface_language)
    recent = db.session.scalars(
        select(IndividualSignature)
        .where(IndividualSignature.statement_id == statement.id,
               IndividualSignature.status.in_(ACTIVE_INDIVIDUAL_STATUSES),
               IndividualSignature.name_display != NameDisplay.HIDDEN)
        .order_by(IndividualSignature.confirmed_at.desc())
        .limit(RECENT_SIGNERS_SHOWN)
    )
    recent_signers = [PublicSigner(name, signature.shown_affiliation, signature.country)
                      for signature in recent if (name := signature.public_name)]
    return StatementPage(
        **vars(published),
        recent_signers=recent_signers,
        replies=published_replies_by_group(statement),
        updates=published_updates(statement),
        groups=group_signatories(statement.signatory_grouping, published.organizations,
                                 recent_signers),
        deadline=describe_deadline(statement),
        deliveries=deliveries(statement.id) if statement.status is StatementStatus.CLOSED
        else [],
    )
