"""Tests of credit.scoring.metrics against sklearn/scipy and hand-computed values."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp
from sklearn.metrics import brier_score_loss, roc_auc_score

from credit.scoring import auc, brier, calibration_table, csi, ks, psi, psi_table


@pytest.fixture
def scored():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, size=2000)
    score = np.round(rng.normal(size=2000) + 0.8 * y, 1)  # rounding creates many ties
    return y, score, rng.uniform(0.1, 3.0, size=2000)


def test_auc_equals_sklearn(scored):
    y, score, w = scored
    assert auc(y, score) == pytest.approx(roc_auc_score(y, score), abs=1e-12)
    assert auc(y, score, w) == pytest.approx(roc_auc_score(y, score, sample_weight=w), abs=1e-12)
    assert auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == pytest.approx(0.75)
    assert auc([0, 1], [0.5, 0.5]) == pytest.approx(0.5)  # a tie counts one half


def test_auc_of_points_needs_the_sign_flipped(scored):
    y, score, _ = scored
    points = 600 - 30 * score  # higher points = safer
    assert auc(y, -points) == pytest.approx(roc_auc_score(y, score), abs=1e-12)


def test_ks_hand_computed():
    # Scanning from the riskiest score: bad, good, bad, good.
    # TPR 0.5 0.5 1.0 1.0 ; FPR 0.0 0.5 0.5 1.0 -> max gap 0.5.
    assert ks([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == pytest.approx(0.5)
    assert ks([0, 0, 1, 1], [0.1, 0.2, 0.7, 0.8]) == pytest.approx(1.0)
    # Tied scores cannot be split: one step covering everything gives 0.
    assert ks([0, 1, 0, 1], [0.3, 0.3, 0.3, 0.3]) == pytest.approx(0.0)


def test_ks_equals_two_sample_statistic(scored):
    y, score, _ = scored
    expected = ks_2samp(score[y == 1], score[y == 0]).statistic
    assert ks(y, score) == pytest.approx(expected, abs=1e-12)


def test_brier_equals_sklearn(scored):
    y, score, w = scored
    p = 1 / (1 + np.exp(-score))
    assert brier(y, p) == pytest.approx(brier_score_loss(y, p))
    assert brier(y, p, w) == pytest.approx(brier_score_loss(y, p, sample_weight=w))


def test_calibration_table_sums_to_n(scored):
    y, score, _ = scored
    p = 1 / (1 + np.exp(-score))
    table = calibration_table(y, p)
    assert len(table) == 10
    assert table["count"].sum() == len(y)
    assert table["count"].tolist() == [200] * 10
    assert table["bads"].sum() == y.sum()
    assert table["mean_predicted"].is_monotonic_increasing
    assert table["observed_rate"].iloc[-1] > table["observed_rate"].iloc[0]
    assert calibration_table(y[:1003], p[:1003], n_bins=4)["count"].sum() == 1003


def test_psi_zero_for_identical_samples():
    x = np.random.default_rng(1).normal(size=5000)
    assert psi(x, x) == 0.0
    assert psi(x, x.copy()[::-1]) == 0.0
    assert psi(["a", "b", "b", None], ["b", "a", None, "b"]) == 0.0


def test_psi_large_for_big_shift():
    rng = np.random.default_rng(2)
    base = rng.normal(size=5000)
    assert psi(base, rng.normal(size=5000)) < 0.1  # same distribution, new draw
    assert psi(base, rng.normal(loc=1.0, size=5000)) > 0.25
    table = psi_table(base, rng.normal(loc=1.0, size=5000))
    assert table["expected"].sum() == pytest.approx(1.0)
    assert table["actual"].sum() == pytest.approx(1.0)
    assert (table["psi"] >= 0).all()


def test_psi_handles_missing_and_categories():
    with_nan = np.r_[np.arange(90.0), np.full(10, np.nan)]
    table = psi_table(with_nan, np.r_[np.arange(50.0), np.full(50, np.nan)])
    missing = table[table["bin"] == "missing"].iloc[0]
    assert missing["expected"] == pytest.approx(0.1) and missing["actual"] == pytest.approx(0.5)
    shifted = psi(["a"] * 80 + ["b"] * 20, ["a"] * 20 + ["b"] * 80)
    # Hand-computed: 2 * (0.6 * ln 4).
    assert shifted == pytest.approx(2 * 0.6 * np.log(4))


def test_csi_per_feature():
    rng = np.random.default_rng(3)
    before = pd.DataFrame({"income": rng.normal(size=4000), "age": rng.normal(size=4000)})
    after = before.copy()
    after["income"] += 1.5
    result = csi(before, after)
    assert list(result.index) == ["income", "age"]
    assert result["income"] > 0.25
    assert result["age"] == 0.0
    arrays = csi(before.to_numpy(), after.to_numpy(), feature_names=["income", "age"])
    pd.testing.assert_series_equal(arrays, result)
