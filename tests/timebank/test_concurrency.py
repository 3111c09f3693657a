"""Races against the real database (the SQLite file, or the PostgreSQL server when the suite
runs with TEST_DATABASE_URL): real threads, each with its own app context, session and
connection. Redemptions racing on one account never overdraw it; a session raced by two
confirmers is deposited once."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from core.accounts.models import User
from core.db import write_intent
from core.errors import DomainError
from core.extensions import db
from core.orgs.models import OrgKind
from tests.conftest import IS_POSTGRES
from tests.factories import Factory
from timebank import confirmation, ledger, redemption, sessions
from timebank.models import Hold, PostingKind, Redemption, ServiceSession

THREADS = 10


def _race(app, work, count: int = THREADS) -> list[str]:
    """Run ``work()`` in ``count`` threads released together; each commits or rolls back.
    The test's own session is committed and closed first: on SQLite an open write
    transaction here would hold the database lock the threads queue for."""
    db.session.commit()
    db.session.close()
    barrier = threading.Barrier(count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def runner():
        with app.app_context():
            token = write_intent.set(True)
            try:
                barrier.wait(timeout=30)
                work()
                db.session.commit()
                outcome = "ok"
            except DomainError as error:
                db.session.rollback()
                outcome = error.code
            except Exception as error:  # recorded, so the test shows it
                db.session.rollback()
                outcome = f"crash: {type(error).__name__}: {error}"
            finally:
                write_intent.reset(token)
                db.session.remove()
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=runner) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


@pytest.fixture
def counter(tb, make):
    org = make.org(OrgKind.ELDERCARE)
    staff = make.user("institution_staff", org=org)
    elder = make.person(age=75)
    return org, staff, elder


def _item(staff, org, price):
    item = redemption.add_item(staff, org.id, {"name": f"服务{price}", "service_minutes": price})
    if item.approval_pending:  # above the price cap: a regulator approves it first
        redemption.approve_item(Factory().user("regulator"), item.id)
    return item


def test_redemptions_racing_for_the_whole_balance_never_overdraw(app, tb, counter):
    org, staff, elder = counter
    tb.fund(elder, 300)
    ids = (elder.id, _item(staff, org, 300).id)
    outcomes = _race(app, lambda: redemption.create_redemption(None, *ids))
    assert sorted(outcomes) == ["ok"] + ["timebank.insufficient_credits"] * (THREADS - 1)
    assert ledger.balances(ids[0]) == (300, 300, 0)
    assert ledger.verify().ok


def test_exactly_the_affordable_number_of_redemptions_succeed_and_post(app, tb, counter):
    org, staff, elder = counter
    tb.fund(elder, 450)
    ids = (elder.id, _item(staff, org, 100).id)
    outcomes = _race(app, lambda: redemption.create_redemption(None, *ids))
    assert outcomes.count("ok") == 4, outcomes
    assert outcomes.count("timebank.insufficient_credits") == THREADS - 4
    pending = db.session.query(Redemption).all()
    ids_and_codes = [(r.id, r.code) for r in pending]
    lock, queue = threading.Lock(), list(ids_and_codes) * 2  # every one completed twice

    def complete_one():
        with lock:
            rid, code = queue.pop()
        redemption.complete_redemption(None, rid, code)

    outcomes = _race(app, complete_one, count=len(queue))
    assert outcomes.count("ok") == 4
    assert outcomes.count("timebank.redemption_settled") == 4
    assert ledger.balances(ids[0]) == (50, 0, 50)
    report = ledger.verify()
    assert report.ok, report.problems


def test_two_confirmers_racing_deposit_a_session_once(app, tb, make):
    volunteer = tb.volunteer()
    row = tb.session(volunteer)
    second_staff = make.user("org_staff", org=tb.org)
    staff_ids = [tb.staff.id, second_staff.id]
    session_id, person_id = row.id, volunteer.person.id

    def confirm():
        user = db.session.get(User, staff_ids[threading.get_ident() % 2])
        confirmation.confirm_session(user, session_id)

    outcomes = _race(app, confirm, count=6)
    assert outcomes.count("ok") == 1, outcomes
    assert set(outcomes) == {"ok", "timebank.not_pending"}
    assert ledger.balances(person_id)[0] == 120
    assert ledger.verify().ok


def test_the_race_ran_on_the_expected_database(app):
    assert db.engine.dialect.name == ("postgresql" if IS_POSTGRES else "sqlite")


# SQLite runs one writer at a time (BEGIN IMMEDIATE, core.db), so only PostgreSQL, where the
# writers really run side by side, can show a missing lock.
postgres_only = pytest.mark.skipif(
    not IS_POSTGRES, reason="needs PostgreSQL (TEST_DATABASE_URL): SQLite serializes writers")


@postgres_only
def test_the_same_session_logged_at_once_from_several_phones_is_recorded_once(app, tb):
    """A volunteer and their organization's staff log the same afternoon at the same moment:
    the per-volunteer lock makes the overlap check see the first one, whichever wins."""
    volunteer = tb.volunteer()
    data = tb.data(volunteer.person, hours_ago=30, minutes=120)
    user_id, person_id = volunteer.id, volunteer.person.id

    def log():
        sessions.log_session(db.session.get(User, user_id), dict(data))

    outcomes = _race(app, log, count=8)
    assert sorted(outcomes) == ["ok"] + ["timebank.overlap"] * 7, outcomes
    assert db.session.query(ServiceSession).filter_by(volunteer_id=person_id).count() == 1


@postgres_only
def test_sessions_logged_at_once_never_pass_the_daily_cap(app, tb, frozen_clock):
    """Eight different two-hour slots of one day, logged at once: the daily cap (12 hours)
    admits six, whatever the order."""
    frozen_clock.local(2026, 6, 10, 23, 30)
    volunteer = tb.volunteer()
    slots = [tb.data(volunteer.person, hours_ago=21.5 - 2 * i, minutes=120)
             for i in range(8)]  # 00:00–02:00, 02:00–04:00, … 14:00–16:00, Shanghai time
    lock, user_id, person_id = threading.Lock(), volunteer.id, volunteer.person.id

    def log():
        with lock:
            slot = slots.pop()
        sessions.log_session(db.session.get(User, user_id), slot)

    outcomes = _race(app, log, count=8)
    assert sorted(outcomes) == ["ok"] * 6 + ["timebank.daily_cap_exceeded"] * 2, outcomes
    minutes = db.session.query(sa.func.sum(ServiceSession.minutes)).filter_by(
        volunteer_id=person_id).scalar()
    assert minutes == 12 * 60


@postgres_only
def test_a_hold_posted_and_voided_at_once_is_settled_once(app, tb, counter):
    """The counter completes a redemption while the expiry job voids it, each through the
    ledger directly: the hold is re-read under its lock, so the second sees it settled."""
    org, _staff, elder = counter
    tb.fund(elder, 90)
    row = ledger.hold(ledger.person_account(elder.id), 90, PostingKind.REDEMPTION, "race-hold")
    hold_id, person_id, sink_id = row.id, elder.id, ledger.redemption_account(org.id).id
    turn, lock = iter(range(2)), threading.Lock()

    def settle():
        with lock:
            mine = next(turn)
        hold = db.session.get(Hold, hold_id)  # read before the lock, as callers do
        if mine == 0:
            ledger.post_hold(hold, db.session.get(ledger.LedgerAccount, sink_id))
        else:
            ledger.void_hold(hold)

    outcomes = _race(app, settle, count=2)
    assert sorted(outcomes) == ["ok", "timebank.hold_settled"], outcomes
    assert ledger.balances(person_id)[1] == 0
    report = ledger.verify()
    assert report.ok, report.problems
