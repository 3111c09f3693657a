"""The ledger: double entry, no overdraft, holds, idempotent references, O(1) balances and
a verification that notices any tampering."""

import pytest
import sqlalchemy as sa

from core.db import InsertOnlyViolation
from core.errors import Conflict, DomainError
from core.extensions import db
from timebank import ledger
from timebank.ledger import AlreadyPosted, Entry, InsufficientCredits
from timebank.models import LedgerAccount, Posting
from timebank.vocabulary import PostingKind


def test_a_transfer_moves_minutes_and_keeps_the_sum_at_zero(tb):
    person = tb.volunteer().person
    tb.fund(person, 300)
    pool = ledger.pool_account()
    ledger.transfer(ledger.person_account(person.id), pool, 100, PostingKind.DONATION, "d1")
    assert ledger.balances(person.id) == (200, 0, 200)
    report = ledger.verify()
    assert report.ok and report.total == 0


def test_a_person_cannot_spend_more_than_available(tb):
    person = tb.volunteer().person
    tb.fund(person, 50)
    with pytest.raises(InsufficientCredits) as err:
        ledger.transfer(ledger.person_account(person.id), ledger.pool_account(), 51,
                        PostingKind.DONATION, "d2")
    assert err.value.status == 409 and err.value.code == "timebank.insufficient_credits"


def test_the_same_kind_and_reference_posts_only_once(tb):
    person = tb.volunteer().person
    tb.fund(person, 30, reference="session:1")
    with pytest.raises(AlreadyPosted):
        tb.fund(person, 30, reference="session:1")
    assert ledger.balances(person.id)[0] == 30


def test_amounts_must_be_positive_integers(tb):
    person = tb.volunteer().person
    for bad in (0, -5, 1.5, True):
        with pytest.raises(DomainError) as err:
            ledger.transfer(ledger.issuance_account(tb.org.id), ledger.person_account(person.id),
                            bad, PostingKind.DEPOSIT, f"bad:{bad}")
        assert err.value.code == "timebank.bad_amount", bad
    assert ledger.balances(person.id) == (0, 0, 0)


def test_holds_count_against_available_then_post_or_void(tb):
    person = tb.volunteer().person
    tb.fund(person, 120)
    account = ledger.person_account(person.id)
    first = ledger.hold(account, 100, PostingKind.REDEMPTION, "r1")
    assert ledger.balances(person.id) == (120, 100, 20)
    with pytest.raises(InsufficientCredits):
        ledger.hold(account, 21, PostingKind.REDEMPTION, "r2")
    ledger.void_hold(first)
    assert ledger.balances(person.id) == (120, 0, 120)
    second = ledger.hold(account, 90, PostingKind.REDEMPTION, "r3")
    ledger.post_hold(second, ledger.redemption_account(tb.org.id))
    assert ledger.balances(person.id) == (30, 0, 30)
    assert ledger.verify().ok


def test_a_settled_hold_cannot_be_settled_again(tb):
    person = tb.volunteer().person
    tb.fund(person, 60)
    row = ledger.hold(ledger.person_account(person.id), 60, PostingKind.REDEMPTION, "r4")
    ledger.void_hold(row)
    with pytest.raises(Conflict) as err:
        ledger.post_hold(row, ledger.redemption_account(tb.org.id))
    assert err.value.code == "timebank.hold_settled"
    assert ledger.balances(person.id) == (60, 0, 60)


def test_postings_are_insert_only(tb):
    person = tb.volunteer().person
    posting = tb.fund(person, 10)
    posting.amount = 1000
    with pytest.raises(InsertOnlyViolation):
        db.session.flush()
    db.session.rollback()


def test_the_database_refuses_an_overdraft_even_without_the_ledger(tb):
    person = tb.volunteer().person
    account = ledger.person_account(person.id)
    db.session.flush()
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.update(LedgerAccount).where(LedgerAccount.id == account.id)
                           .values(balance=-1))
    db.session.rollback()


def test_verify_reports_a_balance_that_does_not_match_its_postings(tb):
    person = tb.volunteer().person
    tb.fund(person, 60)
    account = ledger.person_account(person.id)
    db.session.execute(sa.update(LedgerAccount).where(LedgerAccount.id == account.id)
                       .values(balance=90))
    report = ledger.verify()
    assert not report.ok
    assert any("balance 90 != postings 60" in p for p in report.problems)
    assert any("sum of all balances" in p for p in report.problems)


def test_bulk_posting_mints_many_sessions_in_one_go(tb):
    people = [tb.volunteer().person for _ in range(3)]
    issuer = ledger.issuance_account(tb.org.id)
    entries = [Entry(issuer.id, ledger.person_account(p.id).id, 60, PostingKind.DEPOSIT,
                     f"session:{1000 + i}:{p.id}") for i, p in enumerate(people * 4)]
    assert ledger.post_bulk(entries) == 12
    assert [ledger.balances(p.id)[0] for p in people] == [240, 240, 240]
    assert ledger.verify().ok
    with pytest.raises(AlreadyPosted):
        ledger.post_bulk(entries[:1])


def test_bulk_posting_refuses_to_move_credits_between_people(tb):
    a, b = tb.volunteer().person, tb.volunteer().person
    tb.fund(a, 60)
    with pytest.raises(ValueError):
        ledger.post_bulk([Entry(ledger.person_account(a.id).id, ledger.person_account(b.id).id,
                                60, PostingKind.GIFT, "g")])


def test_history_lists_postings_newest_first(tb):
    person = tb.volunteer().person
    for minutes in (10, 20, 30):
        tb.fund(person, minutes)
    account = ledger.person_account(person.id)
    rows = db.session.execute(ledger.postings_of(account.id)).scalars().all()
    assert [r.amount for r in rows] == [30, 20, 10]
    assert db.session.execute(sa.select(sa.func.count()).select_from(Posting)).scalar() == 3


def test_the_database_refuses_raw_updates_and_deletes_of_postings(tb):
    person = tb.volunteer().person
    tb.fund(person, 10)
    db.session.flush()
    for statement in ("UPDATE timebank_posting SET amount = 1000",
                      "DELETE FROM timebank_posting"):
        with pytest.raises(sa.exc.DatabaseError), db.session.begin_nested():
            db.session.execute(sa.text(statement))
    assert db.session.execute(sa.select(Posting.amount)).scalar_one() == 10
