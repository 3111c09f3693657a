"""Counter pages for eldercare staff: a member presents themself (pay code or ID card), a
redemption with their consent, receipts, the catalogue. Rules: timebank.redemption, .consent."""

from __future__ import annotations

import marshmallow as ma
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import validate

from core.accounts.models import Person, Role
from core.auth import roles
from core.errors import DomainError
from core.extensions import db, limiter
from core.ids import normalize
from core.orgs.services import orgs_of
from core.web.filters import minutes
from core.web.pages import QueryArgs, paginate, query_args, refuse, submit
from timebank import consent, ledger, redemption
from timebank.accounts import account_summary
from timebank.forms import CancelForm, CodeForm, CounterRedeemForm, ItemForm, LookupForm
from timebank.views import bp
from timebank.vocabulary import Consent, RedemptionStatus, category_choices

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
        text = normalize(form.q.data)
        shown = {"id_number": text} if len(text) == 18 else {"pay_code": text}
        try:
            row = consent.present(current_user, org.id, **shown)
        except DomainError as error:
            db.session.rollback()
            form.q.errors = [error.text]
        else:
            return redirect(url_for("timebank.counter_member", person_id=row.person_id,
                                    org_id=org.id))
    pending = db.session.execute(redemption.redemptions_query(
        org.id, status=RedemptionStatus.PENDING).limit(50)).scalars().all()
    return render_template("timebank/counter.html", org=org, form=form, pending=pending)


def _member_page(org, person, form, status=200):
    items = redemption.catalogue(org.id)
    form.item_id.choices = [(i.id, f"{i.name}（{i.category_label}，{minutes(i.price_minutes)}）")
                            for i in items]
    recent = db.session.execute(redemption.redemptions_query(org.id, person.id).limit(10)
                                ).scalars().all()
    presented = consent.live_presentation(current_user, person.id, org.id)
    return render_template("timebank/counter_member.html", org=org, person=person,
                           account=account_summary(person), form=form, items=items,
                           recent=recent, presented=presented,
                           has_login=person.user is not None), status


SENT = {
    RedemptionStatus.PENDING: _l("已凭付款码冻结 %(m)s，服务完成后点击“完成”。"),
    Consent.MEMBER: _l("已发送给会员：请会员在本人账户（“我的兑换”）中确认，确认后冻结 %(m)s。"),
    Consent.ASSISTED: _l("已记录身份证核对：请会员登记的亲属或本机构另一名工作人员确认，确认后冻结 %(m)s。"),
}


@bp.route("/counter/member/<int:person_id>", methods=["GET", "POST"])
@roles(*COUNTER)
def counter_member(person_id: int):
    """Only while the member's presentation lasts: no browsing of accounts."""
    org = my_institution()
    person = db.session.get(Person, person_id)
    if org is None or person is None or \
            consent.live_presentation(current_user, person.id, org.id) is None:
        abort(404)
    form = CounterRedeemForm()
    outcome = submit(form, lambda: redemption.create_redemption(
        current_user, person.id, form.item_id.data, form.quantity.data,
        pay_code=form.pay_code.data or None, id_checked=form.id_checked.data))
    if outcome.done:
        row = outcome.result
        key = row.status if row.status == RedemptionStatus.PENDING else row.consent
        flash(str(SENT[key]) % {"m": minutes(row.amount)}, "success")
        return redirect(url_for("timebank.redemption_detail", redemption_id=row.id))
    if outcome.error is not None:  # a refused redemption starts over with an empty form
        form = CounterRedeemForm(formdata=None)
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
                           may_approve=_may_approve(row), needs_code=row.consent in (
                               Consent.SELF, Consent.SYSTEM),
                           code_form=CodeForm(), cancel_form=CancelForm())


def _may_approve(row) -> bool:
    if row.status != RedemptionStatus.REQUESTED:
        return False
    try:
        consent.approval_role(current_user, row)
    except DomainError:
        return False
    return True


@bp.post("/redemptions/<int:redemption_id>/approve")
@roles(Role.VOLUNTEER, *COUNTER)
def approve_redemption(redemption_id: int):
    """The member, their family proxy, or a second clerk approves a counter's request."""
    form = CancelForm()  # only for its CSRF token
    if form.validate_on_submit():
        try:
            redemption.approve_redemption(current_user, redemption_id)
        except DomainError as error:
            refuse(error)
        else:
            flash(_("已同意，所需时间已冻结，服务完成后扣减。"), "success")
    if request.form.get("next") == "mine":
        return redirect(url_for("timebank.my_redemptions"))
    return redirect(url_for("timebank.redemption_detail", redemption_id=redemption_id))


@bp.post("/redemptions/<int:redemption_id>/decline")
@roles(Role.VOLUNTEER)
def decline_redemption(redemption_id: int):
    form = CancelForm()
    if form.validate_on_submit():
        try:
            redemption.decline_redemption(current_user, redemption_id, form.reason.data)
        except DomainError as error:
            refuse(error)
        else:
            flash(_("已拒绝该兑换申请。"), "success")
    return redirect(url_for("timebank.my_redemptions"))


@bp.post("/redemptions/<int:redemption_id>/complete")
@roles(*COUNTER)
@limiter.limit("10 per minute")
def complete_redemption(redemption_id: int):
    form = CodeForm()
    if form.validate_on_submit():
        try:
            redemption.complete_redemption(current_user, redemption_id, form.code.data or None)
        except DomainError as error:
            refuse(error)
            return redirect(url_for("timebank.redemption_detail", redemption_id=redemption_id))
        flash(_("兑换完成，已扣减时间。"), "success")
        return redirect(url_for("timebank.receipt", redemption_id=redemption_id))
    flash(_("请填写会员出示的兑换码。"), "error")
    return redirect(url_for("timebank.redemption_detail", redemption_id=redemption_id))


@bp.post("/redemptions/<int:redemption_id>/cancel")
@roles(Role.VOLUNTEER, *COUNTER)
def cancel_redemption(redemption_id: int):
    form = CancelForm()
    if form.validate_on_submit():
        try:
            redemption.cancel_redemption(current_user, redemption_id, form.reason.data)
        except DomainError as error:
            refuse(error)
        else:
            flash(_("已取消，冻结的时间已释放。"), "success")
    return redirect(url_for("timebank.redemption_detail", redemption_id=redemption_id))


@bp.get("/redemptions/<int:redemption_id>/receipt")
@roles(Role.VOLUNTEER, *COUNTER, Role.REGULATOR, Role.ADMIN)
def receipt(redemption_id: int):
    row = redemption.get_visible(current_user, redemption_id)
    _balance, held, available = ledger.balances(row.person_id)
    return render_template("timebank/receipt.html", row=row, available=available, held=held,
                           staff_org_ids={o.id for o in orgs_of(current_user)})


@bp.route("/counter/catalogue", methods=["GET", "POST"])
@roles(*COUNTER)
def catalogue():
    org = my_institution()
    if org is None:
        return _no_institution()
    form = ItemForm()
    form.category.choices = category_choices()
    outcome = submit(form, lambda: redemption.add_item(current_user, org.id, _item_data(form)))
    if outcome.done:
        flash(_("已添加服务项目。"), "success")
        return redirect(url_for("timebank.catalogue", org_id=org.id))
    return _catalogue_page(org, form, outcome.status)


def _item_data(form) -> dict:
    return {"name": form.name.data, "category": form.category.data,
            "description": form.description.data,
            "service_minutes": form.service_minutes.data,
            "price_minutes": form.price_minutes.data, "max_quantity": form.max_quantity.data}


def _catalogue_page(org, form, status=200):
    return render_template("timebank/catalogue.html", org=org, form=form,
                           items=redemption.catalogue(org.id, active_only=False)), status


@bp.route("/counter/catalogue/<int:item_id>", methods=["GET", "POST"])
@roles(*COUNTER)
def edit_item(item_id: int):
    """Change a service: its name, category (open ones, or the one it keeps), length, price."""
    item = redemption.get_item(item_id)
    org = redemption.institution(current_user, item.org_id)
    form = ItemForm(obj=item)
    form.category.choices = category_choices(kept=item.category)
    outcome = submit(form, lambda: redemption.update_item(current_user, item.id,
                                                          _item_data(form)))
    if outcome.done:
        flash(_("已保存服务项目。"), "success")
        return redirect(url_for("timebank.catalogue", org_id=org.id))
    return render_template("timebank/catalogue_item.html", org=org, item=item,
                           form=form), outcome.status


@bp.post("/counter/catalogue/<int:item_id>/toggle")
@roles(*COUNTER)
def toggle_item(item_id: int):
    form = CancelForm()  # only for its CSRF token
    if form.validate_on_submit():
        try:
            item = redemption.get_item(item_id)
            redemption.update_item(current_user, item.id, {"active": not item.active})
        except DomainError as error:
            refuse(error)
        else:
            flash(_("已更新。"), "success")
    return redirect(url_for("timebank.catalogue"))
