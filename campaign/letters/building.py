"""What a letter to one addressee says, read from the database when it is previewed
or sent (never stored): the statement, the demands addressed to them, and who signed.
A letter once sent is addressed as its row recorded (build_sent_letter: the name and
the role), whatever the addressee's entry says by the time it is rendered, printed or
sent again.

The signatory lists are not loaded here. `LetterContent` hands the template
generators that read the rows in batches (`yield_per`) and yield only the names, and
the template iterates them as it renders: a letter with 100,000 signatories never
holds 100,000 ORM objects, and the preview streams its HTML as it goes. (The PDF and
the e-mail need the whole HTML string, but never the objects alongside it.)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from campaign.extensions import db
from campaign.languages import best_language
from campaign.letters.models import Letter
from campaign.signing.models import (
    ACTIVE_INDIVIDUAL_STATUSES,
    ACTIVE_ORGANIZATION_STATUSES,
    IndividualSignature,
    NameDisplay,
    OrganizationSignature,
)
from campaign.signing.tally import Counts, read_counts
from campaign.statements.models import Addressee, DemandGroup, DemandGroupAddressee, Statement
from campaign.statements.translating import GroupText, Passage, StatementText, statement_text

# Rows fetched per round trip while the template walks a signatory list.
BATCH = 1000


# Founding organizations' logos in a letterhead, at most.
LETTERHEAD_LOGOS = 8


@dataclass(frozen=True)
class SignedOrganization:
    name: str
    country: str | None
    # Its stored logo (campaign.signing.logos), when the letters show logos.
    logo: str | None = None


@dataclass(frozen=True)
class LetterContent:
    statement: Statement
    addressee: Addressee
    demand_groups: list[DemandGroup]
    counts: Counts
    # The statement in the addressee's language when it has an official translation
    # into it, else in its own.
    text: StatementText
    # Whom the letter is addressed to: the addressee's name and role as they stand in
    # a preview, as its letter recorded them once sent.
    addressee_name: str
    addressee_role: str | None

    @property
    def addressed_to(self) -> Passage:
        """The name in the letter's language. A translated name translates the entry's
        current name: once the entry is renamed it names someone the letter was not
        sent to, and the recorded name is kept as written."""
        if self.addressee_name == self.addressee.name:
            return self.text.addressee(self.addressee)
        return Passage(self.addressee_name, self.text.source_language)

    @property
    def group_texts(self) -> list[GroupText]:
        return [self.text.group(group) for group in self.demand_groups]

    @property
    def in_source_language_only(self) -> bool:
        """The addressee reads another language than the text they are sent: the letter
        says so, in theirs."""
        reads = self.addressee.language or current_app.config["BABEL_DEFAULT_LOCALE"]
        return best_language(reads, [self.text.language]) is None

    @property
    def demands_count(self) -> int:
        return sum(len(group.demands) for group in self.demand_groups)

    # The letter's own words, from the first of the addressee's groups that has them
    # (an addressee of two groups gets one letter); None: the template's default
    # wording, written in the addressee's language.
    def _wording(self, column: str) -> str | None:
        for group in self.demand_groups:
            if text := (getattr(group, column) or "").strip():
                return text
        return None

    @property
    def salutation(self) -> str | None:
        return self._wording("letter_salutation")

    @property
    def covering_note(self) -> str | None:
        return self._wording("letter_note")

    @property
    def closing(self) -> str | None:
        return self._wording("letter_closing")

    @property
    def sender_name(self) -> str | None:
        """The coalition, as the letterhead and the signature name it."""
        return (self.statement.sender_name or "").strip() or None

    @property
    def shows_logos(self) -> bool:
        return self.statement.letter_logos

    def letterhead_logos(self) -> list[SignedOrganization]:
        """The founding organizations that have a logo, when the letters show logos."""
        if not self.shows_logos:
            return []
        rows = db.session.scalars(
            select(OrganizationSignature)
            .where(OrganizationSignature.statement_id == self.statement.id,
                   OrganizationSignature.status.in_(ACTIVE_ORGANIZATION_STATUSES),
                   OrganizationSignature.founding.is_(True),
                   OrganizationSignature.logo.is_not(None))
            .order_by(OrganizationSignature.id)
            .limit(LETTERHEAD_LOGOS))
        return [SignedOrganization(row.shown_name, row.country, row.logo) for row in rows]

    def organizations(self) -> Iterator[SignedOrganization]:
        """Approved organizations only, founding signatories first, as on the
        statement's page; a fresh generator each call (the HTML and the text each
        walk the list once)."""
        rows = db.session.scalars(
            select(OrganizationSignature)
            .where(OrganizationSignature.statement_id == self.statement.id,
                   OrganizationSignature.status.in_(ACTIVE_ORGANIZATION_STATUSES))
            .order_by(OrganizationSignature.founding.desc(), OrganizationSignature.approved_at,
                      OrganizationSignature.id)
            .execution_options(yield_per=BATCH)
        )
        shows_logos = self.shows_logos
        for organization in rows:
            yield SignedOrganization(organization.shown_name, organization.country,
                                     organization.logo if shows_logos else None)

    def individual_names(self) -> Iterator[str]:
        """The names of confirmed (so never hidden) individuals who chose to be shown,
        as they chose to be shown, with their affiliations, in the order they signed."""
        rows = db.session.scalars(
            select(IndividualSignature)
            .where(IndividualSignature.statement_id == self.statement.id,
                   IndividualSignature.status.in_(ACTIVE_INDIVIDUAL_STATUSES),
                   IndividualSignature.name_display != NameDisplay.HIDDEN)
            .order_by(IndividualSignature.confirmed_at, IndividualSignature.id)
            .execution_options(yield_per=BATCH)
        )
        # Affiliations only where the statement asks for them, as on its page.
        with_affiliation = self.statement.asks_affiliation
        for signature in rows:
            if name := signature.public_name:
                yield (f"{name}, {signature.affiliation}"
                       if with_affiliation and signature.affiliation else name)


def demand_groups_for(addressee: Addressee) -> list[DemandGroup]:
    """The groups of demands that name this addressee, in the statement's order."""
    return list(db.session.scalars(
        select(DemandGroup)
        .join(DemandGroupAddressee, DemandGroupAddressee.demand_group_id == DemandGroup.id)
        .where(DemandGroupAddressee.addressee_id == addressee.id)
        .order_by(DemandGroup.position)
        .options(selectinload(DemandGroup.demands))
    ))


def build_letter(addressee: Addressee) -> LetterContent:
    """The letter ADDRESSEE would be sent now, to their entry's name and role."""
    return _content(addressee, addressee.name, addressee.role)


def build_sent_letter(letter: Letter) -> LetterContent:
    """LETTER as it goes (or is printed): to the name and role it recorded when it was
    sent."""
    return _content(letter.addressee, letter.addressee_name, letter.addressee_role)


def _content(addressee: Addressee, name: str, role: str | None) -> LetterContent:
    return LetterContent(
        statement=addressee.statement,
        addressee=addressee,
        demand_groups=demand_groups_for(addressee),
        counts=read_counts(addressee.statement_id),
        text=statement_text(addressee.statement, addressee.language),
        addressee_name=name,
        addressee_role=role,
    )
