"""Benchmark of credit.scoring.Scorecard: fit time, held-out AUC and bulk scoring speed."""

# Run: ``.venv/bin/python benches/scoring.py [--full] [--pipeline-db URL]``. The default run
# is short (20,000 training rows, 100,000 scored; ``make bench``); ``--full`` fits on
# 1,000,000 rows and scores 1,000,000. Prints a table and writes
# ``benches/results/scoring.json`` (full) or ``scoring-short.json`` (default). The "pipeline"
# section runs the real integrity score pipeline (features as of dates, snapshots, time split,
# fit, scoring with explanations): on a seeded database when ``--pipeline-db`` names one
# (read only), else on the synthetic five-year history of the test suite.

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from core import clock  # noqa: E402
from credit.scoring import Scorecard  # noqa: E402

NUMERIC = [f"f{i:02d}" for i in range(18)]
CATEGORICAL = ["district", "channel"]
# Declared directions (+1: risk rises with the feature) for the six real signals.
MONOTONIC = {"f00": 1, "f01": -1, "f02": 1, "f03": 1, "f04": -1, "f05": 1}


def make_data(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """20 features: 6 monotone signals, 12 noise columns, 2 categoricals; some NaN."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 18))
    X[:, 1] = rng.exponential(2.0, size=n)  # e.g. years of volunteering
    X[:, 2] = rng.integers(0, 10, size=n)  # e.g. count of late returns
    X[:, 3] = rng.uniform(0, 100, size=n)  # e.g. debt ratio, threshold effect
    X[:, 5] = rng.gamma(2.0, 1.0, size=n)
    district = rng.integers(0, 8, size=n)
    channel = rng.choice(30, size=n, p=np.r_[np.full(10, 0.08), np.full(20, 0.01)])
    logit = (
        -3.0
        + 0.8 * X[:, 0]
        - 0.6 * np.log1p(X[:, 1])
        + 0.25 * np.minimum(X[:, 2], 5)
        + 0.9 * (X[:, 3] > 70)
        - 0.4 * np.tanh(X[:, 4])
        + 0.15 * X[:, 5]
        + np.array([0, 0.3, -0.3, 0.5, 0, -0.5, 0.2, 0])[district]
        + np.where(channel < 5, 0.3, 0.0)
    )
    missing = rng.random(n) < 0.1  # missing tenure is itself a risk signal
    X[missing, 1] = np.nan
    logit[missing] += 0.4
    X[rng.random(n) < 0.05, 5] = np.nan
    X[rng.random(n) < 0.03, 7] = np.nan
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(int)
    frame = pd.DataFrame(X, columns=NUMERIC)
    frame["district"] = pd.Categorical.from_codes(district, [f"D{d}" for d in range(8)])
    frame["channel"] = pd.Categorical.from_codes(channel, [f"C{c:02d}" for c in range(30)])
    return frame, y


def models() -> dict[str, object]:
    logistic = make_pipeline(
        ColumnTransformer(
            [
                (
                    "num",
                    make_pipeline(SimpleImputer(add_indicator=True), StandardScaler()),
                    NUMERIC,
                ),
                ("cat", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
            ]
        ),
        LogisticRegression(max_iter=1000),
    )
    return {
        "Scorecard": Scorecard(monotonic_cst=MONOTONIC, random_state=0),
        "HistGradientBoosting": HistGradientBoostingClassifier(random_state=0),
        "LogisticRegression+StandardScaler": logistic,
    }


def best_time(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def bench_models(X, y, X_test, y_test) -> list[dict]:
    """Fit each model on one thread: a like-for-like comparison (the Scorecard and the
    logistic regression are single-threaded), and HGB's OpenMP threads do not collapse when
    the machine is busy (measured: 190 s instead of 2-4 s for HGB on a loaded 2-core box)."""
    rows = []
    for name, model in models().items():
        start = time.perf_counter()
        with threadpool_limits(limits=1):
            model.fit(X, y)
        fit_s = time.perf_counter() - start
        auc = roc_auc_score(y_test, model.predict_proba(X_test)[:, 1])
        rows.append({"model": name, "fit_s": fit_s, "fit_rows_per_s": len(y) / fit_s, "auc": auc,
                     "fitted": model})
    ref = rows[0]
    for row in rows:
        row["fit_ratio"] = row["fit_s"] / ref["fit_s"]
        row["auc_ratio"] = row["auc"] / ref["auc"]
    return rows


def as_array(frame: pd.DataFrame) -> np.ndarray:
    """The frame as float64 with the categoricals as their (fixed) integer codes."""
    codes = [frame[c].cat.codes.to_numpy(dtype=np.float64)[:, None] for c in CATEGORICAL]
    return np.hstack([frame[NUMERIC].to_numpy(dtype=np.float64), *codes])


def bench_scoring(card, card_np, X_score: pd.DataFrame, repeat: int) -> list[dict]:
    n = len(X_score)
    X_np = as_array(X_score)
    n_dicts = min(n, 100_000)
    head = X_score.head(n_dicts)
    cases = [
        ("points (DataFrame)", n, lambda: card.points(X_score)),
        ("explain_arrays (DataFrame)", n, lambda: card.explain_arrays(X_score)),
        ("predict_proba (DataFrame)", n, lambda: card.predict_proba(X_score)),
        ("points (ndarray)", n, lambda: card_np.points(X_np)),
        ("explain_arrays (ndarray)", n, lambda: card_np.explain_arrays(X_np)),
        ("explain -> list of dicts (DataFrame)", n_dicts, lambda: card.explain(head)),
    ]
    rows = []
    for name, rows_scored, fn in cases:
        seconds = best_time(fn, repeat)
        rows.append(
            {
                "case": name,
                "rows": rows_scored,
                "seconds": seconds,
                "rows_per_s": rows_scored / seconds,
            }
        )
    return rows


def print_report(model_rows, scoring_rows, sizes) -> None:
    print(f"\nScorecard benchmark  (train {sizes['train']:,} rows, test {sizes['test']:,} rows; "
          "fits on one thread)")
    print(f"{'model':36s} {'fit s':>8s} {'rows/s':>10s} {'fit ×SC':>8s} {'AUC':>8s} "
          f"{'AUC ×SC':>8s}")
    for r in model_rows:
        print(
            f"{r['model']:36s} {r['fit_s']:8.2f} {r['fit_rows_per_s']:10,.0f} "
            f"{r['fit_ratio']:8.2f} {r['auc']:8.4f} {r['auc_ratio']:8.4f}"
        )
    print(f"\nScoring 20 features ({sizes['score']:,} rows; best of {sizes['repeat']})")
    print(f"{'case':36s} {'rows':>10s} {'seconds':>8s} {'rows/s':>12s}")
    for r in scoring_rows:
        print(f"{r['case']:36s} {r['rows']:10,d} {r['seconds']:8.3f} {r['rows_per_s']:12,.0f}")


def _pipeline_tables(db_url: str | None):
    """(FactTables, observed_until, source): a seeded database's record, or the synthetic one."""
    from datetime import date

    if db_url:
        import core.app
        from credit.scoring import sources

        app = core.app.create_app({"APP_ENV": "development", "SQLALCHEMY_DATABASE_URI": db_url})
        with app.app_context():
            return sources.load_tables(clock.today()), clock.today(), "database"
    from credit.scoring.matrix import FactTables
    from tests.credit.scoring.synth import make_history

    end = date(2026, 6, 1)
    history = make_history(300, today=end)
    return FactTables.from_rows(history.orgs, history.facts, history.entries), end, "synthetic"


def bench_pipeline(db_url: str | None) -> dict:
    """Times of each step of the real pipeline and the held-out AUC against HGB."""
    from credit.scoring import fitting, subject_scores
    from credit.scoring.dataset import build_dataset
    from credit.scoring.matrix import feature_matrix

    steps = {}
    start = time.perf_counter()
    tables, end, source = _pipeline_tables(db_url)
    steps["load_s"] = time.perf_counter() - start
    start = time.perf_counter()
    data = build_dataset(tables, end, 50000)
    steps["snapshots_s"] = time.perf_counter() - start
    start = time.perf_counter()
    fitted = fitting.fit(data)
    steps["fit_with_hgb_s"] = time.perf_counter() - start
    ids = tables.orgs.index.to_numpy()
    start = time.perf_counter()
    X = feature_matrix(tables, ids, end)[fitting.NAMES]
    explained = subject_scores.explanations(fitted.card, X, tables.orgs["is_eldercare"].to_numpy())
    steps["score_all_subjects_s"] = time.perf_counter() - start
    doc = fitted.document
    return {"source": source, "subjects": len(ids), "snapshots": len(data),
            "train": doc["sizes"]["train"], "test": doc["sizes"]["test"],
            "base_rate_test": doc["base_rate"]["test"],
            "scorecard_auc": doc["metrics"]["test"]["auc"],
            "hgb_auc": doc["comparison"]["hgb"]["auc"], "explained": len(explained), **steps}


def print_pipeline(row: dict) -> None:
    print(f"\nIntegrity score pipeline ({row['source']}: {row['subjects']} subjects, "
          f"{row['snapshots']} snapshots, train {row['train']} / test {row['test']})")
    print(f"  held-out AUC: Scorecard {row['scorecard_auc']:.4f}, "
          f"HistGradientBoosting {row['hgb_auc']:.4f}")
    print(f"  load {row['load_s']:.2f}s, snapshots {row['snapshots_s']:.2f}s, "
          f"fit (+HGB) {row['fit_with_hgb_s']:.2f}s, score all {row['score_all_subjects_s']:.2f}s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full", action="store_true",
                        help="fit on 1,000,000 rows and score 1,000,000 (several minutes)")
    parser.add_argument("--pipeline-db", default=None,
                        help="a seeded database URL for the pipeline section (read only)")
    args = parser.parse_args()
    sizes = (
        {"train": 1_000_000, "test": 200_000, "score": 1_000_000, "repeat": 3}
        if args.full
        else {"train": 20_000, "test": 20_000, "score": 100_000, "repeat": 1}
    )
    X, y = make_data(sizes["train"], seed=0)
    X_test, y_test = make_data(sizes["test"], seed=1)
    model_rows = bench_models(X, y, X_test, y_test)
    card = model_rows[0]["fitted"]
    X_score, _ = make_data(sizes["score"], seed=2)
    card_np = Scorecard(
        monotonic_cst=[MONOTONIC.get(c, 0) for c in NUMERIC + CATEGORICAL],
        categorical_features=[18, 19],
        random_state=0,
    ).fit(as_array(X), y)
    scoring_rows = bench_scoring(card, card_np, X_score, sizes["repeat"])
    print_report(model_rows, scoring_rows, sizes)
    pipeline = bench_pipeline(args.pipeline_db)
    print_pipeline(pipeline)
    results = {
        "full": args.full,
        "sizes": sizes,
        "environment": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "pandas": pd.__version__,
            "sklearn": sklearn.__version__,
            "machine": platform.machine(),
        },
        "models": [{k: v for k, v in r.items() if k != "fitted"} for r in model_rows],
        "scoring": scoring_rows,
        "pipeline": pipeline,
    }
    out = ROOT / "benches" / "results" / ("scoring.json" if args.full else "scoring-short.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
