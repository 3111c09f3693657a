"""Operations: backups and restores, structured and masked logs, rotation of the personal-data
keys (docs/operations.md)."""

from __future__ import annotations

import glob
import io
import json
import logging
import shutil
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from click import ClickException
from cryptography.fernet import Fernet, InvalidToken

from core import ops
from core.accounts import services as accounts
from core.accounts.models import ApiToken, Person, User
from core.app import create_app
from core.audit import AuditRecord, verify_chain
from core.extensions import db
from core.logging import mask_personal_data, request_id_from
from core.orgs.models import Organization
from tests.conftest import BASE_CONFIG, IS_POSTGRES

ID_NUMBER = "32040219800101123X"  # the shape of a resident ID number (check digit not needed)
PHONE = "13912345678"


# --- backups -------------------------------------------------------------------------------

def _have_pg_dump() -> bool:
    return bool(shutil.which("pg_dump") or glob.glob("/usr/lib/postgresql/*/bin/pg_dump"))


def _world(make):
    """A few rows in several tables, each with its audit record."""
    user = make.user("volunteer")
    org = make.org()
    token = accounts.create_token(None, user, "backup test").token
    db.session.commit()
    return user.id, user.person_id, org.id, token.id


def _round_trip(app, make, backup_path: Path):
    user_id, person_id, org_id, token_id = _world(make)
    audit_count = verify_chain().checked
    runner = app.test_cli_runner()

    made = runner.invoke(args=["backup", str(backup_path)])
    assert made.exit_code == 0, made.output
    assert backup_path.exists() and "backup written" in made.output

    # After the backup: change a row, delete a row, add rows (and audit records).
    db.session.get(User, user_id).display_name = "改过的名字"
    db.session.get(Person, person_id).name = "改过"
    db.session.get(Organization, org_id).address = "改过的地址"
    db.session.delete(db.session.get(ApiToken, token_id))
    make.user("admin", username="after-backup")
    db.session.commit()
    assert verify_chain().checked > audit_count

    refused = runner.invoke(args=["restore", str(backup_path)], input="n\n")
    assert refused.exit_code != 0  # asked, and the answer was no
    assert accounts.find_user("after-backup") is not None

    restored = runner.invoke(args=["restore", str(backup_path), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert f"audit chain OK: {audit_count} records" in restored.output

    db.session.remove()
    assert db.session.get(User, user_id).display_name != "改过的名字"
    assert db.session.get(Person, person_id).name != "改过"
    assert db.session.get(ApiToken, token_id) is not None
    assert db.session.get(Organization, org_id).address != "改过的地址"
    assert accounts.find_user("after-backup") is None
    report = verify_chain()
    assert report.ok and report.checked == audit_count
    # Still a working database: encrypted columns decrypt, writes succeed.
    person = db.session.get(Person, person_id)
    assert accounts.find_person_by_id_number(person.id_number).id == person_id
    make.user("admin", username="after-restore")
    db.session.commit()


@pytest.mark.skipif(IS_POSTGRES, reason="SQLite backups; the PostgreSQL test is below")
def test_sqlite_backup_and_restore_round_trip(app, make, tmp_path):
    app.config["BACKUP_DIR"] = str(tmp_path / "kept")
    _round_trip(app, make, tmp_path / "civic.sqlite3")
    kept = list((tmp_path / "kept").glob("pre-restore-*.sqlite3"))
    assert len(kept) == 1  # the database that the restore replaced was kept
    assert (tmp_path / "civic.sqlite3").stat().st_mode & 0o077 == 0  # not world-readable


@pytest.mark.postgres
@pytest.mark.skipif(not IS_POSTGRES, reason="needs TEST_DATABASE_URL=postgresql…")
@pytest.mark.skipif(not _have_pg_dump(), reason="pg_dump not installed")
def test_postgres_backup_and_restore_round_trip(app, make, tmp_path):
    _round_trip(app, make, tmp_path / "civic.dump")
    assert (tmp_path / "civic.dump").read_bytes()[:5] == b"PGDMP"  # custom format


@pytest.mark.skipif(IS_POSTGRES, reason="SQLite backups")
def test_sqlite_backup_is_consistent_while_a_writer_holds_the_lock(app, make, tmp_path):
    user_id = make.user("volunteer").id
    db.session.commit()
    live = Path(sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database)
    writer = sqlite3.connect(live, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE user_account SET display_name = 'uncommitted' WHERE id = ?",
                       (user_id,))
        result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b.sqlite3")])
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert result.exit_code == 0, result.output
    with sqlite3.connect(tmp_path / "b.sqlite3") as copy:
        names = [r[0] for r in copy.execute("SELECT display_name FROM user_account")]
        (mode,) = copy.execute("PRAGMA journal_mode").fetchone()
    assert names and "uncommitted" not in names  # committed rows (in the WAL) are there
    assert mode == "delete"  # one self-contained file


def test_default_backup_path_is_in_backup_dir(app, tmp_path):
    if IS_POSTGRES and not _have_pg_dump():
        pytest.skip("pg_dump not installed")
    app.config["BACKUP_DIR"] = str(tmp_path)
    result = app.test_cli_runner().invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    assert len(list(tmp_path.glob("civic-*"))) == 1


def _heads() -> list[str]:
    from alembic.script import ScriptDirectory

    return list(ScriptDirectory(str(ops.MIGRATIONS_DIR)).get_heads())


def test_restore_refuses_a_backup_older_than_the_database():
    head = _heads()
    ops.check_restorable(set(head), set(head))  # same revision: fine
    ops.check_restorable(set(), set(head))  # into an empty, unmigrated database: fine
    with pytest.raises(ClickException, match="newer than the backup"):
        ops.check_restorable(set(head), set())
    with pytest.raises(ClickException, match="does not know"):
        ops.check_restorable(set(head), {"0123456789ab"})  # a backup from newer code


@pytest.mark.skipif(IS_POSTGRES, reason="adds alembic_version, which TRUNCATE would not reset")
def test_restore_command_refuses_and_leaves_the_database_alone(app, make, tmp_path):
    backup = tmp_path / "old.sqlite3"
    assert app.test_cli_runner().invoke(args=["backup", str(backup)]).exit_code == 0
    head = _heads()[0]
    db.session.execute(sa.text("CREATE TABLE alembic_version (version_num VARCHAR(32) "
                               "NOT NULL PRIMARY KEY)"))
    db.session.execute(sa.text("INSERT INTO alembic_version VALUES (:v)"), {"v": head})
    make.user("admin", username="still-here")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["restore", str(backup), "--yes"])
    assert result.exit_code != 0 and "newer than the backup" in result.output
    assert accounts.find_user("still-here") is not None


def test_restore_refuses_a_file_that_is_not_a_backup(app, tmp_path):
    if IS_POSTGRES and not _have_pg_dump():
        pytest.skip("pg_restore not installed")
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    result = app.test_cli_runner().invoke(args=["restore", str(junk), "--yes"])
    assert result.exit_code != 0


# --- logs ----------------------------------------------------------------------------------

@pytest.fixture
def civic_handler(app):
    """The app's root handler, writing into a buffer for the test (format restored after)."""
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "_civic", False))
    buffer = io.StringIO()
    old_stream, old_formatter = handler.setStream(buffer), handler.formatter
    yield handler, buffer
    handler.setStream(old_stream)
    handler.setFormatter(old_formatter)


def test_masking_covers_id_numbers_and_mobile_numbers():
    text = (f"id {ID_NUMBER} lower 32040219800101123x old 320402800101123 "
            f"phone {PHONE} +86 139-1234-5678 手机{PHONE}")
    masked = mask_personal_data(text)
    assert masked == ("id 3204**********123X lower 3204**********123X old 3204*******1123 "
                      "phone 139****5678 +86 1**-****-5678 手机139****5678")
    # Not personal data: request ids, long numbers, amounts.
    for keep in ("a13912345678b", "1732849612345", "12345678901234567890", "¥13800"):
        assert mask_personal_data(keep) == keep


def test_id_number_passed_to_a_logger_comes_out_masked(app, caplog, civic_handler):
    handler, buffer = civic_handler
    caplog.set_level(logging.INFO)
    logging.getLogger("core.someone").warning("looked up %s, phone %s", ID_NUMBER, PHONE)
    try:
        raise ValueError(f"no person with {ID_NUMBER}")
    except ValueError:
        logging.getLogger("core.someone").exception("lookup failed")
    messages = [r.getMessage() for r in caplog.records if r.name == "core.someone"]
    assert messages[0] == "looked up 3204**********123X, phone 139****5678"
    output = buffer.getvalue()
    assert ID_NUMBER not in output and PHONE not in output
    assert "3204**********123X" in output and "ValueError: no person with 3204" in output
    assert handler.filters  # installed on the handler itself


def test_one_access_line_per_request_with_request_id_and_no_query(app, client, caplog):
    caplog.set_level(logging.INFO, logger="core.access")
    response = client.get(f"/login?id_number={ID_NUMBER}&name=王建国",
                          headers={"X-Request-ID": "req-abc.1"})
    assert response.status_code == 200 and response.headers["X-Request-ID"] == "req-abc.1"
    lines = [r for r in caplog.records if r.name == "core.access"]
    assert len(lines) == 1
    line = lines[0]
    assert line.request_id == "req-abc.1"
    assert (line.method, line.path, line.status) == ("GET", "/login", 200)
    assert line.duration_ms >= 0
    assert ID_NUMBER not in line.getMessage() and "王建国" not in line.getMessage()
    assert line.getMessage().startswith("GET /login 200 ")


def test_access_line_for_refused_and_missing_pages(app, client, caplog):
    caplog.set_level(logging.INFO, logger="core.access")
    client.get("/account")  # redirect to sign in
    client.get("/no-such-page")
    lines = [(r.path, r.status) for r in caplog.records if r.name == "core.access"]
    assert lines == [("/account", 302), ("/no-such-page", 404)]
    assert all(r.request_id != "-" for r in caplog.records if r.name == "core.access")


def test_untrusted_request_ids_are_replaced():
    assert request_id_from("abc-123") == "abc-123"
    for bad in ("evil\nINFO forged line", "x" * 65, "", None, "a b"):
        replaced = request_id_from(bad)
        assert replaced != bad and len(replaced) == 32


def test_json_logs_are_one_object_per_line(app, civic_handler):
    _handler, buffer = civic_handler
    json_app = create_app({**BASE_CONFIG, "LOG_FORMAT": "json",
                           "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    try:
        response = json_app.test_client().get(f"/login?q={ID_NUMBER}",
                                              headers={"X-Request-ID": "json-1"})
        with json_app.test_request_context("/x"):
            from flask import g

            g.request_id = "inside-1"
            logging.getLogger("core.someone").info("服务记录 %s", ID_NUMBER)
    finally:
        with json_app.app_context():
            db.engine.dispose()
    assert response.status_code == 200
    entries = [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]
    access = [e for e in entries if e["logger"] == "core.access"]
    assert len(access) == 1
    assert access[0]["request_id"] == "json-1" and access[0]["path"] == "/login"
    assert access[0]["method"] == "GET" and access[0]["status"] == 200
    assert isinstance(access[0]["duration_ms"], float)
    assert {"time", "level", "logger", "message"} <= access[0].keys()
    mine = next(e for e in entries if e["logger"] == "core.someone")
    assert mine["message"] == "服务记录 3204**********123X" and mine["request_id"] == "inside-1"
    assert mine["time"].endswith("Z") and mine["level"] == "INFO"
    assert ID_NUMBER not in buffer.getvalue()


def test_text_logs_are_the_default(app, civic_handler):
    _handler, buffer = civic_handler
    logging.getLogger("core.someone").info("hello")
    line = buffer.getvalue().strip()
    assert line.endswith("INFO [-] core.someone: hello")


# --- key rotation --------------------------------------------------------------------------

def _raw(person_id: int, column: str) -> str:
    table = Person.__table__
    return db.session.execute(
        sa.select(sa.type_coerce(table.c[column], sa.Text)).where(table.c.id == person_id)
    ).scalar_one()


def test_rotate_keys_reencrypts_everything_with_the_newest_key(app, make):
    key_a, key_b = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    app.config["ID_ENCRYPTION_KEYS"] = key_a
    people = [make.person() for _ in range(6)] + [make.person(phone=None)]
    db.session.commit()
    plain = {p.id: (p.id_number, p.phone) for p in people}

    app.config["ID_ENCRYPTION_KEYS"] = f"{key_b},{key_a}"
    runner = app.test_cli_runner()
    first = runner.invoke(args=["users", "rotate-keys", "--batch-size", "3"])
    assert first.exit_code == 0, first.output
    assert "person.id_number: 7 re-encrypted, 0 already current" in first.output
    assert "person.phone: 6 re-encrypted, 0 already current" in first.output
    again = runner.invoke(args=["users", "rotate-keys"])
    assert "person.id_number: 0 re-encrypted, 7 already current" in again.output

    app.config["ID_ENCRYPTION_KEYS"] = key_b  # the old key is gone
    db.session.expire_all()
    for person_id, (number, phone) in plain.items():
        person = db.session.get(Person, person_id)
        assert (person.id_number, person.phone) == (number, phone)
        assert accounts.find_person_by_id_number(number).id == person_id
        with pytest.raises(InvalidToken):
            Fernet(key_a.encode()).decrypt(_raw(person_id, "id_number").encode())
    rotation = db.session.execute(
        sa.select(AuditRecord).where(AuditRecord.action == "accounts.keys.rotate")
    ).scalars().all()
    assert len(rotation) == 2 and verify_chain().ok


def test_rotate_keys_stops_at_a_row_no_key_can_read(app, make):
    key_a, key_b = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    app.config["ID_ENCRYPTION_KEYS"] = key_a
    make.person()
    db.session.commit()
    app.config["ID_ENCRYPTION_KEYS"] = key_b  # key A forgotten: nothing can be rotated
    result = app.test_cli_runner().invoke(args=["users", "rotate-keys"])
    assert result.exit_code != 0 and "put the old key back" in result.output


def test_rehash_recomputes_lookups_after_a_new_hash_key(app, make):
    app.config["ID_ENCRYPTION_KEYS"] = Fernet.generate_key().decode()
    app.config["ID_HASH_KEY"] = "old-hash-key"
    people = [make.person() for _ in range(4)]
    db.session.commit()
    numbers = {p.id: p.id_number for p in people}

    app.config["ID_HASH_KEY"] = "new-hash-key"
    assert all(accounts.find_person_by_id_number(n) is None for n in numbers.values())
    result = app.test_cli_runner().invoke(args=["users", "rotate-keys", "--rehash",
                                                "--batch-size", "3"])
    assert result.exit_code == 0, result.output
    assert "person.id_digest: 4 recomputed, 0 already current" in result.output
    db.session.expire_all()
    for person_id, number in numbers.items():
        assert accounts.find_person_by_id_number(number).id == person_id
