"""Scheduled jobs, wiring and the demo data of the charity package."""

from __future__ import annotations

import random
from collections import Counter

import pytest
import sqlalchemy as sa

from charity.demo import seed_charity
from charity.models import Need, Opportunity, Proposal, Signup
from core import audit, clock
from core.demo import SeedContext, _seed_core
from core.extensions import db
from core.jobs import get_job, run_job


def test_jobs_are_registered_with_the_policy_interval(app):
    spec = get_job("charity.match")
    assert spec.trigger == "interval"
    assert spec.trigger_args == {"minutes": app.config["POLICY_MATCHING_INTERVAL_MINUTES"]}
    assert get_job("charity.expire").trigger == "interval"


def test_the_match_job_records_its_run_and_is_idempotent(ch, commit):
    ch.need()
    ch.offer()
    commit()
    first = run_job("charity.match")
    assert first.status == "ok" and first.counts["proposals"] == 1
    second = run_job("charity.match")
    assert second.status == "ok" and second.counts["proposals"] == 0
    assert db.session.execute(sa.select(sa.func.count(Proposal.id))).scalar_one() == 1


def test_the_expire_job_reports_what_it_closed(ch, commit):
    commit()
    run = run_job("charity.expire")
    assert run.status == "ok"
    assert run.counts == {"proposals_unanswered": 0, "needs_expired": 0, "offers_expired": 0,
                          "proposals_expired": 0}


@pytest.mark.slow
def test_the_demo_world_has_history_across_all_districts(app, writing):
    ctx = SeedContext(rng=random.Random(11), today=clock.today())
    _seed_core(ctx)
    seed_charity(ctx)
    db.session.commit()
    districts = db.session.execute(sa.select(sa.func.count(sa.distinct(Need.district_id)))
                                   ).scalar_one()
    assert districts == 7
    statuses = Counter(db.session.execute(sa.select(Proposal.status)).scalars())
    assert statuses["fulfilled"] and statuses["accepted"] and statuses["pending"]
    assert statuses["declined"] + statuses["abandoned"] + statuses["expired"] > 0
    home = ctx.orgs["social_group"][0]
    waiting = db.session.execute(sa.select(Proposal).join(Need).where(
        Need.org_id == home.id, Proposal.status == "pending",
        Proposal.need_decision.is_(None))).scalars().all()
    assert waiting, "the orgstaff user has proposals to accept in the demo"
    assert db.session.execute(sa.select(sa.func.count(Opportunity.id))).scalar_one() >= 10
    signups = Counter(db.session.execute(sa.select(Signup.status)).scalars())
    assert signups["served"] and signups["signed_up"]
    assert audit.verify_chain().ok
