"""API shapes of random inspections: the directories and their changes, draws (commitment,
reveal, cancellation, what they publish) and results."""

from __future__ import annotations

import marshmallow as ma
from flask_babel import lazy_gettext as _l
from marshmallow import validate

from core.schemas import AwareDateTime, Schema
from credit.vocabulary import RESULTS

F = ma.fields
REASON = validate.Length(min=1, max=200)


# --- directories -----------------------------------------------------------------------------

class DirectoryArgs(Schema):
    active = F.Boolean(load_default=None, allow_none=True,
                       metadata={"description": "only active (true) or deactivated (false)"})
    q = F.String(load_default=None, allow_none=True, validate=validate.Length(max=100),
                 metadata={"description": "part of the name, or the whole USCC"})


class InspectionReasonIn(Schema):
    reason = F.String(required=True, validate=REASON)


class DirectoryChangeOut(Schema):
    action = F.String(metadata={"description": "added, deactivated, reactivated, or left "
                                               "(deregistered or revoked: automatic)"})
    reason = F.String()
    actor = F.String(attribute="actor.display_name", allow_none=True)
    at = AwareDateTime()


class DirectorySubjectOut(Schema):
    org_id = F.Integer()
    name = F.String(attribute="organization.name")
    uscc = F.String(attribute="organization.uscc")
    org_status = F.String(attribute="organization.status")
    active = F.Boolean()


class DirectorySubjectDetailOut(DirectorySubjectOut):
    history = F.List(F.Nested(DirectoryChangeOut))


class InspectorIn(Schema):
    username = F.String(required=True, validate=validate.Length(min=1, max=64))
    staff_number = F.String(required=True, validate=validate.Length(min=1, max=32),
                            metadata={"description": "执法证号, published with the draws"})


class InspectorOut(Schema):
    user_id = F.Integer()
    name = F.String(attribute="user.display_name")
    staff_number = F.String(allow_none=True)
    active = F.Boolean()


class InspectorDetailOut(InspectorOut):
    history = F.List(F.Nested(DirectoryChangeOut))


class InspectorConflictIn(Schema):
    inspector_id = F.Integer(required=True)
    org_id = F.Integer(required=True)
    reason = F.String(required=True, validate=REASON)


class InspectorConflictOut(Schema):
    inspector_id = F.Integer()
    org_id = F.Integer()
    reason = F.String()


# --- draws -----------------------------------------------------------------------------------

class DrawIn(Schema):
    title = F.String(load_default="", validate=validate.Length(max=200))
    mode = F.String(load_default="ratio", validate=validate.OneOf(["ratio", "count"]),
                    metadata={"description": "ratio: the risk-tier ratios of the policy; "
                                             "count: a fixed number shared among the tiers"})
    count = F.Integer(load_default=None, allow_none=True,
                      validate=validate.Range(min=1, max=100000))
    commitment = F.String(load_default=None, allow_none=True,
                          validate=validate.Regexp(r"^[0-9a-fA-F]{64}$"),
                          metadata={"description": "SHA-256 of a secret an outside witness "
                                                   "keeps; omitted: the platform makes one"})

    @ma.validates_schema
    def _count_for_count_mode(self, data, **_kwargs):
        if data.get("mode") == "count" and not data.get("count"):
            raise ma.ValidationError({"count": [str(_l("按固定数量抽取时必填。"))]})


class RevealIn(Schema):
    secret = F.String(load_default=None, allow_none=True, validate=validate.Length(max=200),
                      metadata={"description": "the witness's secret (witnessed draws only)"})


class DrawAssignmentOut(Schema):
    org_id = F.Integer()
    tier = F.String()
    inspector_ids = F.List(F.Integer())
    result_fact_id = F.Integer(allow_none=True)
    not_inspected = F.String(allow_none=True, metadata={
        "description": "why the subject is not inspected: it left the registry after the "
                       "commitment (it stays in the draw; no one is drawn instead)"})


class DrawFilesOut(Schema):
    draw_json = F.String()
    snapshot_json = F.String()
    subjects_csv = F.String()
    inspectors_csv = F.String()
    recompute_script = F.String()


class DrawOut(Schema):
    id = F.Integer()
    title = F.String()
    state = F.String(metadata={"description": "committed, drawn or cancelled"})
    algorithm = F.String(metadata={"description": "czdraw-1, or legacy (before commitments)"})
    mode = F.String()
    count = F.Integer(allow_none=True)
    ratios = F.Dict()
    per_subject = F.Integer()
    commitment = F.String(allow_none=True)
    committed_at = AwareDateTime(allow_none=True)
    snapshot_sha256 = F.String(allow_none=True)
    witnessed = F.Boolean()
    earliest_reveal = AwareDateTime(allow_none=True)
    secret = F.String(allow_none=True, metadata={"description": "published at the reveal"})
    seed = F.String(allow_none=True)
    revealed_at = AwareDateTime(allow_none=True)
    drawn_on = F.Date(allow_none=True)
    result = F.List(F.Raw(), allow_none=True)
    cancelled_at = AwareDateTime(allow_none=True)
    cancel_reason = F.String(allow_none=True)
    assignments = F.List(F.Nested(DrawAssignmentOut))
    reproducible = F.Boolean(allow_none=True,
                             metadata={"description": "re-running the seed gives this result"})
    files = F.Nested(DrawFilesOut, allow_none=True)


class InspectionResultIn(Schema):
    org_id = F.Integer(required=True)
    result = F.String(required=True, validate=validate.OneOf(list(RESULTS)))
    summary = F.String(load_default="", validate=validate.Length(max=2000))
    document_number = F.String(required=True, validate=validate.Length(min=1, max=100))
    evidence_ref = F.String(required=True, validate=validate.Length(min=1, max=200))
    rectify_deadline = F.Date(load_default=None, allow_none=True)
    occurred_on = F.Date(load_default=None, allow_none=True)
