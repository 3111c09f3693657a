"""Points arithmetic of the Scorecard: quarter-point rounding (exact sums), the reason
ranking keys, the sorting network that keeps each row's costliest features, and the
published points table."""

from __future__ import annotations

import numpy as np
import pandas as pd

# Points are multiples of 1/4: every partial sum of such numbers is exact in float64, so
# ``base + sum(points)`` equals ``score`` whatever the order of summation, and 0.25 has
# at most two decimals when printed.
POINTS_STEP = 0.25
QUANTA = 4
TABLE_COLUMNS = ["feature", "bin", "lower", "upper", "woe", "points", "count", "bad_rate"]


def round_q(values) -> np.ndarray:
    """Points in quarter units (integers)."""
    return np.rint(np.asarray(values, dtype=np.float64) * QUANTA).astype(np.int64)


def reason_keys(points_q, bins) -> list[np.ndarray]:
    """Reason ranking key per feature and slot.

    key = cost (quarter points below the feature's best bin in the points table) *
    n_features + a tie-breaker favouring the lower feature index, so one integer max
    picks both the largest cost and, among equals, the first feature.
    """
    n_features = len(points_q)
    keys = []
    for j, (p, fb) in enumerate(zip(points_q, bins, strict=True)):
        cost = np.maximum(p[fb.table_slots()].max() - p, 0)
        keys.append(cost * n_features + (n_features - 1 - j))
    big = max((int(k.max()) for k in keys), default=0) >= np.iinfo(np.int32).max
    return [k.astype(np.int64 if big else np.int32) for k in keys]


def insert_top(top: list[np.ndarray], key: np.ndarray) -> None:
    """Insert ``key`` into the per-row descending lists ``top`` (a sorting network)."""
    for i in range(len(top)):
        higher = np.maximum(top[i], key)
        key = np.minimum(top[i], key)
        top[i] = higher


def points_table(bins, points_f) -> pd.DataFrame:
    """One row per shown slot of every feature: label, bounds, WoE, points, count, bad rate."""
    frames = []
    for fb, pts in zip(bins, points_f, strict=True):
        s = fb.table_slots()
        lower, upper = fb.bounds()
        with np.errstate(invalid="ignore", divide="ignore"):
            bad_rate = np.where(fb.count > 0, fb.bads / fb.count, np.nan)
        frames.append(
            pd.DataFrame(
                {
                    "feature": fb.name,
                    "bin": [fb.labels[i] for i in s],
                    "lower": lower[s],
                    "upper": upper[s],
                    "woe": fb.woe[s],
                    "points": pts[s],
                    "count": fb.count[s],
                    "bad_rate": bad_rate[s],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)[TABLE_COLUMNS]
