"""API shapes of the credit package: facts, entries and their due process, objections, repair,
annual reports and the feed (schema ``civic.credit.feed/1``); random inspections have
theirs in ``credit/inspections/schemas.py``."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from core.schemas import AwareDateTime, Schema
from credit.lists import feed
from credit.lists.entries import PUBLIC as PUBLIC_AUDIENCE
from credit.lists.entries import audience
from credit.models import EntryState, ListEntry
from credit.vocabulary import KINDS, LIST_TYPES, REPORT_STATUSES, RESPONSIBILITIES, RESULTS

F = ma.fields
TEXT = validate.Length(max=2000)


class FactIn(Schema):
    org_id = F.Integer(required=True)
    kind = F.String(required=True, validate=validate.OneOf(list(KINDS)))
    subtype = F.String(required=True, validate=validate.Length(min=1, max=32))
    occurred_on = F.Date(required=True, metadata={"description": "the day the fact formed"})
    summary = F.String(load_default="", validate=TEXT)
    source_department = F.String(required=True, validate=validate.Length(min=1, max=100))
    document_number = F.String(required=True, validate=validate.Length(min=1, max=100),
                               metadata={"description": "decision document number or legal basis"})
    evidence_ref = F.String(required=True, validate=validate.Length(min=1, max=200))
    amount_yuan = F.Integer(load_default=None, allow_none=True,
                            validate=validate.Range(min=0, max=10**11))
    result = F.String(load_default=None, allow_none=True, validate=validate.OneOf(list(RESULTS)))
    rectify_deadline = F.Date(load_default=None, allow_none=True)
    grade = F.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=5))
    valid_until = F.Date(load_default=None, allow_none=True)
    substantiated = F.Boolean(load_default=None, allow_none=True)
    report_year = F.Integer(load_default=None, allow_none=True)
    report_status = F.String(load_default=None, allow_none=True,
                             validate=validate.OneOf(list(REPORT_STATUSES)))
    responsibility = F.String(load_default=None, allow_none=True,
                              validate=validate.OneOf(list(RESPONSIBILITIES)))
    related_fact_id = F.Integer(load_default=None, allow_none=True)
    details = F.Dict(load_default=None, allow_none=True)


class FactOut(Schema):
    id = F.Integer()
    org_id = F.Integer()
    kind = F.String()
    subtype = F.String()
    occurred_on = F.Date()
    recorded_at = AwareDateTime()
    summary = F.String()
    source_department = F.String()
    document_number = F.String()
    evidence_ref = F.String()
    entered_by_id = F.Integer(allow_none=True)
    origin = F.String()
    late_entry = F.Boolean()
    amount_yuan = F.Integer(allow_none=True)
    result = F.String(allow_none=True)
    rectify_deadline = F.Date(allow_none=True)
    grade = F.Integer(allow_none=True)
    valid_until = F.Date(allow_none=True)
    substantiated = F.Boolean(allow_none=True)
    report_year = F.Integer(allow_none=True)
    report_status = F.String(allow_none=True)
    responsibility = F.String(allow_none=True)
    related_fact_id = F.Integer(allow_none=True)
    supersedes_id = F.Integer(allow_none=True)


class FactArgs(Schema):
    org_id = F.Integer(load_default=None)
    kind = F.String(load_default=None, validate=validate.OneOf(list(KINDS)))


class OrgArgs(Schema):
    org_id = F.Integer(load_default=None)


class ResponsiblePersonIn(Schema):
    name = F.String(required=True, validate=validate.Length(min=1, max=50))
    role = F.String(load_default="", validate=validate.Length(max=50))


class EntryIn(Schema):
    org_id = F.Integer(required=True)
    list_type = F.String(required=True, validate=validate.OneOf(LIST_TYPES))
    legal_basis = F.String(required=True, validate=validate.Length(min=1, max=500))
    reason = F.String(required=True, validate=validate.Length(min=1, max=2000))
    fact_ids = F.List(F.Integer(), required=True, validate=validate.Length(min=1, max=50))
    needs_rectification = F.Boolean(load_default=False)
    responsible_persons = F.List(F.Nested(ResponsiblePersonIn), load_default=None, allow_none=True)


class TransitionOut(Schema):
    from_state = F.String(allow_none=True)
    to_state = F.String()
    on_date = F.Date()
    at = AwareDateTime()
    actor_id = F.Integer(allow_none=True)
    reason = F.String()


ENTRY_PRIVATE_FIELDS = ("origin", "rule_code", "needs_rectification", "notified_on",
                        "objection_due", "listed_since", "clock_start", "removal_code",
                        "fact_ids", "source_entry_ids", "transitions")


class EntryOut(Schema):
    id = F.Integer()
    list_type = F.String()
    org_id = F.Integer()
    state = F.String()
    origin = F.String(allow_none=True, metadata={"description": "null for another organization's staff"})
    rule_code = F.String(allow_none=True, metadata={"description": "null for another organization's staff"})
    legal_basis = F.String()
    reason = F.String()
    needs_rectification = F.Boolean(allow_none=True,
                                    metadata={"description": "null for another organization's staff"})
    responsible_persons = F.List(F.Dict(), allow_none=True)
    notified_on = F.Date(allow_none=True)
    objection_due = F.Date(allow_none=True)
    decided_on = F.Date(allow_none=True)
    decision_document = F.String(allow_none=True)
    deciding_authority = F.String(allow_none=True)
    listed_since = F.Date(allow_none=True)
    clock_start = F.Date(allow_none=True)
    valid_until = F.Date(allow_none=True)
    removed_on = F.Date(allow_none=True)
    removal_code = F.String(allow_none=True)
    removal_reason = F.String(allow_none=True)
    measures = F.List(F.String(), allow_none=True)
    under_objection = F.Boolean()
    facts = F.Function(lambda entry: feed.facts_payload(entry),
                       metadata={"description": "the published facts (dates, documents)"})
    fact_ids = F.List(F.Integer())
    source_entry_ids = F.List(F.Integer())
    transitions = F.List(F.Nested(TransitionOut))

    # Least privilege (issue 12): only regulators and the subject's own staff see the due
    # process; anyone else (another organization's staff) gets the published columns, the
    # rest empty — no transitions, no actors, no fact ids, no rule internals.
    @ma.post_dump(pass_original=True)
    def public_part(self, data, entry, **_kw):
        from flask_login import current_user

        if audience(current_user, entry.org_id) != PUBLIC_AUDIENCE:
            return data
        for key in ENTRY_PRIVATE_FIELDS:
            data[key] = [] if isinstance(data.get(key), list) else None
        data["responsible_persons"] = [{"name": p.get("name")}
                                       for p in entry.responsible_persons or []]
        return data


class EntryArgs(Schema):
    list_type = F.String(load_default=None, validate=validate.OneOf(LIST_TYPES))
    state = F.String(load_default=None, validate=validate.OneOf(EntryState.ALL))
    org_id = F.Integer(load_default=None)


class PublishIn(Schema):
    decision_document = F.String(required=True, validate=validate.Length(min=1, max=100))
    deciding_authority = F.String(load_default=None, validate=validate.Length(max=100))


class EntryReasonIn(Schema):
    reason = F.String(required=True, validate=validate.Length(min=1, max=2000))


class ScanOut(Schema):
    proposed = F.List(F.Integer())


class ObjectionIn(Schema):
    org_id = F.Integer(required=True)
    entry_id = F.Integer(load_default=None, allow_none=True)
    fact_id = F.Integer(load_default=None, allow_none=True)
    reason = F.String(required=True, validate=validate.Length(min=1, max=2000))
    evidence_ref = F.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class ObjectionOut(Schema):
    id = F.Integer()
    org_id = F.Integer()
    entry_id = F.Integer(allow_none=True)
    fact_id = F.Integer(allow_none=True)
    filed_on = F.Date()
    reason = F.String()
    evidence_ref = F.String(allow_none=True)
    in_window = F.Boolean()
    freezes = F.Boolean(metadata={"description": "whether it freezes what it disputes: filed "
                                                 "in the window, or late and accepted"})
    accepted_at = AwareDateTime(allow_none=True)
    status = F.String()
    decision_reason = F.String(allow_none=True)
    decided_at = AwareDateTime(allow_none=True)
    correction_fact_id = F.Integer(allow_none=True)


class AcceptLateIn(Schema):
    reason = F.String(required=True, validate=validate.Length(min=1, max=2000))


class ObjectionDecisionIn(Schema):
    outcome = F.String(required=True, validate=validate.OneOf(["upheld", "verified", "rejected"]))
    reason = F.String(required=True, validate=validate.Length(min=1, max=2000))
    fact_id = F.Integer(load_default=None, allow_none=True,
                        metadata={"description": "for an objection to an entry: the wrong fact"})
    correction = F.Dict(load_default=None, allow_none=True,
                        metadata={"description": "corrected fields; omitted: the fact is voided"})


class RepairIn(Schema):
    entry_id = F.Integer(required=True)
    statement = F.String(required=True, validate=validate.Length(min=1, max=2000))
    evidence_ref = F.String(required=True, validate=validate.Length(min=1, max=200))


class RepairOut(Schema):
    id = F.Integer()
    entry_id = F.Integer()
    org_id = F.Integer()
    applied_on = F.Date()
    statement = F.String()
    evidence_ref = F.String()
    status = F.String()
    decided_on = F.Date(allow_none=True)
    decision_reason = F.String(allow_none=True)


class RepairDecisionIn(Schema):
    approve = F.Boolean(required=True)
    reason = F.String(required=True, validate=validate.Length(min=1, max=2000))


class AnnualReportIn(Schema):
    org_id = F.Integer(required=True)
    year = F.Integer(required=True)
    revenue_yuan = F.Integer(required=True, validate=validate.Range(min=0))
    expenditure_yuan = F.Integer(required=True, validate=validate.Range(min=0))
    staff_count = F.Integer(required=True, validate=validate.Range(min=0))
    volunteer_count = F.Integer(required=True, validate=validate.Range(min=0))
    activity_count = F.Integer(required=True, validate=validate.Range(min=0))
    file_ref = F.String(required=True, validate=validate.Length(min=1, max=200))


class AnnualReportOut(Schema):
    id = F.Integer()
    org_id = F.Integer()
    year = F.Integer()
    status = F.String()
    fact_id = F.Integer()
    submitted_at = AwareDateTime()


# --- published entries and the feed (civic.credit.feed/1) ------------------------------------

class PublishedSubjectOut(Schema):
    name = F.String()
    uscc = F.String()
    legal_representative = F.String()
    registering_authority = F.String()
    district = F.String(allow_none=True)


class PublishedFactOut(Schema):
    date = F.String()
    kind = F.String()
    subtype = F.String()
    label = F.String()
    document_number = F.String()
    source_department = F.String()


class ListMeasureOut(Schema):
    code = F.String()
    label = F.String()
    memorandum = F.String(allow_none=True)
    clause = F.String(allow_none=True)
    department = F.String(allow_none=True)


class PublishedEntryOut(Schema):
    """The published columns of DOMAIN.md; never ID numbers, phones or persons' addresses."""

    entry_id = F.Integer()
    list_type = F.String()
    list_name = F.String()
    state = F.String()
    under_objection = F.Boolean()
    subject = F.Nested(PublishedSubjectOut, metadata={
        "description": "the subject as the decision named it"})
    current_subject = F.Nested(PublishedSubjectOut, allow_none=True, metadata={
        "description": "after a change of identity the bureau approved: who it is now"})
    responsible_persons = F.List(F.String())
    reason = F.String()
    legal_basis = F.String()
    facts = F.List(F.Nested(PublishedFactOut))
    decision_date = F.String(allow_none=True)
    decision_document = F.String(allow_none=True)
    decided_by = F.String(allow_none=True)
    valid_until = F.String(allow_none=True)
    removal_date = F.String(allow_none=True)
    removal_reason = F.String(allow_none=True)
    measures = F.List(F.Nested(ListMeasureOut))
    measures_version = F.Integer(metadata={
        "description": "the measures catalogue version these measures were read from"})

    @ma.pre_dump
    def from_entry(self, obj, **_kw):
        return feed.entry_payload(obj) if isinstance(obj, ListEntry) else obj


class PublishedListArgs(Schema):
    q = F.String(load_default=None, validate=validate.Length(max=100))
    district_id = F.Integer(load_default=None)
    status = F.String(load_default="current", validate=validate.OneOf(["current", "removed"]))


class FeedArgs(Schema):
    since = F.Integer(load_default=0, validate=validate.Range(min=0))
    limit = F.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class FeedEventOut(Schema):
    seq = F.Integer()
    event = F.String(metadata={"description": "published | updated | removed"})
    entry_id = F.Integer()
    list_type = F.String()
    occurred_at = AwareDateTime()
    entry = F.Nested(PublishedEntryOut)


class FeedPageOut(Schema):
    schema = F.String(metadata={"description": "civic.credit.feed/1"})
    since = F.Integer()
    next_since = F.Integer(metadata={"description": "pass as ?since= to continue"})
    has_more = F.Boolean()
    measures_version = F.Integer(metadata={
        "description": "version of the bureau's measures catalogue (0: as shipped); "
                       "GET /api/v1/catalogues/credit.measures has its items"})
    events = F.List(F.Nested(FeedEventOut))


class FeedbackIn(Schema):
    entry_id = F.Integer(required=True)
    measures = F.List(F.String(validate=validate.Length(min=1, max=100)), required=True,
                      validate=validate.Length(min=1, max=20))
    applied_on = F.Date(required=True)
    note = F.String(load_default=None, allow_none=True, validate=TEXT)
    department = F.String(load_default=None, allow_none=True, validate=validate.Length(max=100))


class FeedbackOut(Schema):
    id = F.Integer()
    entry_id = F.Integer()
    department = F.String()
    measures = F.List(F.String())
    applied_on = F.Date()
    note = F.String(allow_none=True)
    received_at = AwareDateTime()
