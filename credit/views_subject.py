"""Subject pages: the credit profile (regulators: any; staff: their own), and what an
organization does about its record: object, apply for repair, file the annual report."""

from __future__ import annotations

import marshmallow as ma
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import validate

from core import clock
from core.auth import roles
from core.orgs.services import orgs_of, require_member, search_orgs
from core.web.pages import QueryArgs, paginate, query_args, submit
from credit import forms, profile
from credit.facts import annual_reports
from credit.facts import records as facts
from credit.facts.records import get_subject, is_credit_subject
from credit.lists import objections, repair
from credit.models import EntryState
from credit.views import PER_PAGE, REGULATOR, STAFF, bp
from credit.vocabulary import entry_ref, kind_label, subtype_label


class SearchArgs(QueryArgs):
    q = ma.fields.String()


class TargetArgs(QueryArgs):
    target = ma.fields.String(validate=validate.Length(max=40))  # "entry:<id>" or "fact:<id>"


@bp.get("/subjects")
@roles(REGULATOR)
def subjects():
    q = query_args(SearchArgs)["q"]
    return render_template("credit/subjects.html", page=paginate(search_orgs(q=q), PER_PAGE),
                           q=q or "")


@bp.get("/mine")
@roles(*STAFF)
def mine():
    own = [o for o in orgs_of(current_user) if is_credit_subject(o)]
    if len(own) == 1:
        return redirect(url_for("credit.subject", org_id=own[0].id))
    return render_template("credit/mine.html", orgs=own)


@bp.get("/subjects/<int:org_id>")
@roles(REGULATOR, *STAFF)
def subject(org_id: int):
    facts.require_reader(current_user, org_id)
    view = profile.build(current_user, org_id, clock.today())
    return render_template("credit/subject.html", p=view, today=clock.today())


def _objection_targets(org_id: int, view) -> list[tuple[str, str]]:
    choices = [(f"entry:{e.id}", f"{entry_ref(e)} {e.reason[:40]}")
               for e in view.entries if e.state in (EntryState.NOTIFIED, EntryState.PUBLISHED)]
    choices += [(f"fact:{t.fact.id}", f"{_('信用信息')} {t.fact.occurred_on} "
                 f"{kind_label(t.fact.kind)} · {subtype_label(t.fact.subtype)}")
                for t in view.facts if t.status == "effective"]
    return choices


@bp.route("/subjects/<int:org_id>/objection", methods=["GET", "POST"])
@roles(*STAFF)
def objection_new(org_id: int):
    require_member(current_user, org_id)
    view = profile.build(current_user, org_id, clock.today())
    form = forms.ObjectionForm(target=query_args(TargetArgs)["target"])
    form.target.choices = _objection_targets(org_id, view)
    kind, _sep, target_id = (form.target.data or "").partition(":")
    outcome = submit(form, lambda: objections.file_objection(
        current_user, org_id, form.reason.data, evidence_ref=form.evidence_ref.data,
        entry_id=int(target_id) if kind == "entry" else None,
        fact_id=int(target_id) if kind == "fact" else None))
    if outcome.done:
        if outcome.result.freezes:
            flash(_("异议已提交。处理结果出来前，相关信息暂不用于名单。"), "success")
        else:
            flash(_("异议已记录。异议期已届满，经监管部门受理后才暂停公开。"), "warning")
        return redirect(url_for("credit.subject", org_id=org_id))
    return render_template("credit/objection_form.html", form=form, org=view.org), \
        outcome.status


@bp.route("/entries/<int:entry_id>/repair", methods=["GET", "POST"])
@roles(*STAFF)
def repair_new(entry_id: int):
    entry = repair.repairable_entry(current_user, entry_id)
    form = forms.RepairForm()
    check = repair.check(entry, clock.today())
    outcome = submit(form, lambda: repair.apply_for_repair(
        current_user, entry.id, form.statement.data, form.evidence_ref.data))
    if outcome.done:
        flash(_("信用修复申请已提交。"), "success")
        return redirect(url_for("credit.subject", org_id=entry.org_id))
    return render_template("credit/repair_form.html", form=form, entry=entry, check=check), \
        outcome.status


@bp.route("/subjects/<int:org_id>/annual-report", methods=["GET", "POST"])
@roles(*STAFF)
def annual_report(org_id: int):
    require_member(current_user, org_id)
    org = get_subject(org_id)
    year = clock.today().year - 1
    form = forms.AnnualReportForm(year=year)
    outcome = submit(form, lambda: annual_reports.submit_report(current_user, org_id,
                                                                form.year.data, form.figures()))
    if outcome.done:
        report = outcome.result
        flash(_("%(y)s 年度报告已报送（%(s)s）。", y=report.year,
                s=_("按时") if report.status == "on_time" else _("逾期")), "success")
        return redirect(url_for("credit.subject", org_id=org_id))
    return render_template("credit/report_form.html", form=form, org=org,
                           deadline=annual_reports.deadline(year)), outcome.status
