"""API shapes of the charity exchange (inputs XIn, outputs XOut). Domain checks with stable
codes (unknown item, unit mismatch, quantity, deadline) live in the services, so the schemas
only check types and lengths and leave those to the rules."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from charity import parties
from charity.explain import proposal_reasons, proposal_text
from charity.items import substitutes_of
from charity.opportunities import taken_places
from charity.vocabulary import ACTIVITIES, CATEGORIES, PostStatus, ProposalStatus
from core.schemas import AwareDateTime, Schema

Int = ma.fields.Integer
Str = ma.fields.String


def _opt_int(**kw):
    return Int(load_default=None, allow_none=True, strict=True, **kw)


def _q_int(**kw):
    """An optional integer in a query string (not strict: query values arrive as text)."""
    return Int(load_default=None, allow_none=True, **kw)


def _text(limit: int, **kw):
    return Str(load_default="", validate=validate.Length(max=limit), **kw)


class ItemIn(Schema):
    code = Str(required=True, validate=validate.Length(min=2, max=40))
    name = Str(required=True, validate=validate.Length(min=1, max=50))
    name_en = Str(required=True, validate=validate.Length(min=1, max=80))
    category = Str(required=True, validate=validate.OneOf(list(CATEGORIES)))
    unit = Str(required=True, validate=validate.Length(min=1, max=10))
    unit_en = Str(required=True, validate=validate.Length(min=1, max=20))
    active = ma.fields.Boolean(load_default=True)
    sort_order = Int(load_default=100, validate=validate.Range(min=0, max=100000))


class ItemPatch(Schema):
    code = Str(validate=validate.Length(min=2, max=40))
    name = Str(validate=validate.Length(min=1, max=50))
    name_en = Str(validate=validate.Length(min=1, max=80))
    category = Str(validate=validate.OneOf(list(CATEGORIES)))
    unit = Str(validate=validate.Length(min=1, max=10))
    unit_en = Str(validate=validate.Length(min=1, max=20))
    active = ma.fields.Boolean()
    sort_order = Int(validate=validate.Range(min=0, max=100000))


class ItemBrief(Schema):
    id = Int()
    code = Str()
    name = Str()
    name_en = Str()
    category = Str()
    unit = Str()
    unit_en = Str()


class ItemOut(ItemBrief):
    category_label = Str()
    active = ma.fields.Boolean()
    sort_order = Int()
    substitutes = ma.fields.Method("_substitutes", metadata={
        "description": "codes of items a need for this item also accepts (one way)"})

    def _substitutes(self, item):
        return [s.code for s in substitutes_of(item)]


class SubstituteIn(Schema):
    substitute_id = Int(required=True, strict=True)
    symmetric = ma.fields.Boolean(load_default=False, metadata={
        "description": "also declare the reverse direction"})


class ItemArgs(Schema):
    category = Str(load_default=None, validate=validate.OneOf(list(CATEGORIES)))
    include_inactive = ma.fields.Boolean(load_default=False)


class _PostIn(Schema):
    item_id = Int(required=True, strict=True)
    quantity = Int(required=True, strict=True, metadata={"description": "in the item's unit"})
    unit = Str(load_default=None, allow_none=True, validate=validate.Length(max=10),
               metadata={"description": "optional; must equal the item's unit"})
    category = Str(load_default=None, allow_none=True, validate=validate.Length(max=20))
    district_id = Int(required=True, strict=True)
    address = _text(200)
    lat = ma.fields.Float(load_default=None, allow_none=True)
    lon = ma.fields.Float(load_default=None, allow_none=True)
    description = _text(2000)


class NeedIn(_PostIn):
    org_id = Int(required=True, strict=True)
    urgency = Int(required=True, strict=True, metadata={"description": "1 (low) – 4 (urgent)"})
    deadline = AwareDateTime(required=True)
    beneficiary_name = Str(load_default=None, allow_none=True,
                           validate=validate.Length(max=50))
    beneficiary_id_number = Str(load_default=None, allow_none=True,
                                validate=validate.Length(equal=18), metadata={
        "description": "a person in difficulty the need is for, by ID number (registered if "
                       "new; never published)"})


class NeedPatch(Schema):
    item_id = Int(strict=True)
    quantity = Int(strict=True)
    unit = Str(allow_none=True, validate=validate.Length(max=10))
    district_id = Int(strict=True)
    address = Str(validate=validate.Length(max=200))
    lat = ma.fields.Float(allow_none=True)
    lon = ma.fields.Float(allow_none=True)
    description = Str(validate=validate.Length(max=2000))
    urgency = Int(strict=True)
    deadline = AwareDateTime()


class OfferIn(_PostIn):
    org_id = _opt_int(metadata={"description": "omit to offer as yourself (a person donor)"})
    available_from = AwareDateTime(load_default=None, allow_none=True)
    available_until = AwareDateTime(required=True)


class OfferPatch(Schema):
    item_id = Int(strict=True)
    quantity = Int(strict=True)
    unit = Str(allow_none=True, validate=validate.Length(max=10))
    district_id = Int(strict=True)
    address = Str(validate=validate.Length(max=200))
    lat = ma.fields.Float(allow_none=True)
    lon = ma.fields.Float(allow_none=True)
    description = Str(validate=validate.Length(max=2000))
    available_from = AwareDateTime()
    available_until = AwareDateTime()


class WithdrawIn(Schema):
    reason = _text(2000)


class PostListArgs(Schema):
    status = Str(load_default=None, validate=validate.OneOf([s.value for s in PostStatus]))


class BoardArgs(Schema):
    district_id = _q_int()
    category = Str(load_default=None, validate=validate.OneOf(list(CATEGORIES)))
    item_id = _q_int()
    urgency = Int(load_default=None, validate=validate.Range(min=1, max=4))


class _PostOut(Schema):
    id = Int()
    item = ma.fields.Nested(ItemBrief)
    category = Str()
    quantity = Int()
    unit = Str()
    district_id = Int()
    district_name = ma.fields.Function(lambda p: p.district.name)
    status = Str()
    status_label = Str()
    created_at = ma.fields.AwareDateTime()


class NeedPublicOut(_PostOut):
    """The public board: no address, no person — only what a donor needs to decide."""

    poster = ma.fields.Function(parties.need_party_label)
    urgency = Int()
    deadline = ma.fields.AwareDateTime()
    opportunity_id = ma.fields.Function(lambda n: n.opportunity.id if n.opportunity else None)


class BeneficiaryOut(Schema):
    id = Int()
    name = Str()
    id_number_masked = Str()
    phone_masked = Str()


class NeedOut(NeedPublicOut):
    org_id = Int()
    address = Str()
    lat = ma.fields.Float(allow_none=True)
    lon = ma.fields.Float(allow_none=True)
    description = Str()
    beneficiary = ma.fields.Nested(BeneficiaryOut, allow_none=True)
    updated_at = ma.fields.AwareDateTime()
    fulfilled_at = ma.fields.AwareDateTime(allow_none=True)
    withdrawn_at = ma.fields.AwareDateTime(allow_none=True)
    expired_at = ma.fields.AwareDateTime(allow_none=True)


class OfferOut(_PostOut):
    org_id = Int(allow_none=True)
    poster = ma.fields.Function(parties.offer_party_label)
    address = Str()
    lat = ma.fields.Float(allow_none=True)
    lon = ma.fields.Float(allow_none=True)
    description = Str()
    available_from = ma.fields.AwareDateTime()
    available_until = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()
    fulfilled_at = ma.fields.AwareDateTime(allow_none=True)
    withdrawn_at = ma.fields.AwareDateTime(allow_none=True)
    expired_at = ma.fields.AwareDateTime(allow_none=True)


class ProposalOut(Schema):
    id = Int()
    run_id = Int(allow_none=True)
    need_id = Int()
    offer_id = Int()
    need_party = ma.fields.Function(lambda p: parties.need_party_label(p.need))
    offer_party = ma.fields.Function(lambda p: parties.offer_party_label(p.offer))
    need_item = ma.fields.Function(lambda p: p.need.item.code)
    offer_item = ma.fields.Function(lambda p: p.offer.item.code)
    quantity = Int()
    unit = ma.fields.Function(lambda p: p.offer.unit)
    distance_km = ma.fields.Float()
    explanation = ma.fields.Dict(metadata={"description": "the matcher's structured reasons"})
    explanation_text = ma.fields.Function(lambda p: proposal_text(p))
    reasons = ma.fields.Function(lambda p: proposal_reasons(p))
    status = Str()
    status_label = Str()
    respond_by = ma.fields.AwareDateTime()
    need_decision = Str(allow_none=True)
    offer_decision = Str(allow_none=True)
    decline_reason = Str(allow_none=True)
    accepted_at = ma.fields.AwareDateTime(allow_none=True)
    closed_at = ma.fields.AwareDateTime(allow_none=True)
    delivered_quantity = Int(allow_none=True)
    delivered_on = ma.fields.Date(allow_none=True)
    fulfil_note = Str(allow_none=True)
    abandon_reason = Str(allow_none=True)
    responsible_side = Str(allow_none=True)
    created_at = ma.fields.AwareDateTime()


class ProposalArgs(Schema):
    status = Str(load_default=None, validate=validate.OneOf([s.value for s in ProposalStatus]))
    waiting_for_me = ma.fields.Boolean(load_default=False)


class ProposalDecisionIn(Schema):
    side = Str(load_default=None, validate=validate.OneOf(list(parties.SIDES)), metadata={
        "description": "which side you answer for; needed only if you act for both"})
    reason = _text(2000)


class FulfilIn(Schema):
    delivered_quantity = Int(required=True, strict=True)
    delivered_on = ma.fields.Date(required=True)
    note = _text(2000, metadata={"description": "proof: receipt number, photo reference …"})


class AbandonIn(Schema):
    responsible_side = Str(required=True, validate=validate.OneOf(list(parties.SIDES)))
    reason = Str(required=True, validate=validate.Length(min=1, max=2000))


class MatchRunOut(Schema):
    id = Int()
    started_at = ma.fields.AwareDateTime()
    finished_at = ma.fields.AwareDateTime()
    trigger = Str()
    actor_id = Int(allow_none=True)
    needs_considered = Int()
    offers_considered = Int()
    parties_excluded = Int()
    proposals_created = Int()
    matched_quantity = Int()
    weighted_quantity = Int()
    distance_cost_km = ma.fields.Float()
    duration_ms = Int()


class OpportunityIn(Schema):
    org_id = Int(required=True, strict=True)
    title = Str(required=True, validate=validate.Length(min=1, max=200))
    activity = Str(required=True, validate=validate.OneOf(list(ACTIVITIES)))
    skills = ma.fields.List(Str(validate=validate.Length(max=30)), load_default=list)
    start_at = AwareDateTime(required=True)
    end_at = AwareDateTime(required=True)
    headcount = Int(required=True, strict=True)
    district_id = Int(required=True, strict=True)
    address = _text(200)
    lat = ma.fields.Float(load_default=None, allow_none=True)
    lon = ma.fields.Float(load_default=None, allow_none=True)
    description = _text(2000)
    urgency = Int(load_default=2, strict=True)


class OpportunityPatch(Schema):
    """Only the fields given change; the schedule only while nobody has signed up."""

    title = Str(validate=validate.Length(min=1, max=200))
    activity = Str(validate=validate.OneOf(list(ACTIVITIES)))
    skills = ma.fields.List(Str(validate=validate.Length(max=30)))
    start_at = AwareDateTime()
    end_at = AwareDateTime()
    headcount = Int(strict=True)
    address = Str(validate=validate.Length(max=200))
    description = Str(validate=validate.Length(max=2000))


class OpportunityOut(Schema):
    id = Int()
    need_id = Int()
    title = Str()
    activity = Str()
    activity_label = Str()
    skills = ma.fields.List(Str())
    start_at = ma.fields.AwareDateTime()
    end_at = ma.fields.AwareDateTime()
    headcount = Int()
    places_left = ma.fields.Method("_left")
    organization = ma.fields.Function(lambda o: o.need.org.name)
    district_name = ma.fields.Function(lambda o: o.need.district.name)
    address = ma.fields.Function(lambda o: o.need.address)
    description = ma.fields.Function(lambda o: o.need.description)
    status = ma.fields.Function(lambda o: o.need.status)

    def _left(self, opp):
        return max(0, opp.headcount - taken_places(opp))


class RankedOut(Schema):
    opportunity = ma.fields.Nested(OpportunityOut)
    score = Int(metadata={"description": "0–100: skills 50, place 25, time 25"})
    reasons = ma.fields.List(Str())
    fit = ma.fields.List(ma.fields.Dict(), metadata={"description": "structured reasons"})


class VolunteerProfileIn(Schema):
    skills = ma.fields.List(Str(validate=validate.Length(max=30)), load_default=list)
    district_id = _opt_int()
    availability = ma.fields.List(ma.fields.List(ma.fields.Raw()), load_default=list, metadata={
        "description": "[[weekday 0=Mon..6, 'morning'|'afternoon'|'evening'], …]"})


class VolunteerProfileOut(Schema):
    person_id = Int()
    skills = ma.fields.List(Str())
    district_id = Int(allow_none=True)
    availability = ma.fields.List(ma.fields.List(ma.fields.Raw()))
    updated_at = ma.fields.AwareDateTime()


class SignupOut(Schema):
    id = Int()
    opportunity_id = Int()
    opportunity_title = ma.fields.Function(lambda s: s.opportunity.title)
    volunteer_name = ma.fields.Function(lambda s: s.person.name)
    volunteer_number = ma.fields.Function(lambda s: s.person.volunteer_number)
    status = Str()
    status_label = Str()
    fit_score = ma.fields.Function(lambda s: (s.fit or {}).get("score"))
    served_start = ma.fields.AwareDateTime(allow_none=True)
    served_end = ma.fields.AwareDateTime(allow_none=True)
    minutes = Int(allow_none=True)
    created_at = ma.fields.AwareDateTime()


class AttendanceIn(Schema):
    served_start = AwareDateTime(load_default=None, allow_none=True)
    served_end = AwareDateTime(load_default=None, allow_none=True)
    note = _text(2000)


class SignupNoteIn(Schema):
    note = _text(2000)


class CharityStatsArgs(Schema):
    since = ma.fields.Date(load_default=None)
    until = ma.fields.Date(load_default=None)
    district_id = _q_int()


class FulfilmentGroupOut(Schema):
    district = Str()
    category = Str()
    posted = Int()
    fulfilled = Int()
    rate = ma.fields.Float(allow_none=True)
    share_delivered = ma.fields.Float(allow_none=True)
    avg_days = ma.fields.Float(allow_none=True)


class CharityStatsOut(Schema):
    since = ma.fields.Date()
    until = ma.fields.Date()
    cells = ma.fields.List(ma.fields.Nested(FulfilmentGroupOut))
    by_district = ma.fields.List(ma.fields.Nested(FulfilmentGroupOut))
    by_category = ma.fields.List(ma.fields.Nested(FulfilmentGroupOut))
    total = ma.fields.Nested(FulfilmentGroupOut)
    open_by_urgency = ma.fields.Dict(keys=Str(), values=Int())
    proposals = ma.fields.Dict(keys=Str(), values=Int())
