"""Property-based: random sequences of deposits, gifts, donations, allocations, holds, posts,
voids and reversals; after every step the sum of all accounts is zero, no person account is
below its holds, every maintained balance equals its postings, and each person's balance is
what a simple model of the operations predicts."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    rule,
)

from timebank import ledger
from timebank.ledger import InsufficientCredits
from timebank.vocabulary import PostingKind

PEOPLE = 3
amounts = st.integers(min_value=1, max_value=400)
who = st.integers(min_value=0, max_value=PEOPLE - 1)
_refs = itertools.count(1)


def ref(kind: str) -> str:
    return f"prop-{kind}-{next(_refs)}"


class LedgerMachine(RuleBasedStateMachine):
    """The model: balance and held per person, the pool, and which deposits were reversed."""

    holds = Bundle("holds")
    deposits = Bundle("deposits")

    def __init__(self):
        super().__init__()
        tb = CONTEXT["tb"]
        self.people = [ledger.person_account(tb.volunteer().person.id) for _ in range(PEOPLE)]
        self.issuer = ledger.issuance_account(tb.org.id)
        self.pool = ledger.pool_account()
        self.sink = ledger.redemption_account(tb.org.id)
        self.balance = [0] * PEOPLE
        self.held = [0] * PEOPLE
        self.pool_balance = self.pool.balance

    @initialize()
    def start(self):
        pass

    def _available(self, i):
        return self.balance[i] - self.held[i]

    @rule(target=deposits, i=who, amount=amounts)
    def deposit(self, i, amount):
        reference = ref("deposit")
        ledger.transfer(self.issuer, self.people[i], amount, PostingKind.DEPOSIT, reference)
        self.balance[i] += amount
        return (i, amount, reference)

    @rule(item=consumes(deposits))
    def reverse(self, item):
        i, amount, reference = item
        take = min(amount, max(self._available(i), 0))
        if take:
            ledger.transfer(self.people[i], self.issuer, take, PostingKind.REVERSAL, reference)
            self.balance[i] -= take

    @rule(i=who, j=who, amount=amounts)
    def gift(self, i, j, amount):
        if i == j:
            return
        self._spend(i, amount, lambda: ledger.transfer(
            self.people[i], self.people[j], amount, PostingKind.GIFT, ref("gift")))
        if self._last_ok:
            self.balance[j] += amount

    @rule(i=who, amount=amounts)
    def donate(self, i, amount):
        self._spend(i, amount, lambda: ledger.transfer(
            self.people[i], self.pool, amount, PostingKind.DONATION, ref("donation")))
        if self._last_ok:
            self.pool_balance += amount

    @rule(j=who, amount=amounts)
    def allocate(self, j, amount):
        try:
            ledger.transfer(self.pool, self.people[j], amount, PostingKind.ALLOCATION,
                            ref("allocation"))
        except InsufficientCredits:
            assert amount > self.pool_balance
            return
        self.pool_balance -= amount
        self.balance[j] += amount

    @rule(target=holds, i=who, amount=amounts)
    def hold(self, i, amount):
        try:
            row = ledger.hold(self.people[i], amount, PostingKind.REDEMPTION, ref("hold"))
        except InsufficientCredits:
            assert amount > self._available(i)
            return None
        self.held[i] += amount
        return (i, amount, row)

    @rule(item=consumes(holds), post=st.booleans())
    def settle(self, item, post):
        if item is None:
            return
        i, amount, row = item
        if post:
            ledger.post_hold(row, self.sink)
            self.balance[i] -= amount
        else:
            ledger.void_hold(row)
        self.held[i] -= amount

    def _spend(self, i, amount, action):
        self._last_ok = False
        try:
            action()
        except InsufficientCredits:
            assert amount > self._available(i)
            return
        self.balance[i] -= amount
        self._last_ok = True

    @invariant()
    def ledger_is_consistent(self):
        report = ledger.verify()
        assert report.ok, report.problems
        assert report.total == 0
        for i, account in enumerate(self.people):
            balance, held, available = ledger.balances(account.person_id)
            assert (balance, held) == (self.balance[i], self.held[i])
            assert available >= 0


CONTEXT: dict = {}


def test_ledger_invariants_hold_after_every_random_operation(tb):
    CONTEXT["tb"] = tb
    LedgerMachine.TestCase.settings = settings(
        max_examples=30, stateful_step_count=25, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    try:
        LedgerMachine.TestCase().runTest()
    finally:
        CONTEXT.clear()
