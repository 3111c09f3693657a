"""How well a volunteer fits an opportunity: skills, district and free time, as a score out of
100 with structured reasons. Pure: plain data in, plain data out (no Flask, no database).

Points: skills 50 (all required skills held = 50, none required = 35, otherwise the share
held), place 25 (same district = 25, falling linearly to 0 at `reach_km`; unknown = 10), time
25 (share of the opportunity's weekday/slot cells inside the volunteer's free time; none
declared = 10). Full opportunities are left out. Ties: earlier start, then lower id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from charity.districts import DISTRICT_KM

SKILL_POINTS, PLACE_POINTS, TIME_POINTS = 50, 25, 25
NO_SKILL_NEEDED_POINTS = 35  # anyone can help; a matching specialist still ranks higher
UNKNOWN_POINTS = 10  # the volunteer has not told us (district or free time)
# Free-time slots, local hours [start, end); the same codes as charity.models.TIME_SLOTS.
SLOT_HOURS: dict[str, tuple[int, int]] = {"morning": (8, 12), "afternoon": (12, 18),
                                          "evening": (18, 22)}


@dataclass(frozen=True, kw_only=True)
class VolunteerFacts:
    skills: frozenset[str] = frozenset()
    district: str | None = None
    availability: frozenset[tuple[int, str]] = frozenset()  # (weekday 0=Mon, slot code)


@dataclass(frozen=True, kw_only=True)
class OpportunityFacts:
    id: int
    skills: frozenset[str]
    district: str
    start: datetime  # aware, in the local time zone (slots are local wall-clock hours)
    end: datetime
    places_left: int


@dataclass(frozen=True)
class Fit:
    opportunity_id: int
    score: int
    reasons: tuple[dict[str, Any], ...]


def slot_cells(start: datetime, end: datetime) -> tuple[tuple[int, str], ...]:
    """The (weekday, slot) cells that [start, end) touches, in start's time zone."""
    cells = []
    day = start.replace(hour=0, minute=0, second=0, microsecond=0)
    while day < end:
        for code, (h0, h1) in SLOT_HOURS.items():
            if day + timedelta(hours=h0) < end and day + timedelta(hours=h1) > start:
                cells.append((day.weekday(), code))
        day += timedelta(days=1)
    return tuple(dict.fromkeys(cells))


def _km(table: Mapping[str, Mapping[str, float]], a: str | None, b: str) -> float | None:
    if a is None or a not in table or b not in table:
        return None
    return table[a].get(b, table[b].get(a))


def _skills(v: VolunteerFacts, o: OpportunityFacts) -> tuple[float, dict]:
    required = sorted(o.skills)
    matched = [s for s in required if s in v.skills]
    missing = [s for s in required if s not in v.skills]
    reason = {"kind": "skills", "required": required, "matched": matched, "missing": missing}
    if not required:
        return NO_SKILL_NEEDED_POINTS, reason
    return SKILL_POINTS * len(matched) / len(required), reason


def _place(v, o, table, reach_km: float) -> tuple[float, dict]:
    km = _km(table, v.district, o.district)
    same = v.district is not None and v.district == o.district
    reason = {"kind": "district", "same": same, "km": km}
    if same:
        return PLACE_POINTS, reason
    if km is None:
        return UNKNOWN_POINTS, reason
    return PLACE_POINTS * max(0.0, 1.0 - km / reach_km), reason


def _time(v: VolunteerFacts, o: OpportunityFacts) -> tuple[float, dict]:
    cells = slot_cells(o.start, o.end)
    if not v.availability:
        return UNKNOWN_POINTS, {"kind": "time", "fits": "unknown", "cells": list(cells)}
    inside = [c for c in cells if c in v.availability]
    share = len(inside) / len(cells) if cells else 0.0
    fits = "all" if cells and share == 1 else "partly" if inside else "none"
    return TIME_POINTS * share, {"kind": "time", "fits": fits, "cells": list(cells)}


def fit(volunteer: VolunteerFacts, opportunity: OpportunityFacts,
        district_km: Mapping[str, Mapping[str, float]] = DISTRICT_KM,
        reach_km: float = 30.0) -> Fit:
    """Score (0–100) and reasons for one volunteer and one opportunity."""
    parts = [_skills(volunteer, opportunity),
             _place(volunteer, opportunity, district_km, reach_km),
             _time(volunteer, opportunity)]
    score = round(sum(points for points, _ in parts))
    return Fit(opportunity.id, int(score), tuple(reason for _, reason in parts))


def rank(volunteer: VolunteerFacts, opportunities: Iterable[OpportunityFacts],
         district_km: Mapping[str, Mapping[str, float]] = DISTRICT_KM,
         reach_km: float = 30.0, limit: int | None = None) -> list[Fit]:
    """Opportunities with places left, best fit first (ties: earlier start, lower id)."""
    open_ones = [o for o in opportunities if o.places_left > 0]
    scored = [(fit(volunteer, o, district_km, reach_km), o) for o in open_ones]
    scored.sort(key=lambda pair: (-pair[0].score, pair[1].start, pair[1].id))
    fits = [f for f, _ in scored]
    return fits[:limit] if limit is not None else fits
