"""The address book: governments and institutions kept from statement to statement.

An addressee copies an entry's details when it is added; it never follows the entry
afterwards. A letter already went out with what the addressee had, and the record of
that letter must keep saying to whom and where it was sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from campaign.extensions import db
from campaign.statements.drafting import AddresseeDetails, add_addressee, clean_addressee_details
from campaign.statements.models import AddressBookEntry, Addressee, Statement
from campaign.statements.services import StatementError


def address_book() -> list[AddressBookEntry]:
    return list(db.session.scalars(
        select(AddressBookEntry).order_by(AddressBookEntry.name, AddressBookEntry.id)))


def find_entry(entry_id: int) -> AddressBookEntry | None:
    return db.session.get(AddressBookEntry, entry_id)


def _entry_named(name: str) -> AddressBookEntry | None:
    return db.session.scalars(
        select(AddressBookEntry).where(AddressBookEntry.name == name)).one_or_none()


def _fill_entry(entry: AddressBookEntry, details: AddresseeDetails) -> None:
    details = clean_addressee_details(details)
    same_name = _entry_named(details.name)
    if same_name is not None and same_name is not entry:
        raise StatementError(_("The address book has an entry named “%(name)s” already.",
                               name=details.name), field="name")
    entry.name = details.name
    entry.role = details.role
    entry.email = details.email
    entry.language = details.language


def add_entry(details: AddresseeDetails) -> AddressBookEntry:
    entry = AddressBookEntry()
    _fill_entry(entry, details)
    db.session.add(entry)
    return entry


def update_entry(entry: AddressBookEntry, details: AddresseeDetails) -> None:
    """Only the entry changes: see the module's docstring for why addressees do not."""
    _fill_entry(entry, details)


def details_of(entry: AddressBookEntry) -> AddresseeDetails:
    return AddresseeDetails(name=entry.name, role=entry.role, email=entry.email,
                            language=entry.language)


def add_addressee_from_book(statement: Statement, entry_id: int | None) -> Addressee:
    entry = find_entry(entry_id) if entry_id is not None else None
    if entry is None:
        raise StatementError(_("Choose an entry of the address book."), field="entry")
    return add_addressee(statement, details_of(entry), book_entry=entry)


@dataclass(frozen=True)
class AddedByHand:
    addressee: Addressee
    # The entry made from it, or None when the book had that name already.
    new_entry: AddressBookEntry | None


def add_addressee_by_hand(statement: Statement, details: AddresseeDetails) -> AddedByHand:
    """An addressee typed in, kept in the address book for the next statement unless
    an entry has that name: an existing entry is left as it is, since other
    coordinators may rely on its details."""
    addressee = add_addressee(statement, details)
    if _entry_named(addressee.name) is not None:
        return AddedByHand(addressee=addressee, new_entry=None)
    entry = AddressBookEntry(name=addressee.name, role=addressee.role, email=addressee.email,
                             language=addressee.language)
    db.session.add(entry)
    addressee.book_entry = entry
    return AddedByHand(addressee=addressee, new_entry=entry)
