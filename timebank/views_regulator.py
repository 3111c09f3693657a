"""Regulator pages: statistics and exports, pool allocations, session review, ledger check."""

from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import validate

from core import clock
from core.accounts.models import Role, User
from core.accounts.services import find_person_by_volunteer_number
from core.auth import roles
from core.config import policy
from core.extensions import db
from core.orgs.services import districts
from core.web.pages import QueryArgs, export, paginate, query_args, submit
from timebank import (
    confirmation,
    ledger,
    liability,
    recognition,
    redemption,
    review,
    sessions,
    stats,
    transfers,
)
from timebank.forms import AllocationForm, ConfirmForm, ReviewForm
from timebank.models import Redemption, ServiceSession
from timebank.views import SessionFilter, bp
from timebank.vocabulary import Consent, SessionStatus

OVERSIGHT = (Role.REGULATOR, Role.ADMIN)


class StatsArgs(QueryArgs):
    year = ma.fields.Integer()
    district_id = ma.fields.Integer()

    @ma.post_load
    def _this_year_by_default(self, data, **_kwargs):
        this_year = clock.today().year
        if not 2000 <= (data.get("year") or 0) <= this_year + 1:
            data["year"] = this_year
        return data


class ReviewArgs(SessionFilter):
    q = ma.fields.String()  # a volunteer number: ID numbers stay out of URLs


@bp.get("/stats")
@roles(*OVERSIGHT)
def stats_page():
    args = query_args(StatsArgs)
    data = stats.compute(args["year"], args["district_id"])
    this_year = clock.today().year
    return render_template("timebank/stats.html", stats=data, district_id=args["district_id"],
                           districts=districts(), years=range(this_year, this_year - 6, -1),
                           month_series=[{"name": name, "data": data.by_month_district[name]}
                                         for name, _m in data.by_district
                                         if name in data.by_month_district],
                           stars=recognition.report_by_district(),
                           star_hours=policy("volunteer_star_hours"))


@bp.get("/stats/export.<string:fmt>")
@roles(*OVERSIGHT)
def stats_export(fmt: str):
    args = query_args(StatsArgs)
    data = stats.compute(args["year"], args["district_id"])
    return export(fmt, f"timebank-stats-{data.year}",
                  {"csv": lambda: stats.to_csv(data), "xlsx": lambda: stats.to_xlsx(data)},
                  code="timebank.bad_format")


class YearArgs(QueryArgs):
    year = ma.fields.Integer(validate=validate.Range(min=2000, max=2100))


@bp.get("/liability")
@roles(*OVERSIGHT)
def liability_page():
    """What members hold against what institutions redeem, and each institution's monthly
    settlement (the time bank's liability)."""
    year = query_args(YearArgs)["year"] or clock.today().year
    data = liability.compute()
    return render_template("timebank/liability.html", data=data,
                           settlement=liability.settlement(year), year=year,
                           years=range(clock.today().year, clock.today().year - 6, -1),
                           expiring_days=liability.EXPIRING_WITHIN_DAYS)


@bp.get("/liability/settlement.<string:fmt>")
@roles(*OVERSIGHT)
def settlement_export(fmt: str):
    year = query_args(YearArgs)["year"] or clock.today().year
    data = liability.settlement(year)
    return export(fmt, f"timebank-settlement-{year}",
                  {"csv": lambda: liability.settlement_csv(data),
                   "xlsx": lambda: liability.settlement_xlsx(data)}, code="timebank.bad_format")


@bp.route("/allocations", methods=["GET", "POST"])
@roles(*OVERSIGHT)
def allocations():
    form = AllocationForm()
    outcome = submit(form, lambda: _allocate(form), fields={"q": "member", "minutes": "hours"})
    if outcome.done:
        flash(_("已从公益时间池分配给 %(name)s。", name=outcome.result.name), "success")
        return redirect(url_for("timebank.allocations"))
    return render_template("timebank/allocations.html", form=form,
                           pool=transfers.pool_overview(),
                           recent=transfers.recent_transfers("allocation", 30)), outcome.status


def _allocate(form: AllocationForm):
    person = redemption.find_member(form.member.data)
    transfers.allocate(current_user, person.id, form.total_minutes(), form.reason.data)
    return person


@bp.get("/review")
@roles(*OVERSIGHT)
def review_sessions():
    """Every session, newest first, to open one and reverse it when it is found false."""
    args = query_args(ReviewArgs)
    status, q = args["status"], (args["q"] or "").upper()
    query = sessions.sessions_query(current_user, "all", status)
    if q:  # volunteer numbers only: ID numbers stay out of URLs
        person = find_person_by_volunteer_number(q)
        if person is None:
            flash(_("找不到该志愿者编号。"), "error")
        else:
            query = query.where(ServiceSession.volunteer_id == person.id)
    return render_template("timebank/review.html", page=paginate(query), status=status,
                           statuses=list(SessionStatus), q=q)


@bp.get("/review/queue")
@roles(*OVERSIGHT)
def review_queue():
    """Sessions held for review (mutual confirmations, bursts), oldest first."""
    page = paginate(review.queue_query())
    return render_template("timebank/review_queue.html", page=page,
                           signals=review.signals_of([r.id for r in page.rows]),
                           form=ReviewForm())


@bp.post("/sessions/<int:session_id>/review")
@roles(*OVERSIGHT)
def review_decision(session_id: int):
    form = ReviewForm()
    outcome = submit(form, lambda: confirmation.decide_held(
        current_user, session_id, bool(form.release.data), form.reason.data))
    if outcome.invalid:
        flash(_("请填写核查结论。"), "error")
    elif outcome.done:
        flash(_("已存入时间。") if outcome.result.status == SessionStatus.CONFIRMED
              else _("已退回。"), "success")
    return redirect(url_for("timebank.review_queue"))


@bp.get("/review/catalogue")
@roles(*OVERSIGHT)
def review_catalogue():
    """Catalogue services priced or sized above the policy caps, waiting for approval."""
    return render_template("timebank/review_catalogue.html",
                           page=paginate(redemption.items_awaiting_approval()),
                           form=ConfirmForm())


@bp.post("/catalogue/<int:item_id>/approve")
@roles(Role.REGULATOR)
def approve_item(item_id: int):
    if submit(ConfirmForm(), lambda: redemption.approve_item(current_user, item_id)).done:
        flash(_("已批准，该服务项目可以兑换了。"), "success")
    return redirect(url_for("timebank.review_catalogue"))


@bp.get("/review/redemptions")
@roles(*OVERSIGHT)
def review_redemptions():
    """Redemptions made on an ID-card check for members without a login (who checked, who
    approved), newest first."""
    query = redemption.redemptions_query().where(Redemption.consent == Consent.ASSISTED)
    page = paginate(query)
    return render_template("timebank/review_redemptions.html", page=page,
                           users=_names({r.created_by_id for r in page.rows} |
                                        {r.approved_by_id for r in page.rows}))


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
