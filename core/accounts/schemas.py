"""API shapes for accounts, tokens, persons and family links."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from core.accounts.models import Relation
from core.schemas import AwareDateTime, Schema


class MeOut(Schema):
    id = ma.fields.Integer()
    username = ma.fields.String()
    display_name = ma.fields.String()
    roles = ma.fields.List(ma.fields.String())
    person_id = ma.fields.Integer(allow_none=True)
    volunteer_number = ma.fields.String(allow_none=True)
    org_ids = ma.fields.List(ma.fields.Integer())
    elder_mode = ma.fields.Boolean()
    locale = ma.fields.String(allow_none=True)


class TokenIn(Schema):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=100))
    expires_at = AwareDateTime(load_default=None, allow_none=True)


class TokenOut(Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    prefix = ma.fields.String()
    created_at = ma.fields.AwareDateTime()
    expires_at = ma.fields.AwareDateTime(allow_none=True)
    revoked_at = ma.fields.AwareDateTime(allow_none=True)
    last_used_at = ma.fields.AwareDateTime(allow_none=True)


class IssuedTokenOut(TokenOut):
    token = ma.fields.String(metadata={"description": "the secret, shown only in this response"})


class PersonIn(Schema):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=50))
    id_number = ma.fields.String(required=True, validate=validate.Length(equal=18))
    phone = ma.fields.String(load_default=None, allow_none=True,
                             validate=validate.Regexp(r"^1[3-9]\d{9}$"))
    district_id = ma.fields.Integer(load_default=None, allow_none=True)
    address = ma.fields.String(load_default=None, allow_none=True,
                               validate=validate.Length(max=200))
    as_volunteer = ma.fields.Boolean(load_default=False)


class PersonOut(Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    id_number_masked = ma.fields.String()
    phone_masked = ma.fields.String()
    # No birth date: with the masked number (first 4, last 4) it gives the whole number back.
    gender = ma.fields.String()
    district_id = ma.fields.Integer(allow_none=True)
    volunteer_number = ma.fields.String(allow_none=True)
    verified_at = ma.fields.AwareDateTime(
        allow_none=True, metadata={"description": "when staff checked the ID card in person"})


class InPersonIn(Schema):
    """The name and full number from the ID card held in front of the staff member."""

    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=50))
    id_number = ma.fields.String(required=True, validate=validate.Length(equal=18))
    org_id = ma.fields.Integer(load_default=None, allow_none=True,
                               metadata={"description": "the organization acting (default: "
                                                        "my first verified one)"})


class BindingCodeOut(Schema):
    person_id = ma.fields.Integer(attribute="row.person_id")
    code = ma.fields.String(metadata={"description": "shown only in this response; hand it "
                                                     "over in person"})
    expires_at = ma.fields.AwareDateTime(attribute="row.expires_at")


class PersonLookupArgs(Schema):
    id_number = ma.fields.String(load_default=None, validate=validate.Length(equal=18))
    volunteer_number = ma.fields.String(load_default=None, validate=validate.Length(max=20))

    @ma.validates_schema
    def one_of(self, data, **_kw):
        if not data.get("id_number") and not data.get("volunteer_number"):
            raise ma.ValidationError("give id_number or volunteer_number", "id_number")


class FamilyLinkIn(Schema):
    relative_name = ma.fields.String(required=True, validate=validate.Length(min=1, max=50))
    relative_id_number = ma.fields.String(required=True, validate=validate.Length(equal=18))
    relation = ma.fields.String(required=True,
                                validate=validate.OneOf([r.value for r in Relation]))


class FamilyLinkOut(Schema):
    id = ma.fields.Integer()
    person_id = ma.fields.Integer()
    relative_id = ma.fields.Integer()
    relative_name = ma.fields.Function(lambda link: link.relative.name)
    relation = ma.fields.String()
    verified = ma.fields.Boolean(attribute="is_verified")
    verified_at = ma.fields.AwareDateTime(allow_none=True)
