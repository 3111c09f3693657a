"""Scorecard quality and stability metrics: AUC, KS, Brier, calibration table, PSI and CSI."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

# Convention for every function here: ``y_true`` is 1 for the bad outcome and ``y_score``
# grows with the risk (a probability of bad, a log-odds). To evaluate points, where
# higher means safer, pass ``-points``.

# Shares are floored at this value in PSI so that an empty bin on one side gives a large
# but finite contribution instead of infinity.
PSI_EPSILON = 1e-4


def _inputs(y_true, y_score, sample_weight):
    y = np.asarray(y_true).ravel()
    s = np.asarray(y_score, dtype=np.float64).ravel()
    w = np.ones(y.size) if sample_weight is None else np.asarray(sample_weight, np.float64)
    if not (y.size == s.size == w.size):
        raise ValueError("y_true, y_score and sample_weight must have the same length")
    labels = np.unique(y)
    if labels.size != 2:
        raise ValueError(f"y_true must hold exactly 2 classes, got {labels.size}")
    # The larger label is the positive (bad) class, as in sklearn for {0, 1} targets.
    return (y == labels[1]).astype(np.float64), s, w


def _roc_steps(y, s, w):
    """Cumulative bad and good weight at each distinct score, scanning from the riskiest."""
    order = np.argsort(-s, kind="mergesort")
    s, y, w = s[order], y[order], w[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(s)), s.size - 1]
    bads = np.cumsum(w * y)[last_of_tie]
    goods = np.cumsum(w * (1.0 - y))[last_of_tie]
    return np.r_[0.0, bads], np.r_[0.0, goods]


def auc(y_true, y_score, sample_weight=None) -> float:
    """Area under the ROC curve (ties count one half), equal to sklearn's roc_auc_score."""
    y, s, w = _inputs(y_true, y_score, sample_weight)
    bads, goods = _roc_steps(y, s, w)
    tpr, fpr = bads / bads[-1], goods / goods[-1]
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2.0))


def ks(y_true, y_score, sample_weight=None) -> float:
    """Kolmogorov-Smirnov statistic: max over thresholds of |TPR - FPR|, in [0, 1]."""
    y, s, w = _inputs(y_true, y_score, sample_weight)
    bads, goods = _roc_steps(y, s, w)
    return float(np.max(np.abs(bads / bads[-1] - goods / goods[-1])))


def brier(y_true, y_prob, sample_weight=None) -> float:
    """Brier score: weighted mean squared difference between P(bad) and the outcome."""
    y, p, w = _inputs(y_true, y_prob, sample_weight)
    return float(np.sum(w * (p - y) ** 2) / np.sum(w))


def calibration_table(y_true, y_prob, n_bins: int = 10) -> pd.DataFrame:
    """Equal-count bins of predicted P(bad) (deciles by default): predicted vs observed.

    Rows are sorted by predicted probability; ties may straddle a bin boundary so that
    the bins keep equal counts. Columns: bin, count, min_predicted, max_predicted,
    mean_predicted, observed_rate, bads.
    """
    y, p, _ = _inputs(y_true, y_prob, None)
    order = np.argsort(p, kind="mergesort")
    bin_of = np.empty(p.size, dtype=np.intp)
    bin_of[order] = np.arange(p.size) * n_bins // p.size
    frame = pd.DataFrame({"bin": bin_of, "p": p, "y": y})
    table = frame.groupby("bin").agg(
        count=("p", "size"),
        min_predicted=("p", "min"),
        max_predicted=("p", "max"),
        mean_predicted=("p", "mean"),
        observed_rate=("y", "mean"),
        bads=("y", "sum"),
    )
    return table.reset_index()


def _is_numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def _numeric_bins(e: np.ndarray, a: np.ndarray, bins: int):
    """Cut both samples at the expected sample's quantiles; NaN goes to a last bin."""
    has_values = bool((~np.isnan(e)).any())
    inner = np.nanquantile(e, np.linspace(0, 1, bins + 1)[1:-1]) if has_values else []
    edges = np.unique(inner)
    bounds = [-np.inf, *edges, np.inf]
    names = [f"[{lo:.6g}, {hi:.6g})" for lo, hi in itertools.pairwise(bounds)]

    def codes(x):
        out = np.searchsorted(edges, x, side="right")
        out[np.isnan(x)] = len(names)
        return out

    return codes(e), codes(a), [*names, "missing"]


def _category_bins(expected: pd.Series, actual: pd.Series):
    e = expected.astype(object).where(expected.notna(), None).to_numpy()
    a = actual.astype(object).where(actual.notna(), None).to_numpy()
    names = sorted({str(v) for v in e if v is not None} | {str(v) for v in a if v is not None})
    index = pd.Index([*names, "missing"])
    return (
        index.get_indexer([("missing" if v is None else str(v)) for v in e]),
        index.get_indexer([("missing" if v is None else str(v)) for v in a]),
        list(index),
    )


def psi_table(expected, actual, bins: int = 10) -> pd.DataFrame:
    """Per-bin population stability: shares in each sample and their PSI contribution.

    ``expected`` is the reference (e.g. training or last quarter) sample, ``actual`` the
    new one. Numeric data are cut at the expected sample's quantiles (missing values get
    their own bin); other data are compared category by category.
    """
    e_ser, a_ser = pd.Series(expected), pd.Series(actual)
    if _is_numeric(e_ser) and _is_numeric(a_ser):
        e_codes, a_codes, names = _numeric_bins(
            e_ser.to_numpy(dtype=np.float64, na_value=np.nan),
            a_ser.to_numpy(dtype=np.float64, na_value=np.nan),
            bins,
        )
    else:
        e_codes, a_codes, names = _category_bins(e_ser, a_ser)
    e_share = np.bincount(e_codes, minlength=len(names)) / max(len(e_codes), 1)
    a_share = np.bincount(a_codes, minlength=len(names)) / max(len(a_codes), 1)
    e, a = np.maximum(e_share, PSI_EPSILON), np.maximum(a_share, PSI_EPSILON)
    table = pd.DataFrame({"bin": names, "expected": e_share, "actual": a_share})
    table["psi"] = (a - e) * np.log(a / e)
    # Bins empty in both samples (e.g. no missing values) carry no information.
    return table[(e_share > 0) | (a_share > 0)].reset_index(drop=True)


def psi(expected, actual, bins: int = 10) -> float:
    """Population stability index between two samples of one variable (e.g. the score).

    Rule of thumb: < 0.1 stable, 0.1-0.25 some shift, > 0.25 major shift.
    """
    return float(psi_table(expected, actual, bins)["psi"].sum())


def csi(expected, actual, bins: int = 10, feature_names=None) -> pd.Series:
    """Characteristic stability index: the PSI of every input feature, by feature name."""
    e, a = pd.DataFrame(expected), pd.DataFrame(actual)
    if feature_names is not None:
        e.columns = a.columns = list(feature_names)
    if list(e.columns) != list(a.columns):
        raise ValueError("expected and actual must have the same columns")
    return pd.Series({c: psi(e[c], a[c], bins) for c in e.columns}, name="csi", dtype=float)
