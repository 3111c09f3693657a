"""The documented process behind the five-year demo history (docs/demo-data.md): latent risk
levels, yearly probabilities by risk, and the warning-sign multiplier for serious events.
Pure data and arithmetic; ``credit.demo`` turns draws from it into facts through the services."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

RISK_SHARES = {"low": 0.60, "medium": 0.28, "high": 0.12}

# Yearly probabilities (complaints: expected count per year), by latent risk.
YEARLY = {
    "report_on_time": {"low": 0.95, "medium": 0.80, "high": 0.55},
    "report_late": {"low": 0.04, "medium": 0.12, "high": 0.20},  # the rest: missing
    "inspection": {"low": 0.15, "medium": 0.25, "high": 0.40},  # besides random draws
    "inspection_pass": {"low": 0.85, "medium": 0.65, "high": 0.40},  # else rectify (90%)/fail
    "rectified_on_time": {"low": 0.90, "medium": 0.70, "high": 0.45},  # else late 50%/never
    "complaints": {"low": 0.2, "medium": 0.5, "high": 1.2},
    "complaint_substantiated": {"low": 0.2, "medium": 0.4, "high": 0.6},
    "warning": {"low": 0.02, "medium": 0.08, "high": 0.20},
    "small_fine": {"low": 0.01, "medium": 0.04, "high": 0.12},  # 2,000–30,000 yuan
    "commendation": {"low": 0.15, "medium": 0.05, "high": 0.01},
    "purchase": {"low": 0.30, "medium": 0.20, "high": 0.08},
    "unreachable": {"low": 0.0, "medium": 0.01, "high": 0.05},  # two unsigned letters
}
# Serious events (social organizations), yearly, before the warning-sign multiplier.
SERIOUS = {
    "large_fine": {"low": 0.002, "medium": 0.010, "high": 0.040},  # 50,000–300,000 yuan
    "suspension": {"low": 0.001, "medium": 0.005, "high": 0.020},
    "revocation": {"low": 0.0, "medium": 0.001, "high": 0.008},
    "dishonest_debtor": {"low": 0.001, "medium": 0.003, "high": 0.010},
}
# Eldercare events, yearly; the serious ones get the multiplier too.
ELDERCARE = {
    "fire_hazard": {"low": 0.03, "medium": 0.08, "high": 0.20},
    "safety_accident": {"low": 0.003, "medium": 0.010, "high": 0.040},
    "elder_abuse": {"low": 0.0, "medium": 0.003, "high": 0.020},
    "subsidy_fraud": {"low": 0.0, "medium": 0.003, "high": 0.020},
    "illegal_fundraising": {"low": 0.0, "medium": 0.002, "high": 0.010},
}
ELDERCARE_SERIOUS = ("safety_accident", "elder_abuse", "subsidy_fraud", "illegal_fundraising")
ACCIDENT_MAIN_OR_DIRECT = 0.7
# Serious events are this many times likelier in the 12 months after a warning sign: a
# warning, a small fine, a substantiated complaint, an overdue rectification, a missing
# annual report, a fire hazard not rectified on time.
WARNING_SIGN_MULTIPLIER = 3.0
SIGN_WINDOW_DAYS = 365
GRADE_ASSESSED = 0.4  # share of subjects given an evaluation grade in the window
GRADES = {"low": {5: 0.25, 4: 0.45, 3: 0.25, 2: 0.05},
          "medium": {4: 0.20, 3: 0.50, 2: 0.25, 1: 0.05},
          "high": {3: 0.30, 2: 0.40, 1: 0.30}}
LATE_ENTRY = 0.10  # facts entered after the 5-working-day limit


@dataclass
class Latent:
    """One subject's hidden risk and its recent warning signs."""

    risk: str
    signs: list[date] = field(default_factory=list)

    def multiplier(self, day: date) -> float:
        recent = any(day - timedelta(days=SIGN_WINDOW_DAYS) <= s <= day for s in self.signs)
        return WARNING_SIGN_MULTIPLIER if recent else 1.0


def draw_risk(rng: random.Random) -> str:
    roll, total = rng.random(), 0.0
    for risk, share in RISK_SHARES.items():
        total += share
        if roll < total:
            return risk
    return "low"


def per_step(yearly: float, days: int, count: bool = False) -> float:
    """The probability of an event in ``days``: from a yearly probability, or (``count``) from
    a yearly expected count as a Poisson rate."""
    if count:
        return 1 - math.exp(-yearly * days / 365)
    return 1 - (1 - yearly) ** (days / 365)


def happens(rng: random.Random, table: dict, latent: Latent, days: int,
            day: date | None = None) -> bool:
    p = per_step(table[latent.risk], days, count=table is YEARLY["complaints"])
    if day is not None:
        p = min(1.0, p * latent.multiplier(day))
    return rng.random() < p


def pick_grade(rng: random.Random, risk: str) -> int:
    roll, total = rng.random(), 0.0
    for grade, share in GRADES[risk].items():
        total += share
        if roll < total:
            return grade
    return 3


def entry_delay(rng: random.Random) -> int:
    """Days between a fact forming and its entry: mostly within a week, 10% later."""
    return rng.randint(8, 25) if rng.random() < LATE_ENTRY else rng.randint(0, 4)
