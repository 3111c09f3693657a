"""JSON API for credit facts, list entries and their due process, objections, repair and
annual reports (/api/v1/credit/…). Thin: parse, authorize the object, call a service."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint

from core import clock
from core.accounts.models import Role
from core.auth import roles
from core.schemas import SQLPage
from credit import schemas
from credit.facts import annual_reports
from credit.facts import records as facts
from credit.lists import entries, objections, repair, scan

blp = Blueprint("credit_api", __name__, url_prefix="/api/v1/credit",
                description="Credit facts, list entries and due process")

REGULATOR = Role.REGULATOR
STAFF = (Role.ORG_STAFF, Role.INSTITUTION_STAFF)


@blp.route("/facts")
class Facts(MethodView):
    @roles(REGULATOR, *STAFF)
    @blp.arguments(schemas.FactArgs, location="query")
    @blp.response(200, schemas.FactOut(many=True))
    @blp.paginate(SQLPage)
    def get(self, args):
        """Credit facts, newest first (staff: their own organization's, with org_id)"""
        facts.require_reader(current_user, args["org_id"])
        return facts.search_facts(org_id=args["org_id"], kind=args["kind"])

    @roles(REGULATOR)
    @blp.arguments(schemas.FactIn)
    @blp.response(201, schemas.FactOut)
    def post(self, data):
        """Record a credit fact (insert-only; late entries are accepted and flagged)"""
        org_id = data.pop("org_id")
        return facts.record_fact(current_user, org_id, data)


@blp.route("/facts/<int:fact_id>")
class FactById(MethodView):
    @roles(REGULATOR, *STAFF)
    @blp.response(200, schemas.FactOut)
    def get(self, fact_id):
        """One credit fact"""
        return facts.get_fact_for(current_user, fact_id)


@blp.route("/entries")
class Entries(MethodView):
    @roles(REGULATOR, *STAFF)
    @blp.arguments(schemas.EntryArgs, location="query")
    @blp.response(200, schemas.EntryOut(many=True))
    @blp.paginate(SQLPage)
    def get(self, args):
        """List entries in every state (staff: their own organization's, from notice on)"""
        return entries.entries_for(current_user, org_id=args["org_id"],
                                   list_type=args["list_type"], state=args["state"])

    @roles(REGULATOR)
    @blp.arguments(schemas.EntryIn)
    @blp.response(201, schemas.EntryOut)
    def post(self, data):
        """Propose an entry by hand, with its legal basis and the facts it rests on"""
        return entries.propose_manual(
            current_user, data["org_id"], data["list_type"], data["legal_basis"],
            data["reason"], data["fact_ids"], needs_rectification=data["needs_rectification"],
            responsible_persons=data["responsible_persons"])


@blp.route("/entries/<int:entry_id>")
class EntryById(MethodView):
    @roles(REGULATOR, *STAFF)
    @blp.response(200, schemas.EntryOut)
    def get(self, entry_id):
        """One entry with its grounds and every step of its due process"""
        return entries.get_visible(current_user, entry_id)


@blp.route("/entries/<int:entry_id>/notify")
class EntryNotify(MethodView):
    @roles(REGULATOR)
    @blp.response(200, schemas.EntryOut)
    def post(self, entry_id):
        """Notify the subject; the objection window starts (working days)"""
        return entries.notify(current_user, entries.get_entry(entry_id))


@blp.route("/entries/<int:entry_id>/publish")
class EntryPublish(MethodView):
    @roles(REGULATOR)
    @blp.arguments(schemas.PublishIn)
    @blp.response(200, schemas.EntryOut)
    def post(self, data, entry_id):
        """Decide and publish (after the window, with no open objection)"""
        return entries.publish(current_user, entries.get_entry(entry_id),
                               data["decision_document"], authority=data["deciding_authority"])


@blp.route("/entries/<int:entry_id>/cancel")
class EntryCancel(MethodView):
    @roles(REGULATOR)
    @blp.arguments(schemas.EntryReasonIn)
    @blp.response(200, schemas.EntryOut)
    def post(self, data, entry_id):
        """Decline a proposal or stop a notified entry, with the reason"""
        return entries.cancel(current_user, entries.get_entry(entry_id), data["reason"])


@blp.route("/entries/<int:entry_id>/remove")
class EntryRemove(MethodView):
    @roles(REGULATOR)
    @blp.arguments(schemas.EntryReasonIn)
    @blp.response(200, schemas.EntryOut)
    def post(self, data, entry_id):
        """Remove a published entry by decision (e.g. a court lifted its listing), with reason"""
        return entries.remove(current_user, entries.get_entry(entry_id), "decision",
                              data["reason"])


@blp.route("/scan")
class Scan(MethodView):
    @roles(REGULATOR)
    @blp.response(200, schemas.ScanOut)
    def post(self):
        """Apply every inclusion rule now and propose what they find (idempotent)"""
        created = scan.run_scan(current_user, clock.today())
        return {"proposed": [e.id for e in created]}


@blp.route("/objections")
class Objections(MethodView):
    @roles(REGULATOR, *STAFF)
    @blp.arguments(schemas.OrgArgs, location="query")
    @blp.response(200, schemas.ObjectionOut(many=True))
    @blp.paginate(SQLPage)
    def get(self, args):
        """Objections (staff: their own organization's, with org_id)"""
        facts.require_reader(current_user, args["org_id"])
        return objections.objections_of(org_id=args["org_id"])

    @roles(*STAFF)
    @blp.arguments(schemas.ObjectionIn)
    @blp.response(201, schemas.ObjectionOut)
    def post(self, data):
        """Object to one of your organization's entries or facts: one open objection per entry;
        filed within the window it freezes them until decided, filed late it is recorded"""
        return objections.file_objection(current_user, data["org_id"], data["reason"],
                                         entry_id=data["entry_id"], fact_id=data["fact_id"],
                                         evidence_ref=data["evidence_ref"])


@blp.route("/objections/<int:objection_id>/accept")
class AcceptLateObjection(MethodView):
    @roles(REGULATOR)
    @blp.arguments(schemas.AcceptLateIn)
    @blp.response(200, schemas.ObjectionOut)
    def post(self, data, objection_id):
        """Accept a late objection: it freezes what it disputes until decided"""
        return objections.accept_late(current_user, objections.get_objection(objection_id),
                                      data["reason"])


@blp.route("/objections/<int:objection_id>/decision")
class ObjectionDecide(MethodView):
    @roles(REGULATOR)
    @blp.arguments(schemas.ObjectionDecisionIn)
    @blp.response(200, schemas.ObjectionOut)
    def post(self, data, objection_id):
        """Decide an objection: upheld (fact corrected), verified correct, or rejected"""
        return objections.decide_objection(
            current_user, objections.get_objection(objection_id), data["outcome"],
            data["reason"], correction=data["correction"], fact_id=data["fact_id"])


@blp.route("/repairs")
class Repairs(MethodView):
    @roles(REGULATOR, *STAFF)
    @blp.arguments(schemas.OrgArgs, location="query")
    @blp.response(200, schemas.RepairOut(many=True))
    @blp.paginate(SQLPage)
    def get(self, args):
        """Credit repair applications (staff: their own organization's, with org_id)"""
        facts.require_reader(current_user, args["org_id"])
        return repair.repairs(org_id=args["org_id"])

    @roles(*STAFF)
    @blp.arguments(schemas.RepairIn)
    @blp.response(201, schemas.RepairOut)
    def post(self, data):
        """Apply for credit repair of a published entry, with evidence"""
        return repair.apply_for_repair(current_user, data["entry_id"], data["statement"],
                                       data["evidence_ref"])


@blp.route("/repairs/<int:repair_id>/decision")
class RepairDecide(MethodView):
    @roles(REGULATOR)
    @blp.arguments(schemas.RepairDecisionIn)
    @blp.response(200, schemas.RepairOut)
    def post(self, data, repair_id):
        """Approve (the entry is removed, never earlier than the rules allow) or refuse"""
        return repair.decide_repair(current_user, repair.get_repair(repair_id), data["approve"],
                                    data["reason"])


@blp.route("/annual-reports")
class AnnualReports(MethodView):
    @roles(*STAFF)
    @blp.arguments(schemas.AnnualReportIn)
    @blp.response(201, schemas.AnnualReportOut)
    def post(self, data):
        """File your organization's annual work report for a past year"""
        org_id, year = data.pop("org_id"), data.pop("year")
        return annual_reports.submit_report(current_user, org_id, year, data)

