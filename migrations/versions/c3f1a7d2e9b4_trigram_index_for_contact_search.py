"""Trigram index for contact search on PostgreSQL

Contact search matches substrings (`search_text LIKE '%term%'`), which a B-tree cannot
serve; pg_trgm's GIN index can. PostgreSQL only, and only where the pg_trgm extension
can be had: without it search still works, by scanning. SQLite has no equivalent.

Revision ID: c3f1a7d2e9b4
Revises: b0dcd9518215
Create Date: 2026-11-25 09:50:00

"""
import logging

from alembic import op
import sqlalchemy as sa

from oncord.models.contact import SEARCH_TRIGRAM_INDEX

# revision identifiers, used by Alembic.
revision = 'c3f1a7d2e9b4'
down_revision = 'b0dcd9518215'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    schema = _trigram_schema(bind)
    if schema is None:
        log.warning("pg_trgm is not available to this database user, so contact search will scan. "
                    "A database owner can add the index later: CREATE EXTENSION pg_trgm WITH SCHEMA public; %s;",
                    _create_index("public"))
        return
    op.execute(sa.text(_create_index(schema)))


def _create_index(schema: str) -> str:
    return (f'CREATE INDEX IF NOT EXISTS {SEARCH_TRIGRAM_INDEX} ON contacts '
            f'USING gin (search_text "{schema}".gin_trgm_ops)')


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text(f"DROP INDEX IF EXISTS {SEARCH_TRIGRAM_INDEX}"))


def _trigram_schema(bind) -> str | None:
    """The schema pg_trgm lives in, installing it (into public) when this user may."""
    find = sa.text("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                   "WHERE e.extname = 'pg_trgm'")
    schema = bind.execute(find).scalar()
    if schema is not None:
        return schema
    try:
        with bind.begin_nested():  # a refusal must not abort the migration's transaction
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public"))
    except sa.exc.DBAPIError as exc:
        log.warning("could not create the pg_trgm extension: %s", exc.orig)
        return None
    return bind.execute(find).scalar()
