"""End-to-end cost of one matching run (charity.runs.run_matching) on a database: loading open
needs and offers, the exact matcher, creating proposals, messages and statuses.

    .venv/bin/python benches/charity_run.py [--quick] [--database-url URL]

Builds a fresh database (SQLite file in /tmp by default), inserts random needs and offers
across the seven districts directly (not through the services, to keep set-up short), then
times a first run (everything new) and a second run (idempotent: nothing to add). Results go
to benches/results/charity_run.json.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _populate(n_needs: int, n_offers: int, rng: random.Random) -> None:
    from charity.items import items, seed_items
    from charity.models import Need, Offer
    from core import clock
    from core.demo import SeedContext, _seed_orgs
    from core.extensions import db
    from core.orgs.services import districts, seed_districts

    seed_districts()
    seed_items(None)
    ctx = SeedContext(rng=rng, today=clock.now().date(), districts=districts())
    _seed_orgs(ctx)
    orgs = ctx.all_orgs()
    goods = [i for i in items() if i.category in ("goods", "service", "money")]
    now = clock.now()
    for kind, count in (("need", n_needs), ("offer", n_offers)):
        rows = []
        for _ in range(count):
            org, item = rng.choice(orgs), rng.choice(goods)
            common = {"org_id": org.id, "item_id": item.id, "category": item.category,
                          "unit": item.unit, "quantity": rng.randint(1, 50), "district_id": org.district_id,
                          "address": org.address, "created_at": now - timedelta(days=rng.randint(0, 5))}
            if rng.random() < 0.8:  # most parties give an address the map can place
                common.update(lat=31.78 + rng.uniform(-0.25, 0.25),
                              lon=119.95 + rng.uniform(-0.3, 0.3))
            if kind == "need":
                rows.append(Need(**common, urgency=rng.choice([1, 1, 2, 2, 2, 3, 3, 4]),
                                 deadline=now + timedelta(days=rng.randint(1, 30))))
            else:
                rows.append(Offer(**common, available_from=common["created_at"],
                                  available_until=now + timedelta(days=rng.randint(1, 40))))
        db.session.add_all(rows)
    db.session.commit()


def bench(n_needs: int, n_offers: int, url: str) -> dict:
    from charity.runs import run_matching
    from core.app import create_app
    from core.db import write_intent
    from core.extensions import db

    app = create_app({"APP_ENV": "development", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.drop_all()
        db.create_all()
        write_intent.set(True)
        _populate(n_needs, n_offers, random.Random(7))
        timings = []
        for _ in range(2):
            started = time.perf_counter()
            run = run_matching(None, trigger="cli")
            made, solve_ms = run.proposals_created, run.duration_ms
            db.session.commit()
            timings.append((time.perf_counter() - started, made, solve_ms))
        db.session.remove()
        db.drop_all()
    (first, made, solve_ms), (second, again, _ms) = timings
    return {"needs": n_needs, "offers": n_offers, "first_run_s": round(first, 2),
            "proposals": made, "load_and_solve_ms": solve_ms,
            "second_run_s": round(second, 2), "second_run_proposals": again}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--database-url", default="sqlite:////tmp/charity-bench.sqlite3")
    args = parser.parse_args()
    sizes = [(300, 300)] if args.quick else [(300, 300), (2000, 2000)]
    results = [bench(n, m, args.database_url) for n, m in sizes]
    for r in results:
        print(json.dumps(r))
    out = ROOT / "benches" / "results" / "charity_run.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
