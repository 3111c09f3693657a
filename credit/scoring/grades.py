"""Grades (A–D) and four-colour tiers from points, with fixed cut-offs kept in each model.

A grade is a band of predicted risk *relative to the average*: with ``b`` the share of
training snapshots followed by a serious fact within 12 months (the base rate), **A** when the
model's probability of a serious fact is at most ``0.5·b`` (half the average risk), **B** at
most ``b``, **C** at most ``2·b``, **D** above twice the average. At training time those
probabilities become whole-point cut-offs with the model's own scaling (``points = offset +
factor · ln((1 − p) / p)``) and are stored in the model document, so a model's grades never
move while it is in use. Tiers (四色管理): A → green, B → blue, C → yellow, D → red.

The ratios are a local choice: policy ``score_grade_risk_ratio`` (core/config.py; override with
the environment variable ``POLICY_SCORE_GRADE_RISK_RATIO``, a JSON object) applies to newly
trained models.
"""

from __future__ import annotations

import math

from flask import current_app, has_app_context

GRADES = ("A", "B", "C", "D")
DEFAULT_RISK_RATIO = {"A": 0.5, "B": 1.0, "C": 2.0}
GRADE_TIERS = {"A": "green", "B": "blue", "C": "yellow", "D": "red"}


def risk_ratios() -> dict[str, float]:
    configured = None
    if has_app_context():
        configured = current_app.config.get("POLICY_SCORE_GRADE_RISK_RATIO")
    ratios = {**DEFAULT_RISK_RATIO, **(configured or {})}
    if not 0 < ratios["A"] < ratios["B"] < ratios["C"]:
        raise ValueError("grade risk ratios must increase: 0 < A < B < C")
    return ratios


def max_bad_rates(base_rate: float, ratios: dict[str, float] | None = None) -> dict[str, float]:
    """The highest predicted probability of a serious fact each grade A, B, C admits."""
    ratios = ratios or risk_ratios()
    return {g: min(ratios[g] * base_rate, 0.999) for g in ("A", "B", "C")}


def points_at(p_bad: float, offset: float, factor: float) -> float:
    """The points at which the scorecard predicts probability ``p_bad`` of a serious fact."""
    return offset + factor * math.log((1.0 - p_bad) / p_bad)


def cutoffs(offset: float, factor: float, rates: dict[str, float]) -> dict:
    """Minimum whole points for grades A, B and C (below C's cut-off: D)."""
    return {g: math.ceil(points_at(rates[g], offset, factor) - 1e-9) for g in ("A", "B", "C")}


def display_score(total: float, low: int, high: int) -> int:
    """The published score: the points total rounded half up, kept within [low, high]."""
    return int(min(max(math.floor(total + 0.5), low), high))


def grade_of(score: int, cuts: dict) -> str:
    for grade in ("A", "B", "C"):
        if score >= cuts[grade]:
            return grade
    return "D"


def tier_of(grade: str) -> str:
    return GRADE_TIERS[grade]
