"""Redemption: catalogue, age rule, a member's reservation held → posted with their code, or
voided; stale holds expire. (Counters acting with the member's consent: tests/security/
test_trust_redemption_consent.py.)"""

from datetime import timedelta

import pytest

from core import clock
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.orgs.models import OrgKind
from timebank import ledger, redemption, transfers
from timebank.vocabulary import RedemptionStatus


@pytest.fixture
def home(tb, make):
    org = make.org(OrgKind.ELDERCARE)
    staff = make.user("institution_staff", org=org)
    item = redemption.add_item(staff, org.id, {"name": "助浴服务", "service_minutes": 60})
    return org, staff, item


def test_catalogue_price_defaults_to_one_hour_of_credit_per_hour(home):
    _org, _staff, item = home
    assert item.price_minutes == 60


def test_only_the_institutions_staff_edit_its_catalogue(tb, home, make):
    org, _staff, item = home
    other = make.user("institution_staff", org=make.org(OrgKind.ELDERCARE))
    with pytest.raises(PermissionDenied):
        redemption.add_item(other, org.id, {"name": "理发", "service_minutes": 30})
    with pytest.raises(Conflict):
        redemption.add_item(_staff, org.id, {"name": "助浴服务", "service_minutes": 30})
    with pytest.raises(ValidationFailed):
        redemption.update_item(_staff, item.id, {"price_minutes": 0})


def test_renaming_a_service_to_a_name_already_in_the_catalogue_is_a_conflict(home):
    """Found by the API fuzzer: the rename hit the unique constraint at flush, a 500."""
    org, staff, item = home
    other = redemption.add_item(staff, org.id, {"name": "理发", "service_minutes": 30})
    with pytest.raises(Conflict) as err:
        redemption.update_item(staff, other.id, {"name": "助浴服务"})
    assert err.value.code == "timebank.item_exists" and "name" in err.value.errors
    assert redemption.update_item(staff, item.id, {"name": "助浴服务"}).name == "助浴服务"


def test_only_a_verified_institution_opens_a_catalogue_and_takes_redemptions(tb, home, make):
    """An institution its staff registered themselves (pending), or one ordered to stop,
    took members' credits like a verified one (found by tests/security)."""
    shell = make.org(OrgKind.ELDERCARE, status="pending")
    counter = make.user("institution_staff", org=shell)
    with pytest.raises(PermissionDenied) as err:
        redemption.add_item(counter, shell.id, {"name": "助浴", "service_minutes": 60})
    assert err.value.code == "timebank.institution_not_active"
    org, _staff, item = home
    elder = make.user("volunteer", age=72)
    tb.fund(elder.person, 200)
    org.status = "suspended"
    with pytest.raises(PermissionDenied) as err:
        redemption.create_redemption(elder, elder.person.id, item.id)
    assert err.value.code == "timebank.institution_not_active"
    assert ledger.balances(elder.person.id) == (200, 0, 200)
    org.status = "active"
    assert redemption.create_redemption(elder, elder.person.id, item.id).amount == 60


def test_counter_finds_a_member_by_volunteer_number_or_id_number(tb, make):
    person = make.person(age=70)
    assert redemption.find_member(person.volunteer_number).id == person.id
    assert redemption.find_member(person.id_number.lower()).id == person.id
    with pytest.raises(NotFound):
        redemption.find_member("CZ99999999")


def test_redemption_holds_then_posts_with_the_members_code(tb, home, make):
    _org, staff, item = home
    elder = make.user("volunteer", age=72)
    tb.fund(elder.person, 100)
    row = redemption.create_redemption(elder, elder.person.id, item.id)
    assert len(row.code) == 6 and row.code.isdigit()
    assert ledger.balances(elder.person.id) == (100, 60, 40)
    with pytest.raises(ValidationFailed) as err:
        redemption.complete_redemption(staff, row.id, "000000" if row.code != "000000"
                                       else "111111")
    assert err.value.code == "timebank.wrong_code"
    redemption.complete_redemption(staff, row.id, row.code)
    assert row.status == RedemptionStatus.POSTED
    assert ledger.balances(elder.person.id) == (40, 0, 40)
    assert ledger.verify().ok
    with pytest.raises(Conflict):
        redemption.complete_redemption(staff, row.id, row.code)


def test_a_code_typed_in_any_script_is_simply_wrong(tb, home, make):
    """Found by the API fuzzer: secrets.compare_digest refuses non-ASCII str, so a code
    typed in Chinese (or any non-ASCII character) was a 500 at the counter."""
    _org, staff, item = home
    elder = make.user("volunteer", age=72)
    tb.fund(elder.person, 100)
    row = redemption.create_redemption(elder, elder.person.id, item.id)
    with pytest.raises(ValidationFailed) as err:
        redemption.complete_redemption(staff, row.id, "兑换码")
    assert err.value.code == "timebank.wrong_code"
    assert row.status == RedemptionStatus.PENDING


def test_cancelling_releases_the_hold(tb, home, make):
    _org, _staff, item = home
    elder = make.user("volunteer", age=66)
    tb.fund(elder.person, 60)
    row = redemption.create_redemption(elder, elder.person.id, item.id)
    redemption.cancel_redemption(elder, row.id, "改天再来")
    assert row.status == RedemptionStatus.VOIDED
    assert ledger.balances(elder.person.id) == (60, 0, 60)


def test_a_clerk_cancelling_for_a_member_must_say_why(tb, home, make):
    _org, staff, item = home
    elder = make.user("volunteer", age=66)
    tb.fund(elder.person, 60)
    row = redemption.create_redemption(elder, elder.person.id, item.id)
    with pytest.raises(ValidationFailed) as err:
        redemption.cancel_redemption(staff, row.id, "  ")
    assert "reason" in err.value.errors and row.status == RedemptionStatus.PENDING
    assert ledger.balances(elder.person.id) == (60, row.amount, 60 - row.amount)
    redemption.cancel_redemption(staff, row.id, "会员临时住院，改期")
    assert row.status == RedemptionStatus.VOIDED and row.void_reason == "会员临时住院，改期"


def test_members_under_the_redeem_age_are_refused_unless_they_received_a_gift(tb, home, make):
    _org, _staff, item = home
    young = make.user("volunteer", age=45)
    tb.fund(young.person, 120)
    with pytest.raises(PermissionDenied) as err:
        redemption.create_redemption(young, young.person.id, item.id)
    assert err.value.code == "timebank.too_young_to_redeem"
    donor, regulator = tb.volunteer(), make.user("regulator")
    tb.fund(donor.person, 60)
    transfers.donate(donor, donor.person, 60)
    transfers.allocate(regulator, young.person.id, 30, "重度残疾，生活困难")
    assert redemption.create_redemption(young, young.person.id, item.id).amount == 60


def test_a_redemption_beyond_the_available_balance_is_refused(tb, home, make):
    _org, _staff, item = home
    elder = make.user("volunteer", age=75)
    tb.fund(elder.person, 59)
    with pytest.raises(Conflict) as err:
        redemption.create_redemption(elder, elder.person.id, item.id)
    assert err.value.code == "timebank.insufficient_credits"


def test_staff_of_another_institution_cannot_complete(tb, home, make):
    _org, _staff, item = home
    elder = make.user("volunteer", age=75)
    tb.fund(elder.person, 60)
    row = redemption.create_redemption(elder, elder.person.id, item.id)
    other = make.user("institution_staff", org=make.org(OrgKind.ELDERCARE))
    with pytest.raises(PermissionDenied):
        redemption.complete_redemption(other, row.id, row.code)


def test_holds_older_than_the_hold_period_are_voided_by_the_job(tb, home, make):
    _org, _staff, item = home
    elder = make.user("volunteer", age=75)
    tb.fund(elder.person, 120)
    old = redemption.create_redemption(elder, elder.person.id, item.id,
                                       now=clock.now() - timedelta(hours=49))
    fresh = redemption.create_redemption(elder, elder.person.id, item.id)
    assert redemption.void_expired() == 1
    assert old.status == RedemptionStatus.VOIDED and fresh.status == RedemptionStatus.PENDING
    assert ledger.balances(elder.person.id) == (120, 60, 60)
    assert redemption.void_expired() == 0
