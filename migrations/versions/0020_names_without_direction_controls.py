"""names: the bidirectional controls taken out of those kept before names lost them

Signers' names and affiliations, organizations' names and contacts, and reply
documents' names lose the embeddings, overrides and isolates (U+202A-U+202E,
U+2066-U+2069) that new ones are stripped of (campaign.text.without_bidi_controls,
campaign.replies.services.plain_filename). An organization's name_key follows its
name, unless another co-signature of the statement already has that key: then the
key stays, and the two are for the coordinators to tell apart.

The cleaning is written out here rather than imported: a migration keeps doing what
it did when it was written, whatever the app's code becomes.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 12:30:00

"""
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

_CONTROLS = [chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]
_DELETE = dict.fromkeys(map(ord, _CONTROLS))


def _name(value):
    return " ".join(unicodedata.normalize("NFC", value.translate(_DELETE)).split())


def _document_name(value):
    return "".join(character for character in value if unicodedata.category(character)
                   not in {"Cc", "Cf", "Zl", "Zp"})


def _rows_with_controls(connection, table, columns):
    wanted = sa.or_(*(sa.column(name).contains(control)
                      for name in columns for control in _CONTROLS))
    return connection.execute(
        sa.select(sa.column("id"), *map(sa.column, columns))
        .select_from(sa.table(table)).where(wanted)).all()


def _clean(connection, table, cleaning):
    """CLEANING: each column's cleaning, and what an emptied value becomes."""
    columns = tuple(cleaning)
    for row in _rows_with_controls(connection, table, columns):
        values = {}
        for name, value in zip(columns, row[1:]):
            clean, if_empty = cleaning[name]
            values[name] = None if value is None else (clean(value) or if_empty)
        connection.execute(sa.text(
            f"UPDATE {table} SET " + ", ".join(f"{name} = :{name}" for name in columns)
            + " WHERE id = :id"), {**values, "id": row[0]})


def upgrade():
    connection = op.get_bind()
    # A name of nothing but controls keeps a visible mark; an affiliation or a
    # document's name goes.
    _clean(connection, "individual_signature",
           {"name": (_name, "?"), "affiliation": (_name, None)})
    _clean(connection, "reply", {"document_name": (_document_name, None)})
    for row in _rows_with_controls(connection, "organization_signature",
                                   ("name", "contact_name", "name_key")):
        name, contact_name = _name(row[1]), _name(row[2])
        key = name.casefold()
        taken = connection.execute(sa.text(
            "SELECT 1 FROM organization_signature WHERE statement_id = "
            "(SELECT statement_id FROM organization_signature WHERE id = :id) "
            "AND name_key = :key AND id != :id"), {"id": row[0], "key": key}).first()
        connection.execute(sa.text(
            "UPDATE organization_signature SET name = :name, contact_name = :contact_name"
            + ("" if taken else ", name_key = :key") + " WHERE id = :id"),
            {"name": name or "?", "contact_name": contact_name or "?", "key": key,
             "id": row[0]})


def downgrade():
    # What was taken out is not kept: nothing to put back.
    pass
