"""Drafting a statement: its text, groups of demands and addressees, its lifecycle, and
the private sign-on link that lets organizations co-sign before launch."""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass
from typing import Protocol

from flask_babel import gettext as _
from sqlalchemy import select

from campaign.database import utcnow
from campaign.extensions import db
from campaign.signing.validation import InvalidEmail, normalize_email, normalize_name
from campaign.statements.models import (
    SIGNABLE_STATUSES,
    AddressBookEntry,
    Addressee,
    Demand,
    DemandGroup,
    Statement,
    StatementStatus,
)
from campaign.statements.services import StatementError, available_slug

PUBLISHABLE_STATUSES = frozenset({StatementStatus.DRAFT})
CLOSABLE_STATUSES = SIGNABLE_STATUSES
REOPENABLE_STATUSES = frozenset({StatementStatus.CLOSED})
# Only a draft needs a private link: once published, anyone may co-sign.
SIGN_ON_LINK_STATUSES = frozenset({StatementStatus.DRAFT})


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
    statement.slug = available_slug(details.slug, statement=statement)
    statement.title = title
    statement.statement_date = details.statement_date
    statement.body_markdown = details.body_markdown.strip()


# --- Groups of demands and their demands ---------------------------------------------


class _Positioned(Protocol):
    position: int


def _next_position(items: list[DemandGroup] | list[Demand]) -> int:
    return max((item.position for item in items), default=-1) + 1


def _swap_positions(first: _Positioned, second: _Positioned) -> None:
    """Swap two positions under a unique constraint that is checked row by row (as
    PostgreSQL does): park one at a position nothing else holds, then flush each step."""
    first_position, second_position = first.position, second.position
    first.position = -1 - first_position
    db.session.flush()
    second.position = first_position
    db.session.flush()
    first.position = second_position
    db.session.flush()


def _move(item: _Positioned, siblings: list, step: int) -> None:
    ordered = sorted(siblings, key=lambda sibling: sibling.position)
    index = ordered.index(item)
    if not 0 <= index + step < len(ordered):
        raise StatementError(_("It is already at the top.") if step < 0
                             else _("It is already at the bottom."))
    _swap_positions(item, ordered[index + step])


def add_demand_group(statement: Statement, intro: str) -> DemandGroup:
    group = DemandGroup(position=_next_position(statement.demand_groups), intro=intro.strip())
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
    group.intro = intro.strip()
    group.address_to(addressees)


def move_demand_group(group: DemandGroup, step: int) -> None:
    _move(group, group.statement.demand_groups, step)


def remove_demand_group(group: DemandGroup) -> None:
    group.statement.demand_groups.remove(group)


def _demand_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise StatementError(_("Write the demand."), field="text")
    return text


def add_demand(group: DemandGroup, text: str) -> Demand:
    demand = Demand(position=_next_position(group.demands), text=_demand_text(text))
    group.demands.append(demand)
    return demand


def update_demand(demand: Demand, text: str) -> None:
    demand.text = _demand_text(text)


def move_demand(demand: Demand, step: int) -> None:
    _move(demand, demand.group.demands, step)


def remove_demand(demand: Demand) -> None:
    demand.group.demands.remove(demand)


# --- Addressees ----------------------------------------------------------------------


@dataclass(frozen=True)
class AddresseeDetails:
    name: str
    role: str | None
    email: str | None
    language: str | None


def statement_addressees(statement: Statement) -> list[Addressee]:
    return list(db.session.scalars(
        select(Addressee).where(Addressee.statement_id == statement.id)
        .order_by(Addressee.name, Addressee.id)
    ))


def clean_addressee_details(details: AddresseeDetails) -> AddresseeDetails:
    """The details as stored, for an addressee and an address book entry alike."""
    name = normalize_name(details.name)
    if not name:
        raise StatementError(_("Enter the addressee's name."), field="name")
    email = None
    if details.email and details.email.strip():
        try:
            email = normalize_email(details.email)
        except InvalidEmail as error:
            raise StatementError(_("Enter a valid e-mail address (%(reason)s)",
                                   reason=str(error)), field="email") from error
    return AddresseeDetails(name=name, role=normalize_name(details.role or "") or None,
                            email=email, language=(details.language or "").strip() or None)


def _fill_addressee(
    addressee: Addressee, statement: Statement, details: AddresseeDetails
) -> None:
    details = clean_addressee_details(details)
    same_name = select(Addressee.id).where(Addressee.statement_id == statement.id,
                                           Addressee.name == details.name)
    if addressee.id is not None:
        same_name = same_name.where(Addressee.id != addressee.id)
    if db.session.scalar(same_name) is not None:
        raise StatementError(_("This statement has an addressee named “%(name)s” already.",
                               name=details.name), field="name")
    addressee.name = details.name
    addressee.role = details.role
    addressee.email = details.email
    addressee.language = details.language


def add_addressee(statement: Statement, details: AddresseeDetails, *,
                  book_entry: AddressBookEntry | None = None) -> Addressee:
    """A new addressee; `book_entry` is the address book entry its details came from."""
    addressee = Addressee(book_entry=book_entry)
    # Filled before it joins the statement, so that a refused one is never flushed.
    _fill_addressee(addressee, statement, details)
    statement.addressees.append(addressee)
    return addressee


def update_addressee(addressee: Addressee, details: AddresseeDetails) -> None:
    _fill_addressee(addressee, addressee.statement, details)


def remove_addressee(addressee: Addressee) -> None:
    """Out of every group it stood in, then gone."""
    for group in addressee.statement.demand_groups:
        group.address_to([other for other in group.addressees if other is not addressee])
    addressee.statement.addressees.remove(addressee)


# --- Lifecycle -----------------------------------------------------------------------


def _status_label(statement: Statement) -> str:
    return {StatementStatus.DRAFT: _("draft"), StatementStatus.PUBLISHED: _("published"),
            StatementStatus.CLOSED: _("closed")}[statement.status]


def publish_statement(statement: Statement) -> None:
    if statement.status not in PUBLISHABLE_STATUSES:
        raise StatementError(_("Only a draft can be published; this statement is %(status)s.",
                               status=_status_label(statement)))
    statement.publish()


def close_statement(statement: Statement) -> None:
    if statement.status not in CLOSABLE_STATUSES:
        raise StatementError(_("Only a published statement can be closed; this one is "
                               "%(status)s.", status=_status_label(statement)))
    statement.status = StatementStatus.CLOSED
    statement.closed_at = utcnow()


def reopen_statement(statement: Statement) -> None:
    if statement.status not in REOPENABLE_STATUSES:
        raise StatementError(_("Only a closed statement can be reopened; this one is "
                               "%(status)s.", status=_status_label(statement)))
    statement.status = StatementStatus.PUBLISHED
    statement.closed_at = None


# --- The private sign-on link ----------------------------------------------------------


def create_sign_on_link(statement: Statement) -> str:
    """A new token (replacing any earlier one, which then stops working)."""
    if statement.status not in SIGN_ON_LINK_STATUSES:
        raise StatementError(_("A private sign-on link is for a draft; this statement is "
                               "%(status)s and anyone may co-sign it.",
                               status=_status_label(statement)))
    statement.sign_on_token = secrets.token_urlsafe(24)
    return statement.sign_on_token


def revoke_sign_on_link(statement: Statement) -> None:
    if statement.sign_on_token is None:
        raise StatementError(_("This statement has no private sign-on link."))
    statement.sign_on_token = None


# --- Finding a statement's parts -----------------------------------------------------


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
