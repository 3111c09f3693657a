"""The Scorecard as plain JSON (``to_dict``) and back (``from_dict``): the fitted model is
stored as data, never as a pickle, and the rebuilt estimator scores identically."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

from credit.scoring.scorecard.binning import SMOOTHING, FeatureBins
from credit.scoring.scorecard.inputs import python_scalar
from credit.scoring.scorecard.points import POINTS_STEP, round_q

FORMAT_VERSION = 1


def jsonable(v):
    """Plain-JSON copy of a parameter value (RandomState instances become None)."""
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, np.ndarray)):
        return [jsonable(x) for x in v]
    if isinstance(v, np.generic):
        return v.item()
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    return None


def json_value(v):
    """A table cell as plain JSON: NaN and infinities (open bounds, empty bins) -> None."""
    v = python_scalar(v)
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def to_dict(card) -> dict[str, Any]:
    """Plain JSON-serializable description of a fitted scorecard (no pickle)."""
    check_is_fitted(card)
    table = [
        {key: json_value(v) for key, v in row.items()}
        for row in card.points_table_.to_dict(orient="records")
    ]
    return {
        "format_version": FORMAT_VERSION,
        "estimator": "credit.scoring.Scorecard",
        "params": jsonable(card.get_params()),
        "classes": jsonable(card.classes_),
        "feature_names_in": (
            jsonable(card.feature_names_in_) if hasattr(card, "feature_names_in_") else None
        ),
        "scaling": {
            "base_score": float(card.base_score),
            "base_odds": float(card.base_odds),
            "pdo": float(card.pdo),
            "factor": card.factor_,
            "offset": card.offset_,
            "points_step": POINTS_STEP,
            "smoothing": SMOOTHING,
        },
        "intercept": card.intercept_,
        "base_points": card.base_points_,
        "features": [_feature_dict(card, j) for j in range(card.n_features_in_)],
        "points_table": table,
    }


def _feature_dict(card, j: int) -> dict[str, Any]:
    fb = card.bins_[j]
    points = card._points_f[j]  # the quarter points per slot, as scored
    return {
        "name": fb.name,
        "kind": fb.kind,
        "monotonic_cst": int(fb.monotonic_cst),
        "trend": int(fb.trend),
        "coef": float(card.coef_[j]),
        "edges": [float(e) for e in fb.edges],
        "categories": jsonable(fb.categories),
        "category_bins": [int(b) for b in fb.category_bins],
        "slots": [
            {
                "label": fb.labels[i],
                "count": float(fb.count[i]),
                "bads": float(fb.bads[i]),
                "woe": float(fb.woe[i]),
                "points": float(points[i]),
            }
            for i in range(fb.n_bins + 2)
        ],
    }


def _feature_bins(f: dict[str, Any]) -> FeatureBins:
    return FeatureBins(
        name=f["name"],
        kind=f["kind"],
        labels=[s["label"] for s in f["slots"]],
        count=np.array([s["count"] for s in f["slots"]], dtype=np.float64),
        bads=np.array([s["bads"] for s in f["slots"]], dtype=np.float64),
        monotonic_cst=f["monotonic_cst"],
        trend=f.get("trend", f["monotonic_cst"]),  # documents written before trend detection
        edges=f["edges"],
        categories=f["categories"],
        category_bins=f["category_bins"],
        woe=np.array([s["woe"] for s in f["slots"]], dtype=np.float64),
    )


def from_dict(cls, d: dict[str, Any]):
    """Rebuild a fitted ``cls`` (Scorecard) from ``to_dict()`` output; scores are identical."""
    if d.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"unsupported scorecard format_version {d.get('format_version')!r}")
    est = cls(**d["params"])
    est.classes_ = np.asarray(d["classes"])
    features = d["features"]
    est.n_features_in_ = len(features)
    if d["feature_names_in"] is not None:
        est.feature_names_in_ = np.asarray(d["feature_names_in"], dtype=object)
    est.is_categorical_ = np.array([f["kind"] == "categorical" for f in features], dtype=bool)
    est.monotonic_cst_ = np.array([f["monotonic_cst"] for f in features], dtype=np.int8)
    est.bins_ = [_feature_bins(f) for f in features]
    est.coef_ = np.array([f["coef"] for f in features], dtype=np.float64)
    est.intercept_ = float(d["intercept"])
    est.factor_ = float(d["scaling"]["factor"])
    est.offset_ = float(d["scaling"]["offset"])
    points_q = [round_q([s["points"] for s in f["slots"]]) for f in features]
    est._set_points(int(round_q(d["base_points"])), points_q)
    return est
