"""The demo history: five years for ~300 subjects, every list with entries in every state,
and the ``orgstaff`` organization with a record to open but no measure against it."""

import random

import pytest
import sqlalchemy as sa

from core import demo, sanctions
from core.extensions import db
from credit.demo.seed import seed_credit
from credit.demo.topup import state_counts
from credit.inspections import services as inspections
from credit.models import CreditFact, Objection
from credit.vocabulary import LIST_TYPES


@pytest.mark.slow
def test_the_demo_history_fills_every_list_in_every_state(app, writing):
    ctx = demo.SeedContext(rng=random.Random(7), today=demo.clock.today())
    ctx.extra["credit_demo_scale"] = 0.3  # 81 added subjects instead of 270: same process
    demo._seed_core(ctx)
    seed_credit(ctx)
    counts = state_counts()
    for list_type in LIST_TYPES:
        for state in ("proposed", "notified", "objected", "published", "removed"):
            assert counts[(list_type, state)] >= 1, (list_type, state)
    assert ctx.extra["credit"]["subjects"] == 33 + 81
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CreditFact)) > 800
    home = ctx.orgs["social_group"][0]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CreditFact).where(
        CreditFact.org_id == home.id)) >= 3
    assert db.session.scalar(sa.select(Objection.status).where(Objection.org_id == home.id)) \
        == "open"
    barring = {sanctions.NO_POSTING, sanctions.NO_MATCHING, sanctions.NO_CONFIRMING_HOURS}
    assert not barring & sanctions.measures_in_force(home.id, ctx.today)
    assert not barring & sanctions.measures_in_force(ctx.orgs["eldercare"][0].id, ctx.today)
    # the demo's draws went through commit and reveal and recompute from their files
    drawn = [d for d in inspections.draws() if d.state == "drawn"]
    assert drawn and all(d.algorithm == "czdraw-1" and inspections.reproduces(d) for d in drawn)
