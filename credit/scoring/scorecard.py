"""Scorecard: a transparent scikit-learn classifier (WoE binning + logistic regression + points)."""

from __future__ import annotations

import itertools
import math
import numbers
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_array, check_is_fitted, column_or_1d, validate_data

FORMAT_VERSION = 1
# Points are multiples of 1/4: every partial sum of such numbers is exact in float64, so
# ``base + sum(points)`` equals ``score`` whatever the order of summation, and 0.25 has
# at most two decimals when printed.
POINTS_STEP = 0.25
_QUANTA = 4
# Pseudo-count (in sample-weight units) added to the goods and the bads of every bin so
# that a bin without bads (or without goods) gets a finite WoE.
SMOOTHING = 0.5
# The binning tree chooses its cut points among at most this many candidates (weighted
# quantiles when a feature has more distinct values), as histogram GBMs do.
_MAX_CANDIDATES = 256
# Tight enough that refitting on the same data (or on repeated rows instead of integer
# weights) lands on the same quarter points.
_LR_TOL = 1e-6
# Up to this many cut points, counting comparisons is faster than a binary search.
_MAX_COMPARE_EDGES = 64
MISSING_LABEL = "missing"
UNSEEN_LABEL = "unseen"
TABLE_COLUMNS = ["feature", "bin", "lower", "upper", "woe", "points", "count", "bad_rate"]


# ---------------------------------------------------------------------------
# Parameter resolution (mirrors HistGradientBoostingClassifier's conventions)
# ---------------------------------------------------------------------------


def _is_dataframe(X) -> bool:
    return hasattr(X, "columns") and hasattr(X, "dtypes") and hasattr(X, "iloc")


def _categorical_mask(X, spec) -> np.ndarray | None:
    """Boolean mask of categorical columns, or None when no column is categorical.

    Accepts None, "from_dtype", a boolean mask, integer indices or column names, exactly
    like HistGradientBoostingClassifier's ``categorical_features``.
    """
    if spec is None:
        return None
    if isinstance(spec, str):
        if spec != "from_dtype":
            raise ValueError(f"categorical_features={spec!r}: expected 'from_dtype' or a list")
        if not _is_dataframe(X):
            return None
        mask = np.array([isinstance(d, pd.CategoricalDtype) for d in X.dtypes], dtype=bool)
        return mask if mask.any() else None
    spec = np.asarray(spec)
    if spec.size == 0:
        return None
    n_features = X.shape[1]
    mask = np.zeros(n_features, dtype=bool)
    if spec.dtype.kind == "b":
        if spec.shape != (n_features,):
            raise ValueError(
                "categorical_features set as a boolean mask must have shape "
                f"(n_features,), got: {spec.shape}"
            )
        mask = spec.copy()
    elif spec.dtype.kind in "iu":
        if spec.min() < 0 or spec.max() >= n_features:
            raise ValueError("categorical_features indices must be in [0, n_features - 1]")
        mask[spec] = True
    elif spec.dtype.kind in "UO":
        if not _is_dataframe(X):
            raise ValueError(
                "categorical_features given as names needs X with feature names (a DataFrame)"
            )
        names = [str(c) for c in X.columns]
        for name in spec:
            if name not in names:
                raise ValueError(f"categorical_features has unknown feature name {name!r}")
            mask[names.index(name)] = True
    else:
        raise ValueError("categorical_features must be an array-like of bool, int or str")
    return mask if mask.any() else None


def _monotonic_array(spec, n_features: int, names) -> np.ndarray:
    """Resolve ``monotonic_cst`` (None, array-like of -1/0/1, or dict name -> cst)."""
    if spec is None:
        return np.zeros(n_features, dtype=np.int8)
    if isinstance(spec, dict):
        if names is None:
            raise ValueError("monotonic_cst as a dict needs X with feature names (a DataFrame)")
        unknown = sorted(set(spec) - set(names))
        if unknown:
            raise ValueError(f"monotonic_cst contains unknown feature names: {unknown}")
        values = np.array([spec.get(name, 0) for name in names])
    else:
        values = np.asarray(spec)
        if values.shape != (n_features,):
            raise ValueError(
                f"monotonic_cst has shape {values.shape} but the input data has "
                f"{n_features} features"
            )
    if not np.isin(values, (-1, 0, 1)).all():
        raise ValueError("monotonic_cst must contain only -1, 0 or 1")
    return values.astype(np.int8)


def _python_scalar(v):
    return v.item() if isinstance(v, np.generic) else v


def _sorted_categories(values) -> list:
    values = [_python_scalar(v) for v in values]
    try:
        return sorted(values)
    except TypeError:  # mixed types: any deterministic order will do
        return sorted(values, key=lambda v: (type(v).__name__, str(v)))


def _category_codes(col, index: pd.Index) -> np.ndarray:
    """Position of each value in ``index``; -1 for missing values, -2 for unseen ones."""
    if isinstance(col, pd.Series) and isinstance(col.dtype, pd.CategoricalDtype):
        # Map the (few) dtype categories instead of every row: far faster on big frames.
        known = index.get_indexer(col.cat.categories)
        known[known < 0] = -2
        codes = col.cat.codes.to_numpy()
        return np.where(codes < 0, -1, known[codes])
    values = np.asarray(col, dtype=object) if not isinstance(col, np.ndarray) else col
    codes = index.get_indexer(values) if len(index) else np.full(len(values), -1)
    codes[codes < 0] = -2
    codes[pd.isna(values)] = -1
    return codes


def _is_numeric_array(col) -> bool:
    return isinstance(col, np.ndarray) and col.dtype.kind in "fiu"


def _sorted_numbers(categories):
    """(sorted values, their positions) when every category is a real number, else None."""
    if not categories or not all(
        isinstance(c, numbers.Real) and not isinstance(c, bool) for c in categories
    ):
        return None
    values = np.asarray(categories, dtype=np.float64)
    order = np.argsort(values, kind="stable")
    return values[order], order.astype(np.intp)


def _numeric_category_codes(col, values, order) -> np.ndarray:
    """``_category_codes`` for numeric codes: a binary search instead of hashing objects."""
    x = np.asarray(col, dtype=np.float64)
    pos = np.minimum(np.searchsorted(values, x), values.size - 1)
    codes = np.where(values[pos] == x, order[pos], -2)
    codes[np.isnan(x)] = -1
    return codes


def _numeric_slots(col, edges, n_bins) -> np.ndarray:
    """``searchsorted(edges, col, side="right")`` with NaN sent to the missing slot n_bins."""
    x = np.ascontiguousarray(col, dtype=np.float64)
    if edges.size > _MAX_COMPARE_EDGES:
        slots = np.searchsorted(edges, x, side="right")
    else:
        # Counting the edges <= x is the same number, and a few comparisons over a
        # contiguous column are several times faster than a binary search per value.
        slots = np.zeros(x.size, dtype=np.int8)
        for edge in edges:
            slots += (x >= edge).view(np.int8)
    slots[np.isnan(x)] = n_bins
    return slots


def _numeric_column(col, j: int) -> np.ndarray:
    """A non-categorical column of a mixed input as float64 (NaN = missing)."""
    if _is_numeric_array(col):
        return col.astype(np.float64, copy=False)  # check_array already refused inf
    try:
        if isinstance(col, pd.Series):
            num = col.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            num = np.asarray(pd.to_numeric(pd.Series(col)), dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"feature {j} is not numeric; declare it in categorical_features") from exc
    if np.isinf(num).any():
        raise ValueError("Input X contains infinity or a value too large.")
    return num


# ---------------------------------------------------------------------------
# Binning
# ---------------------------------------------------------------------------


def _log_ratio(goods, bads):
    """ln((goods + s) / (bads + s)); WoE is this minus the same quantity for the whole sample."""
    return np.log(np.asarray(goods) + SMOOTHING) - np.log(np.asarray(bads) + SMOOTHING)


def _candidate_cuts(x, w) -> np.ndarray:
    """Cut points the tree may choose from: every distinct value, or weighted quantiles."""
    order = np.argsort(x, kind="stable")
    xs = x[order]
    uniq = xs[np.r_[True, xs[1:] != xs[:-1]]]
    if uniq.size <= _MAX_CANDIDATES:
        return uniq[1:]
    return _sorted_quantile_cuts(xs, np.cumsum(w[order]), _MAX_CANDIDATES)


def _tree_edges(x, y, w, cst, max_bins, min_leaf_fraction, random_state):
    """Cut points of a one-feature decision tree (monotone in ``cst`` when non-zero).

    The tree is grown on the weighted good/bad totals of the candidate intervals rather
    than on the raw rows: the same splits (impurity is computed from weights), but a few
    hundred rows instead of hundreds of thousands.
    """
    if x.size == 0 or max_bins < 2 or np.unique(y).size < 2:
        return np.empty(0), 0
    cuts = _candidate_cuts(x, w)
    if cuts.size == 0:
        return cuts, 0
    k = cuts.size + 1
    pre = np.searchsorted(cuts, x, side="right")
    weights = np.r_[
        np.bincount(pre, weights=w * (1.0 - y), minlength=k),
        np.bincount(pre, weights=w * y, minlength=k),
    ]
    rows = np.r_[np.arange(k), np.arange(k)].astype(np.float64).reshape(-1, 1)
    labels = np.r_[np.zeros(k), np.ones(k)]
    present = weights > 0
    tree = DecisionTreeClassifier(
        max_leaf_nodes=max_bins,
        min_weight_fraction_leaf=min(0.5, min_leaf_fraction),
        monotonic_cst=[int(cst)] if cst else None,
        random_state=random_state,
    )
    tree.fit(rows[present], labels[present], sample_weight=weights[present])
    thresholds = tree.tree_.threshold[tree.tree_.feature >= 0]
    # A threshold i + 0.5 separates interval i from interval i + 1, which starts at cuts[i].
    return np.unique(cuts[np.floor(thresholds).astype(np.intp)]), cuts.size


def _sorted_quantile_cuts(xs, cum_w, n_bins) -> np.ndarray:
    """Weighted quantile cut points of sorted values ``xs`` with cumulative weights."""
    targets = cum_w[-1] * np.arange(1, n_bins) / n_bins
    cuts = xs[np.minimum(np.searchsorted(cum_w, targets, side="right"), xs.size - 1)]
    return np.unique(cuts[cuts > xs[0]])  # a cut at the minimum would leave an empty bin


def _quantile_edges(x, w, max_bins) -> np.ndarray:
    """Weighted quantile cut points (a value equal to a cut point goes to the upper bin)."""
    if x.size == 0:
        return np.empty(0)
    order = np.argsort(x, kind="stable")
    return _sorted_quantile_cuts(x[order], np.cumsum(w[order]), max_bins)


def _merge(edges, count, bads, i):
    """Merge bin i with bin i + 1 (drop the edge between them)."""
    count = np.r_[count[:i], count[i] + count[i + 1], count[i + 2 :]]
    bads = np.r_[bads[:i], bads[i] + bads[i + 1], bads[i + 2 :]]
    return np.delete(edges, i), count, bads


def _enforce_min_share(edges, count, bads, min_count):
    """Merge the smallest bin into its smaller neighbour until every bin is big enough."""
    while count.size > 1 and count.min() < min_count:
        i = int(np.argmin(count))
        if i == 0 or (i < count.size - 1 and count[i + 1] <= count[i - 1]):
            edges, count, bads = _merge(edges, count, bads, i)
        else:
            edges, count, bads = _merge(edges, count, bads, i - 1)
    return edges, count, bads


def _pair_pvalue(c0, b0, c1, b1) -> float:
    """p-value of the chi-square test (1 dof) that two bins share one bad rate."""
    g0, g1 = c0 - b0, c1 - b1
    margins = (c0, c1, g0 + g1, b0 + b1)
    if min(margins) <= 0:
        return 1.0  # a bin or a class is empty: no evidence that they differ
    chi2 = (c0 + c1) * (g0 * b1 - g1 * b0) ** 2 / math.prod(margins)
    return math.erfc(math.sqrt(chi2 / 2.0))


def _merge_insignificant(edges, count, bads, max_pvalue):
    """Merge the least distinguishable adjacent bins while their test p-value > max_pvalue.

    Without this, the tree happily cuts pure noise into bins whose in-sample WoE the
    regression then trusts (ChiMerge-style pruning).
    """
    while max_pvalue is not None and count.size > 1:
        pvalues = [
            _pair_pvalue(count[i], bads[i], count[i + 1], bads[i + 1])
            for i in range(count.size - 1)
        ]
        i = int(np.argmax(pvalues))
        if pvalues[i] <= max_pvalue:
            break
        edges, count, bads = _merge(edges, count, bads, i)
    return edges, count, bads


def _pool_monotone(edges, count, bads, cst):
    """Pool adjacent bins (PAV) until the WoE is monotone in the direction ``cst``.

    cst = +1 means risk increases with the feature, so the WoE (ln goods/bads) must be
    non-increasing from left to right; cst = -1 the reverse.
    """
    if cst == 0 or count.size < 2:
        return edges, count, bads
    stack: list[list[float]] = []  # [count, bads, index of the first original bin]
    for i in range(count.size):
        stack.append([count[i], bads[i], i])
        while len(stack) > 1:
            (c0, b0, _), (c1, b1, _) = stack[-2], stack[-1]
            step = _log_ratio(c1 - b1, b1) - _log_ratio(c0 - b0, b0)
            if step * cst <= 0:  # WoE moves against risk: the order is right
                break
            stack.pop()
            stack[-1][0] += c1
            stack[-1][1] += b1
    starts = np.array([s[2] for s in stack[1:]], dtype=int)
    return (
        edges[starts - 1],
        np.array([s[0] for s in stack]),
        np.array([s[1] for s in stack]),
    )


def _fmt(v: float) -> str:
    return f"{v:.6g}"


def _interval_labels(edges) -> list[str]:
    bounds = [-np.inf, *edges, np.inf]
    labels = []
    for lo, hi in itertools.pairwise(bounds):
        left = "(-inf" if lo == -np.inf else f"[{_fmt(lo)}"
        right = "inf)" if hi == np.inf else f"{_fmt(hi)})"
        labels.append(f"{left}, {right}")
    return labels


@dataclass(eq=False)
class FeatureBins:
    """Bins of one feature.

    Slots ``0 .. n_bins - 1`` are the regular bins (intervals or category groups), slot
    ``n_bins`` is the missing bin and slot ``n_bins + 1`` the unseen-category bin.
    """

    name: str
    kind: str  # "numeric" or "categorical"
    labels: list[str]  # one per slot
    count: np.ndarray  # weighted training count per slot
    bads: np.ndarray  # weighted training bads per slot
    monotonic_cst: int = 0
    edges: np.ndarray = field(default_factory=lambda: np.empty(0))  # numeric cut points
    categories: list = field(default_factory=list)  # categorical: known categories
    category_bins: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.intp))
    woe: np.ndarray = field(default_factory=lambda: np.empty(0))

    def __post_init__(self):
        self.edges = np.asarray(self.edges, dtype=np.float64)
        self.category_bins = np.asarray(self.category_bins, dtype=np.intp)
        self._index = pd.Index(self.categories, dtype=object)
        self._numeric_categories = _sorted_numbers(self.categories)
        # Codes -1 (missing) and -2 (unseen) index this lookup from its end.
        self._lookup = np.r_[self.category_bins, self.n_bins + 1, self.n_bins].astype(np.intp)

    @property
    def n_bins(self) -> int:
        return len(self.labels) - 2

    def slots(self, col) -> np.ndarray:
        """Slot of every value of one column (vectorized)."""
        if self.kind == "categorical":
            if self._numeric_categories is not None and _is_numeric_array(col):
                codes = _numeric_category_codes(col, *self._numeric_categories)
            else:
                codes = _category_codes(col, self._index)
            return self._lookup[codes]
        return _numeric_slots(col, self.edges, self.n_bins)

    def table_slots(self) -> np.ndarray:
        """Slots shown in the points table (the unseen slot only for categorical features)."""
        n_shown = self.n_bins + (2 if self.kind == "categorical" else 1)
        return np.arange(n_shown)

    def bounds(self):
        """Lower and upper bound of every slot (NaN where it has no numeric meaning)."""
        lower = np.full(self.n_bins + 2, np.nan)
        upper = np.full(self.n_bins + 2, np.nan)
        if self.kind == "numeric":
            lower[: self.n_bins] = np.r_[-np.inf, self.edges]
            upper[: self.n_bins] = np.r_[self.edges, np.inf]
        return lower, upper


def _set_woe(fb: FeatureBins, goods_total: float, bads_total: float, max_pvalue) -> None:
    """Smoothed WoE = ln(share of goods / share of bads); empty slots get WoE 0."""
    goods = fb.count - fb.bads
    seen = fb.count > 0
    k = int(seen.sum())
    overall = math.log((goods_total + SMOOTHING * k) / (bads_total + SMOOTHING * k))
    fb.woe = np.where(seen, _log_ratio(goods, fb.bads) - overall, 0.0)
    n = fb.n_bins
    # A missing bin that the test cannot tell from the feature's other rows is neutral,
    # like an empty one: no evidence either way (the bin itself stays, with its counts).
    rest = (fb.count[:n].sum(), fb.bads[:n].sum())
    if max_pvalue is not None and _pair_pvalue(fb.count[n], fb.bads[n], *rest) > max_pvalue:
        fb.woe[n] = 0.0
    # Float-exact guard on the order produced by pooling (a no-op in practice).
    if fb.monotonic_cst > 0:
        fb.woe[:n] = np.minimum.accumulate(fb.woe[:n])
    elif fb.monotonic_cst < 0:
        fb.woe[:n] = np.maximum.accumulate(fb.woe[:n])


def _bin_numeric(name, x, y, w, cst, est) -> FeatureBins:
    """Tree or quantile bins for one numeric column, plus its missing bin."""
    miss = np.isnan(x)
    xo, yo, wo = x[~miss], y[~miss], w[~miss]
    total = w.sum()
    if est.binning == "tree":
        share = est.min_bin_share * total / wo.sum() if wo.size else 0.5
        edges, n_tried = _tree_edges(xo, yo, wo, cst, est.max_bins, share, est.random_state)
    else:
        edges, n_tried = _quantile_edges(xo, wo, est.max_bins), 1
    slots = np.searchsorted(edges, xo, side="right")
    count = np.bincount(slots, weights=wo, minlength=edges.size + 1)
    bads = np.bincount(slots, weights=wo * yo, minlength=edges.size + 1)
    if est.binning == "quantile":
        edges, count, bads = _enforce_min_share(edges, count, bads, est.min_bin_share * total)
    edges, count, bads = _pool_monotone(edges, count, bads, cst)
    # The tree picked each cut as the best of n_tried candidates: Bonferroni-correct.
    level = None if est.max_pvalue is None else est.max_pvalue / max(n_tried, 1)
    edges, count, bads = _merge_insignificant(edges, count, bads, level)
    # Pooling again: with smoothing, a merged bin can step slightly out of order.
    edges, count, bads = _pool_monotone(edges, count, bads, cst)
    return FeatureBins(
        name=name,
        kind="numeric",
        labels=[*_interval_labels(edges), MISSING_LABEL, UNSEEN_LABEL],
        count=np.r_[count, w[miss].sum(), 0.0],
        bads=np.r_[bads, (w * y)[miss].sum(), 0.0],
        monotonic_cst=int(cst),
        edges=edges,
    )


def _bin_categorical(name, col, y, w, min_bin_share) -> FeatureBins:
    """One bin per frequent category; categories below ``min_bin_share`` share one bin."""
    values = np.asarray(col, dtype=object)
    miss = np.asarray(pd.isna(values), dtype=bool)
    categories = _sorted_categories(pd.unique(values[~miss]))
    codes = _category_codes(values, pd.Index(categories, dtype=object))
    cat_w = np.bincount(codes[~miss], weights=w[~miss], minlength=len(categories))
    cat_b = np.bincount(codes[~miss], weights=(w * y)[~miss], minlength=len(categories))
    frequent = cat_w >= min_bin_share * w.sum()
    n_frequent = int(frequent.sum())
    category_bins = np.full(len(categories), n_frequent, dtype=np.intp)
    category_bins[frequent] = np.arange(n_frequent)
    labels = [f"cat: {c}" for c, f in zip(categories, frequent, strict=True) if f]
    count, bads = list(cat_w[frequent]), list(cat_b[frequent])
    if not frequent.all():
        rare = [str(c) for c, f in zip(categories, frequent, strict=True) if not f]
        shown = ", ".join(rare[:5]) + (", ..." if len(rare) > 5 else "")
        labels.append(f"cat: other ({shown})")
        count.append(cat_w[~frequent].sum())
        bads.append(cat_b[~frequent].sum())
    return FeatureBins(
        name=name,
        kind="categorical",
        labels=[*labels, MISSING_LABEL, UNSEEN_LABEL],
        count=np.r_[count, w[miss].sum(), 0.0],
        bads=np.r_[bads, (w * y)[miss].sum(), 0.0],
        categories=categories,
        category_bins=category_bins,
    )


def _insert_top(top: list[np.ndarray], key: np.ndarray) -> None:
    """Insert ``key`` into the per-row descending lists ``top`` (a sorting network)."""
    for i in range(len(top)):
        higher = np.maximum(top[i], key)
        key = np.minimum(top[i], key)
        top[i] = higher


def _round_q(values) -> np.ndarray:
    """Points in quarter units (integers)."""
    return np.rint(np.asarray(values, dtype=np.float64) * _QUANTA).astype(np.int64)


def _jsonable(v):
    """Plain-JSON copy of a parameter value (RandomState instances become None)."""
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, np.ndarray)):
        return [_jsonable(x) for x in v]
    if isinstance(v, np.generic):
        return v.item()
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    return None


def _json_value(v):
    """A table cell as plain JSON: NaN and infinities (open bounds, empty bins) -> None."""
    v = _python_scalar(v)
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


# ---------------------------------------------------------------------------
# The estimator
# ---------------------------------------------------------------------------


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
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.classifier_tags.multi_class = False
        return tags

    # -- validation -----------------------------------------------------------------

    def _check_params(self) -> None:
        if self.binning not in ("tree", "quantile"):
            raise ValueError(f"binning must be 'tree' or 'quantile', got {self.binning!r}")
        if not isinstance(self.max_bins, numbers.Integral) or self.max_bins < 1:
            raise ValueError(f"max_bins must be an integer >= 1, got {self.max_bins!r}")
        if not (isinstance(self.min_bin_share, numbers.Real) and 0 < self.min_bin_share <= 0.5):
            raise ValueError(f"min_bin_share must be in (0, 0.5], got {self.min_bin_share!r}")
        if self.max_pvalue is not None and not (
            isinstance(self.max_pvalue, numbers.Real) and 0 < self.max_pvalue <= 1
        ):
            raise ValueError(f"max_pvalue must be in (0, 1] or None, got {self.max_pvalue!r}")
        for name in ("C", "base_odds", "pdo"):
            value = getattr(self, name)
            if not isinstance(value, numbers.Real) or not value > 0:
                raise ValueError(f"{name} must be a positive number, got {value!r}")
        if not isinstance(self.base_score, numbers.Real) or not np.isfinite(self.base_score):
            raise ValueError(f"base_score must be a finite number, got {self.base_score!r}")

    def _validate_X(self, X, reset: bool):
        """Validate X; return (list of per-feature columns, n_samples).

        Numeric columns come back as float64 arrays (NaN = missing); categorical columns
        as they are (object arrays or pandas Series), to be mapped by ``_category_codes``.
        """
        if reset:
            if not _is_dataframe(X) and not isinstance(
                self.categorical_features, (str, type(None))
            ):
                X = check_array(X, dtype=None, ensure_all_finite="allow-nan")
            mask = _categorical_mask(X, self.categorical_features)
            self.is_categorical_ = mask
        mask = self.is_categorical_
        if mask is None or not mask.any():
            X = validate_data(self, X, reset=reset, dtype=np.float64, ensure_all_finite="allow-nan")
            if reset:
                self.is_categorical_ = np.zeros(self.n_features_in_, dtype=bool)
            return [X[:, j] for j in range(X.shape[1])], X.shape[0]
        return self._mixed_columns(X, reset)

    def _mixed_columns(self, X, reset: bool):
        if not _is_dataframe(X):
            X = check_array(X, dtype=None, ensure_all_finite="allow-nan")
        validate_data(self, X, reset=reset, skip_check_array=True)
        if X.shape[0] < 1:
            raise ValueError("Found array with 0 sample(s) while a minimum of 1 is required.")
        cols = []
        for j, is_cat in enumerate(self.is_categorical_):
            col = X.iloc[:, j] if _is_dataframe(X) else X[:, j]
            if is_cat:
                cols.append(col)
                continue
            cols.append(_numeric_column(col, j))
        return cols, X.shape[0]

    def _validate_target(self, y, sample_weight, n_samples: int):
        """Return (binary y with 1 = classes_[1] = bad, float weights); set ``classes_``."""
        if y is None:
            raise ValueError(
                f"This {type(self).__name__} estimator requires y to be passed, "
                "but the target y is None."
            )
        y = column_or_1d(y, warn=True)
        y = check_array(y, ensure_2d=False, dtype=None, input_name="y")
        if y.shape[0] != n_samples:
            raise ValueError(
                "Found input variables with inconsistent numbers of samples: "
                f"[{n_samples}, {y.shape[0]}]"
            )
        check_classification_targets(y)
        y_type = type_of_target(y, input_name="y")
        if y_type != "binary":
            raise ValueError(
                f"Only binary classification is supported. The type of the target is {y_type}."
            )
        self.classes_, y_enc = np.unique(y, return_inverse=True)
        if self.classes_.size < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of 2 classes; the data contain only "
                f"1 class: {self.classes_[0]!r}"
            )
        return y_enc.astype(np.float64), self._validate_weights(sample_weight, n_samples)

    @staticmethod
    def _validate_weights(sample_weight, n_samples: int) -> np.ndarray:
        if sample_weight is None:
            return np.ones(n_samples)
        w = np.asarray(sample_weight, dtype=np.float64)
        if w.ndim == 0:
            w = np.full(n_samples, float(w))
        if w.shape != (n_samples,):
            raise ValueError(f"sample_weight.shape == {w.shape}, expected {(n_samples,)}!")
        if not np.isfinite(w).all() or (w < 0).any():
            raise ValueError("sample_weight must be finite and non-negative")
        if not w.any():
            raise ValueError("All sample weights are zero: at least one must be positive.")
        return w

    # -- fitting --------------------------------------------------------------------

    def fit(self, X, y, sample_weight=None):
        """Bin every feature, compute WoE, fit the logistic regression, scale to points."""
        self._check_params()
        cols, n_samples = self._validate_X(X, reset=True)
        y, w = self._validate_target(y, sample_weight, n_samples)
        names = self._feature_names()
        self.monotonic_cst_ = _monotonic_array(
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
                fb = _bin_categorical(name, cols[j], y, w, self.min_bin_share)
            else:
                fb = _bin_numeric(name, cols[j], y, w, self.monotonic_cst_[j], self)
            _set_woe(fb, goods_total, bads_total, self.max_pvalue)
            self.bins_.append(fb)
        woe = np.column_stack([fb.woe[fb.slots(c)] for fb, c in zip(self.bins_, cols, strict=True)])
        self.coef_, self.intercept_ = self._fit_logistic(woe, y, w)
        self.factor_ = self.pdo / math.log(2)
        self.offset_ = self.base_score - self.factor_ * math.log(self.base_odds)
        base_q = int(_round_q(self.offset_ - self.factor_ * self.intercept_))
        points_q = [
            _round_q(-self.factor_ * c * fb.woe)
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
        n_features = len(points_q)
        self._points_f = [p / _QUANTA for p in points_q]
        # Reason ranking key per slot: cost (quarter points below the feature's best bin
        # in the points table) * n_features + a tie-breaker favouring the lower index, so
        # one integer max picks both the largest cost and, among equals, the first feature.
        keys = []
        for j, (p, fb) in enumerate(zip(points_q, self.bins_, strict=True)):
            cost = np.maximum(p[fb.table_slots()].max() - p, 0)
            keys.append(cost * n_features + (n_features - 1 - j))
        big = max((int(k.max()) for k in keys), default=0) >= np.iinfo(np.int32).max
        self._reason_keys = [k.astype(np.int64 if big else np.int32) for k in keys]
        self.base_points_ = int(base_q) / _QUANTA
        self.points_table_ = self._build_table()

    def _build_table(self) -> pd.DataFrame:
        frames = []
        for fb, pts in zip(self.bins_, self._points_f, strict=True):
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

    def _feature_names(self) -> list[str]:
        if hasattr(self, "feature_names_in_"):
            return [str(n) for n in self.feature_names_in_]
        return [f"x{j}" for j in range(self.n_features_in_)]

    # -- scoring --------------------------------------------------------------------

    def points(self, X) -> np.ndarray:
        """Score in points (higher = more trustworthy), exactly base + sum of feature points."""
        check_is_fitted(self)
        cols, n_samples = self._validate_X(X, reset=False)
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
        cols, n_samples = self._validate_X(X, reset=False)
        n_features = len(cols)
        matrix = np.empty((n_samples, n_features), order="F")  # column writes are contiguous
        key_dtype = self._reason_keys[0].dtype if n_features else np.int32
        top = [np.full(n_samples, -1, dtype=key_dtype) for _ in range(n_reasons)]
        for j, (fb, col) in enumerate(zip(self.bins_, cols, strict=True)):
            slots = fb.slots(col)
            matrix[:, j] = self._points_f[j][slots]
            _insert_top(top, self._reason_keys[j][slots])
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
        check_is_fitted(self)
        table = [
            {key: _json_value(v) for key, v in row.items()}
            for row in self.points_table_.to_dict(orient="records")
        ]
        return {
            "format_version": FORMAT_VERSION,
            "estimator": "credit.scoring.Scorecard",
            "params": _jsonable(self.get_params()),
            "classes": _jsonable(self.classes_),
            "feature_names_in": (
                _jsonable(self.feature_names_in_) if hasattr(self, "feature_names_in_") else None
            ),
            "scaling": {
                "base_score": float(self.base_score),
                "base_odds": float(self.base_odds),
                "pdo": float(self.pdo),
                "factor": self.factor_,
                "offset": self.offset_,
                "points_step": POINTS_STEP,
                "smoothing": SMOOTHING,
            },
            "intercept": self.intercept_,
            "base_points": self.base_points_,
            "features": [self._feature_dict(j) for j in range(self.n_features_in_)],
            "points_table": table,
        }

    def _feature_dict(self, j: int) -> dict[str, Any]:
        fb = self.bins_[j]
        return {
            "name": fb.name,
            "kind": fb.kind,
            "monotonic_cst": int(fb.monotonic_cst),
            "coef": float(self.coef_[j]),
            "edges": [float(e) for e in fb.edges],
            "categories": _jsonable(fb.categories),
            "category_bins": [int(b) for b in fb.category_bins],
            "slots": [
                {
                    "label": fb.labels[i],
                    "count": float(fb.count[i]),
                    "bads": float(fb.bads[i]),
                    "woe": float(fb.woe[i]),
                    "points": float(self._points_f[j][i]),
                }
                for i in range(fb.n_bins + 2)
            ],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Scorecard:
        """Rebuild a fitted Scorecard from ``to_dict()`` output; scores are identical."""
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
        est.bins_ = [
            FeatureBins(
                name=f["name"],
                kind=f["kind"],
                labels=[s["label"] for s in f["slots"]],
                count=np.array([s["count"] for s in f["slots"]], dtype=np.float64),
                bads=np.array([s["bads"] for s in f["slots"]], dtype=np.float64),
                monotonic_cst=f["monotonic_cst"],
                edges=f["edges"],
                categories=f["categories"],
                category_bins=f["category_bins"],
                woe=np.array([s["woe"] for s in f["slots"]], dtype=np.float64),
            )
            for f in features
        ]
        est.coef_ = np.array([f["coef"] for f in features], dtype=np.float64)
        est.intercept_ = float(d["intercept"])
        est.factor_ = float(d["scaling"]["factor"])
        est.offset_ = float(d["scaling"]["offset"])
        points_q = [_round_q([s["points"] for s in f["slots"]]) for f in features]
        est._set_points(int(_round_q(d["base_points"])), points_q)
        return est
