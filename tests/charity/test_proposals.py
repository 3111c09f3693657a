"""Answering, fulfilling, abandoning and expiring proposals (charity.proposals)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from charity import proposals, runs
from charity.explain import proposal_text
from charity.models import Proposal
from charity.vocabulary import PostStatus, ProposalStatus
from core import clock, events, sanctions
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.extensions import db


@pytest.fixture
def proposed(ch):
    """One need, one offer and the pending proposal between them."""
    ch.need(qty=10, urgency=4, days=2)
    ch.offer(qty=10)
    runs.run_matching(None)
    return db.session.execute(sa.select(Proposal)).scalar_one()


@pytest.fixture
def accepted(ch, proposed):
    proposals.respond(ch.staff, proposed.id, "need", True)
    proposals.respond(ch.donor_staff, proposed.id, "offer", True)
    return proposed


class Captured(list):
    def __call__(self, sender, **payload):
        self.append((sender, payload))


def test_both_sides_accepting_reserves_the_quantity(ch, proposed):
    proposals.respond(ch.staff, proposed.id, "need", True)
    assert proposed.status == ProposalStatus.PENDING and proposed.need_decision == "accepted"
    proposals.respond(ch.donor_staff, proposed.id, "offer", True)
    assert proposed.status == ProposalStatus.ACCEPTED and proposed.accepted_at is not None
    assert proposed.need.status == PostStatus.MATCHED
    ch.need(qty=10, urgency=4)
    assert runs.run_matching(None).proposals_created == 0  # the offer is reserved


def test_declining_needs_a_reason_and_frees_both_sides(ch, proposed):
    with pytest.raises(ValidationFailed) as caught:
        proposals.respond(ch.donor_staff, proposed.id, "offer", False, "  ")
    assert caught.value.code == "charity.reason_required"
    proposals.respond(ch.donor_staff, proposed.id, "offer", False, "物资已另行捐出")
    assert proposed.status == ProposalStatus.DECLINED
    assert proposed.need.status == PostStatus.OPEN and proposed.offer.status == PostStatus.OPEN


def test_a_side_answers_once(ch, proposed):
    proposals.respond(ch.staff, proposed.id, "need", True)
    with pytest.raises(Conflict) as caught:
        proposals.respond(ch.staff, proposed.id, "need", True)
    assert caught.value.code == "charity.already_answered"


def test_only_the_parties_see_or_answer_a_proposal(ch, proposed, make):
    stranger = make.user("org_staff", org=make.org())
    with pytest.raises(NotFound):
        proposals.respond(stranger, proposed.id, "need", True)
    with pytest.raises(PermissionDenied):  # a party answering for the other side
        proposals.respond(ch.staff, proposed.id, "offer", True)
    regulator = make.user("regulator")
    assert proposals.get_proposal_for(regulator, proposed.id) is proposed


def test_a_barred_party_cannot_accept(ch, proposed):
    sanctions.impose(ch.org.id, [sanctions.NO_MATCHING], "credit.entry:3", clock.today())
    with pytest.raises(PermissionDenied) as caught:
        proposals.respond(ch.staff, proposed.id, "need", True)
    assert caught.value.code == "charity.barred_matching"


def test_late_answers_are_refused_and_the_job_expires_the_proposal(ch, proposed):
    late = proposed.respond_by + timedelta(minutes=1)
    with pytest.raises(Conflict) as caught:
        proposals.respond(ch.staff, proposed.id, "need", True, now=late)
    assert caught.value.code == "charity.proposal_expired"
    assert proposals.expire_proposals(late) == 1
    assert proposed.status == ProposalStatus.EXPIRED
    assert proposed.need.status == PostStatus.OPEN
    assert proposals.expire_proposals(late) == 0


def test_fulfilment_is_recorded_by_the_receiver_and_published(ch, accepted):
    seen = Captured()
    with events.match_fulfilled.connected_to(seen):
        with pytest.raises(PermissionDenied):
            proposals.fulfil(ch.donor_staff, accepted.id, 10, clock.today())
        proposals.fulfil(ch.staff, accepted.id, 10, clock.today(), "签收单 QS001")
    assert accepted.status == ProposalStatus.FULFILLED and accepted.fulfil_note == "签收单 QS001"
    assert accepted.need.status == PostStatus.FULFILLED and accepted.need.fulfilled_at
    [(sender, payload)] = seen
    assert sender == "charity"
    assert set(payload) == {"proposal_id", "need_org_id", "offer_org_id", "quantity",
                            "delivered_quantity", "occurred_at"}
    assert (payload["need_org_id"], payload["offer_org_id"]) == (ch.org.id, ch.donor_org.id)
    assert payload["delivered_quantity"] == 10


def test_a_partial_delivery_reopens_the_rest_of_the_need(ch, accepted):
    proposals.fulfil(ch.staff, accepted.id, 4, clock.today())
    assert accepted.need.status == PostStatus.PARTLY_MATCHED
    ch.offer(qty=6)
    run = runs.run_matching(None)
    assert run.matched_quantity == 6


@pytest.mark.parametrize(("qty", "day", "field"), [
    (0, 0, "delivered_quantity"), (11, 0, "delivered_quantity"), (5, 1, "delivered_on"),
    (5, -30, "delivered_on"),
])
def test_bad_deliveries_are_refused(ch, accepted, qty, day, field):
    with pytest.raises(ValidationFailed) as caught:
        proposals.fulfil(ch.staff, accepted.id, qty, clock.today() + timedelta(days=day))
    assert field in caught.value.errors
    assert accepted.status == ProposalStatus.ACCEPTED


def test_only_an_accepted_proposal_can_be_fulfilled(ch, proposed):
    with pytest.raises(Conflict):
        proposals.fulfil(ch.staff, proposed.id, 10, clock.today())


def test_abandoning_publishes_the_responsible_organization_and_frees_quantities(ch, accepted):
    seen = Captured()
    with events.match_abandoned.connected_to(seen):
        proposals.abandon(ch.staff, accepted.id, "offer", "物资未能按时备齐")
    assert accepted.status == ProposalStatus.ABANDONED
    assert accepted.need.status == PostStatus.OPEN and accepted.offer.status == PostStatus.OPEN
    [(_sender, payload)] = seen
    assert set(payload) == {"proposal_id", "org_id", "reason", "occurred_at"}
    assert payload["org_id"] == ch.donor_org.id
    assert payload["reason"] == "物资未能按时备齐"


def test_abandoning_needs_a_reason_and_a_responsible_side(ch, accepted):
    with pytest.raises(ValidationFailed) as caught:
        proposals.abandon(ch.staff, accepted.id, "nobody", "")
    assert set(caught.value.errors) == {"responsible_side", "reason"}


def test_a_person_donor_answers_for_their_own_offer(ch):
    donor = ch.volunteer()
    ch.need(item="winter_coat", qty=2)
    ch.offer(actor=donor, person=True, item="winter_coat", qty=2)
    runs.run_matching(None)
    proposal = db.session.execute(sa.select(Proposal)).scalar_one()
    proposals.respond(donor, proposal.id, "offer", True)
    assert proposal.offer_decision == "accepted"


def test_the_explanation_reads_as_plain_words(ch, proposed):
    text = proposal_text(proposed, clock.now())
    for words in ("同一物品", "公里", "紧急程度 4", "天后截止", "可满足全部所需"):
        assert words in text, text


def test_waiting_for_me_lists_only_proposals_my_side_has_not_answered(ch, proposed):
    waiting = db.session.execute(proposals.proposals_query(ch.staff, waiting_for_me=True)
                                 ).scalars().all()
    assert waiting == [proposed]
    proposals.respond(ch.staff, proposed.id, "need", True)
    assert db.session.execute(proposals.proposals_query(ch.staff, waiting_for_me=True)
                              ).scalars().all() == []
