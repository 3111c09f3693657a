"""Regulator pages for random inspections: the two directories, declared conflicts, draws,
and entering results (which become inspection facts and are published with the draw)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.accounts.services import find_user
from core.auth import roles
from core.errors import DomainError
from core.extensions import db
from core.web.pages import submit
from credit import forms
from credit.inspections import services as inspections
from credit.inspections.models import InspectionSubject
from credit.views import REGULATOR, bp


def _conflict_form():
    form = forms.ConflictForm()
    form.inspector_id.choices = [(i.user_id, i.user.display_name)
                                 for i in inspections.inspector_list()]
    return form


@bp.get("/inspections")
@roles(REGULATOR)
def inspection_home():
    return render_template(
        "credit/inspections.html", inspectors=inspections.inspector_list(),
        conflicts=inspections.conflicts(), draws=inspections.draws(20),
        directory=db.session.query(InspectionSubject).filter_by(active=True).count(),
        draw_form=forms.DrawForm(), inspector_form=forms.InspectorForm(),
        conflict_form=_conflict_form())


def _done(message: str):
    flash(message, "success")
    return redirect(url_for("credit.inspection_home"))


@bp.post("/inspections/directory")
@roles(REGULATOR)
def inspection_directory():
    return _done(_("已加入 %(n)s 个主体。", n=inspections.fill_directory(current_user)))


@bp.post("/inspections/inspectors")
@roles(REGULATOR)
def inspection_inspector():
    form = forms.InspectorForm()
    user = find_user(form.username.data or "") if form.validate_on_submit() else None
    if user is None:
        flash(_("找不到该用户。"), "error")
        return redirect(url_for("credit.inspection_home"))
    if submit(form, lambda: inspections.add_inspector(current_user, user)).done:
        return _done(_("已加入检查人员名录。"))
    return redirect(url_for("credit.inspection_home"))


@bp.post("/inspections/conflicts")
@roles(REGULATOR)
def inspection_conflict():
    form = _conflict_form()
    outcome = submit(form, lambda: inspections.declare_conflict(
        current_user, form.inspector_id.data, form.org_id.data, form.reason.data))
    if outcome.done:
        return _done(_("已登记利害关系，抽签时将回避。"))
    if not outcome.ran:
        flash(_("请完整填写利害关系声明。"), "error")
    return redirect(url_for("credit.inspection_home"))


@bp.post("/inspections/draws")
@roles(REGULATOR)
def inspection_draw():
    form = forms.DrawForm()
    outcome = submit(form, lambda: inspections.make_draw(current_user, form.title.data,
                                                         form.seed.data))
    if outcome.done:
        flash(_("已抽取 %(n)s 个检查对象。", n=len(outcome.result.result)), "success")
        return redirect(url_for("credit.inspection_draw_detail", draw_id=outcome.result.id))
    if not outcome.ran:
        flash(_("请检查抽查任务信息。"), "error")
    return redirect(url_for("credit.inspection_home"))


@bp.route("/inspections/draws/<int:draw_id>", methods=["GET", "POST"])
@roles(REGULATOR)
def inspection_draw_detail(draw_id: int):
    row = inspections.get_draw(draw_id)
    form = forms.ResultForm()
    form.org_id.choices = [(a.org_id, a.organization.name) for a in row.assignments
                           if a.result_fact_id is None]
    outcome = submit(form, lambda: _enter_result(row, form))
    if outcome.ran:
        if outcome.done:
            flash(_("检查结果已录入并公开。"), "success")
        return redirect(url_for("credit.inspection_draw_detail", draw_id=draw_id))
    return render_template("credit/draw.html", draw=row, form=form, names=inspections.inspector_names(row),
                           reproducible=inspections.rerun(row) == row.result)


def _enter_result(row, form):
    assignment = next((a for a in row.assignments if a.org_id == form.org_id.data), None)
    if assignment is None:
        raise DomainError("credit.not_drawn", _("该主体不在本次抽查结果中。"))
    return inspections.enter_result(current_user, assignment, inspections.ResultIn(
        result=form.result.data, summary=form.summary.data or "",
        document_number=form.document_number.data, evidence_ref=form.evidence_ref.data,
        rectify_deadline=form.rectify_deadline.data))
