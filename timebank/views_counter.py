"""Counter pages for eldercare staff: member look-up, redemptions, receipts, catalogue."""

from __future__ import annotations

import marshmallow as ma
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import validate

from core.accounts.models import Person, Role
from core.auth import roles
from core.errors import DomainError
from core.extensions import db, limiter
from core.orgs.services import orgs_of
from core.web.pages import QueryArgs, paginate, query_args, submit
from timebank import redemption
from timebank.accounts import account_summary
from timebank.forms import CancelForm, CodeForm, ItemForm, LookupForm, RedeemForm
from timebank.views import bp
from timebank.vocabulary import RedemptionStatus

COUNTER = (Role.INSTITUTION_STAFF,)


class CounterArgs(QueryArgs):
    org_id = ma.fields.Integer()  # which of the staff member's institutions


class RedemptionFilter(CounterArgs):
    status = ma.fields.String(validate=validate.OneOf([s.value for s in RedemptionStatus]))


def my_institution():
    """The eldercare institution the signed-in counter staff works for (?org_id= to pick)."""
    institutions = [o for o in orgs_of(current_user) if o.is_eldercare]
    if not institutions:
        return None
    wanted = query_args(CounterArgs)["org_id"]
    return next((o for o in institutions if o.id == wanted), institutions[0])


def _no_institution():
    return render_template("timebank/counter.html", org=None, form=LookupForm(),
                           pending=[]), 403


@bp.route("/counter", methods=["GET", "POST"])
@roles(*COUNTER)
def counter():
    org = my_institution()
    if org is None:
        return _no_institution()
    form = LookupForm()
    if form.validate_on_submit():
        try:
            person = redemption.find_member(form.q.data)
        except DomainError as error:
            form.q.errors = [error.text]
        else:
            return redirect(url_for("timebank.counter_member", person_id=person.id,
                                    org_id=org.id))
    pending = db.session.execute(redemption.redemptions_query(
        org.id, status=RedemptionStatus.PENDING).limit(50)).scalars().all()
    return render_template("timebank/counter.html", org=org, form=form, pending=pending)


def _member_page(org, person, form, status=200):
    items = redemption.catalogue(org.id)
    form.item_id.choices = [(i.id, f"{i.name}（{i.price_minutes} 分钟）") for i in items]
    recent = db.session.execute(redemption.redemptions_query(org.id, person.id).limit(10)
                                ).scalars().all()
    return render_template("timebank/counter_member.html", org=org, person=person,
                           account=account_summary(person), form=form, items=items,
                           recent=recent), status


@bp.route("/counter/member/<int:person_id>", methods=["GET", "POST"])
@roles(*COUNTER)
def counter_member(person_id: int):
    org = my_institution()
    person = db.session.get(Person, person_id)
    if org is None or person is None:
        abort(404)
    form = RedeemForm()
    outcome = submit(form, lambda: redemption.create_redemption(
        current_user, person.id, form.item_id.data, form.quantity.data))
    if outcome.done:
        row = outcome.result
        flash(_("已冻结 %(m)s 分钟。请把兑换码 %(code)s 交给会员，服务完成后凭码确认。",
                m=row.amount, code=row.code), "success")
        return redirect(url_for("timebank.redemption_detail", redemption_id=row.id))
    if outcome.error is not None:  # a refused redemption starts over with an empty form
        form = RedeemForm(formdata=None)
    return _member_page(org, person, form, outcome.status)


@bp.get("/counter/redemptions")
@roles(*COUNTER)
def counter_redemptions():
    org = my_institution()
    if org is None:
        return _no_institution()
    status = query_args(RedemptionFilter)["status"]
    page = paginate(redemption.redemptions_query(org.id, status=status))
    return render_template("timebank/counter_redemptions.html", org=org, page=page,
                           status=status, statuses=list(RedemptionStatus))


@bp.get("/redemptions/<int:redemption_id>")
@roles(Role.VOLUNTEER, *COUNTER, Role.REGULATOR, Role.ADMIN)
def redemption_detail(redemption_id: int):
    row = redemption.get_visible(current_user, redemption_id)
    is_staff = row.org_id in {o.id for o in orgs_of(current_user)}
    return render_template("timebank/redemption_detail.html", row=row, is_staff=is_staff,
                           is_member=current_user.person_id == row.person_id,
                           code_form=CodeForm(), cancel_form=CancelForm())


@bp.post("/redemptions/<int:redemption_id>/complete")
@roles(*COUNTER)
@limiter.limit("10 per minute")
def complete_redemption(redemption_id: int):
    form = CodeForm()
    outcome = submit(form, lambda: redemption.complete_redemption(current_user, redemption_id,
                                                                   form.code.data))
    if outcome.done:
        flash(_("兑换完成，已扣减时间。"), "success")
        return redirect(url_for("timebank.receipt", redemption_id=redemption_id))
    if outcome.invalid:
        flash(_("请填写会员出示的兑换码。"), "error")
    return redirect(url_for("timebank.redemption_detail", redemption_id=redemption_id))


@bp.post("/redemptions/<int:redemption_id>/cancel")
@roles(Role.VOLUNTEER, *COUNTER)
def cancel_redemption(redemption_id: int):
    form = CancelForm()
    if submit(form, lambda: redemption.cancel_redemption(current_user, redemption_id,
                                                          form.reason.data)).done:
        flash(_("已取消，冻结的时间已释放。"), "success")
    return redirect(url_for("timebank.redemption_detail", redemption_id=redemption_id))


@bp.get("/redemptions/<int:redemption_id>/receipt")
@roles(Role.VOLUNTEER, *COUNTER, Role.REGULATOR, Role.ADMIN)
def receipt(redemption_id: int):
    return render_template("timebank/receipt.html",
                           row=redemption.get_visible(current_user, redemption_id))


@bp.route("/counter/catalogue", methods=["GET", "POST"])
@roles(*COUNTER)
def catalogue():
    org = my_institution()
    if org is None:
        return _no_institution()
    form = ItemForm()
    outcome = submit(form, lambda: redemption.add_item(current_user, org.id, {
        "name": form.name.data, "description": form.description.data,
        "service_minutes": form.service_minutes.data, "price_minutes": form.price_minutes.data}))
    if outcome.done:
        flash(_("已添加服务项目。"), "success")
        return redirect(url_for("timebank.catalogue", org_id=org.id))
    return render_template("timebank/catalogue.html", org=org, form=form,
                           items=redemption.catalogue(org.id, active_only=False)), \
        outcome.status


@bp.post("/counter/catalogue/<int:item_id>/toggle")
@roles(*COUNTER)
def toggle_item(item_id: int):
    form = CancelForm()  # only for its CSRF token
    if submit(form, lambda: redemption.update_item(
            current_user, item_id, {"active": not redemption.get_item(item_id).active})).done:
        flash(_("已更新。"), "success")
    return redirect(url_for("timebank.catalogue"))
