"""A stored score in plain words for people: the points breakdown (base + each feature) ready
for a chart, and the three reasons in Chinese or English, using the wording of the model
version that computed the score."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from credit.scoring import registry
from credit.scoring.features import format_value, label, reason_text
from credit.scoring.models import IntegrityScore

TIER_LABELS = {"red": _l("红色（高风险）"), "yellow": _l("黄色（较高风险）"),
               "blue": _l("蓝色（较低风险）"), "green": _l("绿色（低风险）")}
TIER_TAGS = {"red": "bad", "yellow": "warn", "blue": "", "green": "ok"}
CHART_HALF = 100  # the chart's viewBox is 0..200 wide; 0 points sits at x = 100


def current_lang() -> str:
    locale = get_locale()
    return str(locale) if locale else "zh_CN"


def used_features(document: dict) -> list[dict]:
    """Feature definitions of the features the model gives points to (in document order)."""
    used = {f["name"] for f in document["scorecard"]["features"]
            if any(s["points"] != 0 for s in f["slots"])}
    return [f for f in document["features"] if f["name"] in used]


def _bar(points: float, scale: float) -> dict:
    width = abs(points) * scale
    return {"x": round(CHART_HALF - width if points < 0 else CHART_HALF, 2),
            "width": round(width, 2), "negative": points < 0}


def breakdown(row: IntegrityScore, lang: str | None = None) -> dict:
    """Everything a page needs to show one score and why."""
    lang = lang or current_lang()
    document = registry.document(row.model_version) or {"features": [], "scorecard": {
        "features": []}}
    expl = row.explanation
    features = used_features(document)
    points = expl.get("points", {})
    biggest = max([abs(points.get(f["name"], 0.0)) for f in features] + [1.0])
    scale = CHART_HALF / biggest
    items = [{"name": f["name"], "label": label(f, lang), "points": points.get(f["name"], 0.0),
              "value": format_value(f.get("fmt", "count"), expl["values"].get(f["name"]), lang),
              "bar": _bar(points.get(f["name"], 0.0), scale)} for f in features]
    defs = {f["name"]: f for f in document["features"]}
    eldercare = bool(expl.get("eldercare"))
    reasons = [{**r, "text": reason_text(defs[r["feature"]], expl["values"].get(r["feature"]),
                                         lang, eldercare)}
               for r in expl.get("reasons", []) if r["feature"] in defs]
    return {"row": row, "score": row.score, "grade": row.grade, "tier": row.tier,
            "tier_label": str(TIER_LABELS.get(row.tier, row.tier)),
            "tier_tag": TIER_TAGS.get(row.tier, ""), "version": row.model_version,
            "scored_on": row.scored_on, "base": expl.get("base"), "total": expl.get("total"),
            "parts": items, "reasons": [r["text"] for r in reasons], "reason_items": reasons}


def api_explanation(row: IntegrityScore, lang: str | None = None) -> dict:
    """The API shape of one score: numbers, points per feature and reasons with their text."""
    view = breakdown(row, lang)
    return {"org_id": row.org_id, "scored_on": row.scored_on, "score": row.score,
            "grade": row.grade, "tier": row.tier, "model_version": row.model_version,
            "base_points": view["base"], "points_total": view["total"],
            "points": [{"feature": i["name"], "label": i["label"], "value": i["value"],
                        "points": i["points"]} for i in view["parts"]],
            "reasons": view["reason_items"]}
