"""Regulator pages for random inspections: the overview (commit, reveal or withdraw a draw),
the two directories (deactivate and reactivate with a reason, conflicts), a draw and its
results (which become inspection facts and are published with the draw)."""

from __future__ import annotations

import marshmallow as ma
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import validate

from core import clock
from core.accounts.services import find_user
from core.auth import roles
from core.errors import DomainError, NotFound
from core.extensions import db
from core.orgs.services import find_org_by_uscc
from core.web.pages import QueryArgs, paginate, query_args, refuse
from credit.inspections import directories, published
from credit.inspections import services as inspections
from credit.inspections.forms import (
    CommitForm,
    ConflictForm,
    InspectorForm,
    ReasonForm,
    ResultForm,
    RevealForm,
)
from credit.views import REGULATOR, bp


def _back(endpoint: str = "credit.inspection_home", **values):
    return redirect(url_for(endpoint, **values))


def _run(operation, done: str, endpoint: str = "credit.inspection_home", **values):
    """Call a service; a refusal is rolled back and said in words."""
    try:
        operation()
    except DomainError as error:
        refuse(error)
    else:
        flash(done, "success")
    return _back(endpoint, **values)


def _invalid(form, message: str, endpoint: str = "credit.inspection_home", **values):
    details = [f"{form[name].label.text}：{' '.join(errors)}"
               for name, errors in form.errors.items() if name in form]
    flash(" ".join([message, *details]), "error")
    return _back(endpoint, **values)


# --- overview and draws ----------------------------------------------------------------------

@bp.get("/inspections")
@roles(REGULATOR)
def inspection_home():
    pending = inspections.open_commitment()
    return render_template(
        "credit/inspections.html", counts=directories.directory_counts(),
        inspectors=directories.drawable_inspectors(), draws=inspections.draws(20),
        pending=pending, commit_form=CommitForm(),
        earliest=inspections.earliest_reveal(pending) if pending else None)


@bp.post("/inspections/draws")
@roles(REGULATOR)
def inspection_commit():
    form = CommitForm()
    if not form.validate_on_submit():
        return _invalid(form, _("请检查抽查任务信息。"))
    try:
        row = inspections.commit(current_user, form.title.data, form.mode.data,
                                 form.count.data, form.commitment.data or None)
    except DomainError as error:
        db.session.rollback()
        flash(error.text, "error")
        return _back()
    flash(_("已公布抽签承诺值和名录快照。"), "success")
    return _back("credit.inspection_draw_detail", draw_id=row.id)


@bp.post("/inspections/draws/<int:draw_id>/reveal")
@roles(REGULATOR)
def inspection_reveal(draw_id: int):
    row = inspections.get_draw(draw_id)
    form = RevealForm()
    if not form.validate_on_submit():
        return _invalid(form, _("请检查揭晓信息。"), "credit.inspection_draw_detail",
                        draw_id=draw_id)
    return _run(lambda: inspections.reveal(current_user, row, form.secret.data or None),
                _("已揭晓随机值并完成抽签。"), "credit.inspection_draw_detail", draw_id=draw_id)


@bp.post("/inspections/draws/<int:draw_id>/cancel")
@roles(REGULATOR)
def inspection_cancel(draw_id: int):
    row = inspections.get_draw(draw_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        return _invalid(form, _("作废须说明原因。"), "credit.inspection_draw_detail",
                        draw_id=draw_id)
    return _run(lambda: inspections.cancel(current_user, row, form.reason.data),
                _("抽签承诺已作废，作废原因已公开。"), "credit.inspection_draw_detail",
                draw_id=draw_id)


@bp.route("/inspections/draws/<int:draw_id>", methods=["GET", "POST"])
@roles(REGULATOR)
def inspection_draw_detail(draw_id: int):
    row = inspections.get_draw(draw_id)
    earliest = None if row.is_legacy else inspections.earliest_reveal(row)
    form = ResultForm()
    form.org_id.choices = [(a.org_id, a.organization.name) for a in row.assignments
                           if a.result_fact_id is None and not a.not_inspected]
    if form.validate_on_submit():
        return _run(lambda: _enter_result(row, form), _("检查结果已录入并公开。"),
                    "credit.inspection_draw_detail", draw_id=draw_id)
    return render_template(
        "credit/draw.html", draw=row, form=form, names=inspections.inspector_names(row),
        reproducible=inspections.reproduces(row), reveal_form=RevealForm(),
        cancel_form=ReasonForm(), snapshot=None if row.is_legacy else published.snapshot(row),
        earliest=earliest, too_early=earliest is not None and clock.now() < earliest)


def _enter_result(row, form):
    assignment = next((a for a in row.assignments if a.org_id == form.org_id.data), None)
    if assignment is None:
        raise NotFound("credit.not_drawn", _("该主体不在本次抽查结果中。"))
    inspections.enter_result(current_user, assignment, inspections.ResultIn(
        result=form.result.data, summary=form.summary.data or "",
        document_number=form.document_number.data, evidence_ref=form.evidence_ref.data,
        rectify_deadline=form.rectify_deadline.data))


# --- the subject directory -------------------------------------------------------------------

@bp.get("/inspections/subjects")
@roles(REGULATOR)
def inspection_subjects():
    args = query_args(SubjectArgs)
    q, state = args["q"] or "", args["state"] or ""
    page = paginate(directories.subject_query({"on": True, "off": False}.get(state), q or None))
    return render_template(
        "credit/inspection_subjects.html", page=page, q=q, state=state,
        counts=directories.directory_counts(), form=ReasonForm(),
        changes=directories.latest_changes(directories.SUBJECTS, [r.org_id for r in page.rows]))


class SubjectArgs(QueryArgs):
    q = ma.fields.String(validate=validate.Length(max=100))
    state = ma.fields.String(validate=validate.OneOf(["on", "off"]))


@bp.post("/inspections/subjects")
@roles(REGULATOR)
def inspection_fill_directory():
    added = directories.fill_directory(current_user)
    flash(_("已加入 %(n)s 个主体。", n=added), "success")
    return _back("credit.inspection_subjects")


@bp.post("/inspections/subjects/<int:org_id>/deactivate")
@roles(REGULATOR)
def inspection_subject_deactivate(org_id: int):
    return _subject_active(org_id, False, _("已停用，今后的抽签不再抽取该主体。"))


@bp.post("/inspections/subjects/<int:org_id>/reactivate")
@roles(REGULATOR)
def inspection_subject_reactivate(org_id: int):
    return _subject_active(org_id, True, _("已恢复到检查对象名录。"))


def _subject_active(org_id: int, active: bool, done: str):
    form = ReasonForm()
    if not form.validate_on_submit():
        return _invalid(form, _("请说明原因。"), "credit.inspection_subjects")
    return _run(lambda: directories.set_subject_active(current_user, org_id, active,
                                                       form.reason.data),
                done, "credit.inspection_subjects")


# --- the inspector directory and conflicts ---------------------------------------------------

def _conflict_form():
    form = ConflictForm()
    form.inspector_id.choices = [(i.user_id, f"{i.user.display_name}（{i.staff_number}）")
                                 for i in directories.inspector_list()]
    return form


@bp.get("/inspections/inspectors")
@roles(REGULATOR)
def inspection_inspectors():
    people = directories.inspector_list()
    return render_template(
        "credit/inspection_inspectors.html", inspectors=people,
        changes=directories.latest_changes(directories.INSPECTORS, [i.user_id for i in people]),
        conflicts=directories.conflicts(), inspector_form=InspectorForm(),
        conflict_form=_conflict_form(), form=ReasonForm())


@bp.post("/inspections/inspectors")
@roles(REGULATOR)
def inspection_inspector():
    form = InspectorForm()
    if not form.validate_on_submit():
        return _invalid(form, _("请填写用户名和执法证号。"), "credit.inspection_inspectors")
    user = find_user(form.username.data)
    if user is None:
        flash(_("找不到该用户。"), "error")
        return _back("credit.inspection_inspectors")
    return _run(lambda: directories.add_inspector(current_user, user, form.staff_number.data),
                _("已加入检查人员名录。"), "credit.inspection_inspectors")


@bp.post("/inspections/inspectors/<int:user_id>/deactivate")
@roles(REGULATOR)
def inspection_inspector_deactivate(user_id: int):
    return _inspector_active(user_id, False, _("已停用，今后的抽签不再选派该人员。"))


@bp.post("/inspections/inspectors/<int:user_id>/reactivate")
@roles(REGULATOR)
def inspection_inspector_reactivate(user_id: int):
    return _inspector_active(user_id, True, _("已恢复到检查人员名录。"))


def _inspector_active(user_id: int, active: bool, done: str):
    form = ReasonForm()
    if not form.validate_on_submit():
        return _invalid(form, _("请说明原因。"), "credit.inspection_inspectors")
    return _run(lambda: directories.set_inspector_active(current_user, user_id, active,
                                                         form.reason.data),
                done, "credit.inspection_inspectors")


@bp.post("/inspections/conflicts")
@roles(REGULATOR)
def inspection_conflict():
    form = _conflict_form()
    if not form.validate_on_submit():
        return _invalid(form, _("请完整填写利害关系声明。"), "credit.inspection_inspectors")
    org = find_org_by_uscc(form.uscc.data)
    if org is None:
        flash(_("找不到该统一社会信用代码的主体。"), "error")
        return _back("credit.inspection_inspectors")
    return _run(lambda: directories.declare_conflict(current_user, form.inspector_id.data,
                                                     org.id, form.reason.data),
                _("已登记利害关系，抽签时将回避。"), "credit.inspection_inspectors")
