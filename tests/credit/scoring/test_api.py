"""The score API: the model card is public; a subject's score is for regulators and its own
staff only; promotion is an admin's, once per idempotency key."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.audit import AuditRecord
from core.extensions import db
from credit.scoring import subject_scores
from credit.scoring.models import ModelStatus
from tests.credit.scoring.conftest import install


@pytest.fixture
def scored(app, writing, make, active_model):
    """Two social organizations scored with the active model."""
    mine, other = make.org("social_group"), make.org("social_service")
    subject_scores.score_subjects(None)
    db.session.commit()
    return mine, other


def test_model_card_is_public_and_complete(client, active_model):
    response = client.get("/api/v1/credit/model")
    assert response.status_code == 200
    card = response.get_json()
    assert card["version"] == active_model.version and card["status"] == "active"
    assert {"auc", "ks", "brier"} <= set(card["metrics"]["test"])
    assert card["comparison"]["model"] == "HistGradientBoostingClassifier"
    assert len(card["calibration"]) == 10
    directions = {f["name"]: f["direction"] for f in card["features"]}
    assert directions["warnings_1y"] == 1 and directions["org_age_years"] == -1
    assert {r["feature"] for r in card["points_table"]} == set(directions)
    assert card["grades"]["cutoffs"]["A"] > card["grades"]["cutoffs"]["B"]
    assert card["sizes"]["train"] > 0 and card["window"]["test_as_of"][0]


def test_model_card_shows_drift_after_scoring(client, scored):
    drift = client.get("/api/v1/credit/model").get_json()["drift"]
    assert drift["n"] == 2 and drift["threshold"] == 0.25
    assert isinstance(drift["psi"], float) and len(drift["csi"]) > 20


def test_no_model_yet_is_a_clear_404(client):
    response = client.get("/api/v1/credit/model")
    assert response.status_code == 404
    assert response.get_json()["code"] == "credit.scoring.no_active_model"


def test_versions_are_listed_publicly(client, app, fitted, active_model):
    install(fitted, version="20260102.1", status=ModelStatus.CANDIDATE)
    db.session.commit()
    rows = client.get("/api/v1/credit/models").get_json()
    assert [(r["version"], r["status"]) for r in rows] == [
        ("20260102.1", "candidate"), (active_model.version, "active")]
    assert client.get("/api/v1/credit/models/nope").status_code == 404


def test_organization_staff_see_their_own_score_only(api_as, scored):
    mine, other = scored
    staff = api_as("org_staff", org=mine)
    response = staff.get(f"/api/v1/credit/scores/{mine.id}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["base_points"] + sum(p["points"] for p in body["points"]) == \
        pytest.approx(body["points_total"])
    assert staff.get(f"/api/v1/credit/scores/{other.id}").status_code == 403
    assert staff.get(f"/api/v1/credit/scores/{other.id}/history").status_code == 403
    assert api_as("volunteer").get(f"/api/v1/credit/scores/{mine.id}").status_code == 403


def test_regulators_see_every_score_and_its_history(api_as, scored):
    regulator = api_as("regulator")
    for org in scored:
        body = regulator.get(f"/api/v1/credit/scores/{org.id}").get_json()
        assert body["org_id"] == org.id and body["grade"] in "ABCD"
        history = regulator.get(f"/api/v1/credit/scores/{org.id}/history").get_json()
        assert [h["score"] for h in history] == [body["score"]]
    assert regulator.get("/api/v1/credit/review-queue").status_code == 200


def test_anonymous_callers_get_no_individual_scores(client, scored):
    assert client.get(f"/api/v1/credit/scores/{scored[0].id}").status_code == 401


def test_admin_promotion_posts_once_per_idempotency_key(api_as, app, fitted, active_model):
    candidate = install(fitted, version="20260102.1", status=ModelStatus.CANDIDATE)
    db.session.commit()
    admin = api_as("admin")
    headers = {"Idempotency-Key": "promote-1"}
    body = {"reason": "复核通过"}
    first = admin.post(f"/api/v1/credit/models/{candidate.version}/promote", json=body,
                       headers=headers)
    again = admin.post(f"/api/v1/credit/models/{candidate.version}/promote", json=body,
                       headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert first.get_json()["status"] == "active"
    promotions = db.session.execute(sa.select(sa.func.count()).where(
        AuditRecord.action == "credit.score_model.promote")).scalar_one()
    assert promotions == 1
    assert api_as("regulator").post(f"/api/v1/credit/models/{candidate.version}/promote",
                                    json=body).status_code == 403
    missing = admin.post(f"/api/v1/credit/models/{candidate.version}/promote", json={})
    assert missing.status_code == 422


def test_regulator_rescoring_now(api_as, scored):
    response = api_as("regulator").post("/api/v1/credit/scores/run", json={})
    assert response.status_code == 200 and response.get_json()["scored"] == 2
