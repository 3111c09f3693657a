"""Scheduled retraining: the job runs on the policy cadence, compares the new version with the
active one on the same held-out window, promotes it only by the rule (AUC drop, PSI of the
scores), and otherwise keeps the active model and warns on the models page in words."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from core import clock
from core.audit import AuditRecord
from core.extensions import db
from credit.scoring import fitting, jobs, registry, sources, training
from credit.scoring.models import ModelStatus, ScoreModel
from tests.credit.scoring.conftest import HISTORY_END, install

CARD = "/credit/score/model"


@pytest.fixture
def record_at_history_end(monkeypatch, tables, frozen_clock):
    """Training reads the synthetic history, and today is the day that history ends."""
    monkeypatch.setattr(sources, "load_tables", lambda until=None: tables)
    frozen_clock.local(HISTORY_END.year, HISTORY_END.month, HISTORY_END.day, 3, 0)


@pytest.fixture
def aged_active(app, writing, fitted, record_at_history_end):
    """The synthetic model, active, trained four months ago: retraining is due."""
    model = install(fitted, version="20260201.1")
    model.created_at = clock.now() - timedelta(days=120)
    db.session.commit()
    return model


def _flat_scorecards(monkeypatch):
    """Make the next training fit a scorecard that cannot separate anyone (one bin per
    feature): a real, stored model that is plainly worse than the active one."""
    monkeypatch.setattr(fitting, "SCORECARD_PARAMS", {**fitting.SCORECARD_PARAMS, "max_bins": 1})


def test_retraining_refuses_a_worse_model_and_the_models_page_says_why(
        app, aged_active, monkeypatch, client):
    _flat_scorecards(monkeypatch)
    result = jobs.retrain_job()
    db.session.commit()
    assert result["promoted"] is False and "auc_drop" in result["refused"]
    candidate = db.session.execute(sa.select(ScoreModel).where(
        ScoreModel.version == result["model_version"])).scalar_one()
    assert candidate.status == ModelStatus.CANDIDATE
    assert registry.active_model().version == aged_active.version
    check = candidate.document["promotion"]
    assert check["basis"] == "same_test" and check["active_auc"] > check["new_auc"] + 0.2
    assert training.refused_candidate().version == candidate.version
    html = client.get(CARD).get_data(as_text=True)
    assert "重新训练的模型未启用" in html and candidate.version in html
    assert f"{check['new_auc']:.3f}" in html and f"{check['active_auc']:.3f}" in html
    assert "auc_drop" not in html and "not_comparable" not in html  # words, not codes
    assert db.session.execute(sa.select(sa.func.count()).where(
        AuditRecord.action == "credit.score_model.promote")).scalar_one() == 0
    training.promote(None, candidate, "业务部门核实后决定启用")  # an admin decides
    db.session.commit()
    assert training.refused_candidate() is None
    assert "重新训练的模型未启用" not in client.get(CARD).get_data(as_text=True)


def test_retraining_promotes_a_model_as_good_as_the_active_one_then_waits(
        app, aged_active, client):
    result = jobs.retrain_job()
    db.session.commit()
    assert result["promoted"] is True and result["refused"] is None
    assert result["score_psi"] < 0.1
    new = registry.active_model()
    assert new.version == result["model_version"] != aged_active.version
    assert aged_active.status == ModelStatus.RETIRED
    assert training.refused_candidate() is None
    assert "重新训练的模型未启用" not in client.get(CARD).get_data(as_text=True)
    # The cadence: the newest model is a day old, nothing to do until three months pass.
    assert jobs.retrain_job() == {"skipped": "not due"}
    clock.advance(timedelta(days=95))
    assert training.retrain_due()


def test_retraining_refuses_a_model_whose_scores_would_jump(app, aged_active):
    # The same risk ranking (AUC) on a scale 100 points higher: every grade would move at
    # once, so the PSI rule keeps the active model.
    app.config["POLICY_SCORE_BASE"] = 700
    result = jobs.retrain_job()
    db.session.commit()
    check = registry.get_model(result["model_version"]).document["promotion"]
    assert result["promoted"] is False and check["refused"] == ["psi"]
    assert check["psi"] >= 0.25 and abs(check["new_auc"] - check["active_auc"]) < 0.01
    assert registry.active_model().version == aged_active.version


def test_retraining_with_no_model_trains_the_first_one(app, writing, record_at_history_end):
    assert training.retrain_due()
    result = jobs.retrain_job()
    db.session.commit()
    assert result["promoted"] is True and registry.active_model().version == result[
        "model_version"]


def test_retraining_on_too_little_history_is_skipped_with_a_reason(app, writing):
    result = jobs.retrain_job()
    assert "历史数据不足" in result["skipped"]
    assert db.session.execute(sa.select(sa.func.count(ScoreModel.id))).scalar_one() == 0
