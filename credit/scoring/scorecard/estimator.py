"""The Scorecard estimator: binned, WoE-encoded logistic regression as an additive points
table, with scikit-learn's classifier interface, bulk explanations and a JSON form."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from credit.scoring.scorecard import serialization
from credit.scoring.scorecard.binning import bin_categorical, bin_numeric, set_woe
from credit.scoring.scorecard.inputs import (
    binary_target,
    check_params,
    feature_columns,
    monotonic_array,
    sample_weights,
)
from credit.scoring.scorecard.points import (
    QUANTA,
    insert_top,
    points_table,
    reason_keys,
    round_q,
)

# Tight enough that refitting on the same data (or on repeated rows instead of integer
# weights) lands on the same quarter points.
_LR_TOL = 1e-6


class Scorecard(ClassifierMixin, BaseEstimator):
    """Binned, WoE-encoded logistic regression expressed as an additive points table.

    The positive class (``classes_[1]``, e.g. y=1) is the *bad* outcome:
    ``predict_proba(X)[:, 1]`` is the probability of bad and ``decision_function`` its
    log-odds. Points go the other way: more points = more trustworthy. See
    ``docs/scoring.md``.

    Parameters
    ----------
    binning : {"tree", "quantile"}, default="tree"
        "tree": cut points of a one-feature DecisionTreeClassifier (``max_leaf_nodes =
        max_bins``, leaves holding at least ``min_bin_share`` of the sample weight,
        ``monotonic_cst`` honoured). "quantile": weighted quantiles, small bins merged.
    max_bins : int, default=6
        Maximum number of regular bins of a numeric feature (the missing bin is extra).
    min_bin_share : float in (0, 0.5], default=0.05
        Minimum share of the training weight in a bin; rarer categories share one bin.
    max_pvalue : float in (0, 1] or None, default=0.05
        Adjacent numeric bins whose bad rates a chi-square test cannot tell apart at this
        level are merged (pruning noise splits); None keeps every cut of the binning.
    categorical_features : None, "from_dtype", bool mask, int indices or names
        As in HistGradientBoostingClassifier; default "from_dtype" (pandas category
        columns).
    monotonic_cst : None, array-like of {-1, 0, 1} or dict name -> cst
        +1: the risk (probability of bad) increases with the feature, so its points never
        increase with it; -1: the reverse. As in HistGradientBoostingClassifier.
    trend : {"auto", "none"}, default="auto"
        For numeric features without a declared constraint (``monotonic_cst`` 0): "auto"
        bins them monotone in whichever direction fits the training data better, or leaves
        them unconstrained when a non-monotone shape (a peak, a valley) fits significantly
        better; "none" leaves them unconstrained. The direction used is ``bins_[j].trend``.
    C : float, default=1.0
        Inverse L2 regularization of the LogisticRegression on the WoE features.
    base_score, base_odds, pdo : float, default=600, 50, 20
        ``base_score`` points at odds ``base_odds``:1 (good:bad); ``pdo`` points double
        the odds.
    random_state : int, RandomState or None
        Passed to the binning trees and the LogisticRegression.
    """

    def __init__(
        self,
        *,
        binning="tree",
        max_bins=6,
        min_bin_share=0.05,
        max_pvalue=0.05,
        categorical_features="from_dtype",
        monotonic_cst=None,
        C=1.0,
        base_score=600,
        base_odds=50,
        pdo=20,
        trend="auto",
        random_state=None,
    ):
        self.binning = binning
        self.max_bins = max_bins
        self.min_bin_share = min_bin_share
        self.max_pvalue = max_pvalue
        self.categorical_features = categorical_features
        self.monotonic_cst = monotonic_cst
        self.C = C
        self.base_score = base_score
        self.base_odds = base_odds
        self.pdo = pdo
        self.trend = trend
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.classifier_tags.multi_class = False
        return tags

    # -- validation -----------------------------------------------------------------


    # -- fitting --------------------------------------------------------------------

    def fit(self, X, y, sample_weight=None):
        """Bin every feature, compute WoE, fit the logistic regression, scale to points."""
        check_params(self)
        cols, n_samples = feature_columns(self, X, reset=True)
        self.classes_, y = binary_target(self, y, n_samples)
        w = sample_weights(sample_weight, n_samples)
        names = self._feature_names()
        self.monotonic_cst_ = monotonic_array(
            self.monotonic_cst, self.n_features_in_, getattr(self, "feature_names_in_", None)
        )
        if (self.monotonic_cst_[self.is_categorical_] != 0).any():
            raise ValueError("Categorical features cannot have monotonic constraints.")
        # A zero weight must mean "absent": drop those rows before any cut point is chosen.
        keep = w > 0
        if not keep.all():
            cols = [c[keep] for c in cols]
            y, w = y[keep], w[keep]
        if np.unique(y).size < 2:
            raise ValueError(
                "The samples with a positive sample_weight contain only 1 class; "
                f"{type(self).__name__} needs 2 classes."
            )
        bads_total = float((w * y).sum())
        goods_total = float(w.sum()) - bads_total
        self.bins_ = []
        for j, name in enumerate(names):
            if self.is_categorical_[j]:
                fb = bin_categorical(name, cols[j], y, w, self.min_bin_share)
            else:
                fb = bin_numeric(name, cols[j], y, w, self.monotonic_cst_[j], self)
            set_woe(fb, goods_total, bads_total, self.max_pvalue)
            self.bins_.append(fb)
        woe = np.column_stack([fb.woe[fb.slots(c)] for fb, c in zip(self.bins_, cols, strict=True)])
        self.coef_, self.intercept_ = self._fit_logistic(woe, y, w)
        self.factor_ = self.pdo / math.log(2)
        self.offset_ = self.base_score - self.factor_ * math.log(self.base_odds)
        base_q = int(round_q(self.offset_ - self.factor_ * self.intercept_))
        points_q = [
            round_q(-self.factor_ * c * fb.woe)
            for c, fb in zip(self.coef_, self.bins_, strict=True)
        ]
        self._set_points(base_q, points_q)
        return self

    def _fit_logistic(self, woe, y, w):
        """Logistic regression on WoE; drop features whose coefficient has the wrong sign.

        With WoE = ln(goods/bads) a feature should enter the log-odds of bad with a
        coefficient <= 0. A positive one (collinearity) would turn the points table upside
        down and could break the monotonic constraints, so such features are dropped
        (coefficient set to 0) and the model refitted until every sign is right.
        """
        coef = np.zeros(woe.shape[1])
        # A feature left with a single bin has a constant WoE: nothing to fit.
        active = np.ptp(woe, axis=0) > 0
        while active.any():
            lr = LogisticRegression(
                C=self.C, tol=_LR_TOL, max_iter=1000, random_state=self.random_state
            )
            lr.fit(woe[:, active], y, sample_weight=w)
            c = lr.coef_[0]
            if (c <= 0).all():
                coef[active] = c
                return coef, float(lr.intercept_[0])
            active[np.flatnonzero(active)[c > 0]] = False
        bads = float((w * y).sum())
        return coef, math.log(bads / (float(w.sum()) - bads))

    def _set_points(self, base_q: int, points_q) -> None:
        """Build the scoring lookup tables and ``points_table_`` from quarter-unit points."""
        points_q = [np.asarray(p, dtype=np.int64) for p in points_q]
        self._points_f = [p / QUANTA for p in points_q]
        self._reason_keys = reason_keys(points_q, self.bins_)
        self.base_points_ = int(base_q) / QUANTA
        self.points_table_ = points_table(self.bins_, self._points_f)

    def _feature_names(self) -> list[str]:
        if hasattr(self, "feature_names_in_"):
            return [str(n) for n in self.feature_names_in_]
        return [f"x{j}" for j in range(self.n_features_in_)]

    # -- scoring --------------------------------------------------------------------

    def points(self, X) -> np.ndarray:
        """Score in points (higher = more trustworthy), exactly base + sum of feature points."""
        check_is_fitted(self)
        cols, n_samples = feature_columns(self, X, reset=False)
        total = np.full(n_samples, self.base_points_)
        # Multiples of POINTS_STEP: this float sum is exact, as in explain_arrays.
        for fb, table, col in zip(self.bins_, self._points_f, cols, strict=True):
            total += table[fb.slots(col)]
        return total

    def decision_function(self, X) -> np.ndarray:
        """Log-odds of the bad class (classes_[1]), derived from the points."""
        check_is_fitted(self)
        return (self.offset_ - self.points(X)) / self.factor_

    def predict_proba(self, X) -> np.ndarray:
        """Columns: probability of classes_[0] (good) and classes_[1] (bad)."""
        d = self.decision_function(X)
        e = np.exp(-np.abs(d))  # stable logistic: never exponentiates a large positive
        p_bad = np.where(d >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
        return np.column_stack([1.0 - p_bad, p_bad])

    def predict(self, X) -> np.ndarray:
        is_bad = self.decision_function(X) > 0
        return self.classes_[is_bad.astype(np.intp)]

    def explain_arrays(self, X, n_reasons: int = 3):
        """Bulk explanation: (score, base, points_matrix, reasons_idx).

        ``score`` (n,) and ``points_matrix`` (n, n_features) are floats in points, ``base``
        a float; ``score == base + points_matrix.sum(axis=1)`` exactly. ``reasons_idx``
        (n, n_reasons) holds feature indices ordered by cost (points below the feature's
        best bin), largest first, ties to the lower index; -1 pads rows with fewer costly
        features.
        """
        check_is_fitted(self)
        cols, n_samples = feature_columns(self, X, reset=False)
        n_features = len(cols)
        matrix = np.empty((n_samples, n_features), order="F")  # column writes are contiguous
        key_dtype = self._reason_keys[0].dtype if n_features else np.int32
        top = [np.full(n_samples, -1, dtype=key_dtype) for _ in range(n_reasons)]
        for j, (fb, col) in enumerate(zip(self.bins_, cols, strict=True)):
            slots = fb.slots(col)
            matrix[:, j] = self._points_f[j][slots]
            insert_top(top, self._reason_keys[j][slots])
        score = self.base_points_ + matrix.sum(axis=1)
        reasons = np.full((n_samples, n_reasons), -1, dtype=np.intp)
        for r, key in enumerate(top):
            costly = key >= n_features  # key // n_features is the cost; 0 is no reason
            reasons[costly, r] = n_features - 1 - key[costly] % n_features
        return score, self.base_points_, matrix, reasons

    def explain(self, X, n_reasons: int = 3) -> list[dict[str, Any]]:
        """Per row: {"score", "base", "points": {feature: points}, "reasons": [features]}."""
        score, base, pts, reasons = self.explain_arrays(X, n_reasons)
        names = self._feature_names()
        return [
            {
                "score": s,
                "base": base,
                "points": dict(zip(names, row, strict=True)),
                "reasons": [names[i] for i in rs if i >= 0],
            }
            for s, row, rs in zip(score.tolist(), pts.tolist(), reasons.tolist(), strict=True)
        ]

    # -- serialization --------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serializable description of the fitted scorecard (no pickle)."""
        return serialization.to_dict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Scorecard:
        """Rebuild a fitted Scorecard from ``to_dict()`` output; scores are identical."""
        return serialization.from_dict(cls, d)
