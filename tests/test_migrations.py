"""The migrations build exactly the schema the models describe."""
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from oncord.database import include_in_autogenerate
from oncord.extensions import db as _db


def test_models_and_migrations_agree(app, db):
    with _db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_in_autogenerate})
        diff = compare_metadata(context, _db.metadata)
    assert diff == []


def test_a_database_user_who_may_not_add_pg_trgm_still_migrates(app, db, capsys):
    """On PostgreSQL a user without CREATE on the database cannot install pg_trgm: the migrations
    still finish, search scans, and the log says how an owner adds the index. (SQLite: no index.)"""
    import secrets

    import sqlalchemy as sa
    from flask_migrate import upgrade

    from oncord import create_app
    from oncord.models.contact import SEARCH_TRIGRAM_INDEX

    if _db.engine.dialect.name != "postgresql":
        assert SEARCH_TRIGRAM_INDEX not in {i["name"] for i in sa.inspect(_db.engine).get_indexes("contacts")}
        return
    url = _db.engine.url
    name = f"oncord_trgm_{secrets.token_hex(3)}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
        conn.execute(sa.text(f"CREATE ROLE {name} LOGIN"))
    try:
        owner = sa.create_engine(url.set(database=name), isolation_level="AUTOCOMMIT")
        with owner.connect() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA app AUTHORIZATION {name}"))
        owner.dispose()
        limited = create_app({**{k: v for k, v in app.config.items() if k.startswith(("SECRET", "ONCORD", "REDIS"))},
                              "SQLALCHEMY_DATABASE_URI": url.set(database=name, username=name, password=None)
                              .render_as_string(hide_password=False),
                              "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": "-csearch_path=app"}}})
        with limited.app_context():  # alembic.ini's logging writes to stderr
            upgrade()
            engine = limited.extensions["sqlalchemy"].engine
            indexes = {i["name"] for i in sa.inspect(engine).get_indexes("contacts")}
            with engine.connect() as conn:
                head = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
            engine.dispose()
        assert SEARCH_TRIGRAM_INDEX not in indexes and "ix_contacts_last_first" in indexes
        assert head in ScriptDirectory(str(Path(__file__).resolve().parent.parent / "migrations")).get_heads()
        assert f"CREATE INDEX IF NOT EXISTS {SEARCH_TRIGRAM_INDEX}" in capsys.readouterr().err
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            conn.execute(sa.text(f"DROP ROLE IF EXISTS {name}"))
        admin.dispose()
