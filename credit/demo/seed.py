"""Demo seeder (order 400): five years of credit history for ~300 subjects, built through the
services from the process in ``credit.demo.process`` (docs/demo-data.md): facts every two
weeks, annual reports, random-inspection draws, the rules' proposals carried through notice,
objections, publication, repair and expiry, so every list has entries in every state."""

from __future__ import annotations

from credit.demo.facts import FactMaker
from credit.demo.lifecycle import Driver
from credit.demo.topup import TopUp
from credit.demo.world import World


def seed_credit(ctx) -> None:
    world = World(ctx)
    world.add_orgs()
    world.setup_inspections()
    driver = Driver(world)
    world.simulate(driver, FactMaker(world, driver))
    TopUp(world, driver).run()  # every list with entries in every state, today
    world.showcase(driver)
    ctx.extra["credit"] = {"subjects": len(world.subjects), "risk": world.risk_counts()}
