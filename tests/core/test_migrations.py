"""The migration history builds the same schema as the models, on SQLite and PostgreSQL."""

import os

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from core.app import create_app
from core.db import migration_include_object
from core.extensions import db
from tests.conftest import BASE_CONFIG, IS_POSTGRES, TEST_DATABASE_URL, _normalize


def _fresh_url(tmp_path) -> str:
    if not IS_POSTGRES:
        return f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
    base = sa.make_url(_normalize(TEST_DATABASE_URL))
    name = f"{base.database}_migr_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def test_upgrade_from_empty_matches_the_models_exactly(tmp_path):
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": _fresh_url(tmp_path)})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={
                "compare_type": True,
                "include_object": migration_include_object(),
            })
            diff = compare_metadata(context, db.metadata)
            tables = set(sa.inspect(conn).get_table_names())
        db.engine.dispose()
    assert diff == [], f"models and migrations disagree: {diff}"
    assert {"user_account", "organization", "audit_record", "alembic_version"} <= tables


def test_migrated_audit_trail_refuses_updates(tmp_path):
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": _fresh_url(tmp_path)})
    with app.app_context():
        upgrade()
        from core import audit

        audit.record(None, "test", "thing", 1)
        db.session.commit()
        try:
            db.session.execute(sa.text("UPDATE audit_record SET reason = 'x'"))
            db.session.commit()
            rewritten = True
        except sa.exc.DBAPIError:
            db.session.rollback()
            rewritten = False
        db.engine.dispose()
    assert rewritten is False


def test_every_insert_only_table_refuses_changes_after_migration(tmp_path):
    from core.db import INSERT_ONLY_TABLES

    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": _fresh_url(tmp_path)})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                rows = conn.exec_driver_sql(
                    "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' "
                    "AND name LIKE '%%_no_update'").all()
            else:
                rows = conn.exec_driver_sql(
                    "SELECT event_object_table FROM information_schema.triggers "
                    "WHERE trigger_name LIKE '%%_insert_only'").all()
        db.engine.dispose()
    guarded = {row[0] for row in rows}
    assert len(INSERT_ONLY_TABLES) >= 10
    assert guarded >= INSERT_ONLY_TABLES, INSERT_ONLY_TABLES - guarded
