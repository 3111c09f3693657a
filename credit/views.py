"""Regulator pages: dashboard, facts (form and import), entries and their due process,
objection and repair decisions. Thin: parse a form, call a service, render or redirect."""

from __future__ import annotations

from datetime import date

import marshmallow as ma
import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import validate

from core import clock, spreadsheets
from core.accounts.models import Role
from core.auth import roles
from core.errors import DomainError
from core.extensions import db
from core.inputs import upload_limit
from core.orgs.models import Organization
from core.web.pages import QueryArgs, paginate, query_args, refuse, submit
from credit import dashboard, forms
from credit.facts import imports as fact_import
from credit.facts import records as facts
from credit.lists import entries, feed, notices, objections, repair, scan
from credit.models import EntryState, ListEntry
from credit.vocabulary import KINDS, LIST_TYPES, fact_label

bp = Blueprint("credit", __name__, url_prefix="/credit", template_folder="templates")

REGULATOR = Role.REGULATOR
STAFF = (Role.ORG_STAFF, Role.INSTITUTION_STAFF)
PER_PAGE = 50


class FactFilter(QueryArgs):
    org_id = ma.fields.Integer()
    q = ma.fields.String(validate=validate.Length(max=100))  # part of a name or a USCC
    kind = ma.fields.String(validate=validate.OneOf(list(KINDS)))
    source = ma.fields.String(validate=validate.Length(max=100))
    since = ma.fields.Date()
    until = ma.fields.Date()


class EntryFilter(QueryArgs):
    q = ma.fields.String(validate=validate.Length(max=100))
    list_type = ma.fields.String(validate=validate.OneOf(LIST_TYPES))
    state = ma.fields.String(validate=validate.OneOf(EntryState.ALL))


class SubjectArgs(QueryArgs):
    org_id = ma.fields.Integer()  # the subject a new fact or entry is for


@bp.get("/")
@roles(REGULATOR)
def home():
    return render_template("credit/dashboard.html", board=dashboard.build(clock.today()),
                           today=clock.today())


def _preset_subject():
    """The subject a "new fact/entry" link came from (``?org_id=``), to start the form with."""
    org_id = query_args(SubjectArgs)["org_id"]
    return db.session.get(Organization, org_id) if org_id else None


# --- facts ---------------------------------------------------------------------------------

@bp.get("/facts")
@roles(REGULATOR)
def fact_list():
    args = query_args(FactFilter)
    page = paginate(facts.search_facts(
        org_id=args["org_id"], kind=args["kind"], since=args["since"], until=args["until"],
        subject=args["q"], source=args["source"]), PER_PAGE)
    return render_template("credit/facts.html", page=page, args=args, kinds=KINDS)


@bp.route("/facts/new", methods=["GET", "POST"])
@roles(REGULATOR)
def fact_new():
    form = forms.FactForm()
    form.preset_subject(_preset_subject())
    outcome = submit(form, lambda: facts.record_fact(current_user, form.picked_org_id,
                                                     form.data_for_service()),
                     fields={"org_id": "subject"})
    if outcome.done:
        fact = outcome.result
        flash(_("已记录信用信息。") + (
            _("（超过录入时限，已标注为迟录。）") if fact.late_entry else ""), "success")
        return redirect(url_for("credit.subject", org_id=fact.org_id))
    form.offer_facts()
    return render_template("credit/fact_form.html", form=form), outcome.status


@bp.route("/facts/import", methods=["GET", "POST"])
@roles(REGULATOR)
@upload_limit(fact_import.MAX_BYTES)
def fact_import_page():
    form = forms.ImportForm()
    outcome = submit(form, lambda: fact_import.import_facts(
        current_user, form.file.data.filename or "", form.file.data.read()))
    report = outcome.result
    if outcome.done and report.ok:
        flash(_("已导入 %(n)s 条信用信息。", n=report.saved), "success")
    elif outcome.done:  # nothing is saved unless every row is good
        db.session.rollback()
        return render_template("credit/import.html", form=form, report=report), 422
    return render_template("credit/import.html", form=form, report=report), outcome.status


@bp.get("/facts/template.csv")
@roles(REGULATOR)
def fact_template():
    return spreadsheets.download(fact_import.template_csv(), "csv", "credit-facts")


# --- entries -------------------------------------------------------------------------------

@bp.get("/entries")
@roles(REGULATOR)
def entry_list():
    args = query_args(EntryFilter)
    query = sa.select(ListEntry).order_by(ListEntry.id.desc())
    if args["list_type"]:
        query = query.where(ListEntry.list_type == args["list_type"])
    if args["state"]:
        query = query.where(ListEntry.state == args["state"])
    if args["q"]:
        like = f"%{args['q']}%"
        query = query.where(sa.or_(ListEntry.subject_name.ilike(like),
                                   ListEntry.subject_uscc.ilike(like)))
    return render_template("credit/entries.html", page=paginate(query, PER_PAGE),
                           list_type=args["list_type"], state=args["state"], q=args["q"] or "")


@bp.route("/entries/new", methods=["GET", "POST"])
@roles(REGULATOR)
def entry_new():
    form = forms.ManualEntryForm()
    form.preset_subject(_preset_subject())
    outcome = submit(form, lambda: entries.propose_manual(
        current_user, form.picked_org_id, form.list_type.data, form.legal_basis.data,
        form.reason.data, form.fact_id_list(), needs_rectification=form.needs_rectification.data,
        responsible_persons=form.person_list()), fields={"org_id": "subject"})
    if outcome.done:
        flash(_("已提出拟列入记录。"), "success")
        return redirect(url_for("credit.entry_detail", entry_id=outcome.result.id))
    form.offer_facts()
    return render_template("credit/entry_form.html", form=form), outcome.status


@bp.get("/entries/<int:entry_id>")
@roles(REGULATOR, *STAFF)
def entry_detail(entry_id: int):
    entry = entries.get_visible(current_user, entry_id)
    if entries.audience(current_user, entry.org_id) == entries.PUBLIC:
        # Another organization's staff: the published columns only, as anyone sees them.
        return render_template("credit/entry_public.html", entry=entry,
                               payload=feed.entry_payload(entry))
    regulator = current_user.has_role(REGULATOR)
    return render_template(
        "credit/entry.html", entry=entry, regulator=regulator,
        blockers=entries.publish_blockers(entry, clock.today()) if regulator else [],
        objections=db.session.execute(objections.objections_of().where(
            sa.or_(objections.Objection.entry_id == entry.id,
                   objections.Objection.fact_id.in_(entry.fact_ids or [0])))).scalars().all(),
        repairs=db.session.execute(repair.repairs().where(
            repair.RepairApplication.entry_id == entry.id)).scalars().all(),
        feedback=feed.feedback_for(entry.id), check=repair.check(entry, clock.today())
        if entry.state == EntryState.PUBLISHED and entry.list_type != "red" else None,
        payload=feed.entry_payload(entry), publish_form=forms.PublishForm(),
        reason_form=forms.ReasonForm(), notice_timeline=notices.timeline(entry.id))


def _act(entry_id: int, action):
    entry = entries.get_entry(entry_id)
    try:
        action(entry)
    except DomainError as error:
        refuse(error)
    else:
        flash(_("已处理。"), "success")
    return redirect(url_for("credit.entry_detail", entry_id=entry_id))


@bp.post("/entries/<int:entry_id>/notify")
@roles(REGULATOR)
def entry_notify(entry_id: int):
    return _act(entry_id, lambda e: entries.notify(current_user, e))


@bp.post("/entries/<int:entry_id>/served")
@roles(REGULATOR)
def entry_served(entry_id: int):
    """直接送达: the prior notice was handed over and signed for on a date."""
    try:
        served_on = date.fromisoformat(request.form.get("served_on") or "")
    except ValueError:
        flash(_("请填写签收日期。"), "error")
        return redirect(url_for("credit.entry_detail", entry_id=entry_id) + "#notices")
    return _act(entry_id, lambda e: entries.serve_in_person(
        current_user, e, served_on, request.form.get("note", "")))


@bp.post("/entries/<int:entry_id>/publish")
@roles(REGULATOR)
def entry_publish(entry_id: int):
    form = forms.PublishForm()
    if not form.validate_on_submit():
        flash(_("请填写决定文号。"), "error")
        return redirect(url_for("credit.entry_detail", entry_id=entry_id))
    return _act(entry_id, lambda e: entries.publish(current_user, e, form.decision_document.data))


def _end(entry_id: int, ending):
    form = forms.ReasonForm()
    if not form.validate_on_submit():
        flash(_("请填写理由。"), "error")
        return redirect(url_for("credit.entry_detail", entry_id=entry_id))
    return _act(entry_id, lambda e: ending(e, form.reason.data))


@bp.post("/entries/<int:entry_id>/cancel")
@roles(REGULATOR)
def entry_cancel(entry_id: int):
    return _end(entry_id, lambda e, reason: entries.cancel(current_user, e, reason))


@bp.post("/entries/<int:entry_id>/remove")
@roles(REGULATOR)
def entry_remove(entry_id: int):
    return _end(entry_id, lambda e, reason: entries.remove(current_user, e, "decision", reason))


@bp.post("/scan")
@roles(REGULATOR)
def run_scan():
    created = scan.run_scan(current_user, clock.today())
    flash(_("规则扫描完成，新提出 %(n)s 条拟列入记录。", n=len(created)), "success")
    return redirect(url_for("credit.entry_list", state=EntryState.PROPOSED))


# --- decisions -----------------------------------------------------------------------------

@bp.route("/objections/<int:objection_id>", methods=["GET", "POST"])
@roles(REGULATOR)
def objection_decide(objection_id: int):
    objection = objections.get_objection(objection_id)
    form = forms.ObjectionDecisionForm()
    grounds = objections.grounds_of(objection)
    form.fact_id.choices = [("", _("不更正具体信息（撤销或移出记录）"))] + [
        (f.id, f"{f.occurred_on.isoformat()} {fact_label(f)}") for f in grounds]
    outcome = submit(form, lambda: objections.decide_objection(
        current_user, objection, form.outcome.data, form.reason.data,
        correction={"amount_yuan": form.amount_yuan.data}
        if form.amount_yuan.data is not None else None, fact_id=form.fact_id.data))
    if outcome.done:
        flash(_("异议已处理。"), "success")
        return redirect(url_for("credit.home"))
    return render_template("credit/objection.html", objection=objection, form=form), \
        outcome.status


@bp.post("/objections/<int:objection_id>/accept")
@roles(REGULATOR)
def objection_accept(objection_id: int):
    """Accept a late objection (it then freezes what it disputes)."""
    form = forms.ReasonForm()
    outcome = submit(form, lambda: objections.accept_late(
        current_user, objections.get_objection(objection_id), form.reason.data))
    if outcome.done:
        flash(_("已受理逾期异议，相关记录暂停公开。"), "success")
    elif outcome.invalid:
        flash(_("请写明受理理由。"), "error")
    return redirect(url_for("credit.objection_decide", objection_id=objection_id))


@bp.route("/repairs/<int:repair_id>", methods=["GET", "POST"])
@roles(REGULATOR)
def repair_decide(repair_id: int):
    application = repair.get_repair(repair_id)
    form = forms.RepairDecisionForm()
    outcome = submit(form, lambda: repair.decide_repair(
        current_user, application, form.approve.data == "1", form.reason.data))
    if outcome.done:
        flash(_("信用修复申请已处理。"), "success")
        return redirect(url_for("credit.entry_detail", entry_id=application.entry_id))
    return render_template("credit/repair.html", application=application, form=form,
                           check=repair.check(application.entry, clock.today())), outcome.status
