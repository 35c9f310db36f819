"""One INSERT ... ON CONFLICT statement per page, on SQLite and PostgreSQL alike."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Table, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.dialects import postgresql, sqlite

from oncord.extensions import db


def bulk_upsert(table: Table, rows: Sequence[dict], key: str = "id", update: Sequence[str] | None = None) -> None:
    """Insert `rows`, updating `update` columns (default: all but the key) where `key` exists."""
    if not rows:
        return
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
    # A list of parameter sets: SQLAlchemy compiles the statement once (cached) and sends
    # the page in one multi-row batch instead of compiling a bind per value.
    db.session.execute(statement, list(rows))


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
