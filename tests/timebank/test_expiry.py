"""Credit expiry, oldest unspent credits first (timebank.expiry)."""

from datetime import timedelta

from core import clock
from timebank import expiry, ledger
from timebank.vocabulary import PostingKind


def test_expiry_is_off_by_default(tb):
    assert expiry.expire_credits() == {"expired_accounts": 0, "expired_minutes": 0}


def test_expiry_takes_the_oldest_unspent_credits_first(tb, app):
    app.config["POLICY_CREDIT_EXPIRY_YEARS"] = 2
    person = tb.volunteer().person
    old = clock.now() - timedelta(days=800)
    issuer = ledger.issuance_account(tb.org.id)
    account = ledger.person_account(person.id)
    ledger.transfer(issuer, account, 100, PostingKind.DEPOSIT, "old", at=old)
    ledger.transfer(account, ledger.pool_account(), 30, PostingKind.DONATION, "spent",
                    at=old + timedelta(days=10))
    ledger.transfer(issuer, account, 50, PostingKind.DEPOSIT, "new")
    assert expiry.expire_credits() == {"expired_accounts": 1, "expired_minutes": 70}
    assert ledger.balances(person.id)[0] == 50
    assert expiry.expire_credits()["expired_minutes"] == 0  # idempotent
    assert ledger.verify().ok


def test_expiry_commits_batch_by_batch_and_resumes_after_a_kill(tb, app, monkeypatch):
    """A run killed halfway keeps the batches it committed; the next run expires the rest,
    and nobody's credits expire twice."""
    from core.extensions import db
    from timebank import jobs

    app.config["POLICY_CREDIT_EXPIRY_YEARS"] = 2
    old = clock.now() - timedelta(days=800)
    issuer = ledger.issuance_account(tb.org.id)
    people = [tb.volunteer().person for _ in range(5)]
    for n, person in enumerate(people):
        ledger.transfer(issuer, ledger.person_account(person.id), 10 * (n + 1),
                        PostingKind.DEPOSIT, f"old-{n}", at=old)
    db.session.commit()
    monkeypatch.setattr(expiry, "BATCH", 2)
    real_batch, calls = expiry._batch, []

    def killed_in_the_second_batch(*args):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt("the process was killed")
        return real_batch(*args)

    monkeypatch.setattr(expiry, "_batch", killed_in_the_second_batch)
    try:
        jobs.expire_credits_job()
    except KeyboardInterrupt:
        db.session.rollback()
    expired = [ledger.balances(p.id)[0] == 0 for p in people]
    assert expired == [True, True, False, False, False]  # the first batch was committed
    monkeypatch.setattr(expiry, "_batch", real_batch)
    assert jobs.expire_credits_job() == {"expired_accounts": 3, "expired_minutes": 120}
    assert all(ledger.balances(p.id)[0] == 0 for p in people)
    assert jobs.expire_credits_job()["expired_minutes"] == 0
    assert ledger.verify().ok
