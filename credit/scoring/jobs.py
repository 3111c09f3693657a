"""Scheduled jobs of the integrity score: the nightly scoring of every subject (idempotent per
day) and the retraining on the policy cadence (``score_retrain_months``), which promotes the
new version only by the promotion rule and otherwise leaves a warning on the models page."""

from __future__ import annotations

from core.errors import ValidationFailed
from credit.scoring import registry, subject_scores, training


def score_nightly_job() -> dict:
    """Score every subject as of today; nothing to do (and no error) before a model exists."""
    if registry.active_model() is None:
        return {"skipped": "no active model"}
    result = subject_scores.score_subjects(None)
    return {"scored": result["scored"], "model_version": result["model_version"],
            "score_psi": result["score_psi"],
            **{f"grade_{g}": n for g, n in result["by_grade"].items()}}


def retrain_job() -> dict:
    """Retrain when the newest model is ``score_retrain_months`` old (a missed day catches up
    the next day; a second run the same day finds nothing due). The job runs daily and the
    cadence is the policy's, so changing the policy needs no new schedule."""
    if not training.retrain_due():
        return {"skipped": "not due"}
    try:
        model = training.train(None)
    except ValidationFailed as refused:  # too little history: try again tomorrow
        return {"skipped": refused.text}
    check = model.document["promotion"]
    return {"model_version": model.version, "promoted": model.is_active, "auc": model.auc,
            "active_auc": check.get("active_auc"), "score_psi": check.get("psi"),
            "refused": ", ".join(check.get("refused", [])) or None}
