"""Regulator pages: statistics and exports, pool allocations, session review, ledger check."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core import clock
from core.accounts.models import Role, User
from core.accounts.services import find_person_by_volunteer_number
from core.auth import roles
from core.errors import DomainError
from core.extensions import db
from core.orgs.services import districts
from timebank import confirmation, ledger, redemption, review, sessions, stats, transfers
from timebank.api_redemption import export_response
from timebank.consent import Consent
from timebank.forms import AllocationForm, ConfirmForm, ReviewForm
from timebank.models import Redemption, ServiceSession, SessionStatus
from timebank.views import bp, paged, show_error

OVERSIGHT = (Role.REGULATOR, Role.ADMIN)


def _year_and_district() -> tuple[int, int | None]:
    this_year = clock.today().year
    year = request.args.get("year", type=int) or this_year
    if not 2000 <= year <= this_year + 1:
        year = this_year
    district = request.args.get("district_id", type=int) or None
    return year, district


@bp.get("/stats")
@roles(*OVERSIGHT)
def stats_page():
    year, district = _year_and_district()
    data = stats.compute(year, district)
    this_year = clock.today().year
    return render_template("timebank/stats.html", stats=data, district_id=district,
                           districts=districts(), years=range(this_year, this_year - 6, -1))


@bp.get("/stats/export.<string:fmt>")
@roles(*OVERSIGHT)
def stats_export(fmt: str):
    year, district = _year_and_district()
    return export_response(stats.compute(year, district), fmt)


@bp.route("/allocations", methods=["GET", "POST"])
@roles(*OVERSIGHT)
def allocations():
    form = AllocationForm()
    if form.validate_on_submit():
        try:
            person = redemption.find_member(form.member.data)
            transfers.allocate(current_user, person.id, form.total_minutes(), form.reason.data)
        except DomainError as error:
            error.errors = {{"q": "member", "minutes": "hours"}.get(k, k): v
                            for k, v in error.errors.items()}
            show_error(form, error)
            return _allocations_page(form, error.status)
        flash(_("已从公益时间池分配给 %(name)s。", name=person.name), "success")
        return redirect(url_for("timebank.allocations"))
    return _allocations_page(form)


def _allocations_page(form, status=200):
    return render_template("timebank/allocations.html", form=form,
                           pool=transfers.pool_overview(),
                           recent=transfers.recent_transfers("allocation", 30)), status


@bp.get("/review")
@roles(*OVERSIGHT)
def review_sessions():
    """Every session, newest first, to open one and reverse it when it is found false."""
    status = request.args.get("status") or None
    if status not in {None, *(s.value for s in SessionStatus)}:
        status = None
    query = sessions.sessions_query(current_user, "all", status)
    q = (request.args.get("q") or "").strip().upper()
    if q:  # volunteer numbers only: ID numbers stay out of URLs
        person = find_person_by_volunteer_number(q)
        if person is None:
            flash(_("找不到该志愿者编号。"), "error")
        else:
            query = query.where(ServiceSession.volunteer_id == person.id)
    rows, page, has_next = paged(query)
    return render_template("timebank/review.html", rows=rows, page=page, has_next=has_next,
                           status=status, statuses=list(SessionStatus), q=q)


@bp.get("/review/queue")
@roles(*OVERSIGHT)
def review_queue():
    """Sessions held for review (mutual confirmations, bursts), oldest first."""
    rows, page, has_next = paged(review.queue_query())
    return render_template("timebank/review_queue.html", rows=rows, page=page,
                           has_next=has_next, signals=review.signals_of([r.id for r in rows]),
                           form=ReviewForm())


@bp.post("/sessions/<int:session_id>/review")
@roles(*OVERSIGHT)
def review_decision(session_id: int):
    form = ReviewForm()
    if not form.validate_on_submit():
        flash(_("请填写核查结论。"), "error")
        return redirect(url_for("timebank.review_queue"))
    try:
        row = confirmation.decide_held(current_user, session_id, bool(form.release.data),
                                       form.reason.data)
    except DomainError as error:
        show_error(None, error)
        return redirect(url_for("timebank.review_queue"))
    flash(_("已存入时间。") if row.status == SessionStatus.CONFIRMED else _("已退回。"), "success")
    return redirect(url_for("timebank.review_queue"))


@bp.get("/review/catalogue")
@roles(*OVERSIGHT)
def review_catalogue():
    """Catalogue services priced or sized above the policy caps, waiting for approval."""
    rows, page, has_next = paged(redemption.items_awaiting_approval())
    return render_template("timebank/review_catalogue.html", rows=rows, page=page,
                           has_next=has_next, form=ConfirmForm())


@bp.post("/catalogue/<int:item_id>/approve")
@roles(Role.REGULATOR)
def approve_item(item_id: int):
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            redemption.approve_item(current_user, item_id)
        except DomainError as error:
            show_error(None, error)
        else:
            flash(_("已批准，该服务项目可以兑换了。"), "success")
    return redirect(url_for("timebank.review_catalogue"))


@bp.get("/review/redemptions")
@roles(*OVERSIGHT)
def review_redemptions():
    """Redemptions made on an ID-card check for members without a login (who checked, who
    approved), newest first."""
    query = redemption.redemptions_query().where(Redemption.consent == Consent.ASSISTED)
    rows, page, has_next = paged(query)
    return render_template("timebank/review_redemptions.html", rows=rows, page=page,
                           has_next=has_next, users=_names({r.created_by_id for r in rows} |
                                                           {r.approved_by_id for r in rows}))


def _names(user_ids) -> dict:
    ids = [i for i in user_ids if i]
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(User.id, User.display_name)
                                   .where(User.id.in_(ids))).all())


@bp.get("/ledger")
@roles(*OVERSIGHT)
def ledger_status():
    return render_template("timebank/ledger.html", report=ledger.verify())
