"""The dashboard's kept counts of entries (credit.lists.tallies) follow every change of state
in its own transaction, agree with a full recount after a realistic history, are rebuilt by
the command line, and lose no step when two transactions move the same counter."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import date

import pytest
import sqlalchemy as sa

from core.db import write_intent
from core.extensions import db
from credit import dashboard
from credit.lists import entries, objections, tallies
from credit.models import EntryTally
from tests.conftest import IS_POSTGRES
from tests.credit.factories import notified, record, scan_lists

D = date


def test_the_kept_counts_equal_a_recount_after_a_realistic_history(
        app, make, regulator):
    society = make.org(district="tianning")
    staff = make.user("org_staff", org=society)
    # Two unsigned letters: the directory (abnormal); an objection in the window and back.
    record(society, "contact", "letter_unsigned", D(2021, 12, 1))
    record(society, "contact", "letter_unsigned", D(2022, 1, 3))
    (entry,) = scan_lists(D(2022, 1, 4))
    notified(regulator, entry, D(2022, 1, 4))
    objection = objections.file_objection(staff, society.id, "信函未送达本会", entry_id=entry.id,
                                          today=D(2022, 1, 6))
    assert entry.state == "objected"
    objections.decide_objection(regulator, objection, "rejected", "送达无误", today=D(2022, 1, 10))
    entries.publish(regulator, entry, "文号", D(2022, 1, 25))
    assert tallies.differences() == []
    # The organization moves district; two years on the directory move it to the serious list.
    society.district_id = make.district("zhonglou").id
    db.session.flush()
    (move,) = scan_lists(D(2024, 1, 26))
    notified(regulator, move, D(2024, 1, 29))
    entries.publish(regulator, move, "文号2", D(2024, 2, 20))
    assert entry.state == "removed" and move.state == "published"
    # Another subject: proposed and declined; a third: published, then removed.
    other = make.org(district="xinbei")
    record(other, "penalty", "warning", D(2024, 3, 1))
    (declined,) = scan_lists(D(2024, 3, 1))
    entries.cancel(regulator, declined, "主管单位证明不负直接责任", D(2024, 3, 2))
    third = make.org(district="xinbei")
    record(third, "penalty", "suspension", D(2024, 3, 4))
    (gone,) = scan_lists(D(2024, 3, 4))
    notified(regulator, gone, D(2024, 3, 4))
    entries.publish(regulator, gone, "文号3", D(2024, 3, 25))
    entries.remove(regulator, gone, "decision", "行政处罚决定被撤销", D(2024, 4, 2))
    fourth = make.org(district="wujin")
    record(fourth, "penalty", "suspension", D(2024, 4, 1))
    (waiting,) = scan_lists(D(2024, 4, 1))  # stays proposed

    assert tallies.differences() == []
    states, months = tallies.kept()
    assert states == tallies.recount()[0] and months == tallies.recount()[1]
    board = dashboard.build(D(2024, 4, 15))
    # Counted under the district of the decision: the serious entry was decided after the move.
    assert dict(board.by_district) == {"钟楼区": {"abnormal": 0, "serious": 1, "eldercare": 0,
                                                 "red": 0}}
    assert board.by_list == {"abnormal": 0, "serious": 1, "eldercare": 0, "red": 0}
    assert board.by_state["abnormal"]["removed"] == 1
    assert board.by_state["serious"] == {"proposed": 1, "notified": 0, "objected": 0,
                                         "published": 1, "removed": 1, "cancelled": 0}
    assert board.by_state[declined.list_type]["cancelled"] == 1 and waiting.state == "proposed"
    april = board.months.index("2024-04")
    assert board.by_month["punishment"]["removed"][april] == 1
    assert sum(board.by_month["punishment"]["published"]) == 2  # February and March 2024


def test_the_command_line_checks_and_rebuilds_the_counts(app, make, regulator):
    org = make.org()
    record(org, "penalty", "warning", D(2024, 3, 1))
    scan_lists(D(2024, 3, 1))
    db.session.commit()  # the counts are written as the scan's transaction commits
    db.session.execute(EntryTally.__table__.update().values(n=7))  # drifted
    db.session.commit()
    runner = app.test_cli_runner()
    check = runner.invoke(args=["credit", "rebuild-tallies", "--check"])
    assert check.exit_code == 1 and "kept 7, counted 1" in check.output
    rebuilt = runner.invoke(args=["credit", "rebuild-tallies"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert runner.invoke(args=["credit", "rebuild-tallies", "--check"]).exit_code == 0
    assert tallies.differences() == []


THREADS = 6


def _transactions_at_once(app, *works) -> list[str]:
    """Run each ``work(barrier)`` in a thread of its own, each as one write transaction that
    commits; the errors they met ("Type: message"), none when all went through."""
    db.session.commit()
    db.session.close()
    barrier = threading.Barrier(len(works))
    errors: list[str] = []

    def run(work):
        with app.app_context():
            token = write_intent.set(True)
            try:
                work(barrier)
                db.session.commit()
            except Exception as error:  # recorded, so the test shows it
                db.session.rollback()
                errors.append(f"{type(error).__name__}: {error}")
            finally:
                write_intent.reset(token)
                db.session.remove()

    threads = [threading.Thread(target=run, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_transactions_moving_the_same_counter_together_lose_no_step(app, make):
    """Each thread adds one to a counter no row holds yet, and keeps its transaction open a
    moment: a read-then-write would lose steps or clash on the key; the upsert queues."""
    key = ("serious", "proposed", make.district("tianning").id)

    def bump(barrier):
        barrier.wait(timeout=30)
        tallies._bump_states(Counter({key: 1}))
        time.sleep(0.05)

    assert _transactions_at_once(app, *[bump] * THREADS) == []
    assert db.session.get(EntryTally, key).n == THREADS


@pytest.mark.skipif(not IS_POSTGRES, reason="needs PostgreSQL: SQLite serializes writers")
def test_two_transactions_moving_counters_in_opposite_orders_both_commit(app, make):
    """A daily-job batch moves counter A then B while a regulator's publication moves B then
    A: written as they were taken, each would hold one and wait for the other ("deadlock
    detected", one request failed); written at commit in one order, both go through."""
    a = ("serious", "proposed", make.district("tianning").id)
    b = ("serious", "proposed", make.district("zhonglou").id)

    def moving(*order):
        def work(barrier):
            db.session.execute(sa.text("SELECT 1"))  # inside a transaction from here
            barrier.wait(timeout=30)
            for key in order:
                tallies._pending_steps(Counter({key: 1}), Counter())
                time.sleep(0.3)  # the other transaction takes its first step meanwhile
        return work

    assert _transactions_at_once(app, moving(a, b), moving(b, a)) == []
    assert db.session.get(EntryTally, a).n == db.session.get(EntryTally, b).n == 2


def test_the_migration_fills_the_counts_from_the_entries_there_are(tmp_path):
    """Upgrading a database that holds entries, and rows that point to them (revision
    4cb2fa94e423), counts them: each under its organization's district, decisions and
    removals in their months."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from core.app import create_app
    from tests.conftest import BASE_CONFIG
    from tests.core.test_migrations import _fresh_url

    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": _fresh_url(tmp_path)})
    with app.app_context():
        upgrade(revision="7d4e1c2a9b30")
        now = "2026-01-01 00:00:00"
        with db.engine.begin() as conn:
            for n, code in ((1, "a"), (2, "b")):
                conn.execute(sa.text(
                    "INSERT INTO district (id, code, name, name_en, sort_order) "
                    "VALUES (:n, :code, :code, :code, :n)"), {"n": n, "code": code})
                conn.execute(sa.text(
                    "INSERT INTO organization (id, name, uscc, kind, is_charity, is_eldercare, "
                    "registering_authority, legal_representative, district_id, address, "
                    "registration_date, status, created_at) VALUES (:n, :code, :code, "
                    "'social_group', false, false, 'x', 'x', :n, 'x', '2015-01-01', 'active', "
                    ":now)"), {"n": n, "code": code, "now": now})
            for org, state, decided, removed in ((1, "published", "2025-03-04", None),
                                                 (1, "removed", "2025-03-20", "2025-05-02"),
                                                 (2, "published", "2025-03-09", None),
                                                 (2, "proposed", None, None)):
                conn.execute(sa.text(
                    "INSERT INTO credit_list_entry (list_type, org_id, state, origin, rule_code, "
                    "legal_basis, reason, needs_rectification, under_objection, decided_on, "
                    "removed_on, updated_at, created_at) VALUES ('serious', :org, :state, "
                    "'rule', 'r', 'b', 'r', false, false, :decided, :removed, :now, :now)"),
                    {"org": org, "state": state, "decided": decided, "removed": removed,
                     "now": now})
            # Rows that point to the entries, as in any real database: adding the column must
            # not rebuild (DROP) the entries' table under them.
            conn.execute(sa.text(
                "INSERT INTO credit_entry_transition (entry_id, from_state, to_state, on_date, "
                "at, reason) SELECT id, NULL, state, '2025-03-01', :now, 'r' "
                "FROM credit_list_entry"), {"now": now})
        upgrade()
        states, months = tallies.kept()
        assert tallies.differences() == []
        db.session.remove()
        db.engine.dispose()
    assert states == {("serious", "published", 1): 1, ("serious", "removed", 1): 1,
                      ("serious", "published", 2): 1, ("serious", "proposed", 2): 1}
    assert months == {("serious", D(2025, 3, 1), "published"): 3,
                      ("serious", D(2025, 5, 1), "removed"): 1}


def test_counts_are_written_at_commit_in_one_order_and_undone_with_a_savepoint(app, make,
                                                                            regulator):
    """The steps a transaction takes are written when it commits (one key order for every
    transaction, so two never wait for each other crosswise); a savepoint rolled back takes
    its steps with it, and a rolled-back transaction writes none."""
    org = make.org()
    record(org, "penalty", "warning", D(2024, 3, 1))
    db.session.commit()
    with db.session.begin_nested():
        scan_lists(D(2024, 3, 1))
        assert db.session.info.get(tallies._PENDING)  # gathered, not yet written
        db.session.rollback()  # the savepoint: the proposal and its step are undone
    assert not db.session.info.get(tallies._PENDING)
    scan_lists(D(2024, 3, 1))
    db.session.rollback()
    assert not db.session.info.get(tallies._PENDING)
    assert tallies.kept() == (Counter(), Counter())
    scan_lists(D(2024, 3, 1))
    db.session.commit()
    assert tallies.differences() == [] and sum(tallies.kept()[0].values()) == 1
