"""Charity pages for matching: proposals with their plain-words explanation and the forms to
accept, decline, record delivery or abandon; running the matcher; the regulator dashboard and
its CSV/XLSX export."""

from __future__ import annotations

from datetime import date, timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from charity import parties, proposals, runs, stats
from charity.forms import AbandonForm, DecisionForm, FulfilForm
from charity.views import DONORS, ORG_STAFF, OVERSEERS, arg_int, bp, paged, show_error
from charity.vocabulary import ProposalStatus
from core import clock, spreadsheets
from core.auth import roles
from core.errors import DomainError, NotFound
from core.orgs.services import districts

PARTIES_AND_OVERSEERS = (*DONORS, *OVERSEERS)


@bp.get("/proposals")
@roles(*PARTIES_AND_OVERSEERS)
def proposal_list():
    status = request.args.get("status") or None
    if status not in {None, *(s.value for s in ProposalStatus)}:
        status = None
    rows, page, has_next = paged(proposals.proposals_query(current_user, status))
    return render_template("charity/proposals.html", rows=rows, page=page, has_next=has_next,
                           status=status, statuses=list(ProposalStatus))


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
    accept = request.form.get("answer") == "accept"
    if form.validate_on_submit():
        try:
            proposals.respond(current_user, proposal_id, form.side.data, accept,
                              form.reason.data)
        except DomainError as error:
            show_error(form, error)
            return _proposal_page(proposals.get_proposal_for(current_user, proposal_id),
                                  error.status, decision=form)
        flash(_("已接受。") if accept else _("已谢绝。"), "success")
    return redirect(url_for("charity.proposal_detail", proposal_id=proposal.id))


@bp.post("/proposals/<int:proposal_id>/fulfil")
@roles(*DONORS)
def fulfil(proposal_id: int):
    form = FulfilForm()
    proposals.get_proposal_for(current_user, proposal_id)
    if form.validate_on_submit():
        try:
            proposals.fulfil(current_user, proposal_id, form.delivered_quantity.data,
                             form.delivered_on.data, form.note.data)
        except DomainError as error:
            show_error(form, error)
            return _proposal_page(proposals.get_proposal_for(current_user, proposal_id),
                                  error.status, fulfil=form)
        flash(_("已登记交付，感谢双方。"), "success")
        return redirect(url_for("charity.proposal_detail", proposal_id=proposal_id))
    return _proposal_page(proposals.get_proposal_for(current_user, proposal_id), 422,
                          fulfil=form)


@bp.post("/proposals/<int:proposal_id>/abandon")
@roles(*DONORS)
def abandon(proposal_id: int):
    form = AbandonForm()
    proposals.get_proposal_for(current_user, proposal_id)
    if form.validate_on_submit():
        try:
            proposals.abandon(current_user, proposal_id, form.responsible_side.data,
                              form.reason.data)
        except DomainError as error:
            show_error(form, error)
            return _proposal_page(proposals.get_proposal_for(current_user, proposal_id),
                                  error.status, abandon=form)
        flash(_("已登记放弃，相关数量已释放。"), "success")
        return redirect(url_for("charity.proposal_detail", proposal_id=proposal_id))
    return _proposal_page(proposals.get_proposal_for(current_user, proposal_id), 422,
                          abandon=form)


@bp.post("/match")
@roles(*ORG_STAFF, *OVERSEERS)
def run_now():
    """Staff run the matcher on demand (the job also runs it every few minutes); the form's
    CSRF token is checked by CSRFProtect like every page POST."""
    run = runs.run_matching(current_user, trigger="staff")
    flash(_("匹配完成：新增 %(n)s 条对接建议。", n=run.proposals_created), "success")
    target = request.form.get("next") or ""
    if target.startswith("/charity/") and "//" not in target:
        return redirect(target)
    return redirect(url_for("charity.mine"))


@bp.get("/runs")
@roles(*OVERSEERS)
def run_list():
    return render_template("charity/runs.html", runs=runs.recent_runs(50))


def _period() -> tuple[date, date, int | None]:
    def parse(name, default):
        try:
            return date.fromisoformat(request.args.get(name) or "") or default
        except ValueError:
            return default

    until = parse("until", clock.today())
    since = parse("since", until - timedelta(days=365))
    if since > until:
        since, until = until, since
    return since, until, arg_int("district_id")


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
    if fmt not in ("csv", "xlsx"):
        raise NotFound("charity.bad_format", _("只支持 CSV 或 XLSX 格式。"))
    body = stats.to_csv(data) if fmt == "csv" else stats.to_xlsx(data)
    return spreadsheets.download(body, fmt, f"charity-fulfilment-{since}-{until}")
