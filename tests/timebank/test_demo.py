"""The demo seed builds a consistent year of time-bank history for the demo users."""

import random

import sqlalchemy as sa

from core import clock
from core.demo import SeedContext, _seed_core
from core.extensions import db
from timebank import ledger, redemption
from timebank.demo import seed_timebank
from timebank.models import Certificate, Redemption, ServiceSession


def test_demo_seed_gives_a_consistent_ledger_and_meaningful_demo_histories(app, writing):
    ctx = SeedContext(rng=random.Random(7), today=clock.today())
    _seed_core(ctx)  # core's world, then only this package's seeder (the others are theirs)
    seed_timebank(ctx)
    db.session.commit()
    report = ledger.verify()
    assert report.ok, report.problems
    statuses = dict(db.session.execute(
        sa.select(ServiceSession.status, sa.func.count()).group_by(ServiceSession.status)).all())
    assert statuses["confirmed"] > 300 and statuses["pending"] > 0
    assert statuses.get("rejected", 0) > 0 and statuses["reversed"] == 2
    districts = db.session.execute(sa.select(sa.func.count(sa.distinct(
        ServiceSession.district_id)))).scalar()
    assert districts == 7
    volunteer = ctx.users["volunteer"].person
    assert ledger.balances(volunteer.id)[0] > 0
    assert db.session.execute(sa.select(Redemption).where(
        Redemption.person_id == volunteer.id, Redemption.status == "pending")).first()
    home = ctx.orgs["eldercare"][0]
    assert len(redemption.catalogue(home.id)) >= 5
    assert db.session.execute(sa.select(sa.func.count()).select_from(Certificate)).scalar() == 2
