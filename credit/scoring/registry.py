"""Score model versions: finding them, the active one, their documents and fitted scorecards
(cached for the app context: a model document never changes once written)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import g
from flask_babel import lazy_gettext as _l

from core.errors import NotFound
from core.extensions import db
from credit.scoring.models import ModelStatus, ScoreModel
from credit.scoring.scorecard import Scorecard


def active_model() -> ScoreModel | None:
    return db.session.execute(
        sa.select(ScoreModel).where(ScoreModel.status == ModelStatus.ACTIVE)
        .order_by(ScoreModel.id.desc())).scalars().first()


def get_model(version: str) -> ScoreModel:
    model = db.session.execute(
        sa.select(ScoreModel).where(ScoreModel.version == version)).scalar_one_or_none()
    if model is None:
        raise NotFound("credit.scoring.model_not_found", _l("评分模型版本不存在。"))
    return model


def all_models():
    """Every version, newest first (a select, for pagination)."""
    return sa.select(ScoreModel).order_by(ScoreModel.id.desc())


def next_version(day: date) -> str:
    """``YYYYMMDD.n``: the n-th model trained that day (call under the model lock)."""
    prefix = day.strftime("%Y%m%d")
    count = db.session.execute(sa.select(sa.func.count()).where(
        ScoreModel.version.like(f"{prefix}.%"))).scalar_one()
    return f"{prefix}.{count + 1}"


def _cache() -> dict:
    if "credit_scoring_cache" not in g:
        g.credit_scoring_cache = {"documents": {}, "cards": {}}
    return g.credit_scoring_cache


def document(version: str) -> dict | None:
    """The stored document of ``version`` (None when unknown)."""
    docs = _cache()["documents"]
    if version not in docs:
        found = db.session.execute(sa.select(ScoreModel.document).where(
            ScoreModel.version == version)).scalar_one_or_none()
        if found is None:
            return None
        docs[version] = found
    return docs[version]


def scorecard(version: str) -> Scorecard:
    """The fitted Scorecard of ``version``, rebuilt from its JSON (identical scores)."""
    cards = _cache()["cards"]
    if version not in cards:
        doc = document(version)
        if doc is None:
            raise NotFound("credit.scoring.model_not_found", _l("评分模型版本不存在。"))
        cards[version] = Scorecard.from_dict(doc["scorecard"])
    return cards[version]
