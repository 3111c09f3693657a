"""JSON API for districts and the organization register."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint

from core.accounts.models import Role
from core.auth import PUBLIC, roles
from core.orgs import identity, schemas, services
from core.orgs.models import OrgStatus
from core.schemas import SQLPage

blp = Blueprint("orgs_api", __name__, url_prefix="/api/v1",
                description="Districts and the organization register")

REGISTRANTS = (Role.ORG_STAFF, Role.INSTITUTION_STAFF, Role.REGULATOR, Role.ADMIN)


@blp.route("/districts")
class Districts(MethodView):
    @roles(PUBLIC)
    @blp.response(200, schemas.DistrictOut(many=True))
    def get(self):
        """The districts of the city"""
        return services.districts()


@blp.route("/orgs")
class Orgs(MethodView):
    @roles(PUBLIC)
    @blp.arguments(schemas.OrgListArgs, location="query")
    @blp.response(200, schemas.OrgOut(many=True))
    @blp.paginate(SQLPage)
    def get(self, args):
        """Search the organization register (public registration data)"""
        return services.search_orgs(**args)

    @roles(*REGISTRANTS)
    @blp.arguments(schemas.OrgIn)
    @blp.response(201, schemas.OrgOut)
    def post(self, data):
        """Register an organization by its USCC; staff who register it manage it"""
        staff_registers = not current_user.has_role(Role.REGULATOR, Role.ADMIN)
        status = OrgStatus.PENDING if staff_registers else OrgStatus.ACTIVE
        org = services.register_org(current_user, data, status=status)
        if staff_registers:
            services.add_member(current_user, org, current_user, role="manager")
        return org


@blp.route("/orgs/<int:org_id>")
class OrgById(MethodView):
    @roles(PUBLIC)
    @blp.response(200, schemas.OrgOut)
    def get(self, org_id):
        """One organization's registration data"""
        return services.get_org(org_id)

    @roles(Role.ORG_STAFF, Role.INSTITUTION_STAFF, Role.ADMIN)
    @blp.arguments(schemas.OrgPatch)
    @blp.response(200, schemas.OrgOut)
    def patch(self, data, org_id):
        """Correct an organization's data (its managers, or an admin). Once the bureau has
        verified it, its identity (name, USCC, legal representative, kind, eldercare flag)
        changes only through POST /orgs/<id>/identity-changes: 409 here"""
        org = services.get_org(org_id)
        if not current_user.has_role(Role.ADMIN):
            services.require_manager(current_user, org_id)
        return services.update_org(current_user, org, data)


@blp.route("/orgs/<int:org_id>/status")
class OrgStatusUpdate(MethodView):
    @roles(Role.REGULATOR, Role.ADMIN)
    @blp.arguments(schemas.OrgStatusIn)
    @blp.response(200, schemas.OrgOut)
    def post(self, data, org_id):
        """Verify, suspend or record deregistration of an organization, with a reason"""
        return services.set_org_status(current_user, services.get_org(org_id),
                                       data["status"], data["reason"])


@blp.route("/orgs/<int:org_id>/identity-changes")
class IdentityChanges(MethodView):
    @roles(Role.ORG_STAFF, Role.INSTITUTION_STAFF, Role.ADMIN)
    @blp.arguments(schemas.IdentityChangeIn)
    @blp.response(201, schemas.IdentityChangeOut)
    def post(self, data, org_id):
        """Ask the bureau to change the organization's identity (its managers)"""
        changes = {k: data[k] for k in services.IDENTITY_FIELDS if data.get(k) is not None}
        return identity.file_change(current_user, services.get_org(org_id), changes,
                                    data["reason"], data["evidence_ref"])


@blp.route("/orgs/identity-changes")
class IdentityChangeQueue(MethodView):
    @roles(Role.REGULATOR)
    @blp.arguments(schemas.IdentityChangeListArgs, location="query")
    @blp.response(200, schemas.IdentityChangeOut(many=True))
    @blp.paginate(SQLPage)
    def get(self, args):
        """Identity change requests (default: those waiting for a decision)"""
        return identity.changes_query(args["status"])


@blp.route("/orgs/identity-changes/<int:change_id>/decision")
class IdentityChangeDecision(MethodView):
    @roles(Role.REGULATOR)
    @blp.arguments(schemas.IdentityDecisionIn)
    @blp.response(200, schemas.IdentityChangeOut)
    def post(self, data, change_id):
        """Approve (the identity changes and the credit feed announces it) or reject"""
        return identity.decide_change(current_user, identity.get_change(change_id),
                                      data["approve"], data["reason"])
