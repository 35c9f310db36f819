"""One INSERT ... ON CONFLICT statement per page, on SQLite and PostgreSQL alike.

A row the database refuses is tried alone and left out, so one bad record never stops
a sync; what the caller learns is its key and the kind of refusal, never its values.
"""
from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass

from sqlalchemy import String, Table, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.exc import OperationalError
from sqlalchemy.dialects import postgresql, sqlite

from oncord.extensions import db

# SQLSTATEs in staff words; anything else is named by its error class.
REFUSALS = {
    "22001": "a value is too long",
    "22021": "a value has characters the database cannot store",
    "22P05": "a value has characters the database cannot store",
    "22007": "a date or time is not valid",
    "22008": "a date or time is out of range",
    "22003": "a number is out of range",
    "23502": "a required value is missing",
    "23505": "it duplicates another row",
}


@dataclass(frozen=True)
class Refused:
    """A row the database would not store: its key and why, in words without its data."""

    key: object
    reason: str


def bulk_upsert(table: Table, rows: Sequence[dict], key: str = "id",
                update: Sequence[str] | None = None) -> list[Refused]:
    """Insert `rows`, updating `update` columns (default: all but the key) where `key` exists.
    Returns the rows the database refused; every other row is written."""
    if not rows:
        return []
    dialect = db.session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    statement = insert(table)
    columns = update if update is not None else [c for c in rows[0] if c != key]
    if columns:
        statement = statement.on_conflict_do_update(
            index_elements=[key], set_={name: statement.excluded[name] for name in columns}
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=[key])
    try:
        with _savepoint(dialect):
            # A list of parameter sets: SQLAlchemy compiles the statement once (cached) and sends
            # the page in one multi-row batch instead of compiling a bind per value.
            db.session.execute(statement, list(rows))
        return []
    except sa_exc.StatementError as error:  # DataError, IntegrityError, bad parameters
        if _is_connection_trouble(error):
            raise
    refused = []
    for row in rows:  # the page again, one row at a time: only the bad ones stay out
        try:
            with _savepoint(dialect):
                db.session.execute(statement, [row])
        except sa_exc.StatementError as error:  # DataError, IntegrityError, bad parameters
            if _is_connection_trouble(error):
                raise
            refused.append(Refused(row.get(key), f"the database refused it ({refusal_reason(error)})"))
    return refused


def _savepoint(dialect: str):
    """PostgreSQL aborts the whole transaction on an error, so each try gets a savepoint.
    SQLite undoes only the failed statement, and pysqlite's savepoints would commit early."""
    return db.session.begin_nested() if dialect == "postgresql" else nullcontext()


def _is_connection_trouble(error: sa_exc.StatementError) -> bool:
    """A lost connection is not a bad row: the sync must stop, not skip everything."""
    return isinstance(error, sa_exc.DBAPIError) and (
        error.connection_invalidated or not isinstance(error, (sa_exc.DataError, sa_exc.IntegrityError)))


def refusal_reason(error: Exception) -> str:
    """The kind of database error, never its message: databases quote the values they refuse."""
    original = getattr(error, "orig", None) or error
    state = getattr(original, "sqlstate", None) or getattr(getattr(original, "diag", None), "sqlstate", None)
    words = REFUSALS.get(state or "")
    return f"{type(original).__name__}: {words}" if words else type(original).__name__


def fit_to_columns(table: Table, row: dict, record: str) -> list[str]:
    """Shorten text longer than its column (PostgreSQL refuses it, SQLite would keep it:
    both end alike). Returns a problem per shortened value, naming `record` and the field."""
    problems = []
    for name, value in row.items():
        column = table.c.get(name)
        if isinstance(value, str) and column is not None and isinstance(column.type, String):
            length = column.type.length
            if length and len(value) > length:
                row[name] = value[:length]
                problems.append(f"{record}: {name.replace('_', ' ')} is longer than oncord keeps; shortened")
    return problems


def refresh_statistics(table: Table) -> None:
    """PostgreSQL plans from statistics that autovacuum refreshes late while a first sync
    grows a table from nothing; stale ones turn id lookups into full scans.

    Only worth a moment: if another ANALYZE or VACUUM holds the table (a database-wide
    ANALYZE can hold it for minutes), skip it rather than stall the sync."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    try:
        with db.session.begin_nested():  # rolling back to it also undoes SET LOCAL
            db.session.execute(text("SET LOCAL lock_timeout = '2s'"))
            db.session.execute(text(f'ANALYZE "{table.name}"'))
            db.session.execute(text("SET LOCAL lock_timeout = DEFAULT"))
    except OperationalError:
        pass
