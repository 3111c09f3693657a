"""JSON API for volunteers and the organizations that need them: opportunities, ranking by
fit, profiles, sign-ups and attendance (/api/v1/charity/…)."""

from __future__ import annotations

from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import Blueprint

from charity import opportunities, parties, schemas, signups
from charity.explain import fit_reasons
from core.accounts.models import Role
from core.auth import PUBLIC, roles
from core.errors import NotFound, PermissionDenied

blp = Blueprint("charity_volunteer_api", __name__, url_prefix="/api/v1/charity",
                description="Charity exchange: volunteer opportunities, profiles, sign-ups")

ORG_STAFF = (Role.ORG_STAFF, Role.INSTITUTION_STAFF)


def _me():
    if parties.person_id_of(current_user) is None:
        raise PermissionDenied("charity.no_person", _l("请先完成实名登记。"))
    return current_user.person


@blp.route("/opportunities")
class Opportunities(MethodView):
    @roles(PUBLIC)
    @blp.response(200, schemas.OpportunityOut(many=True))
    def get(self):
        """Opportunities still taking sign-ups, soonest first"""
        return opportunities.open_opportunities()

    @roles(*ORG_STAFF)
    @blp.arguments(schemas.OpportunityIn)
    @blp.response(201, schemas.OpportunityOut)
    def post(self, data):
        """Publish a volunteer opportunity (a volunteer-time need with a schedule)"""
        org_id = data.pop("org_id")
        return opportunities.create_opportunity(current_user, org_id, data)


@blp.route("/opportunities/for-me")
class OpportunitiesForMe(MethodView):
    @roles(Role.VOLUNTEER)
    @blp.response(200, schemas.RankedOut(many=True))
    def get(self):
        """Opportunities ranked by how well they fit my skills, district and free time"""
        return [{"opportunity": opp, "score": f.score, "reasons": fit_reasons(f),
                 "fit": list(f.reasons)} for opp, f in opportunities.ranked_for(_me())]


@blp.route("/opportunities/<int:opportunity_id>")
class OpportunityById(MethodView):
    @roles(PUBLIC)
    @blp.response(200, schemas.OpportunityOut)
    def get(self, opportunity_id):
        """One opportunity"""
        return opportunities.get_opportunity(opportunity_id)

    @roles(*ORG_STAFF)
    @blp.arguments(schemas.OpportunityPatch)
    @blp.response(200, schemas.OpportunityOut)
    def patch(self, data, opportunity_id):
        """Edit an opportunity before it starts (its organization's staff)"""
        opp = opportunities.get_opportunity(opportunity_id)
        return opportunities.update_opportunity(current_user, opp, data)


@blp.route("/opportunities/<int:opportunity_id>/signups")
class OpportunitySignups(MethodView):
    @roles(*ORG_STAFF, Role.REGULATOR, Role.ADMIN)
    @blp.response(200, schemas.SignupOut(many=True))
    def get(self, opportunity_id):
        """Who signed up (the organizing organization's staff and overseers)"""
        opp = opportunities.get_opportunity(opportunity_id)
        if not (parties.acts_for_need(current_user, opp.need) or parties.is_overseer(current_user)):
            raise NotFound("charity.opportunity_not_found", _l("找不到该志愿活动。"))
        return opp.signups

    @roles(Role.VOLUNTEER)
    @blp.response(201, schemas.SignupOut)
    def post(self, opportunity_id):
        """Sign up for an opportunity"""
        _me()
        return signups.signup(current_user, opportunity_id)


@blp.route("/signups")
class MySignups(MethodView):
    @roles(Role.VOLUNTEER)
    @blp.response(200, schemas.SignupOut(many=True))
    def get(self):
        """My sign-ups, latest first"""
        return signups.my_signups(_me().id)


@blp.route("/signups/<int:signup_id>/cancel")
class SignupCancel(MethodView):
    @roles(Role.VOLUNTEER)
    @blp.response(200, schemas.SignupOut)
    def post(self, signup_id):
        """Cancel my sign-up before the start"""
        return signups.cancel_signup(current_user, signup_id)


@blp.route("/signups/<int:signup_id>/confirm")
class SignupConfirm(MethodView):
    @roles(*ORG_STAFF)
    @blp.arguments(schemas.AttendanceIn)
    @blp.response(200, schemas.SignupOut)
    def post(self, data, signup_id):
        """After the event: confirm the volunteer served (hours go to the time bank)"""
        return signups.confirm_attendance(current_user, signup_id, data["served_start"],
                                          data["served_end"], data["note"])


@blp.route("/signups/<int:signup_id>/no-show")
class SignupNoShow(MethodView):
    @roles(*ORG_STAFF)
    @blp.arguments(schemas.SignupNoteIn)
    @blp.response(200, schemas.SignupOut)
    def post(self, data, signup_id):
        """Record that a signed-up volunteer did not come"""
        return signups.mark_no_show(current_user, signup_id, data["note"])


@blp.route("/profile")
class MyProfile(MethodView):
    @roles(Role.VOLUNTEER)
    @blp.response(200, schemas.VolunteerProfileOut)
    def get(self):
        """My volunteer profile (skills, home district, free time)"""
        person = _me()
        profile = opportunities.get_profile(person.id)
        if profile is None:
            return {"person_id": person.id, "skills": [], "availability": [],
                    "district_id": person.district_id, "updated_at": None}
        return profile

    @roles(Role.VOLUNTEER)
    @blp.arguments(schemas.VolunteerProfileIn)
    @blp.response(200, schemas.VolunteerProfileOut)
    def put(self, data):
        """Replace my skills, home district and free time"""
        _me()
        return opportunities.save_profile(current_user, data["skills"], data["district_id"],
                                          data["availability"])
