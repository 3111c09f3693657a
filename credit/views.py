"""Regulator pages: dashboard, facts (form and import), entries and their due process,
objection and repair decisions. Thin: parse a form, call a service, render or redirect."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core import clock, spreadsheets
from core.accounts.models import Role
from core.auth import roles
from core.errors import DomainError, NotFound
from core.extensions import db
from core.inputs import upload_limit
from credit import dashboard, forms
from credit.facts import imports as fact_import
from credit.facts import records as facts
from credit.lists import entries, feed, notices, objections, repair, scan
from credit.lists.entries import can_see_entry
from credit.models import EntryState, ListEntry
from credit.vocabulary import LIST_TYPES

bp = Blueprint("credit", __name__, url_prefix="/credit", template_folder="templates")

REGULATOR = Role.REGULATOR
STAFF = (Role.ORG_STAFF, Role.INSTITUTION_STAFF)
PER_PAGE = 50


def show_errors(form, error: DomainError) -> None:
    """A refused service call: field messages next to their fields, the rest as a flash."""
    db.session.rollback()
    for name, messages in (error.errors or {}).items():
        if name in form:
            form[name].errors = list(form[name].errors) + list(messages)
    flash(error.text, "error")


def page_arg() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


def paged(query):
    page = page_arg()
    rows = db.session.execute(query.offset((page - 1) * PER_PAGE).limit(PER_PAGE + 1)
                              ).scalars().all()
    return rows[:PER_PAGE], len(rows) > PER_PAGE, page


@bp.get("/")
@roles(REGULATOR)
def home():
    return render_template("credit/dashboard.html", board=dashboard.build(clock.today()),
                           today=clock.today())


# --- facts ---------------------------------------------------------------------------------

@bp.get("/facts")
@roles(REGULATOR)
def fact_list():
    org_id = request.args.get("org_id", type=int)
    kind = request.args.get("kind") or None
    rows, has_next, page = paged(facts.search_facts(org_id=org_id, kind=kind))
    return render_template("credit/facts.html", facts=rows, has_next=has_next, page=page)


@bp.route("/facts/new", methods=["GET", "POST"])
@roles(REGULATOR)
def fact_new():
    form = forms.FactForm(org_id=request.args.get("org_id", type=int))
    if form.validate_on_submit():
        try:
            fact = facts.record_fact(current_user, form.org_id.data, form.data_for_service())
        except DomainError as error:
            show_errors(form, error)
            return render_template("credit/fact_form.html", form=form), error.status
        flash(_("已记录信用信息 #%(id)s。", id=fact.id) + (
            _("（超过录入时限，已标注为迟录。）") if fact.late_entry else ""), "success")
        return redirect(url_for("credit.subject", org_id=fact.org_id))
    return render_template("credit/fact_form.html", form=form), 422 if form.errors else 200


@bp.route("/facts/import", methods=["GET", "POST"])
@roles(REGULATOR)
@upload_limit(fact_import.MAX_BYTES)
def fact_import_page():
    form, report = forms.ImportForm(), None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            report = fact_import.import_facts(current_user, upload.filename or "",
                                              upload.read())
        except DomainError as error:
            show_errors(form, error)
            return render_template("credit/import.html", form=form), error.status
        if report.ok:
            flash(_("已导入 %(n)s 条信用信息。", n=report.saved), "success")
        else:
            db.session.rollback()
            return render_template("credit/import.html", form=form, report=report), 422
    return render_template("credit/import.html", form=form, report=report), \
        422 if form.errors else 200


@bp.get("/facts/template.csv")
@roles(REGULATOR)
def fact_template():
    return spreadsheets.download(fact_import.template_csv(), "csv", "credit-facts")


# --- entries -------------------------------------------------------------------------------

@bp.get("/entries")
@roles(REGULATOR)
def entry_list():
    list_type = request.args.get("list_type") if request.args.get("list_type") in LIST_TYPES \
        else None
    state = request.args.get("state") if request.args.get("state") in EntryState.ALL else None
    query = sa.select(ListEntry).order_by(ListEntry.id.desc())
    if list_type:
        query = query.where(ListEntry.list_type == list_type)
    if state:
        query = query.where(ListEntry.state == state)
    rows, has_next, page = paged(query)
    return render_template("credit/entries.html", entries=rows, has_next=has_next, page=page,
                           list_type=list_type, state=state)


@bp.route("/entries/new", methods=["GET", "POST"])
@roles(REGULATOR)
def entry_new():
    form = forms.ManualEntryForm(org_id=request.args.get("org_id", type=int))
    if form.validate_on_submit():
        try:
            entry = entries.propose_manual(
                current_user, form.org_id.data, form.list_type.data, form.legal_basis.data,
                form.reason.data, form.fact_id_list(),
                needs_rectification=form.needs_rectification.data,
                responsible_persons=form.person_list())
        except DomainError as error:
            show_errors(form, error)
            return render_template("credit/entry_form.html", form=form), error.status
        flash(_("已提出拟列入记录 #%(id)s。", id=entry.id), "success")
        return redirect(url_for("credit.entry_detail", entry_id=entry.id))
    return render_template("credit/entry_form.html", form=form), 422 if form.errors else 200


@bp.get("/entries/<int:entry_id>")
@roles(REGULATOR, *STAFF)
def entry_detail(entry_id: int):
    entry = entries.get_entry(entry_id)
    if not can_see_entry(current_user, entry) or (
            not current_user.has_role(REGULATOR) and entry.state == EntryState.PROPOSED):
        raise NotFound("credit.entry_not_found", _("名单记录不存在。"))
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
        db.session.rollback()
        flash(error.text, "error")
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
    if form.validate_on_submit():
        correction = {"amount_yuan": form.amount_yuan.data} \
            if form.amount_yuan.data is not None else None
        try:
            objections.decide_objection(current_user, objection, form.outcome.data,
                                        form.reason.data, correction=correction,
                                        fact_id=form.fact_id.data)
        except DomainError as error:
            show_errors(form, error)
            return render_template("credit/objection.html", objection=objection,
                                   form=form), error.status
        flash(_("异议已处理。"), "success")
        return redirect(url_for("credit.home"))
    return render_template("credit/objection.html", objection=objection, form=form), \
        422 if form.errors else 200


@bp.post("/objections/<int:objection_id>/accept")
@roles(REGULATOR)
def objection_accept(objection_id: int):
    """Accept a late objection (it then freezes what it disputes)."""
    form = forms.ReasonForm()
    if form.validate_on_submit():
        try:
            objections.accept_late(current_user, objections.get_objection(objection_id),
                                   form.reason.data)
        except DomainError as error:
            show_errors(form, error)
        else:
            flash(_("已受理逾期异议，相关记录暂停公开。"), "success")
    else:
        flash(_("请写明受理理由。"), "error")
    return redirect(url_for("credit.objection_decide", objection_id=objection_id))


@bp.route("/repairs/<int:repair_id>", methods=["GET", "POST"])
@roles(REGULATOR)
def repair_decide(repair_id: int):
    application = repair.get_repair(repair_id)
    form = forms.RepairDecisionForm()
    if form.validate_on_submit():
        try:
            repair.decide_repair(current_user, application, form.approve.data == "1",
                                 form.reason.data)
        except DomainError as error:
            show_errors(form, error)
            return render_template("credit/repair.html", application=application, form=form,
                                   check=repair.check(application.entry, clock.today())
                                   ), error.status
        flash(_("信用修复申请已处理。"), "success")
        return redirect(url_for("credit.entry_detail", entry_id=application.entry_id))
    return render_template("credit/repair.html", application=application, form=form,
                           check=repair.check(application.entry, clock.today())), \
        422 if form.errors else 200
