"""The model card's content: features with directions and points ranges, and the drift
monitor (score PSI with its warning above 0.25, CSI per input)."""

from __future__ import annotations

from datetime import date

from core.extensions import db
from credit.scoring import card
from credit.scoring.models import IntegrityScore


def _scores(model, make, values, day=date(2026, 6, 2), inputs=None):
    for value in values:
        org = make.org("social_group")
        expl = {"base": 0.0, "total": float(value), "points": {}, "reasons": [],
                "values": inputs or {}}
        db.session.add(IntegrityScore(org_id=org.id, scored_on=day, score=value, grade="B",
                                      tier="blue", model_version=model.version, explanation=expl))
    db.session.flush()


def test_card_lists_every_feature_with_direction_and_points(app, active_model):
    data = card.card_data(active_model, "zh_CN", with_drift=False)
    names = [f["name"] for f in data["features"]]
    assert len(names) == len(active_model.document["features"])
    used = [f for f in data["features"] if f["used"]]
    assert used and all(f["points_min"] < f["points_max"] for f in used)
    assert all(f["direction_label"] for f in data["features"])
    assert data["points_table"][0]["label"]
    assert card.card_data(active_model, "en", with_drift=False)["features"][0]["label"] == \
        "Years since registration"


def test_no_drift_before_the_model_has_scored(app, active_model):
    assert card.drift(active_model) is None


def test_scores_like_the_training_ones_are_stable(app, make, active_model):
    dist = active_model.document["training_scores"]
    sample = [v for v, c in zip(dist["values"], dist["counts"], strict=True)
              for _ in range(round(c / 10))]
    _scores(active_model, make, sample)
    found = card.drift(active_model)
    assert found["n"] == len(sample) and found["psi"] < 0.1 and not found["warning"]


def test_a_shifted_population_raises_the_psi_warning_and_shows_which_input(app, make, fitted,
                                                                          active_model):
    low = min(active_model.document["training_scores"]["values"])
    typical = {k: (None if v != v else float(v)) for k, v in fitted.X_test.median().items()}
    _scores(active_model, make, [low] * 30,
            inputs={**typical, "warnings_1y": 5.0, "complaints_3y": 9.0})
    found = card.drift(active_model)
    assert found["psi"] > 0.25 and found["warning"]
    top = {r["feature"] for r in found["csi"][:3]}
    assert {"warnings_1y", "complaints_3y"} <= top
