"""Matching runs: proposals from the matcher, idempotence, barred parties, exclusions
(charity.runs)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from charity import proposals, runs
from charity.models import MatchRun, Proposal
from charity.vocabulary import PostStatus, ProposalStatus
from core import clock, sanctions
from core.db import InsertOnlyViolation
from core.extensions import db
from core.outbox import OutboxMessage


def _proposals():
    return db.session.execute(sa.select(Proposal).order_by(Proposal.id)).scalars().all()


def test_a_run_turns_allocations_into_explained_pending_proposals(ch):
    need = ch.need(qty=10, urgency=4)
    offer = ch.offer(qty=6)
    run = runs.run_matching(ch.staff)
    [proposal] = _proposals()
    assert (proposal.need_id, proposal.offer_id, proposal.quantity) == (need.id, offer.id, 6)
    assert proposal.status == ProposalStatus.PENDING and proposal.run_id == run.id
    assert proposal.explanation["item"] == "same" and proposal.explanation["urgency"] == 4
    assert proposal.respond_by > clock.now() + timedelta(days=2)
    assert need.status == PostStatus.PARTLY_MATCHED and offer.status == PostStatus.MATCHED
    assert (run.proposals_created, run.matched_quantity, run.needs_considered) == (1, 6, 1)
    assert run.weighted_quantity > 0 and run.trigger == "staff" and run.actor_id == ch.staff.id


@pytest.fixture
def steep_urgency(app_config):
    """Policy: urgency weights 1, 3, 9, 27 instead of the default 1, 2, 4, 8."""
    app_config["POLICY_MATCHING_URGENCY_WEIGHTS"] = [1, 3, 9, 27]


@pytest.mark.usefixtures("steep_urgency")
def test_a_run_weighs_urgency_by_the_policy(ch):
    ch.need(qty=10, urgency=3)
    ch.offer(qty=6)
    run = runs.run_matching(ch.staff)
    [proposal] = _proposals()
    # with deadline weighting on, a unit weighs 8·w(urgency) (+1 when due soon)
    assert proposal.explanation["weight"] // 8 == 9
    assert run.weighted_quantity == 6 * proposal.explanation["weight"]


def test_running_again_never_duplicates_a_pending_pair(ch):
    ch.need(qty=10)
    ch.offer(qty=4)
    runs.run_matching(None)
    again = runs.run_matching(None, trigger="job")
    assert again.proposals_created == 0
    assert len(_proposals()) == 1


def test_leftover_quantity_is_proposed_elsewhere_on_the_next_run(ch):
    ch.need(qty=10)
    ch.offer(qty=4)
    runs.run_matching(None)
    ch.offer(qty=6, item="rice")
    second = runs.run_matching(None)
    assert second.proposals_created == 1 and second.matched_quantity == 6


def test_both_sides_are_told_of_a_new_proposal(ch):
    ch.need()
    ch.offer()
    runs.run_matching(None)
    topics = db.session.execute(sa.select(OutboxMessage.org_id).where(
        OutboxMessage.topic == "charity.proposal.new")).scalars().all()
    assert sorted(topics) == sorted([ch.org.id, ch.donor_org.id])


def test_barred_organizations_are_left_out_of_matching(ch):
    ch.need()
    ch.offer()
    sanctions.impose(ch.donor_org.id, [sanctions.NO_MATCHING], "credit.entry:9", clock.today())
    run = runs.run_matching(None)
    assert run.proposals_created == 0 and run.parties_excluded == 1


def test_a_declined_pair_is_not_proposed_again_and_the_need_goes_elsewhere(ch, make):
    need = ch.need(qty=5)
    near = ch.offer(qty=5)
    runs.run_matching(None)
    [first] = _proposals()
    proposals.respond(ch.staff, first.id, "need", False, "规格不符")
    other_org = make.org("company", district="zhonglou")
    other = ch.offer(actor=make.user("org_staff", org=other_org), org=other_org, qty=5,
                     district="zhonglou")
    runs.run_matching(None)
    latest = _proposals()[-1]
    assert (latest.need_id, latest.offer_id) == (need.id, other.id)
    assert near.status == PostStatus.OPEN


def test_money_pledges_match_across_any_distance_goods_only_within_the_radius(ch, make):
    far_org = make.org("foundation", district="liyang")
    far_staff = make.user("org_staff", org=far_org)
    ch.need(item="donation_cny", qty=5000)
    ch.need(item="rice", qty=50)
    ch.offer(actor=far_staff, org=far_org, item="donation_cny", qty=3000, district="liyang")
    ch.offer(actor=far_staff, org=far_org, item="rice", qty=50, district="liyang")
    runs.run_matching(None)
    assert [p.offer.item.code for p in _proposals()] == ["donation_cny"]


def test_a_declared_substitute_is_proposed_and_explained(ch):
    ch.need(item="noodles", qty=20)
    ch.offer(item="rice", qty=20)
    runs.run_matching(None)
    [proposal] = _proposals()
    assert proposal.explanation["item"] == "substitute"


def test_an_organization_is_not_proposed_its_own_offer(ch):
    ch.need()
    ch.offer(actor=ch.staff, org=ch.org)
    assert runs.run_matching(None).proposals_created == 0


def test_same_urgency_need_due_sooner_gets_the_scarce_offer(ch, make):
    later = ch.need(qty=5, urgency=2, days=20)
    sooner = ch.need(qty=5, urgency=2, days=2, district="zhonglou")
    ch.offer(qty=5)
    runs.run_matching(None)
    [proposal] = _proposals()
    assert proposal.need_id == sooner.id != later.id
    assert proposal.explanation["deadline_soon"] is True


def test_volunteer_opportunities_are_filled_by_sign_ups_not_proposals(ch):
    ch.opportunity()
    ch.offer(actor=ch.volunteer(), person=True, item="volunteer_hours", qty=10)
    assert runs.run_matching(None).proposals_created == 0


def test_a_run_record_cannot_be_rewritten(ch):
    run = runs.run_matching(None)
    run.proposals_created = 99
    with pytest.raises(InsertOnlyViolation):
        db.session.flush()
    db.session.rollback()
    assert db.session.execute(sa.select(sa.func.count(MatchRun.id))).scalar_one() == 0


def test_a_district_added_with_coordinates_joins_the_distance_table(ch):
    from core.orgs.models import District

    db.session.add(District(code="newtown", name="新城区", name_en="New Town", lat=31.9,
                            lon=120.1, sort_order=9))
    db.session.flush()
    table = runs.distance_table()
    assert table["新城区"]["新城区"] == 3.0
    assert 10 < table["新城区"]["天宁区"] < 25


def test_a_known_district_without_coordinates_still_has_distances(ch):
    from core.orgs.models import District

    db.session.add(District(code="newtown", name="新城区", name_en="New Town", lat=31.9,
                            lon=120.1, sort_order=9))
    ch.district("jintan").lat = ch.district("jintan").lon = None
    db.session.flush()
    assert runs.distance_table()["新城区"]["金坛区"] > 30
