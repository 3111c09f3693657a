"""Training service: the stored model document (no pickle) gives identical scores after a
JSON round trip through the database; versions; the promotion rule and admin promotion."""

from __future__ import annotations

import json

import numpy as np
import pytest
import sqlalchemy as sa

from core.audit import AuditRecord
from core.errors import Conflict, ValidationFailed
from core.extensions import db
from credit.scoring import registry, sources, training
from credit.scoring.fitting import DOCUMENT_SCHEMA
from credit.scoring.models import ModelStatus, ScoreModel
from credit.scoring.scorecard import Scorecard
from tests.credit.scoring.conftest import HISTORY_END, install


@pytest.fixture
def synthetic_record(monkeypatch, tables):
    """Training reads the synthetic history instead of the (empty) test database."""
    monkeypatch.setattr(sources, "load_tables", lambda until=None: tables)


def _actions(action):
    return db.session.execute(sa.select(AuditRecord).where(AuditRecord.action == action)
                              ).scalars().all()


def test_first_model_is_stored_as_a_versioned_json_document_and_activated(
        app, writing, synthetic_record):
    model = training.train(None, HISTORY_END)
    db.session.commit()
    doc = model.document
    assert model.status == ModelStatus.ACTIVE and model.version.endswith(".1")
    assert doc["schema"] == DOCUMENT_SCHEMA and doc["version"] == model.version
    json.dumps(doc, allow_nan=False)  # strict JSON: no NaN, no pickle, nothing opaque
    for key in ("scorecard", "features", "window", "sizes", "base_rate", "metrics",
                "calibration", "comparison", "grades", "training_scores"):
        assert doc[key]
    assert doc["metrics"]["test"]["auc"] > 0.7
    assert doc["comparison"]["hgb"]["model"] == "HistGradientBoostingClassifier"
    assert {f["name"]: f["direction"] for f in doc["features"]}["warnings_3y"] == 1
    assert [a.subject_id for a in _actions("credit.score_model.train")] == [model.version]
    assert [a.subject_id for a in _actions("credit.score_model.promote")] == [model.version]


def test_stored_document_scores_exactly_like_the_fitted_model(app, writing, fitted):
    model = install(fitted)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(ScoreModel, model.id).document
    card = Scorecard.from_dict(json.loads(json.dumps(stored))["scorecard"])
    X = fitted.X_test
    np.testing.assert_array_equal(card.points(X), fitted.card.points(X))
    assert card.explain(X.head(50)) == fitted.card.explain(X.head(50))
    np.testing.assert_array_equal(registry.scorecard(model.version).predict_proba(X),
                                  fitted.card.predict_proba(X))


def test_monotonic_constraints_follow_the_documented_directions(fitted):
    for feature in fitted.document["scorecard"]["features"]:
        direction = next(f["direction"] for f in fitted.document["features"]
                         if f["name"] == feature["name"])
        assert feature["monotonic_cst"] == direction
        n = len(feature["edges"]) + 1
        points = [s["points"] for s in feature["slots"][:n]]
        if direction == 1:
            assert points == sorted(points, reverse=True), feature["name"]
        elif direction == -1:
            assert points == sorted(points), feature["name"]


def test_a_new_version_as_good_as_the_active_one_replaces_it(app, writing, synthetic_record):
    first = training.train(None, HISTORY_END)
    second = training.train(None, HISTORY_END)
    db.session.commit()
    assert second.version.endswith(".2")
    check = second.document["promotion"]
    assert check["basis"] == "same_test" and check["active_version"] == first.version
    assert check["active_auc"] == pytest.approx(check["new_auc"])
    assert (first.status, second.status) == (ModelStatus.RETIRED, ModelStatus.ACTIVE)


@pytest.mark.parametrize(("active_auc", "promoted"), [(0.855, True), (0.8601, False)])
def test_promotion_rule_allows_at_most_a_0_01_auc_drop(app, writing, synthetic_record, fitted,
                                                       monkeypatch, active_auc, promoted):
    old = install(fitted, version="20250101.1", auc=active_auc)
    monkeypatch.setattr(training, "_active_on_same_test",
                        lambda active, f: {"active_auc": active.auc, "basis": "same_test",
                                           "psi": 0.0})
    monkeypatch.setattr(training.fitting, "fit", lambda data, options: _with_auc(fitted, 0.85))
    new = training.train(None, HISTORY_END)
    db.session.commit()
    assert new.document["promotion"]["passes"] is promoted
    assert new.status == (ModelStatus.ACTIVE if promoted else ModelStatus.CANDIDATE)
    assert old.status == (ModelStatus.RETIRED if promoted else ModelStatus.ACTIVE)
    assert registry.active_model().version == (new.version if promoted else old.version)


def _with_auc(fitted, value):
    doc = json.loads(json.dumps(fitted.document))
    doc["metrics"]["test"]["auc"] = value
    return type(fitted)(doc, fitted.card, fitted.X_test, fitted.y_test)


def test_admin_promotes_a_candidate_with_a_reason_audited(app, writing, fitted, make):
    admin = make.user("admin")
    active = install(fitted, version="20250101.1")
    candidate = install(fitted, version="20250101.2", status=ModelStatus.CANDIDATE)
    with pytest.raises(ValidationFailed):
        training.promote(admin, candidate, "  ")
    training.promote(admin, candidate, "业务部门确认新版本的特征更合理")
    db.session.commit()
    assert (active.status, candidate.status) == (ModelStatus.RETIRED, ModelStatus.ACTIVE)
    assert candidate.promoted_by_id == admin.id
    record = _actions("credit.score_model.promote")[-1]
    assert record.actor_id == admin.id and "20250101.1" in record.before
    with pytest.raises(Conflict):
        training.promote(admin, candidate, "again")
    assert db.session.execute(sa.select(sa.func.count()).where(
        ScoreModel.status == ModelStatus.ACTIVE)).scalar_one() == 1


def test_too_little_history_is_refused_clearly(app, writing):
    with pytest.raises(ValidationFailed) as refused:
        training.train(None)
    assert refused.value.code == "credit.scoring.not_trainable"
    assert db.session.execute(sa.select(sa.func.count(ScoreModel.id))).scalar_one() == 0
