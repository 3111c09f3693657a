"""The model card: what anyone auditing the score may read about a model version — data
window, sizes, base rate, features with their directions, the full points table, AUC, KS,
Brier score, calibration, the gradient-boosting comparison, grade cut-offs, and drift (PSI of
the score, CSI of each input) between training and the latest scoring run."""

from __future__ import annotations

import numpy as np

from core.config import policy
from credit.scoring import drift as drift_
from credit.scoring import registry, subject_scores
from credit.scoring.explain import current_lang
from credit.scoring.features import label
from credit.scoring.metrics import psi, psi_table
from credit.scoring.models import ScoreModel

DIRECTION_LABELS = {1: ("越多风险越高", "more means riskier"),
                    -1: ("越多风险越低", "more means safer"), 0: ("不设方向", "no direction")}


def _csi(model: ScoreModel, rows, lang: str) -> list[dict]:
    """Characteristic stability per input, over the scorecard's own bins, labelled."""
    card = registry.scorecard(model.version)
    defs = {f["name"]: f for f in model.document["features"]}
    columns = {fb.name: [np.nan if (v := r.explanation["values"].get(fb.name)) is None else v
                         for r in rows] for fb in card.bins_}
    return [{**r, "label": label(defs[r["feature"]], lang) if r["feature"] in defs
             else r["feature"]} for r in drift_.input_csi(card, model.document, columns)]


def drift(model: ScoreModel, lang: str | None = None) -> dict | None:
    """PSI of the latest scoring run against the training scores, its level in words (watch
    from policy ``score_psi_watch``, alarm from ``score_psi_alarm``), the per-bin table and
    the CSI of every input."""
    day, rows = subject_scores.model_scores(model)
    if not rows:
        return None
    expected = drift_.training_scores(model.document)
    actual = np.array([r.score for r in rows], dtype=float)
    value = psi(expected, actual)
    level = drift_.level(value)
    table = psi_table(expected, actual)
    return {"scored_on": day, "n": len(rows), "psi": value,
            "threshold": policy("score_psi_alarm"), "watch": policy("score_psi_watch"),
            "warning": level == drift_.ALARM, "level": level,
            "level_label": str(drift_.LEVEL_LABELS[level]), "level_tag": drift_.LEVEL_TAGS[level],
            "table": table.to_dict(orient="records"), "csi": _csi(model, rows, lang or current_lang())}


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
