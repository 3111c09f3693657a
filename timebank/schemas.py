"""API shapes of the time bank (``XIn`` / ``XOut``); personal numbers only ever masked."""

from __future__ import annotations

import json

import marshmallow as ma
from flask_login import current_user
from marshmallow import validate

from core.schemas import AwareDateTime, Schema
from timebank import redemption
from timebank.vocabulary import PostingKind, RedemptionStatus, SessionStatus, category_open

Str = ma.fields.String
Int = ma.fields.Integer


def open_category(code: str) -> None:
    """A category new records may use today (the bureau's catalogue; retired ones are not)."""
    if not category_open(code):
        raise ma.ValidationError("unknown or retired category")


class SessionIn(Schema):
    volunteer_id = Int(load_default=None, metadata={
        "description": "the volunteer (person id); default: the signed-in volunteer"})
    recipient_person_id = Int(load_default=None, allow_none=True, metadata={
        "description": "a person the caller's organizations serve (as the person lookup "
                       "offers them); anyone else by recipient_number and recipient_name"})
    recipient_number = Str(load_default=None, allow_none=True,
                           validate=validate.Length(max=30), metadata={
                               "description": "the person served: member-card (volunteer) "
                                              "number or ID number, with recipient_name"})
    recipient_name = Str(load_default=None, allow_none=True, validate=validate.Length(max=50),
                         metadata={"description": "their name (or two characters of it), "
                                                  "which must match the number"})
    recipient_org_id = Int(load_default=None, allow_none=True)
    org_id = Int(load_default=None, allow_none=True,
                 metadata={"description": "the organizing organization"})
    category = Str(required=True, validate=open_category)
    district_id = Int(required=True)
    address = Str(required=True, validate=validate.Length(min=1, max=200))
    start = AwareDateTime(required=True)
    end = AwareDateTime(required=True)
    description = Str(load_default="", validate=validate.Length(max=2000))


class SessionOut(Schema):
    id = Int()
    volunteer_id = Int()
    volunteer_name = Str(attribute="volunteer.name")
    recipient_person_id = Int(allow_none=True)
    recipient_org_id = Int(allow_none=True)
    recipient = Str(attribute="recipient_label")
    org_id = Int(allow_none=True)
    category = Str()
    category_label = Str()
    district_id = Int()
    address = Str()
    start = ma.fields.AwareDateTime(attribute="start_at")
    end = ma.fields.AwareDateTime(attribute="end_at")
    minutes = Int()
    description = Str()
    status = Str()
    status_label = Str()
    source = Str()
    credited = ma.fields.Boolean()
    credit_minutes = Int()
    confirmed_via = Str(allow_none=True)
    decided_at = ma.fields.AwareDateTime(allow_none=True)
    reject_reason = Str(allow_none=True)
    late_reason = Str(allow_none=True)
    reversal_reason = Str(allow_none=True)
    reversal_shortfall = Int()
    created_at = ma.fields.AwareDateTime()


class SessionListArgs(Schema):
    status = Str(load_default=None, validate=validate.OneOf([s.value for s in SessionStatus]))
    scope = Str(load_default="mine",
                validate=validate.OneOf(["mine", "to_confirm", "org", "all"]),
                metadata={"description": "mine: my sessions; to_confirm: awaiting my decision; "
                                         "org: my organizations' sessions; all: regulators"})


class ReasonIn(Schema):
    reason = Str(required=True, validate=validate.Length(min=1, max=2000))


class EmptyIn(Schema):
    pass


class ConfirmIn(Schema):
    reason = Str(load_default=None, allow_none=True, validate=validate.Length(max=2000),
                 metadata={"description": "required when the session ended more than "
                                          "backdate_window_days ago (organizations only)"})


class ReviewDecisionIn(Schema):
    release = ma.fields.Boolean(required=True, metadata={
        "description": "true: deposit the hours as confirmed; false: reject the session"})
    reason = Str(required=True, validate=validate.Length(min=1, max=2000))


class SignalOut(Schema):
    kind = Str()
    label = Str()
    detail = ma.fields.Dict()
    created_at = ma.fields.AwareDateTime()
    outcome = Str(allow_none=True)


class HeldSessionOut(Schema):
    session = ma.fields.Nested(lambda: SessionOut())
    signals = ma.fields.List(ma.fields.Nested(SignalOut))


class RosterVolunteer(Schema):
    volunteer_id = Int(required=True)
    recipient_person_id = Int(load_default=None, allow_none=True)
    start = AwareDateTime(load_default=None)
    end = AwareDateTime(load_default=None)


class RosterIn(Schema):
    org_id = Int(required=True)
    category = Str(required=True, validate=open_category)
    district_id = Int(required=True)
    address = Str(required=True, validate=validate.Length(min=1, max=200))
    start = AwareDateTime(required=True)
    end = AwareDateTime(required=True)
    description = Str(load_default="", validate=validate.Length(max=2000))
    confirm = ma.fields.Boolean(load_default=False)
    volunteers = ma.fields.List(ma.fields.Nested(RosterVolunteer), required=True,
                                validate=validate.Length(min=1, max=500))


class RowResultOut(Schema):
    row = Int()
    label = Str()
    ok = ma.fields.Boolean()
    session_id = ma.fields.Function(lambda r: r.session.id if r.session else None)
    code = Str(allow_none=True)
    message = Str(allow_none=True)
    errors = ma.fields.Dict()


class BatchOut(Schema):
    created = Int()
    refused = Int()
    rows = ma.fields.List(ma.fields.Nested(RowResultOut))


class ImportArgs(Schema):
    org_id = Int(required=True)
    confirm = ma.fields.Boolean(load_default=False)


class AccountOut(Schema):
    person_id = Int()
    name = Str()
    volunteer_number = Str(allow_none=True)
    id_number_masked = Str()
    balance = Int(metadata={"description": "minutes"})
    held = Int()
    available = Int()
    may_redeem = ma.fields.Boolean()
    pending_sessions = Int()


class HistoryArgs(Schema):
    kind = Str(load_default=None, validate=validate.OneOf([k.value for k in PostingKind]))
    since = ma.fields.Date(load_default=None)
    until = ma.fields.Date(load_default=None)


class HistoryLineOut(Schema):
    id = Int(attribute="posting.id")
    kind = Str()
    label = Str()
    minutes = Int(attribute="signed", metadata={"description": "+ in, − out"})
    detail = Str()
    at = ma.fields.AwareDateTime()


class GiftIn(Schema):
    to_person_id = Int(required=True)
    minutes = Int(required=True, strict=True, validate=validate.Range(min=1, max=10 ** 7))


class DonationIn(Schema):
    minutes = Int(required=True, strict=True, validate=validate.Range(min=1, max=10 ** 7))


class AllocationIn(Schema):
    to_person_id = Int(required=True)
    minutes = Int(required=True, strict=True, validate=validate.Range(min=1, max=10 ** 7))
    reason = Str(required=True, validate=validate.Length(min=1, max=2000))


class TransferOut(Schema):
    id = Int()
    kind = Str()
    from_person_id = Int(allow_none=True)
    to_person_id = Int(allow_none=True)
    minutes = Int()
    relation = Str(allow_none=True)
    reason = Str(allow_none=True)
    created_at = ma.fields.AwareDateTime()


class PoolOut(Schema):
    balance = Int()
    donated = Int()
    allocated = Int()


CATEGORY_OF_ITEM = {"description": "service category code (GET /api/v1/catalogues/"
                                   "timebank.categories/items): one in force and not retired "
                                   "today; an item keeps one retired since"}


class CatalogueItemIn(Schema):
    name = Str(required=True, validate=validate.Length(min=1, max=100))
    category = Str(load_default="other", validate=open_category, metadata={
        "description": CATEGORY_OF_ITEM["description"] + " (default: other, 其他)"})
    description = Str(load_default="", validate=validate.Length(max=2000))
    service_minutes = Int(required=True, strict=True, validate=validate.Range(min=1, max=1440))
    price_minutes = Int(load_default=None, strict=True,
                        validate=validate.Range(min=1, max=1440),
                        metadata={"description": "default: 1 minute of credit per minute"})
    max_quantity = Int(load_default=None, strict=True, validate=validate.Range(min=1, max=20),
                       metadata={"description": "most per redemption (default: the policy "
                                                "cap; above it needs a regulator's approval)"})
    active = ma.fields.Boolean(load_default=True)


class CatalogueItemPatch(Schema):
    name = Str(validate=validate.Length(min=1, max=100))
    category = Str(validate=validate.Length(min=1, max=32), metadata=CATEGORY_OF_ITEM)
    description = Str(validate=validate.Length(max=2000))
    service_minutes = Int(strict=True, validate=validate.Range(min=1, max=1440))
    price_minutes = Int(strict=True, validate=validate.Range(min=1, max=1440))
    max_quantity = Int(strict=True, validate=validate.Range(min=1, max=20))
    active = ma.fields.Boolean()


class CatalogueArgs(Schema):
    category = Str(load_default=None, validate=validate.Length(min=1, max=32),
                   metadata={"description": "only this service category's items"})


class CatalogueItemOut(Schema):
    id = Int()
    org_id = Int()
    name = Str()
    category = Str()
    category_label = Str(metadata={"description": "the category's name in force today"})
    description = Str()
    service_minutes = Int()
    price_minutes = Int()
    max_quantity = Int()
    active = ma.fields.Boolean()
    approval_pending = ma.fields.Boolean(metadata={
        "description": "above the policy caps and not yet approved by a regulator"})


class LookupArgs(Schema):
    q = Str(required=True, validate=validate.Length(min=1, max=30),
            metadata={"description": "volunteer number or ID number"})


class RedemptionIn(Schema):
    item_id = Int(required=True)
    quantity = Int(load_default=1, strict=True, validate=validate.Range(min=1, max=20))
    person_id = Int(load_default=None, metadata={
        "description": "counter staff: the member who presented themself; default: the "
                       "signed-in member"})
    pay_code = Str(load_default=None, validate=validate.Length(min=1, max=20), metadata={
        "description": "counter staff: the member's pay code (it names the member and "
                       "authorizes this one redemption)"})
    id_checked = ma.fields.Boolean(load_default=False, metadata={
        "description": "counter staff, for a member without a login: I checked the original "
                       "ID card (a family proxy or a second staff member then approves)"})


class PresentIn(Schema):
    pay_code = Str(load_default=None, validate=validate.Length(min=1, max=20))
    id_number = Str(load_default=None, validate=validate.Length(equal=18))
    org_id = Int(load_default=None, metadata={"description": "default: my institution"})

    @ma.validates_schema
    def one_of(self, data, **_kw):
        if bool(data.get("pay_code")) == bool(data.get("id_number")):
            raise ma.ValidationError("give pay_code or id_number", "pay_code")


class PayCodeOut(Schema):
    code = Str(metadata={"description": "shown once; only its keyed hash is stored"})
    expires_at = ma.fields.AwareDateTime()


class CodeIn(Schema):
    code = Str(load_default=None, validate=validate.Length(min=1, max=12), metadata={
        "description": "the one-time code, for a redemption the member reserved themself"})


class CancelIn(Schema):
    reason = Str(load_default="", validate=validate.Length(max=2000))


class RedemptionOut(Schema):
    id = Int()
    org_id = Int()
    org_name = Str(attribute="org.name")
    person_id = Int()
    member_name = Str(attribute="person.name")
    item_id = Int()
    item_name = Str()
    quantity = Int()
    unit_price = Int()
    amount = Int()
    status = Str(validate=validate.OneOf([s.value for s in RedemptionStatus]))
    status_label = Str()
    created_at = ma.fields.AwareDateTime()
    settled_at = ma.fields.AwareDateTime(allow_none=True)
    void_reason = Str(allow_none=True)
    consent = Str(metadata={"description": "self, pay_code, member, assisted"})
    consent_label = Str()
    id_checked = ma.fields.Boolean()
    approval_via = Str(allow_none=True, metadata={"description": "member, family, staff"})
    created_by_id = Int(allow_none=True)


def _code_for_member(row) -> str | None:
    return redemption.code_for(current_user, row)


class RedemptionViewOut(RedemptionOut):
    code = ma.fields.Function(_code_for_member, metadata={
        "description": "the one-time code, shown to the member only, while pending"})


class RedemptionListArgs(Schema):
    org_id = Int(load_default=None)
    status = Str(load_default=None, validate=validate.OneOf([s.value for s in RedemptionStatus]))


class CertificateIn(Schema):
    person_id = Int(load_default=None, metadata={"description": "default: the signed-in member"})


class CertificateOut(Schema):
    number = Str()
    verification_code = Str()
    issued_at = ma.fields.AwareDateTime()
    total_minutes = ma.fields.Function(lambda c: json.loads(c.content)["total_minutes"])
    pdf_url = ma.fields.Function(lambda c: f"/timebank/certificates/{c.number}.pdf")
    verify_url = ma.fields.Function(lambda c: f"/verify/{c.number}")


class VerifyOut(Schema):
    number = Str(attribute="certificate.number")
    name = Str(attribute="masked_name")
    total_minutes = ma.fields.Function(lambda v: v.content.get("total_minutes"))
    issued_on = ma.fields.Function(lambda v: v.content.get("issued_on"))
    issuer = ma.fields.Function(lambda v: v.content.get("issuer"))
    genuine = ma.fields.Boolean()
    code_matches = ma.fields.Boolean(allow_none=True)
    reversed_since = Int()


class VerifyArgs(Schema):
    code = Str(load_default=None, validate=validate.Length(max=40))


class StatsArgs(Schema):
    year = Int(load_default=None, validate=validate.Range(min=2000, max=2100))
    district_id = Int(load_default=None)


class NamedMinutes(Schema):
    name = ma.fields.Function(lambda t: t[0])
    minutes = ma.fields.Function(lambda t: t[1])


class OrgMinutes(NamedMinutes):
    volunteers = ma.fields.Function(lambda t: t[2])


class StatsOut(Schema):
    year = Int()
    sessions = Int()
    total_minutes = Int()
    active_volunteers = Int()
    by_district = ma.fields.List(ma.fields.Nested(NamedMinutes))
    by_category = ma.fields.List(ma.fields.Nested(NamedMinutes))
    by_month = ma.fields.List(ma.fields.Nested(NamedMinutes))
    top_orgs = ma.fields.List(ma.fields.Nested(OrgMinutes))


class VerifyLedgerOut(Schema):
    ok = ma.fields.Boolean()
    accounts = Int()
    postings = Int()
    total = Int()
    problems = ma.fields.List(Str())
