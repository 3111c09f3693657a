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
