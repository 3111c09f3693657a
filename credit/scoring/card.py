"""The model card: what anyone auditing the score may read about a model version — data
window, sizes, base rate, features with their directions, the full points table, AUC, KS,
Brier score, calibration, the gradient-boosting comparison, grade cut-offs, and drift (PSI of
the score, CSI of each input) between training and the latest scoring run."""

from __future__ import annotations

import numpy as np

from core.config import policy
from credit.scoring import registry, subject_scores
from credit.scoring.explain import current_lang
from credit.scoring.features import label
from credit.scoring.metrics import psi, psi_table
from credit.scoring.models import ScoreModel

DIRECTION_LABELS = {1: ("越多风险越高", "more means riskier"),
                    -1: ("越多风险越低", "more means safer"), 0: ("不设方向", "no direction")}


def _training_scores(document: dict) -> np.ndarray:
    dist = document["training_scores"]
    return np.repeat(np.asarray(dist["values"], dtype=float), np.asarray(dist["counts"], int))


def _slot_names(n: int) -> np.ndarray:
    # Slot numbers, not labels: metrics.psi_table keeps its own "missing" category.
    return np.asarray([f"slot {i}" for i in range(n)], dtype=object)


def _slot_sample(feature: dict) -> np.ndarray:
    """The training sample of a feature as bin names, from the stored bin counts."""
    counts = [round(s["count"]) for s in feature["slots"]]
    return np.repeat(_slot_names(len(counts)), counts)


def _csi(model: ScoreModel, rows, lang: str) -> list[dict]:
    """Characteristic stability per input, over the scorecard's own bins."""
    card = registry.scorecard(model.version)
    defs = {f["name"]: f for f in model.document["features"]}
    out = []
    for fb, feature in zip(card.bins_, model.document["scorecard"]["features"], strict=True):
        values = np.array([np.nan if (v := r.explanation["values"].get(fb.name)) is None else v
                           for r in rows], dtype=float)
        current = _slot_names(len(fb.labels))[fb.slots(values)]
        out.append({"feature": fb.name, "csi": psi(_slot_sample(feature), current),
                    "label": label(defs[fb.name], lang) if fb.name in defs else fb.name})
    return sorted(out, key=lambda r: -r["csi"])


def drift(model: ScoreModel, lang: str | None = None) -> dict | None:
    """PSI of the latest scoring run against the training scores (warning above policy
    ``score_psi_warning``, 0.25), with the per-bin table and the CSI of every input."""
    day, rows = subject_scores.model_scores(model)
    if not rows:
        return None
    expected = _training_scores(model.document)
    actual = np.array([r.score for r in rows], dtype=float)
    value = psi(expected, actual)
    threshold = policy("score_psi_warning")
    table = psi_table(expected, actual)
    return {"scored_on": day, "n": len(rows), "psi": value, "threshold": threshold,
            "warning": value > threshold, "table": table.to_dict(orient="records"),
            "csi": _csi(model, rows, lang or current_lang())}


def _points_table(document: dict, lang: str) -> list[dict]:
    defs = {f["name"]: f for f in document["features"]}
    out = []
    for row in document["scorecard"]["points_table"]:
        d = defs.get(row["feature"])
        out.append({**row, "label": label(d, lang) if d else row["feature"]})
    return out


def _features(document: dict, lang: str) -> list[dict]:
    en = lang.startswith("en")
    fitted = {f["name"]: f for f in document["scorecard"]["features"]}
    out = []
    for f in document["features"]:
        slots = fitted.get(f["name"], {}).get("slots", [])
        pts = [s["points"] for s in slots if s["count"] > 0] or [0.0]
        out.append({"name": f["name"], "label": label(f, lang),
                    "how": f["how_en" if en else "how_zh"], "direction": f["direction"],
                    "direction_label": DIRECTION_LABELS[f["direction"]][1 if en else 0],
                    "coef": fitted.get(f["name"], {}).get("coef", 0.0),
                    "points_min": min(pts), "points_max": max(pts),
                    "used": max(pts) != min(pts)})
    return out


def card_data(model: ScoreModel, lang: str | None = None, with_drift: bool = True) -> dict:
    """The model card of ``model`` in ``lang`` (zh_CN or en)."""
    lang = lang or current_lang()
    doc = model.document
    hgb = doc["comparison"]["hgb"]
    test = doc["metrics"]["test"]
    return {
        "version": model.version, "status": model.status, "created_at": model.created_at,
        "promoted_at": model.promoted_at, "auc": model.auc, "window": doc["window"],
        "sizes": doc["sizes"], "base_rate": doc["base_rate"], "label": doc["label"],
        "metrics": doc["metrics"], "calibration": doc["calibration"],
        "comparison": {**hgb, "auc_gap": (hgb.get("auc") or 0.0) - (test.get("auc") or 0.0)},
        "grades": doc["grades"], "promotion": doc.get("promotion", {}),
        "base_points": doc["scorecard"]["base_points"], "scaling": doc["scorecard"]["scaling"],
        "features": _features(doc, lang), "points_table": _points_table(doc, lang),
        "drift": drift(model, lang) if with_drift else None,
    }
