"""The integrity score as other code reads it, without importing the scoring model.

The scoring package registers a provider at start-up; lists (the red-list criterion), random
inspections (risk tiers) and pages ask here. With no provider or no score yet, callers get
None and fall back (e.g. inspections treat the subject as the "blue" tier).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask import current_app

TIERS = ("red", "yellow", "blue", "green")  # 四色管理: high → low risk
DEFAULT_TIER = "blue"


@dataclass(frozen=True)
class ScoreView:
    org_id: int
    score: int
    grade: str  # A (best) … D
    tier: str  # one of TIERS
    model_version: str
    scored_on: date


def register_provider(app, provider: Callable[[list[int]], dict[int, ScoreView]]) -> None:
    """``provider(org_ids)`` returns the latest score of each org that has one."""
    app.extensions["civic_score_provider"] = provider


def has_provider() -> bool:
    """True once a scoring package is wired in (even before it has scored anyone)."""
    return "civic_score_provider" in current_app.extensions


def latest_scores(org_ids) -> dict[int, ScoreView]:
    provider = current_app.extensions.get("civic_score_provider")
    if provider is None:
        return {}
    return provider(list(org_ids))


def latest_score(org_id: int) -> ScoreView | None:
    return latest_scores([org_id]).get(org_id)


def risk_tier(org_id: int) -> str:
    view = latest_score(org_id)
    return view.tier if view else DEFAULT_TIER
