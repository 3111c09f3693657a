"""Tests of credit.scoring.Scorecard: sklearn contract, points arithmetic, constraints, JSON."""

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.estimator_checks import parametrize_with_checks
from threadpoolctl import threadpool_limits

from credit.scoring import POINTS_STEP, Scorecard


def _expected_failed_checks(estimator):
    # Every scikit-learn check applies and passes; keep this empty unless one cannot.
    return {}


@parametrize_with_checks([Scorecard()], expected_failed_checks=_expected_failed_checks)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def _logistic(z):
    return 1.0 / (1.0 + np.exp(-z))


def make_data(n=4000, seed=0):
    """Numeric signals (one with NaN), a noise column and a categorical code column."""
    rng = np.random.default_rng(seed)
    X = np.column_stack(
        [
            rng.normal(size=n),  # risk up
            rng.exponential(2.0, size=n),  # risk down
            rng.normal(size=n),  # noise
            rng.integers(0, 5, size=n).astype(float),  # categorical code
        ]
    )
    logit = (
        -2.0
        + 0.9 * X[:, 0]
        - 0.5 * np.log1p(X[:, 1])
        + np.array([0, 0.6, -0.6, 0, 0.3])[X[:, 3].astype(int)]
    )
    missing = rng.random(n) < 0.1
    X[missing, 1] = np.nan
    logit[missing] += 0.8
    y = (rng.random(n) < _logistic(logit)).astype(int)
    return X, y


def make_frame(n=4000, seed=0):
    X, y = make_data(n, seed)
    frame = pd.DataFrame(X[:, :3], columns=["debt", "tenure", "noise"])
    names = np.array(["north", "south", "east", "west", "centre"])
    frame["district"] = pd.Categorical(names[X[:, 3].astype(int)])
    return frame, y


@pytest.fixture(scope="module")
def fitted():
    X, y = make_data()
    return Scorecard(categorical_features=[3], monotonic_cst=[1, -1, 0, 0]).fit(X, y), X, y


def test_points_table_layout(fitted):
    sc, _, _ = fitted
    table = sc.points_table_
    assert list(table.columns) == [
        "feature",
        "bin",
        "lower",
        "upper",
        "woe",
        "points",
        "count",
        "bad_rate",
    ]
    assert set(table["feature"]) == {"x0", "x1", "x2", "x3"}
    assert "[" in table.loc[table["feature"] == "x0", "bin"].iloc[1]  # e.g. "[-0.5, 0.3)"
    assert table["bin"].str.startswith("cat: ").any()
    # Points are multiples of the documented step and the WoE is finite everywhere.
    assert np.all(
        np.isclose(table["points"] / POINTS_STEP, np.round(table["points"] / POINTS_STEP))
    )
    assert np.isfinite(table["woe"]).all()


def test_base_plus_points_is_score_exactly():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(3000, 8)) * rng.uniform(0.1, 50, size=8)
    X[rng.random(X.shape) < 0.05] = np.nan
    y = (rng.random(3000) < _logistic(np.nan_to_num(X[:, 0] / X[:, 0].std()) - 1)).astype(int)
    sc = Scorecard(pdo=17.3, base_odds=13.7, base_score=512.9).fit(X, y)
    rows = sc.explain(X)
    for row in rows:
        values = list(row["points"].values())
        assert row["base"] + sum(values) == row["score"]
        assert sum([row["base"], *values[::-1]]) == row["score"]  # any summation order
    score, base, matrix, _ = sc.explain_arrays(X)
    assert np.array_equal(score, base + matrix.sum(axis=1))
    assert np.array_equal(score, sc.points(X))
    assert [r["score"] for r in rows] == score.tolist()


def test_points_agree_with_predict_proba(fitted):
    sc, X, _ = fitted
    p_bad = sc.predict_proba(X)[:, 1]
    logit = np.log(p_bad / (1 - p_bad))
    assert np.allclose(sc.points(X), sc.offset_ - sc.factor_ * logit, rtol=0, atol=1e-6)
    assert np.allclose(sc.decision_function(X), logit, rtol=0, atol=1e-9)
    # Scaling: 600 points at odds 50:1, 20 more points double the odds.
    assert sc.factor_ == pytest.approx(20 / math.log(2))
    assert sc.offset_ + sc.factor_ * math.log(50) == pytest.approx(600)
    assert np.array_equal(sc.predict(X), (p_bad > 0.5).astype(int))
    assert sc.score(X, fitted[2]) == accuracy_score(fitted[2], sc.predict(X))


def test_more_points_means_less_risk(fitted):
    sc, X, y = fitted
    assert roc_auc_score(y, -sc.points(X)) > 0.7
    x0 = sc.points_table_[sc.points_table_["feature"] == "x0"]
    regular = x0[x0["bin"] != "missing"]
    assert regular["bad_rate"].iloc[0] < regular["bad_rate"].iloc[-1]
    assert regular["points"].iloc[0] > regular["points"].iloc[-1]


def _regular_bins(sc, feature):
    table = sc.points_table_
    rows = table[(table["feature"] == feature) & ~table["bin"].isin(["missing", "unseen"])]
    return rows.sort_values("lower")


@settings(max_examples=12, deadline=None, database=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    binning=st.sampled_from(["tree", "quantile"]),
    max_bins=st.integers(2, 10),
    max_pvalue=st.sampled_from([None, 0.05]),
)
def test_monotonic_constraints_hold(seed, binning, max_bins, max_pvalue):
    rng = np.random.default_rng(seed)
    n = 1500
    X = rng.normal(size=(n, 3))
    X[rng.random((n, 3)) < 0.05] = np.nan
    # Signals that are *not* monotone (U shape, wiggles): the constraint must still win.
    z = np.nan_to_num(X)
    logit = -1.5 + 0.8 * z[:, 0] ** 2 - 0.6 * np.sin(3 * z[:, 1]) + 0.5 * z[:, 2]
    y = (rng.random(n) < _logistic(logit)).astype(int)
    sc = Scorecard(
        binning=binning, max_bins=max_bins, monotonic_cst=[1, -1, 1], max_pvalue=max_pvalue
    ).fit(X, y)
    for feature, sign in (("x0", 1), ("x1", -1), ("x2", 1)):
        bins = _regular_bins(sc, feature)
        # +1: risk up, so WoE (ln goods/bads) and points never go up; -1 the reverse.
        assert np.all(sign * np.diff(bins["woe"].to_numpy()) <= 0)
        assert np.all(sign * np.diff(bins["points"].to_numpy()) <= 0)
    grid = np.linspace(-4, 4, 201)
    for j, sign in ((0, 1), (1, -1), (2, 1)):
        probe = np.tile(np.nanmedian(X, axis=0), (grid.size, 1))
        probe[:, j] = grid
        assert np.all(sign * np.diff(sc.points(probe)) <= 0)
        assert np.all(sign * np.diff(sc.predict_proba(probe)[:, 1]) >= 0)


def test_monotonic_cst_by_name_and_validation():
    frame, y = make_frame()
    sc = Scorecard(monotonic_cst={"debt": 1, "tenure": -1}).fit(frame, y)
    assert sc.monotonic_cst_.tolist() == [1, -1, 0, 0]
    with pytest.raises(ValueError, match="Categorical features cannot"):
        Scorecard(monotonic_cst={"district": 1}).fit(frame, y)
    with pytest.raises(ValueError, match="unknown feature names"):
        Scorecard(monotonic_cst={"nope": 1}).fit(frame, y)
    with pytest.raises(ValueError, match="only -1, 0 or 1"):
        Scorecard(monotonic_cst=[2, 0, 0]).fit(frame.to_numpy()[:, :3].astype(float), y)


def test_missing_values_get_their_own_bin(fitted):
    sc, X, y = fitted
    table = sc.points_table_
    missing = table[(table["feature"] == "x1") & (table["bin"] == "missing")].iloc[0]
    assert missing["count"] == np.isnan(X[:, 1]).sum()
    assert missing["bad_rate"] == pytest.approx(y[np.isnan(X[:, 1])].mean())
    assert missing["woe"] < 0  # the missing rows were made riskier than average
    row = X[:1].copy()
    row[0, 1] = np.nan
    assert sc.explain(row)[0]["points"]["x1"] == missing["points"]
    # x0 had no missing value in training: a NaN there is neutral (WoE 0, 0 points).
    x0_missing = table[(table["feature"] == "x0") & (table["bin"] == "missing")].iloc[0]
    assert x0_missing["count"] == 0 and x0_missing["woe"] == 0 and x0_missing["points"] == 0
    row[0, 0] = np.nan
    assert sc.explain(row)[0]["points"]["x0"] == 0


def test_unseen_category_has_zero_woe():
    frame, y = make_frame()
    sc = Scorecard().fit(frame, y)  # categorical_features="from_dtype"
    assert sc.is_categorical_.tolist() == [False, False, False, True]
    unseen = sc.points_table_.query("feature == 'district' and bin == 'unseen'").iloc[0]
    assert unseen["woe"] == 0 and unseen["points"] == 0
    new = frame.head(3).copy()
    new["district"] = pd.Categorical(["mars", "north", None])
    explained = sc.explain(new)
    assert explained[0]["points"]["district"] == 0
    north = sc.points_table_.query("feature == 'district' and bin == 'cat: north'").iloc[0]
    assert explained[1]["points"]["district"] == north["points"]
    missing = sc.points_table_.query("feature == 'district' and bin == 'missing'").iloc[0]
    assert explained[2]["points"]["district"] == missing["points"]
    # Plain strings (object dtype) are mapped like the categorical dtype.
    as_text = new.astype({"district": object})
    assert np.array_equal(sc.points(as_text), sc.points(new))


def test_rare_categories_share_a_bin():
    rng = np.random.default_rng(3)
    n = 3000
    codes = rng.choice(["a", "b", "c", "d"], size=n, p=[0.5, 0.46, 0.02, 0.02])
    frame = pd.DataFrame({"x": rng.normal(size=n), "kind": pd.Categorical(codes)})
    y = (rng.random(n) < 0.2).astype(int)
    sc = Scorecard(min_bin_share=0.05).fit(frame, y)
    bins = sc.points_table_.query("feature == 'kind'")["bin"].tolist()
    assert bins == ["cat: a", "cat: b", "cat: other (c, d)", "missing", "unseen"]


def test_pipeline_and_cross_val_score():
    X, y = make_data(3000)
    pipe = Pipeline(
        [
            ("clip", FunctionTransformer(lambda a: np.clip(a, -10, 10))),
            ("card", Scorecard(categorical_features=[3], monotonic_cst=[1, -1, 0, 0])),
        ]
    )
    scores = cross_val_score(pipe, X, y, cv=3, scoring="roc_auc")
    assert scores.shape == (3,)
    assert scores.min() > 0.65
    pipe.set_params(card__pdo=40).fit(X, y)
    assert pipe.named_steps["card"].factor_ == pytest.approx(40 / math.log(2))


def test_dataframe_from_dtype_uses_feature_names():
    frame, y = make_frame()
    sc = Scorecard(monotonic_cst={"debt": 1}).fit(frame, y)
    assert list(sc.feature_names_in_) == ["debt", "tenure", "noise", "district"]
    assert sc.n_features_in_ == 4
    row = sc.explain(frame.head(1))[0]
    assert set(row["points"]) == {"debt", "tenure", "noise", "district"}
    assert set(row["reasons"]) <= set(row["points"])
    assert sc.points_table_.query("feature == 'district'")["bin"].str.startswith("cat: ").any()


def test_json_round_trip_is_identical():
    frame, y = make_frame()
    sc = Scorecard(monotonic_cst={"debt": 1, "tenure": -1}, random_state=0).fit(frame, y)
    text = json.dumps(sc.to_dict(), allow_nan=False)  # strict JSON: no NaN / Infinity
    loaded = Scorecard.from_dict(json.loads(text))
    probe = pd.concat([frame.head(500), frame.tail(5)])
    probe.iloc[-1, 0] = np.nan
    assert np.array_equal(loaded.points(probe), sc.points(probe))
    assert loaded.explain(probe) == sc.explain(probe)
    assert np.array_equal(loaded.predict_proba(probe), sc.predict_proba(probe))
    pd.testing.assert_frame_equal(loaded.points_table_, sc.points_table_)
    assert loaded.get_params() == sc.get_params()
    d = sc.to_dict()
    assert d["format_version"] == 1
    assert {"features", "points_table", "scaling", "intercept", "classes"} <= set(d)
    assert d["features"][3]["categories"] == ["centre", "east", "north", "south", "west"]


def test_json_round_trip_numpy_categorical_codes(fitted):
    sc, X, _ = fitted
    loaded = Scorecard.from_dict(json.loads(json.dumps(sc.to_dict())))
    probe = X.copy()
    probe[:5, 3] = 99  # unseen code
    assert np.array_equal(loaded.points(probe), sc.points(probe))
    assert loaded.explain(probe[:50]) == sc.explain(probe[:50])


def _handmade(points):
    """A scorecard whose features all cut at 0: points = {name: (below 0, at/above 0)}."""
    features = []
    for name, (low, high) in points.items():
        slots = [("(-inf, 0)", low), ("[0, inf)", high), ("missing", 0.0), ("unseen", 0.0)]
        features.append(
            {
                "name": name,
                "kind": "numeric",
                "monotonic_cst": 0,
                "coef": -1.0,
                "edges": [0.0],
                "categories": [],
                "category_bins": [],
                "slots": [
                    {"label": label, "count": 1.0, "bads": 0.5, "woe": 0.0, "points": p}
                    for label, p in slots
                ],
            }
        )
    return Scorecard.from_dict(
        {
            "format_version": 1,
            "params": {},
            "classes": [0, 1],
            "feature_names_in": list(points),
            "scaling": {"factor": 20 / math.log(2), "offset": 600 - 20 * math.log(50, 2)},
            "intercept": 0.0,
            "base_points": 500.0,
            "features": features,
        }
    )


def test_reasons_are_costliest_features():
    sc = _handmade(
        {
            "a": (10.0, -5.0),  # best 10
            "b": (3.0, 0.0),  # best 3
            "c": (8.0, 8.0),  # never costs anything
            "d": (0.0, -20.0),  # best 0 (the missing bin also gives 0)
            "e": (4.0, -1.0),  # best 4
        }
    )
    rows = pd.DataFrame(
        {
            "a": [1.0, -1.0, 1.0, -1.0],
            "b": [-1.0, -1.0, 1.0, 1.0],
            "c": [1.0, 1.0, -1.0, -1.0],
            "d": [1.0, -1.0, -1.0, -1.0],
            "e": [1.0, -1.0, np.nan, -1.0],
        }
    )
    out = sc.explain(rows)
    # Row 0 costs: a 15, b 0, c 0, d 20, e 5.
    assert out[0]["reasons"] == ["d", "a", "e"]
    assert out[0]["points"] == {"a": -5.0, "b": 3.0, "c": 8.0, "d": -20.0, "e": -1.0}
    assert out[0]["score"] == 500.0 - 15.0
    # Row 1: every feature at its best bin, no reason at all.
    assert out[1]["reasons"] == []
    # Row 2: a 15, b 3, e (missing, 0 points) 4; the top 3 in cost order.
    assert out[2]["reasons"] == ["a", "e", "b"]
    # Row 3: only b is below its best bin.
    assert out[3]["reasons"] == ["b"]
    # Ties between equal costs go to the earlier feature.
    tie = _handmade({"p": (2.0, 0.0), "q": (2.0, 0.0), "r": (5.0, 3.0)})
    assert tie.explain(pd.DataFrame({"p": [1.0], "q": [1.0], "r": [1.0]}))[0]["reasons"] == [
        "p",
        "q",
        "r",
    ]
    assert tie.explain_arrays(pd.DataFrame({"p": [1.0], "q": [-1.0], "r": [1.0]}))[3].tolist() == [
        [0, 2, -1]
    ]


def test_reasons_match_points_table_on_fitted_data(fitted):
    sc, X, _ = fitted
    table = sc.points_table_
    best = table.groupby("feature", sort=False)["points"].max().to_numpy()
    _, _, matrix, reasons = sc.explain_arrays(X)
    cost = best - matrix
    assert (cost >= 0).all()
    for i in range(0, X.shape[0], 37):
        order = sorted(range(cost.shape[1]), key=lambda j: (-cost[i, j], j))
        expected = [j for j in order if cost[i, j] > 0][:3]
        assert [j for j in reasons[i] if j >= 0] == expected


def test_auc_close_to_hist_gradient_boosting():
    def sample(n, seed):
        rng = np.random.default_rng(seed)
        X = rng.normal(size=(n, 6))
        X[:, 1] = rng.exponential(1.0, size=n)
        logit = -2.0 + 0.8 * X[:, 0] - 0.7 * np.log1p(X[:, 1]) + 0.9 * (X[:, 2] > 0.5)
        logit += 0.4 * np.tanh(2 * X[:, 3])
        return X, (rng.random(n) < _logistic(logit)).astype(int)

    X, y = sample(20000, 0)
    X_test, y_test = sample(20000, 1)
    card = Scorecard(monotonic_cst=[1, -1, 1, 1, 0, 0], random_state=0).fit(X, y)
    with threadpool_limits(limits=1):  # OpenMP threads only contend under pytest-xdist
        hgb = HistGradientBoostingClassifier(random_state=0).fit(X, y)
    auc_card = roc_auc_score(y_test, card.predict_proba(X_test)[:, 1])
    auc_hgb = roc_auc_score(y_test, hgb.predict_proba(X_test)[:, 1])
    assert auc_card > auc_hgb - 0.03
    # The noise features end up worth nothing.
    assert np.count_nonzero(card.coef_[4:]) == 0


def test_zero_weights_equal_dropping_rows():
    X, y = make_data(2000)
    w = np.ones(len(y))
    w[::3] = 0
    keep = w > 0
    a = Scorecard(categorical_features=[3]).fit(X, y, sample_weight=w)
    b = Scorecard(categorical_features=[3]).fit(X[keep], y[keep])
    assert np.array_equal(a.points(X), b.points(X))


def test_invalid_parameters_are_reported_at_fit():
    X, y = make_data(500)
    for params, message in (
        ({"binning": "magic"}, "binning"),
        ({"min_bin_share": 0.9}, "min_bin_share"),
        ({"pdo": 0}, "pdo"),
        ({"max_pvalue": 2}, "max_pvalue"),
        ({"trend": "magic"}, "trend"),
        ({"categorical_features": [9]}, "categorical_features"),
    ):
        with pytest.raises(ValueError, match=message):
            Scorecard(**params).fit(X, y)
    with pytest.raises(ValueError, match="Only binary classification"):
        Scorecard().fit(X, np.arange(len(y)) % 3)


def test_undeclared_features_get_a_detected_trend_or_keep_their_shape():
    rng = np.random.default_rng(0)
    n = 20000
    X = np.column_stack([rng.uniform(0, 10, n), rng.uniform(-3, 3, n)])
    logit = -3.0 + 0.3 * X[:, 0] + 0.5 * X[:, 1] ** 2  # rising risk; risky at both ends
    y = (rng.random(n) < _logistic(logit)).astype(int)
    card = Scorecard(random_state=0).fit(X, y)
    rising, valley = card.bins_
    assert rising.trend == 1 and rising.n_bins >= 3
    points = card.points_table_.query("feature == 'x0'")["points"].to_numpy()[: rising.n_bins]
    assert (np.diff(points) <= 0).all()  # detected rising risk: points never rise with x0
    assert valley.trend == 0 and valley.n_bins >= 3  # a monotone fit would flatten the valley
    middle = card.points(np.array([[5.0, 0.0]]))[0]
    assert middle > card.points(np.array([[5.0, -2.9]]))[0]
    assert middle > card.points(np.array([[5.0, 2.9]]))[0]
    again = Scorecard.from_dict(json.loads(json.dumps(card.to_dict())))
    assert [fb.trend for fb in again.bins_] == [1, 0]
    assert [fb.trend for fb in Scorecard(trend="none", random_state=0).fit(X, y).bins_] == [0, 0]
