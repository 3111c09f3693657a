"""Training and promotion: build the snapshots from the credit record, fit, store a versioned
model document, and make it active only under the promotion rule (or by an admin)."""

from __future__ import annotations

import time
from datetime import date

import numpy as np
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core import audit, clock
from core.config import policy
from core.db import advisory_lock
from core.errors import Conflict, ValidationFailed
from core.extensions import db
from credit.dates import add_months
from credit.scoring import fitting, grades, registry, sources
from credit.scoring.dataset import build_dataset
from credit.scoring.metrics import auc, psi
from credit.scoring.models import ModelStatus, ScoreModel

LOCK = "credit.score_model"


def options_from_policy() -> fitting.Options:
    """Scaling and score range from policy (DOMAIN.md: 300–900, higher is more trustworthy)."""
    return fitting.Options(base_score=policy("score_base"), base_odds=policy("score_base_odds"),
                           pdo=policy("score_pdo"), score_min=policy("score_min"),
                           score_max=policy("score_max"))


def _published_scores(card, document: dict, X) -> np.ndarray:
    g = document["grades"]
    return np.array([grades.display_score(t, g["score_min"], g["score_max"])
                     for t in card.points(X)], dtype=float)


def _active_on_same_test(active: ScoreModel, fitted: fitting.Fitted) -> dict:
    """The active model on the new held-out snapshots when its inputs can still be computed
    (a fair comparison): its AUC there, and the PSI between its published scores and the
    candidate's on those same snapshots. Else its stored AUC, and no PSI."""
    card = registry.scorecard(active.version)
    names = [str(n) for n in getattr(card, "feature_names_in_", [])]
    if not names or not all(n in fitted.X_test.columns for n in names):
        return {"active_auc": active.auc, "basis": "stored", "psi": None}
    X = fitted.X_test[names]
    active_scores = _published_scores(card, active.document, X)
    new_scores = _published_scores(fitted.card, fitted.document, fitted.X_test)
    return {"active_auc": auc(fitted.y_test, card.predict_proba(X)[:, 1]), "basis": "same_test",
            "psi": psi(active_scores, new_scores)}


def promotion_check(fitted: fitting.Fitted, active: ScoreModel | None) -> dict:
    """The promotion rule (docs/scoring.md §13): on the same held-out window, a new version
    replaces the active one only if its AUC is not lower by more than policy
    ``score_promotion_max_auc_drop`` (0.01) and the PSI between the two models' published
    scores stays below ``score_promotion_max_psi`` (0.25). ``refused`` lists the rules that
    failed: "auc_drop", "psi", or "not_comparable" (the active model's inputs are gone)."""
    new_auc = fitted.document["metrics"]["test"]["auc"]
    max_drop = policy("score_promotion_max_auc_drop")
    max_psi = policy("score_promotion_max_psi")
    if active is None:
        return {"active_version": None, "new_auc": new_auc, "max_auc_drop": max_drop,
                "max_psi": max_psi, "psi": None, "refused": [], "passes": True}
    same = _active_on_same_test(active, fitted)
    refused = []
    if new_auc < same["active_auc"] - max_drop:
        refused.append("auc_drop")
    if same["psi"] is None:
        refused.append("not_comparable")
    elif same["psi"] >= max_psi:
        refused.append("psi")
    return {"active_version": active.version, **same, "new_auc": new_auc,
            "max_auc_drop": max_drop, "max_psi": max_psi, "refused": refused,
            "passes": not refused}


def fit_from_record(observed_until: date, options: fitting.Options | None = None
                    ) -> fitting.Fitted:
    """Snapshots of the whole credit record up to ``observed_until``, fitted."""
    tables = sources.load_tables(until=observed_until)
    data = build_dataset(tables, observed_until, policy("serious_fine_yuan"))
    try:
        return fitting.fit(data, options or options_from_policy())
    except (fitting.NotTrainable, ValueError) as exc:
        raise ValidationFailed("credit.scoring.not_trainable",
                               _l("历史数据不足以训练评分模型：%(why)s"), why=str(exc)) from None


def train(actor, observed_until: date | None = None, options: fitting.Options | None = None,
          auto_promote: bool = True) -> ScoreModel:
    """Train a new version on the record up to ``observed_until`` (default today), store it
    as a candidate, and promote it when the promotion rule allows."""
    observed_until = observed_until or clock.today()
    started = time.perf_counter()
    fitted = fit_from_record(observed_until, options)
    advisory_lock(LOCK)
    check = promotion_check(fitted, registry.active_model())
    version = registry.next_version(clock.today())
    document = {**fitted.document, "version": version, "promotion": check,
                "training_seconds": time.perf_counter() - started}
    model = ScoreModel(version=version, created_by_id=getattr(actor, "id", None),
                       status=ModelStatus.CANDIDATE, auc=check["new_auc"], document=document)
    db.session.add(model)
    db.session.flush()
    audit.record(actor, "credit.score_model.train", "credit_score_model", version, after={
        "auc": check["new_auc"], "hgb_auc": document["comparison"]["hgb"].get("auc"),
        "sizes": document["sizes"], "observed_until": observed_until, "promotion": check})
    if auto_promote and check["passes"]:
        promote(None, model, "按晋升规则自动启用：同一留出期上 AUC 不低于现行模型减去允许降幅，"
                "新旧评分分布的 PSI 低于上限", auto=True)
    return model


def promote(actor, model: ScoreModel, reason: str, auto: bool = False) -> ScoreModel:
    """Make ``model`` the active one (the previous active model is retired), audited. An
    admin may promote any candidate or retired version, with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("credit.reason_required", _l("请填写启用理由。"),
                               errors={"reason": [str(_l("必填。"))]})
    advisory_lock(LOCK)
    if model.status == ModelStatus.ACTIVE:
        raise Conflict("credit.scoring.already_active", _l("该模型版本已经是现行版本。"))
    current = registry.active_model()
    if current is not None:
        current.status, current.retired_at = ModelStatus.RETIRED, clock.now()
        db.session.flush()  # one active model at a time, also at the moment of the swap
    model.status, model.promoted_at = ModelStatus.ACTIVE, clock.now()
    model.promoted_by_id = getattr(actor, "id", None)
    db.session.flush()
    audit.record(actor, "credit.score_model.promote", "credit_score_model", model.version,
                 before={"active": current.version if current else None},
                 after={"active": model.version, "auto": auto, "auc": model.auc},
                 reason=reason)
    return model


def retrain_due(today: date | None = None) -> bool:
    """Whether the scheduled retraining should run: no model yet, or the newest one (trained
    by the job or by hand) is at least policy ``score_retrain_months`` (3) old."""
    today = today or clock.today()
    newest = db.session.execute(sa.select(sa.func.max(ScoreModel.created_at))).scalar_one()
    if newest is None:
        return True
    return clock.utc(newest).astimezone(clock.CITY_TZ).date() <= add_months(today, -policy("score_retrain_months"))


def refused_candidate() -> ScoreModel | None:
    """The newest version when the promotion rule refused it and no version was promoted
    since: the models page warns about it until an admin promotes a version or a later
    retraining passes."""
    newest = db.session.execute(sa.select(ScoreModel).order_by(ScoreModel.id.desc()).limit(1)
                                ).scalar_one_or_none()
    if newest is None or newest.status != ModelStatus.CANDIDATE:
        return None
    check = newest.document.get("promotion") or {}
    active = registry.active_model()
    if active is not None and active.promoted_at and active.promoted_at >= newest.created_at:
        return None  # an admin has chosen a version since
    return newest if check.get("refused") else None
