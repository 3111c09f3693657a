"""Charity pages for volunteer opportunities: ranked by fit with reasons, sign-up and cancel,
the volunteer's profile; for organizations, publishing an opportunity and confirming who
served."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from charity import explain, opportunities, parties, signups
from charity.explain import fit_reasons
from charity.forms import (
    AttendanceForm,
    OnBehalfForm,
    OpportunityForm,
    ProfileForm,
    WithdrawForm,
    aware,
)
from charity.views import ORG_STAFF, OVERSEERS, bp
from charity.vocabulary import SignupStatus
from core.accounts.models import Role
from core.accounts.services import find_person_by_volunteer_number
from core.auth import PUBLIC, roles
from core.errors import DomainError, NotFound
from core.orgs.services import districts, orgs_of
from core.web.pages import refuse, submit


def _person():
    if current_user.person is None:
        abort(403)
    return current_user.person


@bp.get("/opportunities")
@roles(PUBLIC)
def opportunities_page():
    """Volunteers: ranked by fit with the reasons. Everyone else: soonest first."""
    if current_user.is_authenticated and current_user.has_role(Role.VOLUNTEER) \
            and current_user.person is not None:
        person = current_user.person
        ranked = [(opp, f, fit_reasons(f)) for opp, f in opportunities.ranked_for(person)]
        return render_template("charity/opportunities.html", ranked=ranked, plain=None,
                               has_profile=opportunities.get_profile(person.id) is not None,
                               mine=signups.my_signups(person.id))
    return render_template("charity/opportunities.html", ranked=None,
                           plain=opportunities.open_opportunities(), has_profile=False, mine=[])


@bp.get("/opportunities/<int:opportunity_id>")
@roles(PUBLIC)
def opportunity_detail(opportunity_id: int):
    opp = opportunities.get_opportunity(opportunity_id)
    mine, fit = None, None
    if current_user.is_authenticated and current_user.person is not None:
        mine = next((s for s in opp.signups if s.person_id == current_user.person.id), None)
        if current_user.has_role(Role.VOLUNTEER):
            fit = fit_reasons(opportunities.fit_for(current_user.person, opp))
    is_org = current_user.is_authenticated and parties.acts_for_need(current_user, opp.need)
    return render_template("charity/opportunity.html", opp=opp, mine=mine, fit=fit,
                           is_org=is_org, taken=opportunities.taken_places(opp),
                           withdraw_form=WithdrawForm())


@bp.post("/opportunities/<int:opportunity_id>/signup")
@roles(Role.VOLUNTEER)
def signup(opportunity_id: int):
    _person()
    try:
        signups.signup(current_user, opportunity_id)
        flash(_("报名成功。活动结束后由组织方确认服务时长，自动存入时间银行。"), "success")
    except DomainError as error:
        refuse(error)
    return redirect(url_for("charity.opportunity_detail", opportunity_id=opportunity_id))


@bp.post("/signups/<int:signup_id>/cancel")
@roles(Role.VOLUNTEER)
def cancel_signup(signup_id: int):
    try:
        row = signups.cancel_signup(current_user, signup_id)
        flash(_("已取消报名。"), "success")
        return redirect(url_for("charity.opportunity_detail",
                                opportunity_id=row.opportunity_id))
    except DomainError as error:
        refuse(error)
    return redirect(url_for("charity.opportunities_page"))


@bp.route("/profile", methods=["GET", "POST"])
@roles(Role.VOLUNTEER)
def profile():
    person = _person()
    saved = opportunities.get_profile(person.id)
    form = ProfileForm()
    form.district_id.choices = [(0, _("请选择"))] + [(d.id, explain.district_name(d))
                                                   for d in districts()]
    if request.method == "GET":
        form.skills.data = list(saved.skills) if saved else []
        form.district_id.data = (saved.district_id if saved else person.district_id) or 0
        form.availability.data = [f"{d}:{s}" for d, s in (saved.availability if saved else [])]
    outcome = submit(form, lambda: opportunities.save_profile(
        current_user, form.skills.data, form.district_id.data or None, form.cells()))
    if outcome.done:
        flash(_("已保存。为您推荐的志愿机会已按新资料排序。"), "success")
        return redirect(url_for("charity.opportunities_page"))
    return render_template("charity/profile.html", form=form), outcome.status


@bp.route("/opportunities/new", methods=["GET", "POST"])
@roles(*ORG_STAFF)
def new_opportunity():
    form = OpportunityForm()
    form.org_id.choices = [(o.id, o.name) for o in orgs_of(current_user)]
    form.district_id.choices = [(d.id, explain.district_name(d)) for d in districts()]
    if not form.org_id.choices:
        flash(_("您还没有关联的组织，请先登记或加入组织。"), "error")
        return redirect(url_for("orgs.mine"))
    outcome = submit(form, lambda: opportunities.create_opportunity(
        current_user, form.org_id.data, form.opportunity_data()))
    if outcome.done:
        flash(_("志愿活动已发布。"), "success")
        return redirect(url_for("charity.opportunity_signups",
                                opportunity_id=outcome.result.id))
    return render_template("charity/opportunity_form.html", form=form), outcome.status


@bp.get("/opportunities/<int:opportunity_id>/signups")
@roles(*ORG_STAFF, *OVERSEERS)
def opportunity_signups(opportunity_id: int):
    opp = opportunities.get_roster_for(current_user, opportunity_id)
    return render_template("charity/signups.html", opp=opp,
                           can_act=parties.acts_for_need(current_user, opp.need),
                           form=AttendanceForm(), statuses=SignupStatus)


@bp.post("/opportunities/<int:opportunity_id>/signups/on-behalf")
@roles(*ORG_STAFF)
def signup_on_behalf(opportunity_id: int):
    """适老化: staff sign up a volunteer who cannot do it alone, by volunteer number."""
    form = OnBehalfForm()
    outcome = submit(form, lambda: signups.signup(current_user, opportunity_id,
                                                  person=_volunteer(form.volunteer_number.data)))
    if outcome.done:
        flash(_("已为 %(name)s 报名。", name=outcome.result.person.name), "success")
    elif not outcome.ran:
        refuse(NotFound("charity.volunteer_not_found", _("找不到该志愿者编号。")))
    return redirect(url_for("charity.opportunity_signups", opportunity_id=opportunity_id))


@bp.post("/signups/<int:signup_id>/attendance")
@roles(*ORG_STAFF)
def attendance(signup_id: int):
    form = AttendanceForm()
    opportunity_id = signups.get_signup_for_staff(current_user, signup_id).opportunity_id
    no_show = form.outcome.data == "no_show"
    if submit(form, lambda: signups.mark_no_show(current_user, signup_id, form.note.data)
              if no_show else signups.confirm_attendance(
                  current_user, signup_id, aware(form.served_start.data),
                  aware(form.served_end.data), form.note.data)).done:
        flash(_("已登记为未到场。") if no_show else _("已确认服务，服务时长已转交时间银行记录。"),
              "success")
    return redirect(url_for("charity.opportunity_signups", opportunity_id=opportunity_id))


def _volunteer(number: str):
    person = find_person_by_volunteer_number(number or "")
    if person is None:
        raise NotFound("charity.volunteer_not_found", _("找不到该志愿者编号。"))
    return person
