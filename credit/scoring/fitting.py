"""Fitting a score model on a dataset: time split, the Scorecard, its held-out metrics and
calibration, the HistGradientBoostingClassifier comparison, grade cut-offs and the training
score distribution — everything a model document holds except its version and status.
Pure (numpy/pandas/scikit-learn)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import threadpool_limits

from credit.scoring import grades
from credit.scoring.dataset import Dataset, time_split
from credit.scoring.features import BY_NAME, NAMES, monotonic_cst
from credit.scoring.metrics import auc, brier, calibration_table, ks
from credit.scoring.scorecard import Scorecard

DOCUMENT_SCHEMA = "civic.credit.score_model/1"
# Bins may hold 2 % of the training snapshots: rare but telling facts (overdue rectifications,
# eldercare violations) affect only a few percent of subjects and would vanish at 5 %.
SCORECARD_PARAMS = {"max_bins": 6, "min_bin_share": 0.02, "max_pvalue": 0.05, "random_state": 0}


@dataclass(frozen=True)
class Options:
    """How a model is trained; the defaults are documented in docs/scoring.md."""

    base_score: float = 600
    base_odds: float = 50
    pdo: float = 20
    score_min: int = 300
    score_max: int = 900
    test_months: int = 12
    purge: bool = True
    calibration_bins: int = 10


@dataclass
class Fitted:
    document: dict
    card: Scorecard
    X_test: pd.DataFrame
    y_test: np.ndarray


class NotTrainable(ValueError):
    """The history cannot train or evaluate a model (too short, or one class only)."""


def clean(value):
    """A JSON-safe copy: numpy scalars to Python, NaN and infinities to None."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def quality(y, p_bad) -> dict:
    """AUC, KS and Brier score of probabilities of bad against outcomes (1 = bad)."""
    y = np.asarray(y)
    out = {"n": int(y.size), "bads": int(y.sum()), "base_rate": float(y.mean()) if y.size else None}
    if 0 < y.sum() < y.size:
        out.update(auc=auc(y, p_bad), ks=ks(y, p_bad), brier=brier(y, p_bad))
    return out


def _check(data: Dataset, train, test) -> None:
    for name, mask in (("training", train), ("test", test)):
        y = data.y[mask]
        if y.size == 0 or y.sum() == 0 or y.sum() == y.size:
            raise NotTrainable(f"the {name} period has {int(y.size)} snapshots and "
                               f"{int(y.sum())} serious outcomes: both classes are needed")


def _hgb(X_train, y_train, X_test, y_test) -> dict:
    """The same split through HistGradientBoostingClassifier with the same constraints."""
    usable = [c for c in X_train.columns if X_train[c].notna().any()]  # all-NaN: nothing to learn
    cst = monotonic_cst(usable)
    model = HistGradientBoostingClassifier(monotonic_cst=[cst[c] for c in usable], random_state=0)
    start = time.perf_counter()
    # One thread: on a small table OpenMP start-up and contention cost more than they save
    # (measured 0.8 s with one thread against 9-15 s with two on a busy 2-core machine).
    with threadpool_limits(limits=1):
        model.fit(X_train[usable], y_train)
    fit_s = time.perf_counter() - start
    out = quality(y_test, model.predict_proba(X_test[usable])[:, 1])
    out.update(model="HistGradientBoostingClassifier", fit_seconds=fit_s,
               params={"monotonic_cst": "as the scorecard", "random_state": 0})
    return out


def _distribution(scores: np.ndarray) -> dict:
    values, counts = np.unique(scores, return_counts=True)
    return {"values": values.tolist(), "counts": counts.tolist()}


def _dates(data: Dataset, mask) -> list[str]:
    days = np.unique(data.as_of[mask])
    return [str(days.min()), str(days.max())] if days.size else [None, None]


def _window(data: Dataset, train, test, options: Options) -> dict:
    return {**data.info, "test_months": options.test_months, "purge": options.purge,
            "train_as_of": _dates(data, train), "test_as_of": _dates(data, test)}


def fit(data: Dataset, options: Options = Options()) -> Fitted:
    """Split by time, fit on the older snapshots, evaluate on the newest, build the document."""
    train, test = time_split(data, options.test_months, options.purge,
                             data.info.get("horizon_months", 12))
    _check(data, train, test)
    X_train, y_train = data.X[train][NAMES], data.y[train]
    X_test, y_test = data.X[test][NAMES].reset_index(drop=True), data.y[test]
    card = Scorecard(base_score=options.base_score, base_odds=options.base_odds, pdo=options.pdo,
                     monotonic_cst=monotonic_cst(), **SCORECARD_PARAMS)
    start = time.perf_counter()
    card.fit(X_train, y_train)
    fit_s = time.perf_counter() - start
    p_test = card.predict_proba(X_test)[:, 1]
    rates = grades.max_bad_rates(float(y_train.mean()))
    cuts = grades.cutoffs(card.offset_, card.factor_, rates)
    train_scores = [grades.display_score(t, options.score_min, options.score_max)
                    for t in card.points(X_train)]
    calibration = calibration_table(y_test, p_test, n_bins=options.calibration_bins)
    document = {
        "schema": DOCUMENT_SCHEMA,
        "scorecard": card.to_dict(),
        "features": [BY_NAME[n].as_dict() for n in NAMES],
        "label": {"horizon_months": data.info.get("horizon_months", 12),
                  "serious_fine_yuan": data.info.get("serious_fine_yuan")},
        "window": _window(data, train, test, options),
        "sizes": {"snapshots": len(data), "subjects": data.info.get("subjects"),
                  "train": int(train.sum()), "train_bads": int(y_train.sum()),
                  "test": int(test.sum()), "test_bads": int(y_test.sum())},
        "base_rate": {"train": float(y_train.mean()), "test": float(y_test.mean())},
        "metrics": {"test": quality(y_test, p_test),
                    "train": quality(y_train, card.predict_proba(X_train)[:, 1]),
                    "fit_seconds": fit_s},
        "calibration": calibration.to_dict(orient="records"),
        "comparison": {"hgb": _hgb(X_train, y_train, X_test, y_test)},
        "grades": {"cutoffs": cuts, "max_bad_rate": rates, "risk_ratio": grades.risk_ratios(),
                   "tiers": grades.GRADE_TIERS, "score_min": options.score_min,
                   "score_max": options.score_max},
        "training_scores": _distribution(np.asarray(train_scores)),
    }
    return Fitted(clean(document), card, X_test, y_test)
