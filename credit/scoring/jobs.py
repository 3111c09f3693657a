"""The nightly scoring job: every subject scored with the active model (idempotent per day)."""

from __future__ import annotations

from credit.scoring import registry, subject_scores


def score_nightly_job() -> dict:
    """Score every subject as of today; nothing to do (and no error) before a model exists."""
    if registry.active_model() is None:
        return {"skipped": "no active model"}
    result = subject_scores.score_subjects(None)
    return {"scored": result["scored"], "model_version": result["model_version"],
            **{f"grade_{g}": n for g, n in result["by_grade"].items()}}
