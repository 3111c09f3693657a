"""Charity pages: the public board, posting and editing needs and offers, my needs and offers
with their proposals; shared page helpers. Proposals, volunteers and admin pages are in
views_matching.py, views_volunteer.py and views_admin.py (same blueprint)."""

from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import validate

from charity import explain, items, opportunities, parties, posting, proposals, signups
from charity.forms import NeedForm, OfferForm, WithdrawForm
from charity.models import Need, Proposal
from charity.quantities import need_amounts, offer_amounts
from charity.vocabulary import CATEGORIES, SKILLS, PostStatus, ProposalStatus
from core.accounts.models import Role
from core.auth import PUBLIC, roles
from core.extensions import db
from core.orgs.services import districts, orgs_of
from core.timeutil import to_local
from core.web.pages import QueryArgs, paginate, query_args, submit

bp = Blueprint("charity", __name__, url_prefix="/charity", template_folder="templates")

ORG_STAFF = (Role.ORG_STAFF, Role.INSTITUTION_STAFF)
OVERSEERS = (Role.REGULATOR, Role.ADMIN)
DONORS = (*ORG_STAFF, Role.VOLUNTEER)
# A service's beneficiary fields are the form's beneficiary_name / beneficiary_id_number.
BENEFICIARY_FIELDS = {"name": "beneficiary_name", "id_number": "beneficiary_id_number"}


class BoardArgs(QueryArgs):
    district_id = ma.fields.Integer()
    category = ma.fields.String(validate=validate.OneOf(list(CATEGORIES)))


def template_globals() -> dict:
    """Helpers the charity templates (and the macros they import) use; Jinja globals, because
    imported macros do not see context processors' variables."""
    return {"item_name": explain.item_name, "unit_name": explain.unit_name,
            "district_name": explain.district_name,
            "proposal_reasons": explain.proposal_reasons, "need_party": parties.need_party_label,
            "offer_party": parties.offer_party_label, "category_choices": CATEGORIES,
            "skill_labels": SKILLS, "charity_panel": panel_data}


def _choices(form, with_person: bool = False) -> None:
    form.item_id.choices = [(i.id, f"{explain.item_name(i)}（{explain.unit_name(i)}）· "
                                   f"{i.category_label}") for i in items.items()]
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
    args = query_args(BoardArgs)
    page = paginate(posting.board_query(args["district_id"], args["category"]))
    return render_template("charity/board.html", page=page, districts=districts(),
                           district_id=args["district_id"], category=args["category"])


# --- the bureau's view of the exchange ----------------------------------------------------

class OversightArgs(BoardArgs):
    kind = ma.fields.String(load_default="need", validate=validate.OneOf(["need", "offer"]))
    status = ma.fields.String(validate=validate.OneOf([s.value for s in PostStatus]))
    urgency = ma.fields.Integer(validate=validate.Range(min=1, max=4))
    older_than_days = ma.fields.Integer(validate=validate.Range(min=1, max=3650))


@bp.get("/oversight")
@roles(*OVERSEERS)
def oversight():
    """Every need and offer across organizations, with their proposals one click away."""
    args = query_args(OversightArgs)
    page = paginate(posting.oversight_query(
        args["kind"] or "need", district_id=args["district_id"], category=args["category"],
        status=args["status"], urgency=args["urgency"],
        older_than_days=args["older_than_days"]))
    return render_template("charity/oversight.html", page=page, args=args, districts=districts(),
                           statuses=list(PostStatus))


# --- needs ---------------------------------------------------------------------------------

@bp.route("/needs/new", methods=["GET", "POST"])
@roles(*ORG_STAFF)
def new_need():
    form = NeedForm()
    _choices(form)
    if not form.org_id.choices:
        flash(_("您还没有关联的组织，请先登记或加入组织。"), "error")
        return redirect(url_for("orgs.mine"))
    outcome = submit(form, lambda: _post_need(form), fields=BENEFICIARY_FIELDS)
    if outcome.done:
        flash(_("需求已发布，系统会定时为它寻找合适的供给。"), "success")
        return redirect(url_for("charity.need_detail", need_id=outcome.result.id))
    return render_template("charity/need_form.html", form=form, need=None), outcome.status


def _post_need(form: NeedForm) -> Need:
    parties.require_may_post(current_user, form.org_id.data)  # before registering anyone
    person = posting.resolve_beneficiary(current_user, form.beneficiary_name.data,
                                         form.beneficiary_id_number.data)
    return posting.create_need(current_user, form.org_id.data, form.need_data(),
                               beneficiary=person)


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
    outcome = submit(form, lambda: posting.update_need(current_user, need, form.need_data()))
    if outcome.done:
        flash(_("已保存。"), "success")
        return redirect(url_for("charity.need_detail", need_id=need.id))
    return render_template("charity/need_form.html", form=form, need=need), outcome.status


@bp.post("/needs/<int:need_id>/withdraw")
@roles(*ORG_STAFF)
def withdraw_need(need_id: int):
    form = WithdrawForm()
    need = posting.get_need_for(current_user, need_id)
    if submit(form, lambda: posting.withdraw_need(current_user, need, form.reason.data)).done:
        flash(_("需求已撤回。"), "success")
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
    outcome = submit(form, lambda: posting.create_offer(current_user, form.org_id.data or None,
                                                        form.offer_data()))
    if outcome.done:
        flash(_("供给已发布，系统会定时为它寻找合适的需求。"), "success")
        return redirect(url_for("charity.offer_detail", offer_id=outcome.result.id))
    return render_template("charity/offer_form.html", form=form, offer=None), outcome.status


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
    outcome = submit(form, lambda: posting.update_offer(current_user, offer, form.offer_data()))
    if outcome.done:
        flash(_("已保存。"), "success")
        return redirect(url_for("charity.offer_detail", offer_id=offer.id))
    return render_template("charity/offer_form.html", form=form, offer=offer), outcome.status


@bp.post("/offers/<int:offer_id>/withdraw")
@roles(*DONORS)
def withdraw_offer(offer_id: int):
    form = WithdrawForm()
    offer = posting.get_offer_for(current_user, offer_id)
    if submit(form, lambda: posting.withdraw_offer(current_user, offer, form.reason.data)).done:
        flash(_("供给已撤回。"), "success")
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

