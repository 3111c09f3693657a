"""Benchmark of charity.matching.allocate against a greedy baseline on random Changzhou instances.

Usage: .venv/bin/python benches/matching.py [--quick]
Prints a table and writes benches/results/matching.json.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # allow `python benches/matching.py` from the repo root
    sys.path.insert(0, str(ROOT))

from charity.districts import DISTRICT_CENTRES  # noqa: E402
from charity.matching import (  # noqa: E402
    URGENCY_WEIGHTS,
    Allocation,
    Candidates,
    MatchParams,
    NeedSpec,
    OfferSpec,
    allocate,
    build_candidates,
    objective,
)

CENTRE = (31.80, 119.95)
RADIUS_KM = 60.0
N_ITEMS = 50
ITEMS_PER_CATEGORY = 5  # substitutes are drawn from the same category (e.g. rice ↔ noodles)
NO_COORDS_SHARE = 0.2  # parties that only gave a district
BASE = datetime(2025, 3, 1)
NEAREST_K = 20
RESULTS = ROOT / "benches" / "results" / "matching.json"


def _points(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Uniform points in a disc around Changzhou, each labelled with its nearest district."""
    r = RADIUS_KM * np.sqrt(rng.random(n))
    theta = rng.random(n) * 2 * math.pi
    lat = CENTRE[0] + r * np.cos(theta) / 111.32
    lon = CENTRE[1] + r * np.sin(theta) / (111.32 * math.cos(math.radians(CENTRE[0])))
    names = list(DISTRICT_CENTRES)
    clat = np.array([DISTRICT_CENTRES[d][0] for d in names])
    clon = np.array([DISTRICT_CENTRES[d][1] for d in names])
    nearest = np.argmin((lat[:, None] - clat) ** 2 + (lon[:, None] - clon) ** 2, axis=1)
    return lat, lon, [names[k] for k in nearest]


def _items(rng: np.random.Generator, n: int) -> np.ndarray:
    # Mildly skewed popularity: staples (rice, oil, quilts) dominate real donation drives.
    p = 1.0 / (np.arange(N_ITEMS) + 5.0)
    return rng.choice(N_ITEMS, size=n, p=p / p.sum())


def _substitutes(rng: np.random.Generator, item: int) -> frozenset[str]:
    if rng.random() >= 0.3:
        return frozenset()
    cat = item // ITEMS_PER_CATEGORY * ITEMS_PER_CATEGORY
    others = [k for k in range(cat, cat + ITEMS_PER_CATEGORY) if k != item]
    picks = rng.choice(others, size=int(rng.integers(1, 3)), replace=False)
    return frozenset(f"物资{k:02d}" for k in picks)


def make_needs(rng: np.random.Generator, n: int) -> list[NeedSpec]:
    lat, lon, district = _points(rng, n)
    items = _items(rng, n)
    urgency = rng.choice([1, 2, 3, 4], size=n, p=[0.4, 0.3, 0.2, 0.1])
    qty = rng.integers(1, 51, size=n)
    start = rng.random(n) * 30
    length = 1 + rng.random(n) * 20
    no_coords = rng.random(n) < NO_COORDS_SHARE
    return [
        NeedSpec(
            id=j, item=f"物资{items[j]:02d}", quantity=int(qty[j]), urgency=int(urgency[j]),
            district=district[j],
            lat=None if no_coords[j] else float(lat[j]),
            lon=None if no_coords[j] else float(lon[j]),
            available_from=BASE + timedelta(days=float(start[j])),
            deadline=BASE + timedelta(days=float(start[j] + length[j])),
            substitutes=_substitutes(rng, int(items[j])),
        )
        for j in range(n)
    ]


def make_offers(rng: np.random.Generator, n: int) -> list[OfferSpec]:
    lat, lon, district = _points(rng, n)
    items = _items(rng, n)
    qty = rng.integers(1, 51, size=n)
    start = rng.random(n) * 30
    length = 3 + rng.random(n) * 27
    no_coords = rng.random(n) < NO_COORDS_SHARE
    return [
        OfferSpec(
            id=i, item=f"物资{items[i]:02d}", quantity=int(qty[i]), district=district[i],
            lat=None if no_coords[i] else float(lat[i]),
            lon=None if no_coords[i] else float(lon[i]),
            available_from=BASE + timedelta(days=float(start[i])),
            available_until=BASE + timedelta(days=float(start[i] + length[i])),
        )
        for i in range(n)
    ]


def greedy(c: Candidates) -> list[Allocation]:
    """Baseline: most urgent need first (earlier deadline, then id), each takes nearest offers."""
    left = [o.quantity for o in c.offers]
    starts = np.flatnonzero(np.r_[True, c.need_idx[1:] != c.need_idx[:-1]])
    ends = np.r_[starts[1:], len(c.need_idx)]
    groups = {int(c.need_idx[s]): (int(s), int(e)) for s, e in zip(starts, ends, strict=True)}
    order = sorted(groups, key=lambda j: (-c.needs[j].urgency, c.needs[j].deadline, j))
    offer_idx, dist = c.offer_idx.tolist(), c.distance_km.tolist()
    out = []
    for j in order:
        want = c.needs[j].quantity
        s, e = groups[j]
        for arc in range(s, e):  # arcs are already nearest-first within the need
            take = min(want, left[offer_idx[arc]])
            if take:
                left[offer_idx[arc]] -= take
                want -= take
                out.append(Allocation(c.needs[j].id, c.offers[offer_idx[arc]].id, take, dist[arc]))
                if not want:
                    break
    return out


def run_case(n_needs: int, n_offers: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    needs, offers = make_needs(rng, n_needs), make_offers(rng, n_offers)
    params = MatchParams(nearest_k=NEAREST_K)

    t0 = time.perf_counter()
    optimal = allocate(needs, offers, params)
    t_opt = time.perf_counter() - t0

    t0 = time.perf_counter()
    cands = build_candidates(needs, offers, params)
    t_cand = time.perf_counter() - t0
    base = greedy(cands)
    t_greedy = time.perf_counter() - t0  # includes building the same candidate graph

    w_opt, d_opt = objective(optimal, needs)
    w_gr, d_gr = objective(base, needs)
    max_w = sum(n.quantity * URGENCY_WEIGHTS[n.urgency] for n in needs)
    return {
        "needs": n_needs, "offers": n_offers, "seed": seed, "nearest_k": NEAREST_K,
        "candidate_arcs": len(cands),
        "total_need_qty": sum(n.quantity for n in needs),
        "total_offer_qty": sum(o.quantity for o in offers),
        "optimal": {"seconds": t_opt, "weighted_qty": w_opt, "distance_qty_km": d_opt,
                    "matched_qty": sum(a.quantity for a in optimal),
                    "allocations": len(optimal)},
        "greedy": {"seconds": t_greedy, "weighted_qty": w_gr, "distance_qty_km": d_gr,
                   "matched_qty": sum(a.quantity for a in base), "allocations": len(base)},
        "candidate_build_seconds": t_cand,
        "weighted_ceiling": max_w,
        "ratios": {"weighted_greedy_over_optimal": w_gr / w_opt if w_opt else 1.0,
                   "distance_greedy_over_optimal": d_gr / d_opt if d_opt else 1.0,
                   "time_greedy_over_optimal": t_greedy / t_opt if t_opt else 1.0},
    }


def print_table(rows: list[dict]) -> None:
    head = (f"{'needs×offers':>13} {'arcs':>8} {'opt s':>7} {'greedy s':>8} "
            f"{'W opt':>9} {'W greedy':>9} {'W ratio':>7} {'km·qty opt':>11} "
            f"{'km·qty gr':>11} {'D ratio':>7} {'t ratio':>7}")
    print(head)
    print("-" * len(head))
    for r in rows:
        o, g, q = r["optimal"], r["greedy"], r["ratios"]
        print(f"{r['needs']:>6}×{r['offers']:<6} {r['candidate_arcs']:>8} {o['seconds']:>7.2f} "
              f"{g['seconds']:>8.2f} {o['weighted_qty']:>9} {g['weighted_qty']:>9} "
              f"{q['weighted_greedy_over_optimal']:>7.4f} {o['distance_qty_km']:>11.0f} "
              f"{g['distance_qty_km']:>11.0f} {q['distance_greedy_over_optimal']:>7.3f} "
              f"{q['time_greedy_over_optimal']:>7.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="only the 1,000 × 1,000 instance")
    args = ap.parse_args()
    sizes = [(1_000, 1_000)] if args.quick else [(1_000, 1_000), (10_000, 10_000)]
    rows = [run_case(n, m, seed=20250301 + n) for n, m in sizes]
    print_table(rows)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    meta = {"python": platform.python_version(), "machine": platform.machine(),
            "quick": args.quick, "generated": datetime.now().isoformat(timespec="seconds")}
    RESULTS.write_text(json.dumps({"meta": meta, "cases": rows}, indent=2, ensure_ascii=False))
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
