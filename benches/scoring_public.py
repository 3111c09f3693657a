"""The Scorecard against one-hot logistic regression and gradient boosting on public credit
data sets, 5-fold stratified cross-validation (the same folds for every model).

Run: ``.venv/bin/python benches/scoring_public.py [--full] [--only NAME ...]``; ``make bench``
runs the default (one 5-fold pass, about a minute); ``--full`` repeats the 5 folds with three
shuffles. Prints a table and writes ``benches/results/scoring_public.json`` (``--full``) or
``scoring_public-short.json``. The data come
from files shipped inside PyPI packages (``requirements-bench-data.txt``; see
``benches/scoringlib/public_data.py``): nothing is downloaded at run time.

Targets (issue 16 item 6): the Scorecard's mean AUC not below the logistic regression's, and
within 0.01 of HistGradientBoosting's.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
import sklearn
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # allow `python benches/scoring_public.py` from anywhere
    sys.path.insert(0, str(ROOT))

from benches.scoringlib.public_data import LOADERS, load_all  # noqa: E402
from credit.scoring.scorecard import Scorecard  # noqa: E402

GBM_MARGIN = 0.01


def one_hot_logistic():
    """Median-imputed (with missing indicators), standardised numbers and one-hot categories."""
    numbers = make_pipeline(SimpleImputer(strategy="median", add_indicator=True),
                            StandardScaler())
    categories = make_pipeline(SimpleImputer(strategy="most_frequent"),
                               OneHotEncoder(handle_unknown="ignore"))
    return make_pipeline(
        ColumnTransformer([("num", numbers, make_column_selector(dtype_include="number")),
                           ("cat", categories, make_column_selector(dtype_include="category"))]),
        LogisticRegression(max_iter=5000))


MODELS = {
    "Scorecard": lambda: Scorecard(random_state=0),
    "LogisticRegression (one-hot)": one_hot_logistic,
    "HistGradientBoosting": lambda: HistGradientBoostingClassifier(random_state=0),
}


def cross_validate(data, repeats: int) -> dict:
    """Mean and standard deviation of the held-out AUC and the fit seconds of every model."""
    aucs = {name: [] for name in MODELS}
    fits = {name: [] for name in MODELS}
    for rep in range(repeats):
        folds = StratifiedKFold(5, shuffle=True, random_state=rep).split(data.X, data.y)
        for train, test in folds:
            for name, make in MODELS.items():
                model = make()
                start = time.perf_counter()
                with threadpool_limits(limits=1):  # like for like, and steady on a busy box
                    model.fit(data.X.iloc[train], data.y[train])
                fits[name].append(time.perf_counter() - start)
                p_bad = model.predict_proba(data.X.iloc[test])[:, 1]
                aucs[name].append(roc_auc_score(data.y[test], p_bad))
    out = {name: {"auc": float(np.mean(aucs[name])), "auc_sd": float(np.std(aucs[name])),
                  "fit_s": float(np.mean(fits[name]))} for name in MODELS}
    card, logistic, gbm = (out[n]["auc"] for n in MODELS)
    out["verdict"] = {"vs_logistic": card - logistic, "vs_gbm": card - gbm,
                      "not_worse_than_logistic": card >= logistic,
                      "within_gbm_margin": card >= gbm - GBM_MARGIN}
    return out


def print_row(summary: dict, result: dict) -> None:
    cells = "  ".join(f"{result[n]['auc']:.4f}±{result[n]['auc_sd']:.3f}" for n in MODELS)
    v = result["verdict"]
    marks = ("ok" if v["not_worse_than_logistic"] else "BELOW",
             "ok" if v["within_gbm_margin"] else "BELOW")
    print(f"{summary['name']:15s} {summary['rows']:>6,d} {summary['features']:>3d}  {cells}  "
          f"{v['vs_logistic']:+.4f} {marks[0]:5s} {v['vs_gbm']:+.4f} {marks[1]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--full", action="store_true", help="three shuffles of the 5 folds")
    parser.add_argument("--only", nargs="*", choices=sorted(LOADERS), help="these data sets")
    args = parser.parse_args()
    repeats = 3 if args.full else 1
    print(f"5-fold stratified CV × {repeats}; mean held-out AUC ± sd; every fit on one thread")
    print(f"{'data set':15s} {'rows':>6s} {'in':>3s}  " + "  ".join(f"{n[:12]:>12s}" for n in MODELS)
          + "  Δ logistic      Δ GBM")
    results = []
    for data in load_all(args.only):
        result = cross_validate(data, repeats)
        print_row(data.summary(), result)
        results.append({**data.summary(), "models": {n: result[n] for n in MODELS},
                        "verdict": result["verdict"]})
    name = "scoring_public.json" if args.full else "scoring_public-short.json"
    out = ROOT / "benches" / "results" / name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "full": args.full, "folds": 5, "repeats": repeats, "gbm_margin": GBM_MARGIN,
        "environment": {"python": platform.python_version(), "numpy": np.__version__,
                        "sklearn": sklearn.__version__},
        "params": {"Scorecard": Scorecard().get_params(),
                   "HistGradientBoosting": "defaults, random_state=0",
                   "LogisticRegression": "C=1, median imputation + indicators, standardised"},
        "data_sets": results}, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nwrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
