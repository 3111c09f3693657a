"""On SQLite the write requests of one process take turns on a process lock before their
``BEGIN IMMEDIATE`` (core.db.queue_sqlite_writer), instead of all polling SQLite's lock, where
under load (benches/load.py, 64 threads) an unlucky writer kept missing its turn until the
busy timeout and got "database is locked" as a 500. Reads never queue; the turn is given back
after every write request, failed ones included; PostgreSQL writers do not queue at all."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event

from core import db as core_db
from core.auth import PUBLIC, roles
from core.extensions import csrf, db
from tests.conftest import IS_POSTGRES

PERSONS = "/api/v1/accounts/persons"
NUMBERS = iter(["320402195001011230", "320402195102021235", "32040219520303123X"])


def _post_in_thread(app, api, results: list) -> threading.Thread:
    body = {"name": "王秀英", "id_number": next(NUMBERS)}

    def run():
        with app.app_context():
            results.append(api.post(PERSONS, json=body))

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.fixture
def statements(app):
    """Every SQL statement sent, from any thread."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


@pytest.mark.skipif(IS_POSTGRES, reason="SQLite's single writer; PostgreSQL has row locks")
def test_a_write_request_waits_for_its_turn_before_touching_sqlite(app, api_as, statements):
    api = api_as("regulator")
    assert core_db._sqlite_writers.acquire(timeout=5)  # another writer of this process is busy
    results: list = []
    try:
        writer = _post_in_thread(app, api, results)
        writer.join(timeout=0.5)
        assert writer.is_alive(), "the write did not wait for its turn"
        assert "BEGIN IMMEDIATE" not in statements  # queued here, not polling SQLite's lock
        assert api.get("/api/v1/accounts/tokens").status_code == 200  # reads do not queue
    finally:
        core_db._sqlite_writers.release()
    writer.join(timeout=30)
    assert results and results[0].status_code == 201
    assert "BEGIN IMMEDIATE" in statements
    assert not core_db._sqlite_writers.locked()  # the turn was given back


@pytest.mark.skipif(IS_POSTGRES, reason="SQLite's single writer; PostgreSQL has row locks")
def test_the_turn_is_given_back_after_a_refused_or_failed_write(app, api_as, client):
    @app.post("/boom-write")
    @roles(PUBLIC)
    def boom_write():
        raise RuntimeError("kaput")

    csrf.exempt(boom_write)  # reach the handler: a page form would be refused by CSRF first
    api = api_as("regulator")
    assert api.post(PERSONS, json={}).status_code == 422  # refused by validation
    assert not core_db._sqlite_writers.locked()
    assert client.post(PERSONS, json={"name": "x"}).status_code in (400, 401)  # no login
    assert not core_db._sqlite_writers.locked()
    assert client.post("/boom-write").status_code == 500  # an unexpected error
    assert not core_db._sqlite_writers.locked()
    assert api.post(PERSONS, json={"name": "王秀英", "id_number": next(NUMBERS)}
                    ).status_code == 201


@pytest.mark.skipif(not IS_POSTGRES, reason="PostgreSQL only")
def test_postgresql_writers_do_not_queue_in_the_process(app, api_as):
    api = api_as("regulator")
    assert core_db._sqlite_writers.acquire(timeout=5)
    results: list = []
    try:
        writer = _post_in_thread(app, api, results)
        writer.join(timeout=30)
        assert not writer.is_alive()
    finally:
        core_db._sqlite_writers.release()
    assert results[0].status_code == 201
