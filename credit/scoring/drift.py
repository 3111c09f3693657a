"""Drift of a score model since its training: the PSI of the published scores against the
training scores, the CSI of every input over the scorecard's own bins, the level in words
(stable, watch from policy ``score_psi_watch`` 0.10, alarm from ``score_psi_alarm`` 0.25),
and the one ``ScoreRun`` row per model version and scoring day that keeps them, so that the
regulators' home page reads one row instead of every score."""

from __future__ import annotations

import numpy as np
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core.config import policy
from core.extensions import db
from credit.scoring.metrics import psi
from credit.scoring.models import ScoreModel, ScoreRun

STABLE, WATCH, ALARM = "stable", "watch", "alarm"
LEVEL_LABELS = {STABLE: _l("稳定"), WATCH: _l("需关注"), ALARM: _l("明显漂移")}
LEVEL_TAGS = {STABLE: "ok", WATCH: "warn", ALARM: "bad"}


def training_scores(document: dict) -> np.ndarray:
    """The model's training scores (published 300–900 scores), from their stored histogram."""
    dist = document["training_scores"]
    return np.repeat(np.asarray(dist["values"], dtype=float), np.asarray(dist["counts"], int))


def score_psi(document: dict, scores) -> float | None:
    scores = np.asarray(scores, dtype=float)
    return psi(training_scores(document), scores) if scores.size else None


def slot_names(n: int) -> np.ndarray:
    # Slot numbers, not labels: metrics.psi_table keeps its own "missing" category.
    return np.asarray([f"slot {i}" for i in range(n)], dtype=object)


def _training_slots(feature: dict) -> np.ndarray:
    """The training sample of a feature as bin names, from the stored bin counts."""
    counts = [round(s["count"]) for s in feature["slots"]]
    return np.repeat(slot_names(len(counts)), counts)


def input_csi(card, document: dict, columns: dict) -> list[dict]:
    """CSI of every input, largest first: ``columns`` maps a feature name to its current
    values (float arrays, NaN = missing), binned with the scorecard's own bins."""
    out = []
    for fb, feature in zip(card.bins_, document["scorecard"]["features"], strict=True):
        current = slot_names(len(fb.labels))[fb.slots(np.asarray(columns[fb.name], float))]
        out.append({"feature": fb.name, "csi": psi(_training_slots(feature), current)})
    return sorted(out, key=lambda r: -r["csi"])


def level(value: float | None) -> str | None:
    """stable / watch / alarm for a PSI (None when there is nothing to compare)."""
    if value is None:
        return None
    if value >= policy("score_psi_alarm"):
        return ALARM
    return WATCH if value >= policy("score_psi_watch") else STABLE


def record_run(model: ScoreModel, day, scores, X, by_grade: dict, card) -> ScoreRun:
    """Keep the drift of one scoring run (called by ``score_subjects``; flushes)."""
    row = db.session.execute(sa.select(ScoreRun).where(
        ScoreRun.model_version == model.version, ScoreRun.scored_on == day)).scalar_one_or_none()
    row = row or ScoreRun(model_version=model.version, scored_on=day)
    row.scored, row.by_grade = len(scores), dict(by_grade)
    row.score_psi = score_psi(model.document, scores)
    row.input_csi = []
    if len(scores):
        columns = {name: X[name].to_numpy(dtype=float) for name in X.columns}
        row.input_csi = input_csi(card, model.document, columns)
    db.session.add(row)
    db.session.flush()
    return row


def latest_run(model: ScoreModel) -> ScoreRun | None:
    return db.session.execute(sa.select(ScoreRun).where(
        ScoreRun.model_version == model.version).order_by(
        ScoreRun.scored_on.desc(), ScoreRun.id.desc()).limit(1)).scalar_one_or_none()
