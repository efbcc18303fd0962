"""A statement's addressees, and the address book: governments and institutions kept
from statement to statement.

Each coordinator has their own book: an entry belongs to the coordinator who made
it, and nobody else sees, edits, removes or picks it. Teams are per statement, and a
coordinator may be on the teams of several coalitions; a book shared with everyone
on their teams would show one coalition's contacts (and let it change where the
other's letters go) to the other. A coordinator who wants a colleague's entry adds
it by hand once, to their own book.

An addressee copies an entry's details when it is added; it never follows the entry
afterwards. A letter already went out with what the addressee had, and the record of
that letter must keep saying to whom and where it was sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from campaign.extensions import db
from campaign.statements.models import AddressBookEntry, Addressee, Statement, StatementError
from campaign.statements.services import keep_publishable
from campaign.text import InvalidEmail, normalize_email, normalize_name

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


def check_removable(addressee: Addressee) -> None:
    """Refused (StatementError) when removing ADDRESSEE would leave a group of a
    published statement addressed to nobody: asked before the removal's confirmation
    page is offered, and again by the removal."""
    keep_publishable(addressee.statement, without=addressee)


def remove_addressee(addressee: Addressee) -> None:
    """Out of every group it stood in, then gone; refused as check_removable says."""
    check_removable(addressee)
    statement = addressee.statement
    for group in statement.demand_groups:
        group.address_to([other for other in group.addressees if other is not addressee])
    statement.addressees.remove(addressee)


def address_book(owner_id: int) -> list[AddressBookEntry]:
    return list(db.session.scalars(
        select(AddressBookEntry).where(AddressBookEntry.coordinator_id == owner_id)
        .order_by(AddressBookEntry.name, AddressBookEntry.id)))


def find_entry(owner_id: int, entry_id: int) -> AddressBookEntry | None:
    """The entry, if it is in this coordinator's book; another's is as absent."""
    entry = db.session.get(AddressBookEntry, entry_id)
    return entry if entry is not None and entry.coordinator_id == owner_id else None


def _entry_named(owner_id: int, name: str) -> AddressBookEntry | None:
    return db.session.scalars(
        select(AddressBookEntry).where(AddressBookEntry.coordinator_id == owner_id,
                                       AddressBookEntry.name == name)).one_or_none()


def _fill_entry(entry: AddressBookEntry, details: AddresseeDetails) -> None:
    details = clean_addressee_details(details)
    same_name = _entry_named(entry.coordinator_id, details.name)
    if same_name is not None and same_name is not entry:
        raise StatementError(_("Your address book has an entry named “%(name)s” already.",
                               name=details.name), field="name")
    entry.name = details.name
    entry.role = details.role
    entry.email = details.email
    entry.language = details.language


def add_entry(owner_id: int, details: AddresseeDetails) -> AddressBookEntry:
    entry = AddressBookEntry(coordinator_id=owner_id)
    _fill_entry(entry, details)
    db.session.add(entry)
    return entry


def update_entry(entry: AddressBookEntry, details: AddresseeDetails) -> None:
    """Only the entry changes: see the module's docstring for why addressees do not."""
    _fill_entry(entry, details)


def remove_entry(entry: AddressBookEntry) -> None:
    """Addressees made from it keep their details; they only lose the link to it."""
    db.session.delete(entry)


def details_of(entry: AddressBookEntry) -> AddresseeDetails:
    return AddresseeDetails(name=entry.name, role=entry.role, email=entry.email,
                            language=entry.language)


def add_addressee_from_book(statement: Statement, owner_id: int,
                            entry_id: int | None) -> Addressee:
    entry = find_entry(owner_id, entry_id) if entry_id is not None else None
    if entry is None:
        raise StatementError(_("Choose an entry of the address book."), field="entry")
    return add_addressee(statement, details_of(entry), book_entry=entry)


@dataclass(frozen=True)
class AddedByHand:
    addressee: Addressee
    # The entry made from it, or None when the book had that name already.
    new_entry: AddressBookEntry | None


def add_addressee_by_hand(statement: Statement, owner_id: int,
                          details: AddresseeDetails) -> AddedByHand:
    """An addressee typed in, kept in the coordinator's address book for their next
    statement unless an entry there has that name: an existing entry is left as it
    is, since the coordinator may rely on its details."""
    addressee = add_addressee(statement, details)
    if _entry_named(owner_id, addressee.name) is not None:
        return AddedByHand(addressee=addressee, new_entry=None)
    entry = AddressBookEntry(coordinator_id=owner_id, name=addressee.name, role=addressee.role,
                             email=addressee.email, language=addressee.language)
    db.session.add(entry)
    addressee.book_entry = entry
    return AddedByHand(addressee=addressee, new_entry=entry)
