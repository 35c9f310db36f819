"""The migrations build exactly the schema the models describe."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from oncord.database import include_in_autogenerate
from oncord.extensions import db as _db


def test_models_and_migrations_agree(app, db):
    with _db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_in_autogenerate})
        diff = compare_metadata(context, _db.metadata)
    assert diff == []
