"""JSON API for the signed-in user, API tokens, real-name persons and family links."""

from __future__ import annotations

from flask.views import MethodView
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint

from core.accounts import identity, schemas, services
from core.accounts.models import ApiToken, FamilyLink, Role
from core.auth import AUTHENTICATED, require_password_session, roles
from core.errors import DomainError, NotFound
from core.extensions import db
from core.orgs.services import user_org_ids

blp = Blueprint("accounts_api", __name__, url_prefix="/api/v1/accounts",
                description="Signed-in user, API tokens, persons and family links")

PERSON_STAFF = (Role.ORG_STAFF, Role.INSTITUTION_STAFF, Role.REGULATOR, Role.ADMIN)


@blp.route("/me")
class Me(MethodView):
    @roles(AUTHENTICATED)
    @blp.response(200, schemas.MeOut)
    def get(self):
        """The signed-in user, their roles and organizations"""
        person = current_user.person
        return {
            "id": current_user.id, "username": current_user.username,
            "display_name": current_user.display_name, "roles": sorted(current_user.roles),
            "person_id": person.id if person else None,
            "volunteer_number": person.volunteer_number if person else None,
            "org_ids": sorted(user_org_ids(current_user)),
            "elder_mode": current_user.elder_mode, "locale": current_user.locale,
        }


@blp.route("/tokens")
class Tokens(MethodView):
    @roles(AUTHENTICATED)
    @blp.response(200, schemas.TokenOut(many=True))
    def get(self):
        """My API tokens (secrets are never shown again)"""
        return services.tokens_of(current_user)

    @roles(AUTHENTICATED)
    @blp.arguments(schemas.TokenIn)
    @blp.response(201, schemas.IssuedTokenOut)
    def post(self, data):
        """Create an API token (from a password session, never with a token); the secret is
        in this response only"""
        require_password_session()
        issued = services.create_token(current_user, current_user, data["name"],
                                       data.get("expires_at"))
        token = issued.token
        fields = ("id", "name", "prefix", "created_at", "expires_at", "revoked_at",
                  "last_used_at")
        return {**{name: getattr(token, name) for name in fields}, "token": issued.secret}


@blp.route("/tokens/<int:token_id>")
class TokenById(MethodView):
    @roles(AUTHENTICATED)
    @blp.response(200, schemas.TokenOut)
    def delete(self, token_id):
        """Revoke one of my tokens; it stops working at once"""
        token = db.session.get(ApiToken, token_id)
        if token is None or (token.user_id != current_user.id
                             and not current_user.has_role(Role.ADMIN)):
            raise NotFound("accounts.token_not_found", _("令牌不存在。"))
        return services.revoke_token(current_user, token)


@blp.route("/persons")
class Persons(MethodView):
    @roles(*PERSON_STAFF)
    @blp.arguments(schemas.PersonIn)
    @blp.response(201, schemas.PersonOut)
    def post(self, data):
        """Register a real-name person (staff acting for someone at a counter or in a roster)"""
        mine = sorted(user_org_ids(current_user))
        return services.create_person(current_user, **data,
                                      registered_org_id=mine[0] if mine else None)


@blp.route("/persons/verify")
class VerifyPerson(MethodView):
    @roles(*identity.VERIFIERS)
    @blp.arguments(schemas.InPersonIn)
    @blp.response(200, schemas.PersonOut)
    def post(self, data):
        """Record that I checked this person's ID card in person (their confirmations count)"""
        return identity.verify_in_person(current_user, data["name"], data["id_number"],
                                         data["org_id"])


@blp.route("/persons/binding-codes")
class BindingCodes(MethodView):
    @roles(*identity.VERIFIERS)
    @blp.arguments(schemas.InPersonIn)
    @blp.response(201, schemas.BindingCodeOut)
    def post(self, data):
        """A one-time binding code for a person without a login, handed over in person"""
        return identity.issue_binding_code(current_user, data["name"], data["id_number"],
                                           data["org_id"])


@blp.route("/persons/lookup")
class PersonLookup(MethodView):
    @roles(*PERSON_STAFF)
    @blp.arguments(schemas.PersonLookupArgs, location="query")
    @blp.response(200, schemas.PersonOut)
    def get(self, args):
        """Find a person by ID number or volunteer number (shown masked)"""
        if args.get("id_number"):
            person = services.find_person_by_id_number(args["id_number"])
        else:
            person = services.find_person_by_volunteer_number(args["volunteer_number"])
        if person is None:
            raise NotFound("accounts.person_not_found", _("找不到该人员。"))
        return person


@blp.route("/family")
class Family(MethodView):
    @roles(AUTHENTICATED)
    @blp.response(200, schemas.FamilyLinkOut(many=True))
    def get(self):
        """My declared and verified family links"""
        person = _my_person()
        return services.family_links(person)

    @roles(AUTHENTICATED)
    @blp.arguments(schemas.FamilyLinkIn)
    @blp.response(201, schemas.FamilyLinkOut)
    def post(self, data):
        """Declare a family member (verified later by staff)"""
        return services.declare_family_link(current_user, _my_person(), **data)


@blp.route("/family/<int:link_id>/verify")
class FamilyVerify(MethodView):
    @roles(Role.REGULATOR, Role.INSTITUTION_STAFF, Role.ADMIN)
    @blp.response(200, schemas.FamilyLinkOut)
    def post(self, link_id):
        """Verify a declared family link after seeing the documents"""
        link = db.session.get(FamilyLink, link_id)
        if link is None:
            raise NotFound("accounts.link_not_found", _("亲属关系不存在。"))
        return services.verify_family_link(current_user, link)


def _my_person():
    if current_user.person is None:
        raise DomainError("accounts.no_person", _("请先完成实名登记。"), http_status=409)
    return current_user.person
