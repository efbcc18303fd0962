"""The declarative base, column types and connection settings shared by all models."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, Enum, MetaData, String, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql.functions import GenericFunction
from sqlalchemy.types import TypeDecorator

# Alembic needs stable constraint names to alter or drop them later (and SQLite's
# batch mode cannot work without them).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend.

    SQLite keeps no time zone, so values are stored as naive UTC and given their
    zone back when read; comparing them with `utcnow()` then works everywhere.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC datetime is required")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_column(enum_class: type[enum.Enum], name: str) -> Enum:
    """Stored as its value in a VARCHAR with a CHECK constraint: portable between SQLite
    and PostgreSQL, and a new state needs no ALTER TYPE."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def insert_unless_present(model: Any, unique_columns: Iterable[str],
                          where: Any = None) -> Any:
    """INSERT … ON CONFLICT (UNIQUE_COLUMNS) DO NOTHING, in this database's dialect: a
    row whose values there are taken already is skipped, and RETURNING returns
    nothing for it. WHERE is the predicate of a partial unique index."""
    from campaign.extensions import db

    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(model).on_conflict_do_nothing(index_elements=list(unique_columns),
                                                index_where=where)


class unicode_lower(GenericFunction[str]):
    """lower() for every letter on both databases: SQLite's own folds ASCII only, so
    there it is Python's str.lower, registered in configure_engine."""

    type = String()
    inherit_cache = True


@compiles(unicode_lower)
def _compile_unicode_lower(element: Any, compiler: Any, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(unicode_lower, "sqlite")
def _compile_unicode_lower_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return f"unicode_lower({compiler.process(element.clauses, **kw)})"


def _python_lower(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else value


# Execution option for a transaction that will only read; see configure_engine.
READ_ONLY = "undersigned_read_only"


def read_only_transaction() -> None:
    """Begin the session's next transaction as one that only reads. Call it when no
    transaction is open (after a commit), before the first query."""
    from campaign.extensions import db

    db.session.connection(execution_options={READ_ONLY: True})


_AUTOCOMMIT_ENGINE = "undersigned.autocommit_engine"


def autocommit_engine() -> Engine:
    """On PostgreSQL, the engine of the signing path's single statement (campaign.
    signing.first_signature): the same database in autocommit and without a ping on
    checkout, each statement its own transaction in one round trip."""
    from flask import current_app

    from campaign.extensions import db

    engine = current_app.extensions.get(_AUTOCOMMIT_ENGINE)
    if engine is None:
        engine = current_app.extensions[_AUTOCOMMIT_ENGINE] = create_engine(
            db.engine.url, isolation_level="AUTOCOMMIT", hide_parameters=True)
    return engine


def configure_engine(engine: Engine) -> None:
    """SQLite, as the embedded mode uses it with a web process and a worker on one file.

    WAL lets readers go on while a writer writes, and the busy timeout makes a writer
    wait for another instead of failing. Transactions start with BEGIN IMMEDIATE:
    a deferred one that read first fails at once, without waiting, when it tries to
    write after another process has written, and that would lose a signature. Taking
    over BEGIN from pysqlite is also what makes SAVEPOINT work on it.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
        dbapi_connection.create_function("unicode_lower", 1, _python_lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        # A long read (an export streaming a million rows) must not hold the write
        # lock: under WAL a deferred transaction that never writes blocks no one.
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN DEFERRED" if read_only else "BEGIN IMMEDIATE")
