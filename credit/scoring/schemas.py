"""API shapes of the integrity score: the model card (``civic.credit.score_model/1``), model
versions, one subject's score with its explanation, score history and the review queue."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from core.schemas import AwareDateTime, Schema

F = ma.fields


class FeatureOut(Schema):
    name = F.String()
    label = F.String()
    how = F.String(metadata={"description": "how the feature is computed"})
    direction = F.Integer(metadata={"description": "+1 riskier as it grows, -1 safer, 0 none "
                                                   "(the monotonic constraint)"})
    direction_label = F.String()
    coef = F.Float()
    points_min = F.Float()
    points_max = F.Float()
    used = F.Boolean(metadata={"description": "false when the model gives it 0 points"})


class PointsRowOut(Schema):
    feature = F.String()
    label = F.String()
    bin = F.String()
    lower = F.Float(allow_none=True)
    upper = F.Float(allow_none=True)
    woe = F.Float()
    points = F.Float()
    count = F.Float()
    bad_rate = F.Float(allow_none=True)


class ModelSummaryOut(Schema):
    version = F.String()
    status = F.String(metadata={"description": "candidate, active or retired"})
    auc = F.Float(metadata={"description": "held-out AUC"})
    created_at = AwareDateTime()
    promoted_at = AwareDateTime(allow_none=True)


class ModelCardOut(ModelSummaryOut):
    window = F.Dict(metadata={"description": "history, snapshot dates, train/test as-of range"})
    sizes = F.Dict()
    base_rate = F.Dict()
    label = F.Dict(metadata={"description": "a serious fact within horizon_months"})
    metrics = F.Dict(metadata={"description": "AUC, KS, Brier on the held-out (test) snapshots"})
    calibration = F.List(F.Dict())
    comparison = F.Dict(metadata={"description": "HistGradientBoostingClassifier, same split"})
    grades = F.Dict(metadata={"description": "whole-point cut-offs of grades A/B/C and tiers"})
    promotion = F.Dict()
    base_points = F.Float()
    scaling = F.Dict()
    features = F.List(F.Nested(FeatureOut))
    points_table = F.List(F.Nested(PointsRowOut))
    drift = F.Dict(allow_none=True, metadata={"description": "PSI of the score, CSI per input"})


class PromoteIn(Schema):
    reason = F.String(required=True, validate=validate.Length(min=1, max=500))


class ScoreRunIn(Schema):
    org_ids = F.List(F.Integer(), load_default=None, allow_none=True,
                     validate=validate.Length(max=5000))


class ScoreRunOut(Schema):
    scored_on = F.String()
    model_version = F.String()
    scored = F.Integer()
    by_grade = F.Dict(keys=F.String(), values=F.Integer())
    score_psi = F.Float(allow_none=True, metadata={
        "description": "PSI of these scores against the model's training scores"})


class PointsOut(Schema):
    feature = F.String()
    label = F.String()
    value = F.String()
    points = F.Float()


class ReasonOut(Schema):
    feature = F.String()
    cost = F.Float(metadata={"description": "points below the feature's best bin"})
    text = F.String()


class ScoreOut(Schema):
    org_id = F.Integer()
    scored_on = F.Date()
    score = F.Integer()
    grade = F.String()
    tier = F.String()
    model_version = F.String()
    base_points = F.Float()
    points_total = F.Float(metadata={"description": "base + every feature's points, exactly; "
                                                    "score is this rounded"})
    points = F.List(F.Nested(PointsOut))
    reasons = F.List(F.Nested(ReasonOut))


class ScoreRowOut(Schema):
    org_id = F.Integer()
    org_name = F.String(attribute="organization.name")
    scored_on = F.Date()
    score = F.Integer()
    grade = F.String()
    tier = F.String()
    model_version = F.String()
