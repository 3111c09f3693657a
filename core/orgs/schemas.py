"""API shapes for districts and organizations."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from core.orgs.models import OrgKind, OrgStatus
from core.schemas import Schema


class DistrictOut(Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    name_en = ma.fields.String()
    gb_code = ma.fields.String(allow_none=True)
    lat = ma.fields.Float(allow_none=True)
    lon = ma.fields.Float(allow_none=True)


class OrgIn(Schema):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    uscc = ma.fields.String(required=True, validate=validate.Length(equal=18))
    kind = ma.fields.String(required=True, validate=validate.OneOf([k.value for k in OrgKind]))
    is_charity = ma.fields.Boolean(load_default=False)
    is_eldercare = ma.fields.Boolean(load_default=False)
    registering_authority = ma.fields.String(required=True,
                                             validate=validate.Length(min=1, max=100))
    legal_representative = ma.fields.String(required=True,
                                            validate=validate.Length(min=1, max=50))
    district_id = ma.fields.Integer(required=True)
    address = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    registration_date = ma.fields.Date(required=True)
    beds = ma.fields.Integer(load_default=None, allow_none=True,
                             validate=validate.Range(min=0, max=100000))
    contact_phone = ma.fields.String(load_default=None, allow_none=True,
                                     validate=validate.Length(max=30))


class OrgPatch(Schema):
    """Only the fields given change; nothing is defaulted."""

    name = ma.fields.String(validate=validate.Length(min=1, max=200))
    uscc = ma.fields.String(validate=validate.Length(equal=18))
    kind = ma.fields.String(validate=validate.OneOf([k.value for k in OrgKind]))
    is_charity = ma.fields.Boolean()
    is_eldercare = ma.fields.Boolean()
    registering_authority = ma.fields.String(validate=validate.Length(min=1, max=100))
    legal_representative = ma.fields.String(validate=validate.Length(min=1, max=50))
    district_id = ma.fields.Integer()
    address = ma.fields.String(validate=validate.Length(min=1, max=200))
    registration_date = ma.fields.Date()
    beds = ma.fields.Integer(allow_none=True, validate=validate.Range(min=0, max=100000))
    contact_phone = ma.fields.String(allow_none=True, validate=validate.Length(max=30))


class OrgStatusIn(Schema):
    status = ma.fields.String(required=True, validate=validate.OneOf([s.value for s in OrgStatus]))
    reason = ma.fields.String(required=True, validate=validate.Length(min=1, max=2000))


class OrgOut(Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    uscc = ma.fields.String()
    kind = ma.fields.String()
    kind_label = ma.fields.String()
    is_charity = ma.fields.Boolean()
    is_eldercare = ma.fields.Boolean()
    registering_authority = ma.fields.String()
    legal_representative = ma.fields.String()
    district_id = ma.fields.Integer()
    address = ma.fields.String()
    registration_date = ma.fields.Date()
    status = ma.fields.String()
    beds = ma.fields.Integer(allow_none=True)


class OrgListArgs(Schema):
    q = ma.fields.String(load_default=None, validate=validate.Length(max=100))
    district_id = ma.fields.Integer(load_default=None)
    kind = ma.fields.String(load_default=None, validate=validate.OneOf([k.value for k in OrgKind]))
    status = ma.fields.String(load_default=None,
                              validate=validate.OneOf([s.value for s in OrgStatus]))


class IdentityChangeIn(Schema):
    """The identity fields to change (any of them), why, and the evidence."""

    name = ma.fields.String(load_default=None, validate=validate.Length(min=1, max=200))
    uscc = ma.fields.String(load_default=None, validate=validate.Length(equal=18))
    kind = ma.fields.String(load_default=None,
                            validate=validate.OneOf([k.value for k in OrgKind]))
    is_eldercare = ma.fields.Boolean(load_default=None)
    legal_representative = ma.fields.String(load_default=None,
                                            validate=validate.Length(min=1, max=50))
    reason = ma.fields.String(required=True, validate=validate.Length(min=1, max=2000))
    evidence_ref = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))


class IdentityChangeOut(Schema):
    id = ma.fields.Integer()
    org_id = ma.fields.Integer()
    before = ma.fields.Dict()
    changes = ma.fields.Dict()
    reason = ma.fields.String()
    evidence_ref = ma.fields.String()
    status = ma.fields.String()
    created_at = ma.fields.AwareDateTime()
    decided_at = ma.fields.AwareDateTime(allow_none=True)
    decision_reason = ma.fields.String(allow_none=True)


class IdentityDecisionIn(Schema):
    approve = ma.fields.Boolean(required=True)
    reason = ma.fields.String(required=True, validate=validate.Length(min=1, max=2000))


class IdentityChangeListArgs(Schema):
    status = ma.fields.String(load_default="pending",
                              validate=validate.OneOf(["pending", "approved", "rejected"]))
