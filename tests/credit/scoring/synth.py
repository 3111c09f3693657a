"""A synthetic credit history as plain rows (orgs, facts, entries) for the scoring tests and the
benchmark: latent risk levels whose warning signs precede serious facts, month by month."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from credit.dates import add_months

RISK_SHARES = (("low", 0.6), ("medium", 0.3), ("high", 0.1))
# Monthly chance of each warning sign, by latent risk level.
SIGNS = {
    "low": {"warning": 0.002, "fine": 0.001, "complaint": 0.003, "failed_inspection": 0.003},
    "medium": {"warning": 0.01, "fine": 0.006, "complaint": 0.012, "failed_inspection": 0.012},
    "high": {"warning": 0.03, "fine": 0.02, "complaint": 0.03, "failed_inspection": 0.03},
}
LATE_REPORT = {"low": 0.05, "medium": 0.2, "high": 0.45}
MISSING_REPORT = {"low": 0.01, "medium": 0.05, "high": 0.2}
SERIOUS_BASE = {"low": 0.0008, "medium": 0.003, "high": 0.01}  # monthly
SIGN_BOOST = 2.5  # monthly serious chance × this for each sign in the last 12 months (max 3)


@dataclass
class History:
    orgs: list[dict] = field(default_factory=list)
    facts: list[dict] = field(default_factory=list)
    entries: list[dict] = field(default_factory=list)
    risk: dict[int, str] = field(default_factory=dict)


def _risk(rng: random.Random) -> str:
    x, acc = rng.random(), 0.0
    for level, share in RISK_SHARES:
        acc += share
        if x < acc:
            return level
    return RISK_SHARES[-1][0]


class _Writer:
    def __init__(self, history: History):
        self.h, self.next_id = history, 1

    def fact(self, org_id: int, kind: str, subtype: str, on: date, **fields) -> dict:
        row = {"id": self.next_id, "org_id": org_id, "kind": kind, "subtype": subtype,
               "occurred_on": on, **fields}
        self.next_id += 1
        self.h.facts.append(row)
        return row


def _month(w: _Writer, rng, org: dict, level: str, day: date, signs: list[date]) -> bool:
    """One month of one subject; True when a serious fact ended it (revocation)."""
    p = SIGNS[level]
    if rng.random() < p["warning"]:
        w.fact(org["id"], "penalty", "warning", day)
        signs.append(day)
        w.h.entries.append({"org_id": org["id"], "list_type": "abnormal", "published_on":
                            day + timedelta(days=20), "removed_on": add_months(day, 7)})
    if rng.random() < p["fine"]:
        w.fact(org["id"], "penalty", "fine", day, amount_yuan=rng.choice([2000, 5000, 10000]))
        signs.append(day)
    if rng.random() < p["complaint"]:
        w.fact(org["id"], "complaint", "complaint", day, substantiated=True)
        signs.append(day)
    if rng.random() < p["failed_inspection"]:
        w.fact(org["id"], "inspection", "inspection", day, result="rectify",
               rectify_deadline=day + timedelta(days=60))
        signs.append(day)
    elif rng.random() < 0.01:
        w.fact(org["id"], "inspection", "inspection", day, result="pass")
    recent = sum(1 for s in signs if s > add_months(day, -12))
    chance = SERIOUS_BASE[level] * SIGN_BOOST ** min(recent, 3)
    if rng.random() < chance:
        kind = rng.random()
        if org["is_eldercare"] and kind < 0.4:
            w.fact(org["id"], "eldercare", "safety_accident", day, responsibility="main")
        elif kind < 0.7:
            w.fact(org["id"], "penalty", "fine", day, amount_yuan=80000)
        elif kind < 0.95:
            w.fact(org["id"], "penalty", "suspension", day)
        else:
            w.fact(org["id"], "penalty", "revocation", day)
            return True
    return False


def _report(w: _Writer, rng, org: dict, level: str, year: int) -> None:
    deadline = date(year + 1, 6, 30)
    x = rng.random()
    if x < MISSING_REPORT[level]:
        w.fact(org["id"], "annual_report", "annual_report", deadline + timedelta(days=1),
               report_year=year, report_status="missing")
    elif x < MISSING_REPORT[level] + LATE_REPORT[level]:
        w.fact(org["id"], "annual_report", "annual_report", deadline + timedelta(days=30),
               report_year=year, report_status="late")
    else:
        w.fact(org["id"], "annual_report", "annual_report", deadline - timedelta(days=10),
               report_year=year, report_status="on_time")


def make_history(n_orgs: int = 300, years: int = 5, today: date = date(2026, 6, 1),
                 seed: int = 7) -> History:
    """``n_orgs`` subjects (a third eldercare) with ``years`` of monthly history up to today."""
    rng = random.Random(seed)
    h = History()
    w = _Writer(h)
    start = add_months(today, -12 * years)
    for org_id in range(1, n_orgs + 1):
        org = {"id": org_id, "registration_date": start - timedelta(days=rng.randint(0, 3650)),
               "is_eldercare": org_id % 3 == 0, "beds": 100 if org_id % 3 == 0 else None}
        h.orgs.append(org)
        level = h.risk[org_id] = _risk(rng)
        signs: list[date] = []
        for m in range(12 * years):
            day = add_months(start, m) + timedelta(days=rng.randint(0, 27))
            if day >= today:
                break
            if day.month == 7 and day.year > start.year:
                _report(w, rng, org, level, day.year - 1)
            if _month(w, rng, org, level, day, signs):
                break
    return h
