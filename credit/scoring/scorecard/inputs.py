"""Input handling of the Scorecard: parameter resolution (as HistGradientBoostingClassifier
resolves ``categorical_features`` and ``monotonic_cst``), validation of X, y and sample
weights, and the fast per-column lookups that turn values into bin slots."""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_array, column_or_1d, validate_data

# Up to this many cut points, counting comparisons is faster than a binary search.
MAX_COMPARE_EDGES = 64

def is_dataframe(X) -> bool:
    return hasattr(X, "columns") and hasattr(X, "dtypes") and hasattr(X, "iloc")


def categorical_mask(X, spec) -> np.ndarray | None:
    """Boolean mask of categorical columns, or None when no column is categorical.

    Accepts None, "from_dtype", a boolean mask, integer indices or column names, exactly
    like HistGradientBoostingClassifier's ``categorical_features``.
    """
    if spec is None:
        return None
    if isinstance(spec, str):
        if spec != "from_dtype":
            raise ValueError(f"categorical_features={spec!r}: expected 'from_dtype' or a list")
        if not is_dataframe(X):
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
        if not is_dataframe(X):
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


def monotonic_array(spec, n_features: int, names) -> np.ndarray:
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


def python_scalar(v):
    return v.item() if isinstance(v, np.generic) else v


def sorted_categories(values) -> list:
    values = [python_scalar(v) for v in values]
    try:
        return sorted(values)
    except TypeError:  # mixed types: any deterministic order will do
        return sorted(values, key=lambda v: (type(v).__name__, str(v)))


def category_codes(col, index: pd.Index) -> np.ndarray:
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


def is_numeric_array(col) -> bool:
    return isinstance(col, np.ndarray) and col.dtype.kind in "fiu"


def sorted_numbers(categories):
    """(sorted values, their positions) when every category is a real number, else None."""
    if not categories or not all(
        isinstance(c, numbers.Real) and not isinstance(c, bool) for c in categories
    ):
        return None
    values = np.asarray(categories, dtype=np.float64)
    order = np.argsort(values, kind="stable")
    return values[order], order.astype(np.intp)


def numeric_category_codes(col, values, order) -> np.ndarray:
    """``category_codes`` for numeric codes: a binary search instead of hashing objects."""
    x = np.asarray(col, dtype=np.float64)
    pos = np.minimum(np.searchsorted(values, x), values.size - 1)
    codes = np.where(values[pos] == x, order[pos], -2)
    codes[np.isnan(x)] = -1
    return codes


def numeric_slots(col, edges, n_bins) -> np.ndarray:
    """``searchsorted(edges, col, side="right")`` with NaN sent to the missing slot n_bins."""
    x = np.ascontiguousarray(col, dtype=np.float64)
    if edges.size > MAX_COMPARE_EDGES:
        slots = np.searchsorted(edges, x, side="right")
    else:
        # Counting the edges <= x is the same number, and a few comparisons over a
        # contiguous column are several times faster than a binary search per value.
        slots = np.zeros(x.size, dtype=np.int8)
        for edge in edges:
            slots += (x >= edge).view(np.int8)
    slots[np.isnan(x)] = n_bins
    return slots


def numeric_column(col, j: int) -> np.ndarray:
    """A non-categorical column of a mixed input as float64 (NaN = missing)."""
    if is_numeric_array(col):
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

def feature_columns(est, X, reset: bool):
    """Validate X for ``est``; return (list of per-feature columns, n_samples).

    Numeric columns come back as float64 arrays (NaN = missing); categorical columns
    as they are (object arrays or pandas Series), to be mapped by ``category_codes``.
    With ``reset`` (fitting), ``est.is_categorical_`` and the input counts are set.
    """
    if reset:
        if not is_dataframe(X) and not isinstance(est.categorical_features, (str, type(None))):
            X = check_array(X, dtype=None, ensure_all_finite="allow-nan")
        est.is_categorical_ = categorical_mask(X, est.categorical_features)
    mask = est.is_categorical_
    if mask is None or not mask.any():
        X = validate_data(est, X, reset=reset, dtype=np.float64, ensure_all_finite="allow-nan")
        if reset:
            est.is_categorical_ = np.zeros(est.n_features_in_, dtype=bool)
        return [X[:, j] for j in range(X.shape[1])], X.shape[0]
    return _mixed_columns(est, X, reset)


def _mixed_columns(est, X, reset: bool):
    if not is_dataframe(X):
        X = check_array(X, dtype=None, ensure_all_finite="allow-nan")
    validate_data(est, X, reset=reset, skip_check_array=True)
    if X.shape[0] < 1:
        raise ValueError("Found array with 0 sample(s) while a minimum of 1 is required.")
    cols = []
    for j, is_cat in enumerate(est.is_categorical_):
        col = X.iloc[:, j] if is_dataframe(X) else X[:, j]
        cols.append(col if is_cat else numeric_column(col, j))
    return cols, X.shape[0]


def binary_target(est, y, n_samples: int):
    """(classes, y encoded as float 0/1 with 1 = classes[1] = bad) for a binary target."""
    name = type(est).__name__
    if y is None:
        raise ValueError(f"This {name} estimator requires y to be passed, but the target y is None.")
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
    classes, y_enc = np.unique(y, return_inverse=True)
    if classes.size < 2:
        raise ValueError(
            f"{name} needs samples of 2 classes; the data contain only 1 class: {classes[0]!r}"
        )
    return classes, y_enc.astype(np.float64)


def sample_weights(sample_weight, n_samples: int) -> np.ndarray:
    """Frequency weights as float64 (all ones when None), checked."""
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


def check_params(est) -> None:
    """Refuse out-of-range parameters at fit, with the parameter's name in the message."""
    if est.binning not in ("tree", "quantile"):
        raise ValueError(f"binning must be 'tree' or 'quantile', got {est.binning!r}")
    if not isinstance(est.max_bins, numbers.Integral) or est.max_bins < 1:
        raise ValueError(f"max_bins must be an integer >= 1, got {est.max_bins!r}")
    if not (isinstance(est.min_bin_share, numbers.Real) and 0 < est.min_bin_share <= 0.5):
        raise ValueError(f"min_bin_share must be in (0, 0.5], got {est.min_bin_share!r}")
    if est.max_pvalue is not None and not (
        isinstance(est.max_pvalue, numbers.Real) and 0 < est.max_pvalue <= 1
    ):
        raise ValueError(f"max_pvalue must be in (0, 1] or None, got {est.max_pvalue!r}")
    if est.trend not in ("auto", "none"):
        raise ValueError(f"trend must be 'auto' or 'none', got {est.trend!r}")
    for name in ("C", "base_odds", "pdo"):
        value = getattr(est, name)
        if not isinstance(value, numbers.Real) or not value > 0:
            raise ValueError(f"{name} must be a positive number, got {value!r}")
    if not isinstance(est.base_score, numbers.Real) or not np.isfinite(est.base_score):
        raise ValueError(f"base_score must be a finite number, got {est.base_score!r}")
