"""Gifts to verified close family, donations to the pool, the bureau's allocations, and the
history lines each leaves."""

import pytest

from core.accounts import services as accounts
from core.errors import NotFound, PermissionDenied, ValidationFailed
from core.extensions import db
from timebank import ledger, transfers
from timebank.ledger import InsufficientCredits
from timebank.vocabulary import TransferKind


def _family(make, giver, relative, relation="parent", verify=True):
    link = accounts.declare_family_link(None, giver, relative.id_number, relative.name, relation)
    if verify:
        accounts.verify_family_link(make.user("regulator"), link)
    return link


def test_a_gift_to_a_verified_parent_moves_credits_and_records_the_relation(tb, make):
    giver = tb.volunteer()
    mother = make.person(age=82)
    _family(make, giver.person, mother)
    tb.fund(giver.person, 200)
    row = transfers.give(giver, giver.person, mother.id, 90)
    assert row.kind == TransferKind.GIFT and row.relation == "parent"
    assert ledger.balances(giver.person.id)[0] == 110
    assert ledger.balances(mother.id)[0] == 90
    account = ledger.person_account(giver.person.id)
    postings = db.session.execute(ledger.postings_of(account.id)).scalars().all()
    lines = transfers.describe(postings, account.id)
    assert lines[0].signed == -90 and mother.name in lines[0].detail


def test_a_gift_to_an_unverified_or_unrelated_person_is_refused(tb, make):
    giver = tb.volunteer()
    cousin, friend = make.person(age=60), make.person(age=61)
    _family(make, giver.person, cousin, verify=False)
    tb.fund(giver.person, 200)
    for target in (cousin, friend):
        with pytest.raises(PermissionDenied) as err:
            transfers.give(giver, giver.person, target.id, 30)
        assert err.value.code == "timebank.not_family"
    assert ledger.balances(giver.person.id)[0] == 200


def test_a_gift_larger_than_the_balance_is_refused(tb, make):
    giver = tb.volunteer()
    son = make.person(age=30)
    _family(make, giver.person, son, relation="child")
    tb.fund(giver.person, 20)
    with pytest.raises(InsufficientCredits):
        transfers.give(giver, giver.person, son.id, 21)


def test_nobody_gives_from_someone_elses_account(tb, make):
    giver, other = tb.volunteer(), tb.volunteer()
    with pytest.raises(PermissionDenied):
        transfers.give(other, giver.person, make.person().id, 10)


def test_donation_goes_to_the_public_pool(tb):
    donor = tb.volunteer()
    tb.fund(donor.person, 100)
    transfers.donate(donor, donor.person, 60)
    assert transfers.pool_overview() == {"balance": 60, "donated": 60, "allocated": 0}


def test_zero_or_negative_amounts_are_refused(tb):
    donor = tb.volunteer()
    for bad in (0, -10):
        with pytest.raises(ValidationFailed):
            transfers.donate(donor, donor.person, bad)


def test_the_bureau_allocates_pool_credits_to_an_elder_with_a_reason(tb, make):
    donor, regulator, elder = tb.volunteer(), make.user("regulator"), make.person(age=85)
    tb.fund(donor.person, 100)
    transfers.donate(donor, donor.person, 100)
    with pytest.raises(ValidationFailed):
        transfers.allocate(regulator, elder.id, 60, "")
    row = transfers.allocate(regulator, elder.id, 60, "独居困难老人")
    assert row.reason == "独居困难老人"
    assert transfers.pool_overview()["balance"] == 40
    with pytest.raises(InsufficientCredits):
        transfers.allocate(regulator, elder.id, 41, "再分配")
    assert transfers.received_gift_or_allocation(elder.id)


def test_only_the_bureau_allocates(tb, make):
    with pytest.raises(PermissionDenied):
        transfers.allocate(tb.volunteer(), make.person().id, 10, "x")
    with pytest.raises(NotFound):
        transfers.allocate(make.user("regulator"), 999999, 10, "x")
