"""Exporting signatories as CSV: rows streamed from a server-side cursor, so that a
million signatures export in constant memory, and every export recorded.

What goes in, and why:
- Individuals: confirmed signatures only. Unconfirmed ones may not be who they claim
  to be, and hidden ones were taken off the statement by a coordinator. The e-mail
  address only of those who opted in to updates: the others gave it to confirm
  their signature, not to be written to.
- Organizations: those that confirmed and are approved or awaiting approval (a
  rejected one is not a signatory). The contact e-mail only of approved ones: their
  contact gave it as the organization's contact for this statement, and approval
  makes the organization one of its signatories; an organization still awaiting
  approval is not one yet, and its contact is reached through the moderation page.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import joinedload

from campaign.accounts.models import Coordinator
from campaign.database import read_only_transaction
from campaign.exports.models import DataExport, ExportKind
from campaign.extensions import db
from campaign.signing.models import (
    ACTIVE_INDIVIDUAL_STATUSES,
    ACTIVE_ORGANIZATION_STATUSES,
    EXPORTED_ORGANIZATION_STATUSES,
    IndividualSignature,
    OrganizationSignature,
)
from campaign.statements.models import Statement

# Rows fetched from the database at a time: memory stays flat whatever the total.
BATCH_SIZE = 1000
EXPORTS_LISTED = 100

# A spreadsheet runs a cell starting with one of these as a formula ("CSV injection"):
# a signer's name like =HYPERLINK(…) would run on the coordinator's computer. Tab and
# carriage return are on OWASP's list too.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

ORGANIZATION_COLUMNS = ("name_shown", "name_as_submitted", "status", "founding", "country",
                        "type", "website", "contact_name", "contact_email", "confirmed_at",
                        "approved_at")
INDIVIDUAL_COLUMNS = ("name", "name_display", "country", "affiliation", "wants_updates",
                      "email", "confirmed_at")



def record_export(statement: Statement, kind: ExportKind, *, by: Coordinator) -> DataExport:
    export = DataExport(statement_id=statement.id, coordinator_id=by.id, kind=kind)
    db.session.add(export)
    return export


def exports_taken(statement: Statement) -> list[DataExport]:
    return list(db.session.scalars(
        select(DataExport)
        .where(DataExport.statement_id == statement.id)
        .options(joinedload(DataExport.coordinator))
        .order_by(DataExport.created_at.desc(), DataExport.id.desc())
        .limit(EXPORTS_LISTED)
    ))


def organization_rows(statement_id: int) -> Iterator[Sequence[object]]:
    approved = OrganizationSignature.status.in_(ACTIVE_ORGANIZATION_STATUSES)
    yield from _stream(
        select(
            func.coalesce(OrganizationSignature.display_name, OrganizationSignature.name),
            OrganizationSignature.name, OrganizationSignature.status,
            OrganizationSignature.founding, OrganizationSignature.country,
            OrganizationSignature.organization_type, OrganizationSignature.website,
            OrganizationSignature.contact_name,
            case((approved, OrganizationSignature.contact_email), else_=None),
            OrganizationSignature.confirmed_at, OrganizationSignature.approved_at,
        )
        .where(OrganizationSignature.statement_id == statement_id,
               OrganizationSignature.status.in_(EXPORTED_ORGANIZATION_STATUSES))
        .order_by(OrganizationSignature.id)
    )


def individual_rows(statement_id: int) -> Iterator[Sequence[object]]:
    yield from _stream(
        select(
            IndividualSignature.name, IndividualSignature.name_display,
            IndividualSignature.country, IndividualSignature.affiliation,
            IndividualSignature.wants_updates,
            # Chosen in the database, so an address never leaves it unless opted in.
            case((IndividualSignature.wants_updates.is_(True), IndividualSignature.email),
                 else_=None),
            IndividualSignature.confirmed_at,
        )
        .where(IndividualSignature.statement_id == statement_id,
               IndividualSignature.status.in_(ACTIVE_INDIVIDUAL_STATUSES))
        .order_by(IndividualSignature.id)
    )


def _stream(query: Select) -> Iterator[Sequence[object]]:
    # yield_per makes a server-side cursor on PostgreSQL (stream_results) and fetches
    # BATCH_SIZE rows at a time everywhere, instead of all rows at once.
    read_only_transaction()
    result = db.session.execute(query.execution_options(yield_per=BATCH_SIZE))
    try:
        yield from result
    finally:
        result.close()


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """The CSV text line by line. It starts with a byte order mark, without which
    Excel reads UTF-8 (a Ukrainian name) as mojibake."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield "\ufeff" + _take(buffer)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
        yield _take(buffer)


def _take(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
