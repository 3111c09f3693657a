"""JSON API of the integrity score (/api/v1/credit/model, /models, /scores, /review-queue).
The model card is public (transparency); individual scores are for regulators and the
organization's own staff."""

from __future__ import annotations

from datetime import date, datetime

from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import Blueprint

from core.accounts.models import Role
from core.auth import PUBLIC, roles
from core.errors import NotFound
from core.schemas import SQLPage
from credit.facts.records import get_subject
from credit.scoring import card, explain, registry, subject_scores, training
from credit.scoring import schemas as s
from credit.scoring.fitting import clean

blp = Blueprint("credit_scoring_api", __name__, url_prefix="/api/v1/credit",
                description="Integrity score: model card, versions, scores and explanations")

STAFF = (Role.ORG_STAFF, Role.INSTITUTION_STAFF)


def _json_safe(value):
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return clean(value)


def card_out(model) -> dict:
    data = card.card_data(model)
    return {**data, "drift": _json_safe(data["drift"]), "calibration": clean(data["calibration"])}


def _active():
    model = registry.active_model()
    if model is None:
        raise NotFound("credit.scoring.no_active_model", _l("还没有启用的评分模型。"))
    return model


@blp.route("/model")
class ActiveModel(MethodView):
    @roles(PUBLIC)
    @blp.response(200, s.ModelCardOut)
    def get(self):
        """The model card of the active score model (public)"""
        return card_out(_active())


@blp.route("/models")
class Models(MethodView):
    @roles(PUBLIC)
    @blp.response(200, s.ModelSummaryOut(many=True))
    @blp.paginate(SQLPage)
    def get(self):
        """Every model version, newest first, with its status and held-out AUC (public)"""
        return registry.all_models()


@blp.route("/models/<string:version>")
class ModelByVersion(MethodView):
    @roles(PUBLIC)
    @blp.response(200, s.ModelCardOut)
    def get(self, version):
        """The model card of one version (public)"""
        return card_out(registry.get_model(version))


@blp.route("/models/<string:version>/promote")
class ModelPromote(MethodView):
    @roles(Role.ADMIN)
    @blp.arguments(s.PromoteIn)
    @blp.response(200, s.ModelSummaryOut)
    def post(self, data, version):
        """Make a candidate (or retired) version the active one, with a reason (audited)"""
        return training.promote(current_user, registry.get_model(version), data["reason"])


@blp.route("/scores/run")
class ScoreRun(MethodView):
    @roles(Role.REGULATOR, Role.ADMIN)
    @blp.arguments(s.ScoreRunIn)
    @blp.response(200, s.ScoreRunOut)
    def post(self, data):
        """Score every subject (or the given ones) now with the active model (idempotent)"""
        return subject_scores.score_subjects(current_user, org_ids=data["org_ids"])


@blp.route("/scores/<int:org_id>")
class ScoreOfOrg(MethodView):
    @roles(Role.REGULATOR, *STAFF)
    @blp.response(200, s.ScoreOut)
    def get(self, org_id):
        """A subject's latest score: points per feature and the reasons (regulators; the
        organization's own staff)"""
        get_subject(org_id)
        subject_scores.require_access(current_user, org_id)
        row = subject_scores.latest_rows([org_id]).get(org_id)
        if row is None:
            raise NotFound("credit.scoring.no_score", _l("该主体还没有信用评分。"))
        return explain.api_explanation(row)


@blp.route("/scores/<int:org_id>/history")
class ScoreHistory(MethodView):
    @roles(Role.REGULATOR, *STAFF)
    @blp.response(200, s.ScoreRowOut(many=True))
    @blp.paginate(SQLPage)
    def get(self, org_id):
        """A subject's scores over time, newest first"""
        get_subject(org_id)
        subject_scores.require_access(current_user, org_id)
        return subject_scores.history_query(org_id)


@blp.route("/review-queue")
class ReviewQueue(MethodView):
    @roles(Role.REGULATOR)
    @blp.response(200, s.ScoreRowOut(many=True))
    @blp.paginate(SQLPage)
    def get(self):
        """Subjects whose latest grade is the review band (D), lowest score first"""
        return subject_scores.review_queue()
