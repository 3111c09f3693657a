"""The audit trail is append-only and hash-chained; verification finds the first broken link."""

import pytest
import sqlalchemy as sa

from core import audit
from core.audit import AuditRecord, verify_chain
from core.db import InsertOnlyViolation, insert_only_statements
from core.extensions import db


def _three_records(actor=None):
    for n in range(3):
        audit.record(actor, "test.action", "thing", n, before={"v": n}, after={"v": n + 1},
                     reason=f"第{n}次修改")
    db.session.commit()


def test_records_chain_to_each_other(app, make):
    user = make.user("regulator")
    _three_records(user)
    rows = db.session.execute(sa.select(AuditRecord).order_by(AuditRecord.seq)).scalars().all()
    assert [r.seq for r in rows] == [1, 2, 3, 4]  # the user's creation is audited first
    assert rows[0].prev_hash == audit.GENESIS
    assert all(rows[i + 1].prev_hash == rows[i].hash for i in range(3))
    assert rows[1].actor_label == user.username and rows[0].actor_label == "system"
    assert rows[2].before_dict() == {"v": 1} and rows[2].reason == "第1次修改"
    assert verify_chain().ok and verify_chain().checked == 4


def test_orm_refuses_to_update_or_delete(app):
    _three_records()
    row = db.session.execute(sa.select(AuditRecord).limit(1)).scalar_one()
    row.reason = "rewritten"
    with pytest.raises(InsertOnlyViolation):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.execute(sa.select(AuditRecord).limit(1)).scalar_one())
    with pytest.raises(InsertOnlyViolation):
        db.session.flush()
    db.session.rollback()


def test_database_refuses_raw_sql_rewrites(app):
    _three_records()
    with pytest.raises(sa.exc.DBAPIError):
        db.session.execute(sa.text("UPDATE audit_record SET reason = 'x' WHERE seq = 2"))
        db.session.flush()
    db.session.rollback()
    with pytest.raises(sa.exc.DBAPIError):
        db.session.execute(sa.text("DELETE FROM audit_record WHERE seq = 2"))
    db.session.rollback()


@pytest.fixture
def unguarded(app):
    """An attacker with database access removes the insert-only guard; restored afterwards
    (the PostgreSQL schema is shared by the tests of a worker)."""

    def drop():
        if db.engine.dialect.name == "sqlite":
            db.session.execute(sa.text("DROP TRIGGER audit_record_no_update"))
        else:
            db.session.execute(sa.text("DROP TRIGGER audit_record_insert_only ON audit_record"))

    yield drop
    db.session.rollback()
    for statement in insert_only_statements("audit_record", db.engine.dialect.name):
        db.session.execute(sa.text(statement))
    db.session.commit()


def test_tampering_is_found_at_the_first_broken_link(app, unguarded):
    _three_records()
    unguarded()
    db.session.execute(sa.text("UPDATE audit_record SET reason = '伪造' WHERE seq = 2"))
    db.session.commit()
    report = verify_chain()
    assert not report.ok
    assert report.broken_seq == 2
    assert report.checked == 1


def test_cli_verify_exit_codes(app, unguarded):
    _three_records()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "OK: 3 records" in result.output
    unguarded()
    db.session.execute(sa.text("UPDATE audit_record SET action = 'x' WHERE seq = 3"))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "BROKEN at seq 3" in result.output


def test_history_of_a_subject(app):
    _three_records()
    assert [r.subject_id for r in audit.history("thing", 1)] == ["1"]
