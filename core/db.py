"""Database plumbing shared by every package: UTC timestamps, SQLite set-up, write locks.

SQLite: WAL, foreign keys on, a busy timeout, and write requests begin with
``BEGIN IMMEDIATE`` so two writers are serialized up front instead of one failing late on a
stale snapshot. PostgreSQL: row locks via ``SELECT … FOR UPDATE`` (``for_update``) and
transaction-scoped advisory locks (``advisory_lock``) for the few global sequences.
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
import threading
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from core import clock
from core.extensions import db

log = logging.getLogger(__name__)

# Set for the duration of a write request or job: its SQLite transactions take the write lock
# at BEGIN. Reads stay deferred so pages never queue behind writers (WAL readers don't block).
write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("write_intent",
                                                                     default=False)


# The range of an INTEGER column (PostgreSQL int4): every id, and most counts and minutes.
# Input is bounded to it (``core.schemas.Schema``, the ``<int:…>`` route converter), so a
# larger number is a 4xx answer, never an overflow in the database driver.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def is_sqlite(bind=None) -> bool:
    bind = bind or db.engine
    return bind.dialect.name == "sqlite"


# How long a SQLite writer waits for the database write lock before "database is locked".
SQLITE_BUSY_TIMEOUT_S = 30

# SQLite has one writer at a time, and a writer that finds the database locked polls for it
# (the busy handler sleeps up to 100 ms between tries, until the busy timeout): with many
# threads, an unlucky writer keeps missing its turn while others take it, until it fails with
# "database is locked" (a 500). So the write requests of one process first queue on this lock,
# whose waiters are woken as soon as it is free; only one thread per process polls SQLite.
# PostgreSQL has row locks and needs none of this. docs/performance.md has the measurements.
_sqlite_writers = threading.Lock()


def queue_sqlite_writer() -> bool:
    """Wait for this process's turn to write to SQLite (a write request, before its first
    query). True when the turn was taken: give it back with ``sqlite_writer_done()``. False on
    PostgreSQL, or after the busy timeout (then SQLite's own busy wait still applies)."""
    if not is_sqlite():
        return False
    if _sqlite_writers.acquire(timeout=SQLITE_BUSY_TIMEOUT_S):
        return True
    log.warning("waited %s s for this process's SQLite write turn", SQLITE_BUSY_TIMEOUT_S)
    return False


def sqlite_writer_done() -> None:
    _sqlite_writers.release()


def install_sqlite_pragmas(engine) -> None:
    """WAL, foreign keys and our own BEGIN, so write transactions can take the lock early."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")


def for_update(stmt):
    """``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the write transaction already holds
    the database write lock (BEGIN IMMEDIATE), which serializes the same way."""
    return stmt.with_for_update()


def advisory_lock(name: str) -> None:
    """Serialize writers of one global sequence (e.g. the audit chain) until commit."""
    if is_sqlite(db.session.get_bind()):
        return  # the IMMEDIATE write transaction already excludes other writers
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
    db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


class TimestampMixin:
    """Creation time, stored in UTC."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=clock.now)


def as_date(value) -> date:
    return value.date() if isinstance(value, datetime) else value


# --- insert-only tables --------------------------------------------------------------------
# Ledger postings, audit records and credit facts are never updated or deleted. The ORM refuses
# (``InsertOnly``), and a database trigger refuses too, so raw SQL cannot rewrite them silently.

class InsertOnlyViolation(RuntimeError):
    pass


class InsertOnly:
    """Mixin for append-only tables; see ``insert_only_statements`` for the database side."""


@event.listens_for(InsertOnly, "before_update", propagate=True)
def _refuse_update(_mapper, _connection, target):
    raise InsertOnlyViolation(f"{type(target).__name__} rows are insert-only")


@event.listens_for(InsertOnly, "before_delete", propagate=True)
def _refuse_delete(_mapper, _connection, target):
    raise InsertOnlyViolation(f"{type(target).__name__} rows are insert-only")


def insert_only_statements(table: str, dialect: str) -> list[str]:
    """DDL that makes ``table`` refuse UPDATE and DELETE; used by create_all and migrations."""
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is insert-only'); END",
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is insert-only'); END",
        ]
    if dialect == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is insert-only'; END $$",
            f"DROP TRIGGER IF EXISTS {table}_insert_only ON {table}",
            f"CREATE TRIGGER {table}_insert_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION refuse_change()",
        ]
    return []


INSERT_ONLY_TABLES: set[str] = set()


def make_insert_only(table: sa.Table) -> None:
    """Attach the refusing triggers to ``table`` whenever ``create_all`` creates it (the
    migration that creates the table calls ``insert_only_statements`` itself)."""
    INSERT_ONLY_TABLES.add(table.name)

    @event.listens_for(table, "after_create")
    def _create_triggers(target, connection, **_kw):
        for statement in insert_only_statements(target.name, connection.dialect.name):
            connection.exec_driver_sql(statement)


# --- migrations ----------------------------------------------------------------------------
# Tables that belong to libraries, not to our models (APScheduler creates its own job store).
FOREIGN_TABLES = {"apscheduler_jobs"}


def table_owners() -> dict[str, str]:
    """Table name → the top-level package whose models define it (core, timebank, …)."""
    owners = {}
    for mapper in db.Model.registry.mappers:
        package = mapper.class_.__module__.split(".")[0]
        for table in mapper.tables:
            owners[table.name] = package
    return owners


def migration_include_object(only_package: str | None = None):
    """Alembic ``include_object``: skip library tables; with ``only_package``, autogenerate
    only that package's tables (``MIGRATE_PACKAGE=timebank flask db migrate -m …``)."""
    owners = table_owners() if only_package else {}

    def include(obj, name, type_, _reflected, _compare_to):
        table_name = name if type_ == "table" else getattr(getattr(obj, "table", None),
                                                           "name", None)
        if table_name in FOREIGN_TABLES:
            return False
        if only_package and table_name is not None:
            return owners.get(table_name) == only_package
        return True

    return include
