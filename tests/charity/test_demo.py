"""The charity demo world (charity.demo)."""

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

