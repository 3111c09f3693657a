"""Charity pages: the public board, posting and editing needs and offers, my needs and offers
with their proposals; shared page helpers. Proposals, volunteers and admin pages are in
views_matching.py, views_volunteer.py and views_admin.py (same blueprint)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from charity import catalogue, explain, opportunities, parties, posting, proposals, signups
from charity.forms import NeedForm, OfferForm, WithdrawForm
from charity.models import Need, Proposal
from charity.quantities import need_amounts, offer_amounts
from charity.vocabulary import CATEGORIES, SKILLS, PostStatus, ProposalStatus
from core.accounts.models import Role
from core.auth import PUBLIC, roles
from core.errors import DomainError
from core.extensions import db
from core.orgs.services import districts, orgs_of
from core.schemas import PageArgs
from core.timeutil import to_local

bp = Blueprint("charity", __name__, url_prefix="/charity", template_folder="templates")

ORG_STAFF = (Role.ORG_STAFF, Role.INSTITUTION_STAFF)
OVERSEERS = (Role.REGULATOR, Role.ADMIN)
DONORS = (*ORG_STAFF, Role.VOLUNTEER)
PER_PAGE = 20


def template_globals() -> dict:
    """Helpers the charity templates (and the macros they import) use; Jinja globals, because
    imported macros do not see context processors' variables."""
    return {"item_name": explain.item_name, "unit_name": explain.unit_name,
            "district_name": explain.district_name,
            "proposal_reasons": explain.proposal_reasons, "need_party": parties.need_party_label,
            "offer_party": parties.offer_party_label, "category_choices": CATEGORIES,
            "skill_labels": SKILLS, "charity_panel": panel_data}


def show_error(form, error: DomainError) -> None:
    """Put a refused operation's field errors next to the fields, and flash its message."""
    db.session.rollback()
    for name, messages in (error.errors or {}).items():
        if form is not None and name in form:
            form[name].errors = list(form[name].errors) + list(messages)
    flash(error.text, "error")


def page_number() -> int:
    try:
        return PageArgs().load({"page": request.args.get("page", "1")})["page"]
    except Exception:  # a bad ?page= is page 1, not an error
        return 1


def paged(query, per_page: int = PER_PAGE):
    page = page_number()
    rows = db.session.execute(query.offset((page - 1) * per_page).limit(per_page + 1)
                              ).scalars().all()
    return rows[:per_page], page, len(rows) > per_page


def arg_int(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


def _choices(form, with_person: bool = False) -> None:
    form.item_id.choices = [(i.id, f"{explain.item_name(i)}（{explain.unit_name(i)}）· "
                                   f"{i.category_label}") for i in catalogue.items()]
    form.district_id.choices = [(d.id, explain.district_name(d)) for d in districts()]
    orgs = [(o.id, o.name) for o in orgs_of(current_user)]
    if with_person and current_user.person is not None:
        orgs.append((0, _("我个人（爱心人士）")))
    form.org_id.choices = orgs
    if request.method == "GET" and not form.district_id.data and current_user.person:
        form.district_id.data = current_user.person.district_id


def panel_data() -> dict:
    """What the charity home panels show (a Jinja global)."""
    data = {"waiting": 0, "open_needs": 0, "recommended": [], "my_signups": 0}
    if current_user.has_role(*DONORS):
        data["waiting"] = db.session.execute(sa.select(sa.func.count()).select_from(
            proposals.proposals_query(current_user, waiting_for_me=True).order_by(None)
            .subquery())).scalar_one()
        data["open_needs"] = db.session.execute(sa.select(sa.func.count()).select_from(
            posting.my_needs_query(current_user).where(Need.status.in_(
                [PostStatus.OPEN, PostStatus.PARTLY_MATCHED])).order_by(None).subquery())
        ).scalar_one() if current_user.has_role(*ORG_STAFF) else 0
    if current_user.has_role(Role.VOLUNTEER) and current_user.person is not None:
        data["recommended"] = opportunities.ranked_for(current_user.person, limit=3)
        data["my_signups"] = sum(1 for s in signups.my_signups(current_user.person.id)
                                 if s.status == "signed_up")
    return data


# --- the public board ----------------------------------------------------------------------

@bp.get("/")
@roles(PUBLIC)
def board():
    """Open needs by district and category. Never shows addresses or persons."""
    district_id, category = arg_int("district_id"), request.args.get("category") or None
    category = category if category in CATEGORIES else None
    rows, page, has_next = paged(posting.board_query(district_id, category))
    return render_template("charity/board.html", rows=rows, page=page, has_next=has_next,
                           districts=districts(), district_id=district_id, category=category)


# --- needs ---------------------------------------------------------------------------------

@bp.route("/needs/new", methods=["GET", "POST"])
@roles(*ORG_STAFF)
def new_need():
    form = NeedForm()
    _choices(form)
    if not form.org_id.choices:
        flash(_("您还没有关联的组织，请先登记或加入组织。"), "error")
        return redirect(url_for("orgs.mine"))
    if form.validate_on_submit():
        try:
            parties.require_may_post(current_user, form.org_id.data)  # before registering anyone
            person = posting.resolve_beneficiary(current_user, form.beneficiary_name.data,
                                                 form.beneficiary_id_number.data)
            need = posting.create_need(current_user, form.org_id.data, form.need_data(),
                                       beneficiary=person)
        except DomainError as error:
            error.errors = {f"beneficiary_{k}" if k in ("name", "id_number") else k: v
                            for k, v in error.errors.items()}
            show_error(form, error)
            return render_template("charity/need_form.html", form=form, need=None), error.status
        flash(_("需求已发布，系统会定时为它寻找合适的供给。"), "success")
        return redirect(url_for("charity.need_detail", need_id=need.id))
    return render_template("charity/need_form.html", form=form, need=None)


@bp.get("/needs/<int:need_id>")
@roles(*ORG_STAFF, *OVERSEERS)
def need_detail(need_id: int):
    need = posting.get_need_for(current_user, need_id)
    amounts = need_amounts([need.id])[need.id]
    return render_template("charity/post_detail.html", post=need, kind="need", amounts=amounts,
                           proposals=proposals.proposals_of(Proposal.need_id, need.id),
                           can_act=parties.acts_for_need(current_user, need),
                           withdraw_form=WithdrawForm())


@bp.route("/needs/<int:need_id>/edit", methods=["GET", "POST"])
@roles(*ORG_STAFF)
def edit_need(need_id: int):
    need = posting.get_need_for(current_user, need_id)
    form = NeedForm(obj=need)
    _choices(form)
    if request.method == "GET":
        form.deadline.data = to_local(need.deadline).replace(tzinfo=None)
    if form.validate_on_submit():
        try:
            posting.update_need(current_user, need, form.need_data())
        except DomainError as error:
            show_error(form, error)
            return render_template("charity/need_form.html", form=form, need=need), error.status
        flash(_("已保存。"), "success")
        return redirect(url_for("charity.need_detail", need_id=need.id))
    return render_template("charity/need_form.html", form=form, need=need)


@bp.post("/needs/<int:need_id>/withdraw")
@roles(*ORG_STAFF)
def withdraw_need(need_id: int):
    form = WithdrawForm()
    need = posting.get_need_for(current_user, need_id)
    if form.validate_on_submit():
        try:
            posting.withdraw_need(current_user, need, form.reason.data)
            flash(_("需求已撤回。"), "success")
        except DomainError as error:
            show_error(None, error)
    return redirect(url_for("charity.need_detail", need_id=need_id))


# --- offers --------------------------------------------------------------------------------

@bp.route("/offers/new", methods=["GET", "POST"])
@roles(*DONORS)
def new_offer():
    form = OfferForm()
    _choices(form, with_person=True)
    if not form.org_id.choices:
        flash(_("请先完成实名登记或加入组织。"), "error")
        return redirect(url_for("web.home"))
    if form.validate_on_submit():
        try:
            offer = posting.create_offer(current_user, form.offer_data(),
                                         org_id=form.org_id.data or None)
        except DomainError as error:
            show_error(form, error)
            return render_template("charity/offer_form.html", form=form, offer=None), \
                error.status
        flash(_("供给已发布，系统会定时为它寻找合适的需求。"), "success")
        return redirect(url_for("charity.offer_detail", offer_id=offer.id))
    return render_template("charity/offer_form.html", form=form, offer=None)


@bp.get("/offers/<int:offer_id>")
@roles(*DONORS, *OVERSEERS)
def offer_detail(offer_id: int):
    offer = posting.get_offer_for(current_user, offer_id)
    amounts = offer_amounts([offer.id])[offer.id]
    return render_template("charity/post_detail.html", post=offer, kind="offer",
                           amounts=amounts,
                           proposals=proposals.proposals_of(Proposal.offer_id, offer.id),
                           can_act=parties.acts_for_offer(current_user, offer),
                           withdraw_form=WithdrawForm())


@bp.route("/offers/<int:offer_id>/edit", methods=["GET", "POST"])
@roles(*DONORS)
def edit_offer(offer_id: int):
    offer = posting.get_offer_for(current_user, offer_id)
    form = OfferForm(obj=offer)
    _choices(form, with_person=True)
    if request.method == "GET":
        form.org_id.data = offer.org_id or 0
        form.available_from.data = to_local(offer.available_from).replace(tzinfo=None)
        form.available_until.data = to_local(offer.available_until).replace(tzinfo=None)
    if form.validate_on_submit():
        try:
            posting.update_offer(current_user, offer, form.offer_data())
        except DomainError as error:
            show_error(form, error)
            return render_template("charity/offer_form.html", form=form, offer=offer), \
                error.status
        flash(_("已保存。"), "success")
        return redirect(url_for("charity.offer_detail", offer_id=offer.id))
    return render_template("charity/offer_form.html", form=form, offer=offer)


@bp.post("/offers/<int:offer_id>/withdraw")
@roles(*DONORS)
def withdraw_offer(offer_id: int):
    form = WithdrawForm()
    offer = posting.get_offer_for(current_user, offer_id)
    if form.validate_on_submit():
        try:
            posting.withdraw_offer(current_user, offer, form.reason.data)
            flash(_("供给已撤回。"), "success")
        except DomainError as error:
            show_error(None, error)
    return redirect(url_for("charity.offer_detail", offer_id=offer_id))


@bp.get("/mine")
@roles(*DONORS)
def mine():
    """My (organizations') needs and offers, and the proposals waiting for my answer."""
    needs = db.session.execute(posting.my_needs_query(current_user).limit(50)).scalars().all() \
        if current_user.has_role(*ORG_STAFF) else []
    offers = db.session.execute(posting.my_offers_query(current_user).limit(50)).scalars().all()
    waiting = db.session.execute(proposals.proposals_query(current_user, waiting_for_me=True)
                                 .limit(50)).scalars().all()
    active = db.session.execute(proposals.proposals_query(
        current_user, ProposalStatus.ACCEPTED, mine_only=True).limit(50)).scalars().all()
    return render_template("charity/mine.html", needs=needs, offers=offers, waiting=waiting,
                           active=active, is_staff=current_user.has_role(*ORG_STAFF))

