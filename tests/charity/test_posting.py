"""Posting, editing, withdrawing and expiring needs and offers (charity.posting)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from charity import posting, runs
from charity.models import Need, Proposal
from charity.vocabulary import PostStatus, ProposalStatus
from core import audit, clock, sanctions
from core.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from core.extensions import db
from core.orgs.models import OrgStatus


def test_a_need_is_posted_open_in_the_items_unit_and_audited(ch):
    need = ch.need(item="cooking_oil", qty=40, urgency=4)
    assert need.status == PostStatus.OPEN
    assert (need.unit, need.category) == ("L", "goods")
    assert [r.action for r in audit.history("charity_need", need.id)] == ["charity.need.create"]


@pytest.mark.parametrize(("over", "code", "field"), [
    ({"quantity": -5}, "charity.bad_quantity", "quantity"),
    ({"quantity": 0}, "charity.bad_quantity", "quantity"),
    ({"deadline": clock.now() - timedelta(hours=1)}, "charity.deadline_past", "deadline"),
    ({"item_id": 999999}, "charity.unknown_item", "item_id"),
    ({"unit": "袋"}, "charity.unit_mismatch", "unit"),
    ({"category": "money"}, "charity.category_mismatch", "category"),
    ({"urgency": 5}, "charity.bad_urgency", "urgency"),
    ({"lat": 31.7}, "charity.bad_coordinates", "lat"),
])
def test_bad_need_input_is_a_clear_error_and_leaves_nothing(ch, over, code, field):
    with pytest.raises(ValidationFailed) as caught:
        posting.create_need(ch.staff, ch.org.id, ch.need_data(**over))
    assert caught.value.code == code
    assert field in caught.value.errors
    assert db.session.execute(sa.select(sa.func.count(Need.id))).scalar_one() == 0


def test_unit_mismatch_message_names_the_right_unit(ch):
    with pytest.raises(ValidationFailed) as caught:
        posting.create_need(ch.staff, ch.org.id, ch.need_data(item="rice", unit="袋"))
    assert "kg" in caught.value.text


def test_only_the_organizations_staff_may_post_for_it(ch, make):
    outsider = make.user("org_staff", org=make.org())
    with pytest.raises(PermissionDenied):
        ch.need(actor=outsider)


def test_a_barred_organization_cannot_post(ch):
    sanctions.impose(ch.org.id, [sanctions.NO_POSTING], "credit.entry:1", clock.today())
    with pytest.raises(PermissionDenied) as caught:
        ch.need()
    assert caught.value.code == "charity.barred_posting"


def test_a_suspended_organization_cannot_post(ch):
    ch.org.status = OrgStatus.SUSPENDED
    with pytest.raises(PermissionDenied) as caught:
        ch.need()
    assert caught.value.code == "charity.org_not_active"


def test_a_volunteer_offers_as_a_person_donor(ch):
    donor = ch.volunteer()
    offer = ch.offer(actor=donor, person=True, item="winter_coat", qty=3)
    assert offer.org_id is None and offer.donor_person_id == donor.person_id


def test_a_user_without_a_real_name_cannot_offer_as_a_person(ch, make):
    with pytest.raises(PermissionDenied):
        ch.offer(actor=make.user("org_staff"), person=True)


def test_offer_window_must_be_in_order_and_not_over(ch):
    now = clock.now()
    with pytest.raises(ValidationFailed) as caught:
        ch.offer(available_from=now + timedelta(days=5), available_until=now + timedelta(days=2))
    assert caught.value.code == "charity.bad_window"
    with pytest.raises(ValidationFailed) as caught:
        ch.offer(available_until=now - timedelta(minutes=1))
    assert caught.value.code == "charity.deadline_past"


def test_an_open_need_can_be_edited_and_the_change_is_audited(ch):
    need = ch.need(qty=10)
    posting.update_need(ch.staff, need, {"quantity": 25, "urgency": 3})
    assert (need.quantity, need.urgency) == (25, 3)
    assert audit.history("charity_need", need.id)[-1].action == "charity.need.update"


def test_an_edit_is_checked_like_a_new_post(ch):
    need = ch.need()
    with pytest.raises(ValidationFailed):
        posting.update_need(ch.staff, need, {"quantity": -1})
    with pytest.raises(ValidationFailed):
        posting.update_need(ch.staff, need, {"item_id": ch.item("cooking_oil").id,
                                             "unit": "kg"})


def test_a_need_with_a_proposal_can_no_longer_be_edited(ch):
    need = ch.need()
    ch.offer()
    runs.run_matching(None)
    with pytest.raises(Conflict) as caught:
        posting.update_need(ch.staff, need, {"quantity": 3})
    assert caught.value.code == "charity.not_editable"


def test_withdrawing_cancels_pending_proposals_and_frees_the_offer(ch):
    need, offer = ch.need(), ch.offer()
    runs.run_matching(None)
    posting.withdraw_need(ch.staff, need, "已由街道解决")
    proposal = db.session.execute(sa.select(Proposal)).scalar_one()
    assert proposal.status == ProposalStatus.CANCELLED
    assert need.status == PostStatus.WITHDRAWN and offer.status == PostStatus.OPEN


def test_withdrawing_is_refused_while_a_proposal_is_accepted(ch):
    from charity import proposals

    need, _offer = ch.need(), ch.offer()
    runs.run_matching(None)
    proposal = db.session.execute(sa.select(Proposal)).scalar_one()
    proposals.respond(ch.staff, proposal.id, "need", True)
    proposals.respond(ch.donor_staff, proposal.id, "offer", True)
    with pytest.raises(Conflict) as caught:
        posting.withdraw_need(ch.staff, need)
    assert caught.value.code == "charity.has_accepted"


def test_posts_expire_at_their_deadline_once(ch):
    need = ch.need(days=1)
    offer = ch.offer(days=2)
    runs.run_matching(None)
    later = clock.now() + timedelta(days=3)
    counts = posting.expire_posts(later)
    assert counts == {"needs_expired": 1, "offers_expired": 1, "proposals_expired": 1}
    assert need.status == PostStatus.EXPIRED and offer.status == PostStatus.EXPIRED
    assert posting.expire_posts(later) == {"needs_expired": 0, "offers_expired": 0,
                                           "proposals_expired": 0}


def test_person_in_difficulty_is_found_by_id_number_or_registered(ch, make):
    elder = make.person(age=80, volunteer=False)
    found = posting.resolve_beneficiary(ch.staff, elder.name, elder.id_number)
    assert found.id == elder.id
    with pytest.raises(DomainError) as caught:
        posting.resolve_beneficiary(ch.staff, "另一个名字", elder.id_number)
    assert caught.value.code == "charity.beneficiary_mismatch"
    new = posting.resolve_beneficiary(ch.staff, "钱桂英", make.id_number(age=85))
    assert new.name == "钱桂英"


def test_my_lists_show_only_my_organizations_posts(ch, make):
    mine = ch.need()
    other_org = make.org()
    other_staff = make.user("org_staff", org=other_org)
    ch.need(actor=other_staff, org=other_org)
    rows = db.session.execute(posting.my_needs_query(ch.staff)).scalars().all()
    assert rows == [mine]
