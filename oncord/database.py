"""Connection settings that make SQLite fit for a web process and a worker side by side,
and what schema comparisons leave out."""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine


def configure_sqlite(engine: Engine) -> None:
    """WAL lets pages read while the worker writes; a busy timeout waits out the writer
    instead of failing; foreign keys are enforced as on PostgreSQL."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def include_in_autogenerate(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's filter: indexes a migration makes for one database only are not the models' business."""
    from oncord.models.contact import SEARCH_TRIGRAM_INDEX

    return not (type_ == "index" and name == SEARCH_TRIGRAM_INDEX)
