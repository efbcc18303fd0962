"""Drafting a statement: starting it from a pasted text, its text, groups of demands
and addressees. Its lifecycle and private sign-on link are the ground floor's
(campaign.statements.services)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from campaign.addressees.services import check_removable, statement_addressees
from campaign.addressees.services import remove_addressee as remove_addressee_from_statement
from campaign.database import utcnow
from campaign.domain import DomainError, fingerprint
from campaign.drafting.importer import (
    LineKind,
    ParsedStatement,
    StatementTextError,
    numbered_lines,
    parse_statement,
)
from campaign.extensions import db
from campaign.form_fields import at_most_message, stored_length
from campaign.languages import format_count, language_tag
from campaign.letters.services import delete_failed_letters, failed_letters_to
from campaign.rendering import MARKDOWN_LENGTH
from campaign.signing.models import (
    ORGANIZATION_NAME_LENGTH,
    OrganizationSignature,
    OrganizationStatus,
    TallyKind,
)
from campaign.signing.tally import add_to_tally, create_tally
from campaign.statements.models import (
    ADDRESSEE_NAME_LENGTH,
    DEMAND_TEXT_LENGTH,
    DISCLAIMER_LENGTH,
    Addressee,
    Demand,
    DemandGroup,
    SignatoryGrouping,
    Statement,
    StatementError,
    StatementStatus,
    StatementStatusError,
)
from campaign.statements.services import (
    available_slug,
    claiming_slug,
    keep_publishable,
    publish_statement,
)
from campaign.text import name_key, normalize_name

# --- Bounds on the texts -----------------------------------------------------------------


def _bounded(text: str, limit: int, field: str) -> str:
    """TEXT stripped, refused when longer than LIMIT: held here as well as in the forms,
    so that the import command and every other caller are bounded too."""
    text = text.strip()
    if len(text) > limit:
        raise StatementError(str(at_most_message(limit)), field=field)
    return text


def _lead_text(text: str) -> str:
    # The lead text is Markdown on the public page and in letters, rendered at a cost
    # that grows with its length: it is held to the bound of every other Markdown text.
    return _bounded(text, MARKDOWN_LENGTH, "body_markdown")


# --- Starting from a pasted text -------------------------------------------------------


def read_statement_text(text: str, marks: Mapping[int, LineKind] | None = None
                        ) -> ParsedStatement:
    """The importer's reading of a pasted text, for a coordinator to correct; with
    ``marks``, read again with those lines as the coordinator marked them."""
    try:
        return parse_statement(text, marks)
    except StatementTextError as error:
        raise StatementError(str(error), field=None if marks else "text") from error


def line_texts(text: str) -> list[str]:
    """The lines of the paste a coordinator can mark, as the reading lists them."""
    try:
        return [line for _number, line in numbered_lines(text)]
    except StatementTextError as error:
        raise StatementError(str(error), field="text") from error


def create_statement_from_text(
    parsed: ParsedStatement, *, slug: str | None = None, publish: bool = False
) -> Statement:
    """A draft (or, when asked, published) statement with the groups of demands, the
    addressees and the founding signatories of the text as read (by the importer, or
    as a coordinator corrected that reading)."""
    slug = available_slug(slug or parsed.title)
    if not parsed.title.strip():
        raise StatementError(_("Give the statement a title."), field="title")
    if len(parsed.body) > MARKDOWN_LENGTH:
        raise StatementError(_(
            "The lead text is longer than %(limit)s characters: shorten it, or mark the "
            "lines that are not part of it.", limit=format_count(MARKDOWN_LENGTH)),
            field="body_markdown")
    for number, parsed_group in enumerate(parsed.demand_groups, 1):
        if any(len(text) > DEMAND_TEXT_LENGTH
               for text in [parsed_group.intro, *parsed_group.demands]):
            raise StatementError(_(
                "A text in group %(number)d of demands is longer than %(limit)s "
                "characters: shorten it, or mark the lines that are not part of it.",
                number=number, limit=format_count(DEMAND_TEXT_LENGTH)))
        # Checked here, not left to the column: PostgreSQL refuses a longer name with an
        # error, and SQLite would keep it whole.
        if any(stored_length(name) > ADDRESSEE_NAME_LENGTH for name in parsed_group.addressees):
            raise StatementError(_(
                "An addressee's name in group %(number)d of demands is longer than %(limit)s "
                "characters: shorten it, or mark the lines that are not part of it.",
                number=number, limit=format_count(ADDRESSEE_NAME_LENGTH)))
    for number, signatory in enumerate(parsed.signatories, 1):
        if stored_length(signatory.listed_name) > ORGANIZATION_NAME_LENGTH:
            raise StatementError(_(
                "The name of signatory %(number)d is longer than %(limit)s characters: "
                "shorten it, or mark the lines that are not part of it.",
                number=number, limit=format_count(ORGANIZATION_NAME_LENGTH)))
    statement = Statement(slug=slug, title=parsed.title, statement_date=parsed.date,
                          body_markdown=parsed.body, status=StatementStatus.DRAFT,
                          language=language_tag(parsed.language) or "en")
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
    with claiming_slug(slug):
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
    if seen:
        add_to_tally(statement.id, TallyKind.ORGANIZATIONS, len(seen))
    if publish:
        publish_statement(statement)
    return statement


def add_founding_organization(statement: Statement, name: str,
                              country: str | None) -> OrganizationSignature:
    """An organization a coordinator lists by hand as a founding signatory, at any
    time (the paste's list was incomplete, or it joined by phone): approved at once,
    with no contact and no e-mail, as the paste's signatories are."""
    listed = normalize_name(name)
    if not listed:
        raise StatementError(_("Enter the organization's name."), field="name")
    key = name_key(listed)
    if db.session.scalar(select(OrganizationSignature.id).where(
            OrganizationSignature.statement_id == statement.id,
            OrganizationSignature.name_key == key,
            OrganizationSignature.holds_its_name())) is not None:
        raise StatementError(_("%(name)s is on the statement's list already.", name=listed),
                             field="name")
    now = utcnow()
    organization = OrganizationSignature(
        statement_id=statement.id, name=listed, name_key=key, country=country or None,
        founding=True, status=OrganizationStatus.APPROVED, approved_at=now, confirmed_at=now)
    try:
        # The unique name key decides between two coordinators adding it at once.
        with db.session.begin_nested():
            db.session.add(organization)
    except IntegrityError as error:
        raise StatementError(_("%(name)s is on the statement's list already.", name=listed),
                             field="name") from error
    add_to_tally(statement.id, TallyKind.ORGANIZATIONS, 1)
    return organization


def count_organizations(statement: Statement) -> int:
    return db.session.scalar(select(func.count()).select_from(OrganizationSignature).where(
        OrganizationSignature.statement_id == statement.id)) or 0


def delete_draft(statement: Statement) -> None:
    """Delete a draft with everything in it. Only a draft: a published statement has
    a public page and signatories, and is closed instead. Co-signatures that came in
    through the private sign-on link go with it; the confirmation page says how many."""
    if not statement.is_draft:
        raise StatementStatusError(_(
            "Only a draft can be deleted; this statement is %(status)s. Close it instead.",
            status=statement.status_label))
    # Every row that points at the statement goes with it (ON DELETE CASCADE), in one
    # DELETE that the database carries out whole: the ORM would delete the
    # addressees first, each on its own, while a letter sent to one (which keeps its
    # addressee) still pointed at it.
    db.session.execute(delete(Statement).where(Statement.id == statement.id)
                       .execution_options(synchronize_session=False))
    db.session.expunge(statement)


class DeletionChanged(DomainError):
    """The organizations a draft's deletion would delete are no longer those its
    confirmation page counted; nothing was deleted."""

    def __init__(self) -> None:
        super().__init__(_("The organizations on this draft's list changed since you opened "
                           "this page, so nothing was deleted. Read the page again, then "
                           "confirm."))


def shown_deletion(statement: Statement) -> str:
    """The organizations a draft's deletion page counted, in one value its form carries
    (see campaign.domain.fingerprint)."""
    return fingerprint(sorted(db.session.scalars(select(OrganizationSignature.id).where(
        OrganizationSignature.statement_id == statement.id))))


def delete_shown_draft(statement: Statement, *, shown: str | None) -> None:
    """delete_draft, when the organizations going with it are those its confirmation
    page counted (SHOWN: its shown_deletion); else nothing is deleted (DeletionChanged):
    a co-signature that came through the private link meanwhile is not deleted unseen."""
    # Locked first: a co-signature arriving meanwhile waits until this commits, and one
    # that came before is counted below.
    db.session.scalars(select(Statement).where(Statement.id == statement.id)
                       .with_for_update().execution_options(populate_existing=True)).one()
    if statement.is_draft and shown_deletion(statement) != shown:
        raise DeletionChanged
    delete_draft(statement)


# --- The text ------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementDetails:
    title: str
    slug: str
    statement_date: datetime.date | None
    body_markdown: str


def update_details(statement: Statement, details: StatementDetails) -> None:
    title = normalize_name(details.title)
    if not title:
        raise StatementError(_("Give the statement a title."), field="title")
    body = _lead_text(details.body_markdown)
    slug = available_slug(details.slug, statement=statement)
    if slug != statement.slug and not statement.is_draft:
        # Its links are out in letters, e-mails, shares and other sites' widgets: an
        # address given up would be free for another statement to take, and those
        # links would lead signers to it.
        raise StatementError(_("A published statement keeps its address: links to it "
                               "are out in letters, e-mails and shares."), field="slug")
    with claiming_slug(slug):
        statement.slug = slug
    statement.title = title
    statement.statement_date = details.statement_date
    statement.body_markdown = body


# --- Affiliations and how signatories are listed ----------------------------------------


@dataclass(frozen=True)
class AffiliationSettings:
    asks_affiliation: bool
    # Empty: the standard disclaimer, in each reader's language.
    disclaimer: str
    grouping: SignatoryGrouping


def update_affiliation_settings(statement: Statement, settings: AffiliationSettings) -> None:
    """Turning affiliations off hides those given (they are kept: turned on again,
    they are shown again)."""
    disclaimer = " ".join(settings.disclaimer.split())
    if len(disclaimer) > DISCLAIMER_LENGTH:
        raise StatementError(str(at_most_message(DISCLAIMER_LENGTH)),
                             field="affiliation_disclaimer")
    statement.asks_affiliation = settings.asks_affiliation
    statement.affiliation_disclaimer = disclaimer or None
    statement.signatory_grouping = settings.grouping


# --- Groups of demands and their demands ---------------------------------------------


class _Positioned(Protocol):
    position: int


def _next_position(items: list[DemandGroup] | list[Demand]) -> int:
    return max((item.position for item in items), default=-1) + 1


def _swap_positions(first: _Positioned, second: _Positioned) -> None:
    """Swap two positions under a unique constraint that is checked row by row (as
    PostgreSQL does): park one at a position nothing else holds, then flush each step."""
    first_position, second_position = first.position, second.position
    try:
        with db.session.begin_nested():
            first.position = -1 - first_position
            db.session.flush()
            second.position = first_position
            db.session.flush()
            first.position = second_position
            db.session.flush()
    except StaleDataError as error:
        # A colleague removed one of the two since this request read them.
        raise StatementError(_("A colleague changed this group of demands meanwhile, so "
                               "nothing was moved. Look at it again, then move it.")) from error


def _move(item: _Positioned, siblings: list, step: int) -> None:
    ordered = sorted(siblings, key=lambda sibling: sibling.position)
    index = ordered.index(item)
    if not 0 <= index + step < len(ordered):
        raise StatementError(_("It is already at the top.") if step < 0
                             else _("It is already at the bottom."))
    _swap_positions(item, ordered[index + step])


def add_demand_group(statement: Statement, intro: str) -> DemandGroup:
    group = DemandGroup(position=_next_position(statement.demand_groups),
                        intro=_bounded(intro, DEMAND_TEXT_LENGTH, "intro"))
    statement.demand_groups.append(group)
    db.session.flush()
    return group


def update_demand_group(group: DemandGroup, intro: str, addressee_ids: list[int]) -> None:
    """The group's intro and the addressees standing in it, in the order the statement
    lists its addressees."""
    chosen = set(addressee_ids)
    addressees = [a for a in statement_addressees(group.statement) if a.id in chosen]
    if len(addressees) != len(chosen):
        raise StatementError(_("Choose addressees of this statement."), field="addressees")
    group.intro = _bounded(intro, DEMAND_TEXT_LENGTH, "intro")
    group.address_to(addressees)
    try:
        keep_publishable(group.statement)
    except StatementError as error:
        raise StatementError(str(error), field="addressees") from error


def move_demand_group(group: DemandGroup, step: int) -> None:
    _move(group, group.statement.demand_groups, step)


def remove_demand_group(group: DemandGroup) -> None:
    """The group goes with its demands and their translations, for good (the
    confirmation page says so)."""
    statement = group.statement
    statement.demand_groups.remove(group)
    keep_publishable(statement)


class GroupRemovalChanged(DomainError):
    """The demands a group's removal would remove are no longer those its confirmation
    page counted; GROUP is the group as it is now."""

    def __init__(self, group: DemandGroup) -> None:
        super().__init__(_("The demands of this group changed since you opened this page, so "
                           "nothing was removed. Read the page again, then confirm."))
        self.group = group


def shown_group_removal(group: DemandGroup) -> str:
    """The demands a group's removal page counted, in one value its form carries (see
    campaign.domain.fingerprint)."""
    return fingerprint(sorted(db.session.scalars(select(Demand.id).where(
        Demand.group_id == group.id))))


def remove_shown_demand_group(statement: Statement, group_id: int, *,
                              shown: str | None) -> bool:
    """The statement's group removed, when its demands are those its confirmation page
    counted (SHOWN: its shown_group_removal; else nothing is removed, and
    GroupRemovalChanged says so); False when the statement has no such group (a second
    tab, or a colleague, removed it)."""
    # Locked first: a demand added meanwhile waits until this commits, and one added
    # before is counted below.
    group = db.session.scalars(select(DemandGroup).where(
        DemandGroup.id == group_id, DemandGroup.statement_id == statement.id)
        .with_for_update()).one_or_none()
    if group is None:
        return False
    if shown_group_removal(group) != shown:
        raise GroupRemovalChanged(group)
    remove_demand_group(group)
    return True


def _demand_text(text: str) -> str:
    text = _bounded(text, DEMAND_TEXT_LENGTH, "text")
    if not text:
        raise StatementError(_("Write the demand."), field="text")
    return text


class GroupRemoved(StatementError):
    """The group a demand was being added to was removed by a colleague meanwhile."""

    def __init__(self) -> None:
        super().__init__(_("This group of demands was removed meanwhile, so the demand was "
                           "not added."))


def add_demand(group: DemandGroup, text: str) -> Demand:
    """A demand at the end of GROUP; refused (GroupRemoved) when a colleague removed the
    group meanwhile."""
    demand = Demand(position=_next_position(group.demands), text=_demand_text(text))
    # Locked before the demand is written: a colleague's removal waits until this
    # commits, and one committed before is told here rather than refused by the
    # database's foreign key.
    if db.session.scalar(select(DemandGroup.id).where(DemandGroup.id == group.id)
                         .with_for_update()) is None:
        raise GroupRemoved
    group.demands.append(demand)
    return demand


def update_demand(demand: Demand, text: str) -> None:
    demand.text = _demand_text(text)


def move_demand(demand: Demand, step: int) -> None:
    _move(demand, demand.group.demands, step)


def remove_demand(demand: Demand) -> None:
    group = demand.group
    group.demands.remove(demand)
    keep_publishable(group.statement)


class DemandRemovalChanged(DomainError):
    """The demand's text is no longer the one its removal page showed; DEMAND is the
    demand as it is now."""

    def __init__(self, demand: Demand) -> None:
        super().__init__(_("This demand changed since you opened this page, so nothing was "
                           "removed. Read the page again, then confirm."))
        self.demand = demand


def shown_demand_removal(demand: Demand) -> str:
    """The text a demand's removal page showed, in one value its form carries (see
    campaign.domain.fingerprint)."""
    return fingerprint(demand.text)


def remove_shown_demand(statement: Statement, demand_id: int, *, shown: str | None) -> bool:
    """The statement's demand removed, when its text is the one its confirmation page
    showed (SHOWN: its shown_demand_removal; else nothing is removed, and
    DemandRemovalChanged says so); False when the statement has no such demand (a
    second tab, or a colleague, removed it)."""
    # Locked first: a colleague's edit waits until this commits, and one committed
    # before is seen below.
    demand = db.session.scalars(
        select(Demand).join(DemandGroup)
        .where(Demand.id == demand_id, DemandGroup.statement_id == statement.id)
        .with_for_update(of=Demand).execution_options(populate_existing=True)).one_or_none()
    if demand is None:
        return False
    if shown_demand_removal(demand) != shown:
        raise DemandRemovalChanged(demand)
    remove_demand(demand)
    return True


# --- Addressees --------------------------------------------------------------------------


class RemovalChanged(DomainError):
    """The letters an addressee's removal would delete are no longer those its
    confirmation page showed; FAILED is what the page would show now."""

    def __init__(self, addressee: Addressee, failed: list[int]) -> None:
        super().__init__(_("The letters to %(name)s changed since you opened this page, so "
                           "nothing was removed. Read the page again, then confirm.",
                           name=addressee.name))
        self.addressee = addressee
        self.failed = failed


def removal_of(addressee: Addressee) -> list[int]:
    """What removing ADDRESSEE deletes with it, for its confirmation page: the ids of
    its letters, all failed. Refused (a DomainError) as remove_addressee would be, so
    that the page is not offered for a removal that cannot happen."""
    failed = failed_letters_to(addressee)
    check_removable(addressee)
    return failed


def shown_removal(failed: list[int]) -> str:
    """The failed letters a removal's confirmation page showed, in one value its form
    carries (see campaign.domain.fingerprint)."""
    return fingerprint(sorted(failed))


def remove_addressee(statement: Statement, addressee_id: int, *,
                     shown: str | None) -> str | None:
    """The statement's addressee removed, with its letters if they all failed and are
    those its confirmation page showed (SHOWN: its shown_removal; else nothing is
    removed, and RemovalChanged says what the page would show now); its name, or None
    when the statement has no such addressee (a second tab, a colleague, removed it).
    Refused (a DomainError) as removal_of says."""
    # Locked first: a letter queued for them meanwhile waits until this commits, and
    # one queued (or failed) before is seen by the checks below.
    addressee = db.session.scalars(
        select(Addressee).where(Addressee.id == addressee_id,
                                Addressee.statement_id == statement.id)
        .with_for_update()).one_or_none()
    if addressee is None:
        return None
    failed = removal_of(addressee)
    if shown_removal(failed) != shown:
        raise RemovalChanged(addressee, failed)
    name = addressee.name
    delete_failed_letters(addressee)
    remove_addressee_from_statement(addressee)
    return name
