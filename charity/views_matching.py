"""Charity pages for matching: proposals with their plain-words explanation and the forms to
accept, decline, record delivery or abandon; running the matcher; the regulator dashboard and
its CSV/XLSX export."""

from __future__ import annotations

from datetime import date, timedelta

import marshmallow as ma
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import validate

from charity import parties, proposals, runs, stats
from charity.forms import AbandonForm, DecisionForm, FulfilForm
from charity.views import DONORS, ORG_STAFF, OVERSEERS, bp
from charity.vocabulary import ProposalStatus
from core import clock
from core.auth import roles
from core.orgs.services import districts
from core.web.pages import QueryArgs, back, export, paginate, query_args, submit

PARTIES_AND_OVERSEERS = (*DONORS, *OVERSEERS)


class ProposalFilter(QueryArgs):
    status = ma.fields.String(validate=validate.OneOf([s.value for s in ProposalStatus]))


@bp.get("/proposals")
@roles(*PARTIES_AND_OVERSEERS)
def proposal_list():
    status = query_args(ProposalFilter)["status"]
    page = paginate(proposals.proposals_query(current_user, status))
    return render_template("charity/proposals.html", page=page, status=status,
                           statuses=list(ProposalStatus))


def _proposal_page(proposal, status: int = 200, **forms):
    sides = parties.sides_of(current_user, proposal)
    decision = forms.get("decision") or DecisionForm()
    if request.method == "GET" and sides:
        decision.side.data = sorted(sides)[0]
    fulfil_form = forms.get("fulfil") or FulfilForm()
    if request.method == "GET":
        fulfil_form.delivered_quantity.data = proposal.quantity
        fulfil_form.delivered_on.data = clock.today()
    return render_template(
        "charity/proposal.html", proposal=proposal, sides=sides, decision=decision,
        open_sides=[s for s in sorted(sides) if proposal.status == ProposalStatus.PENDING
                    and proposal.decision_of(s) is None],
        fulfil_form=fulfil_form, abandon_form=forms.get("abandon") or AbandonForm(),
        show_address=proposal.status in (ProposalStatus.ACCEPTED, ProposalStatus.FULFILLED)),\
        status


@bp.get("/proposals/<int:proposal_id>")
@roles(*PARTIES_AND_OVERSEERS)
def proposal_detail(proposal_id: int):
    return _proposal_page(proposals.get_proposal_for(current_user, proposal_id))


@bp.post("/proposals/<int:proposal_id>/answer")
@roles(*DONORS)
def answer(proposal_id: int):
    form = DecisionForm()
    proposal = proposals.get_proposal_for(current_user, proposal_id)
    accept = form.answer.data == "accept"
    outcome = submit(form, lambda: proposals.respond(current_user, proposal_id, form.side.data,
                                                     accept, form.reason.data))
    if outcome.error is not None:
        return _proposal_page(proposals.get_proposal_for(current_user, proposal_id),
                              outcome.status, decision=form)
    if outcome.done:
        flash(_("已接受。") if accept else _("已谢绝。"), "success")
    return redirect(url_for("charity.proposal_detail", proposal_id=proposal.id))


@bp.post("/proposals/<int:proposal_id>/fulfil")
@roles(*DONORS)
def fulfil(proposal_id: int):
    form = FulfilForm()
    proposals.get_proposal_for(current_user, proposal_id)
    outcome = submit(form, lambda: proposals.fulfil(
        current_user, proposal_id, form.delivered_quantity.data, form.delivered_on.data,
        form.note.data))
    if outcome.done:
        flash(_("已登记交付，感谢双方。"), "success")
        return redirect(url_for("charity.proposal_detail", proposal_id=proposal_id))
    return _proposal_page(proposals.get_proposal_for(current_user, proposal_id),
                          outcome.status, fulfil=form)


@bp.post("/proposals/<int:proposal_id>/abandon")
@roles(*DONORS)
def abandon(proposal_id: int):
    form = AbandonForm()
    proposals.get_proposal_for(current_user, proposal_id)
    outcome = submit(form, lambda: proposals.abandon(
        current_user, proposal_id, form.responsible_side.data, form.reason.data))
    if outcome.done:
        flash(_("已登记放弃，相关数量已释放。"), "success")
        return redirect(url_for("charity.proposal_detail", proposal_id=proposal_id))
    return _proposal_page(proposals.get_proposal_for(current_user, proposal_id),
                          outcome.status, abandon=form)


@bp.post("/match")
@roles(*ORG_STAFF, *OVERSEERS)
def run_now():
    """Staff run the matcher on demand (the job also runs it every few minutes); the form's
    CSRF token is checked by CSRFProtect like every page POST."""
    run = runs.run_matching(current_user, trigger="staff")
    flash(_("匹配完成：新增 %(n)s 条对接建议。", n=run.proposals_created), "success")
    return back(url_for("charity.mine"))


@bp.get("/runs")
@roles(*OVERSEERS)
def run_list():
    return render_template("charity/runs.html", runs=runs.recent_runs(50))


class PeriodArgs(QueryArgs):
    """The dashboard's period (default: the last 365 days) and district."""

    since = ma.fields.Date()
    until = ma.fields.Date()
    district_id = ma.fields.Integer()

    @ma.post_load
    def _last_year_by_default(self, data, **_kwargs):
        data.setdefault("until", clock.today())
        data.setdefault("since", data["until"] - timedelta(days=365))
        if data["since"] > data["until"]:
            data["since"], data["until"] = data["until"], data["since"]
        return data


def _period() -> tuple[date, date, int | None]:
    args = query_args(PeriodArgs)
    return args["since"], args["until"], args["district_id"]


@bp.get("/dashboard")
@roles(*OVERSEERS)
def dashboard():
    since, until, district_id = _period()
    data = stats.compute(since, until, district_id)
    return render_template("charity/dashboard.html", data=data, districts=districts(),
                           district_id=district_id,
                           status_labels={s.value: s.label for s in ProposalStatus})


@bp.get("/dashboard/export.<string:fmt>")
@roles(*OVERSEERS)
def dashboard_export(fmt: str):
    since, until, district_id = _period()
    data = stats.compute(since, until, district_id)
    return export(fmt, f"charity-fulfilment-{since}-{until}",
                  {"csv": lambda: stats.to_csv(data), "xlsx": lambda: stats.to_xlsx(data)},
                  code="charity.bad_format")
