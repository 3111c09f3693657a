"""Scoring every subject with the active model (nightly and on demand), storing score, grade,
tier, version and explanation; reading scores back for the profile, history, review queue
and the ``core.scores`` provider (risk tiers for inspections, the red-list grade criterion).

The score steers supervision only; nothing here proposes or publishes a list entry (DOMAIN.md:
"it never puts a subject on a punishment list by itself")."""

from __future__ import annotations

import math
from collections import Counter
from datetime import date

import numpy as np
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from core import audit, clock
from core.accounts.models import Role
from core.config import policy
from core.db import advisory_lock
from core.errors import Conflict, PermissionDenied
from core.extensions import db
from core.orgs.services import user_org_ids
from core.scores import ScoreView
from credit.scoring import drift, grades, registry, sources
from credit.scoring.matrix import feature_matrix
from credit.scoring.models import IntegrityScore, ScoreModel


def _best_points(card) -> dict[str, float]:
    table = card.points_table_
    return table.groupby("feature", sort=False)["points"].max().to_dict()


def _value(v) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def explanations(card, X, eldercare=None, n_reasons: int = 3) -> list[dict]:
    """Per row: base, exact total, each feature's value and points, and the reasons (the
    features that cost the most points against their best bin, largest first);
    ``eldercare`` flags the rows of eldercare providers (their texts differ a little)."""
    total, base, pts, reasons = card.explain_arrays(X, n_reasons)
    names = [str(n) for n in card.feature_names_in_]
    best = _best_points(card)
    values = X.to_numpy(dtype=np.float64)
    eldercare = np.zeros(len(X), dtype=bool) if eldercare is None else np.asarray(eldercare)
    out = []
    for i in range(len(X)):
        points = dict(zip(names, pts[i].tolist(), strict=True))
        out.append({
            "base": float(base), "total": float(total[i]), "points": points,
            "values": {n: _value(v) for n, v in zip(names, values[i].tolist(), strict=True)},
            "reasons": [{"feature": names[j], "cost": best[names[j]] - points[names[j]]}
                        for j in reasons[i] if j >= 0],
            "eldercare": bool(eldercare[i]),
        })
    return out


def _existing(day: date, version: str, org_ids) -> dict[int, IntegrityScore]:
    rows = db.session.execute(sa.select(IntegrityScore).where(
        IntegrityScore.scored_on == day, IntegrityScore.model_version == version,
        IntegrityScore.org_id.in_(list(org_ids)))).scalars()
    return {r.org_id: r for r in rows}


def score_subjects(actor, day: date | None = None, org_ids=None) -> dict:
    """Score every scorable subject (or those of ``org_ids``) as of ``day`` with the active
    model. Idempotent: the same day and version replace the numbers of the same rows."""
    day = day or clock.today()
    advisory_lock("credit.score_run")  # two runs at once would race on the same rows
    model = registry.active_model()
    if model is None:
        raise Conflict("credit.scoring.no_active_model", _l("还没有启用的评分模型，请先训练。"))
    ids = sources.scorable_ids(day)
    if org_ids is not None:
        wanted = set(org_ids)
        ids = [i for i in ids if i in wanted]
    card = registry.scorecard(model.version)
    names = [str(n) for n in card.feature_names_in_]
    tables = sources.load_tables(until=day)
    found = []
    X = feature_matrix(tables, ids, day)[names] if ids else None
    if ids:
        found = explanations(card, X, tables.orgs.loc[ids, "is_eldercare"].to_numpy())
    existing = _existing(day, model.version, ids)
    g = model.document["grades"]
    counts: Counter = Counter()
    scores = []
    for org_id, expl in zip(ids, found, strict=True):
        score = grades.display_score(expl["total"], g["score_min"], g["score_max"])
        grade = grades.grade_of(score, g["cutoffs"])
        row = existing.get(org_id) or IntegrityScore(org_id=org_id, scored_on=day,
                                                     model_version=model.version)
        row.score, row.grade, row.tier, row.explanation = score, grade, grades.tier_of(grade), expl
        db.session.add(row)
        counts[grade] += 1
        scores.append(score)
    db.session.flush()
    by_grade = dict(sorted(counts.items()))
    run = drift.record_run(model, day, scores, X, by_grade, card)
    result = {"scored_on": day.isoformat(), "model_version": model.version, "scored": len(ids),
              "by_grade": by_grade, "score_psi": run.score_psi}
    audit.record(actor, "credit.score.run", "credit_score_model", model.version, after=result)
    return result


# --- reading ---------------------------------------------------------------------------------

def latest_query(org_ids=None):
    """The latest score row of each subject (latest day; the newest row on that day)."""
    s = IntegrityScore
    day_q = sa.select(s.org_id, sa.func.max(s.scored_on).label("day")).group_by(s.org_id)
    if org_ids is not None:
        day_q = day_q.where(s.org_id.in_(list(org_ids)))
    days = day_q.subquery()
    newest = sa.select(sa.func.max(s.id)).join(
        days, sa.and_(s.org_id == days.c.org_id, s.scored_on == days.c.day)).group_by(s.org_id)
    return sa.select(s).where(s.id.in_(newest))


def latest_rows(org_ids=None) -> dict[int, IntegrityScore]:
    if org_ids is not None and not list(org_ids):
        return {}
    return {r.org_id: r for r in db.session.execute(latest_query(org_ids)).scalars()}


def view_of(row: IntegrityScore) -> ScoreView:
    return ScoreView(org_id=row.org_id, score=row.score, grade=row.grade, tier=row.tier,
                     model_version=row.model_version, scored_on=row.scored_on)


def latest_views(org_ids) -> dict[int, ScoreView]:
    """The ``core.scores`` provider: the latest score of each org that has one."""
    return {org_id: view_of(row) for org_id, row in latest_rows(list(org_ids)).items()}


def review_queue():
    """Subjects whose latest grade is the review band (policy ``score_review_grade``, "D"),
    lowest score first — for a regulator to look at, never an automatic list entry."""
    latest = latest_query().subquery()
    row = aliased(IntegrityScore, latest)
    return sa.select(row).where(row.grade == policy("score_review_grade")).order_by(
        row.score, row.org_id)


TIERS = ("green", "blue", "yellow", "red")  # 四色: low risk to high


def tier_counts() -> dict[str, int]:
    """How many subjects each tier holds by their latest score."""
    latest = latest_query().subquery()
    row = aliased(IntegrityScore, latest)
    counts = dict(db.session.execute(sa.select(row.tier, sa.func.count()).group_by(row.tier)).all())
    return {tier: int(counts.get(tier, 0)) for tier in TIERS}


def tier_query(tier: str):
    """Subjects whose latest score is in ``tier``, lowest score first."""
    latest = latest_query().subquery()
    row = aliased(IntegrityScore, latest)
    return sa.select(row).where(row.tier == tier).order_by(row.score, row.org_id)


def history_query(org_id: int):
    return sa.select(IntegrityScore).where(IntegrityScore.org_id == org_id).order_by(
        IntegrityScore.scored_on.desc(), IntegrityScore.id.desc())


def may_see(user, org_id: int) -> bool:
    """Individual scores: regulators, and the organization's own staff."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.has_role(Role.REGULATOR) or org_id in user_org_ids(user)


def require_access(user, org_id: int) -> None:
    if not may_see(user, org_id):
        raise PermissionDenied("credit.scoring.not_yours", _l("只能查看本组织的信用评分。"))


def model_scores(model: ScoreModel) -> tuple[date | None, list[IntegrityScore]]:
    """The latest scoring run of ``model``: its day and rows."""
    day = db.session.execute(sa.select(sa.func.max(IntegrityScore.scored_on)).where(
        IntegrityScore.model_version == model.version)).scalar_one()
    if day is None:
        return None, []
    rows = db.session.execute(sa.select(IntegrityScore).where(
        IntegrityScore.model_version == model.version, IntegrityScore.scored_on == day))
    return day, list(rows.scalars())
