"""JSON API of the charity exchange: items, public board, needs and offers
(/api/v1/charity/…). Proposals and runs are in api_matching.py, volunteers in api_volunteer.py."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint

from charity import items, parties, posting, schemas
from core.accounts.models import Role
from core.auth import PUBLIC, roles
from core.errors import DomainError
from core.http_cache import shared_cache
from core.schemas import SQLPage

blp = Blueprint("charity_api", __name__, url_prefix="/api/v1/charity",
                description="Charity exchange: items, needs, offers, board")

ORG_STAFF = (Role.ORG_STAFF, Role.INSTITUTION_STAFF)
OVERSEERS = (Role.REGULATOR, Role.ADMIN)
DONORS = (*ORG_STAFF, Role.VOLUNTEER)


# --- items ---------------------------------------------------------------------------------

@blp.route("/items")
class Items(MethodView):
    @roles(PUBLIC)
    @blp.arguments(schemas.ItemArgs, location="query")
    @blp.response(200, schemas.ItemOut(many=True))
    def get(self, args):
        """Items that can be needed or offered, with their category, unit and declared substitutes"""
        return items.items(active_only=not args["include_inactive"], category=args["category"])

    @roles(Role.ADMIN)
    @blp.arguments(schemas.ItemIn)
    @blp.response(201, schemas.ItemOut)
    def post(self, data):
        """Add an item"""
        return items.create_item(current_user, data)


@blp.route("/items/<int:item_id>")
class ItemById(MethodView):
    @roles(PUBLIC)
    @blp.response(200, schemas.ItemOut)
    def get(self, item_id):
        """One item"""
        return items.get_item(item_id)

    @roles(Role.ADMIN)
    @blp.arguments(schemas.ItemPatch)
    @blp.response(200, schemas.ItemOut)
    def patch(self, data, item_id):
        """Rename, re-order or retire an item (unit and category are fixed once used)"""
        return items.update_item(current_user, items.get_item(item_id), data)


@blp.route("/items/<int:item_id>/substitutes")
class Substitutes(MethodView):
    @roles(Role.ADMIN)
    @blp.arguments(schemas.SubstituteIn)
    @blp.response(201, schemas.ItemOut)
    def post(self, data, item_id):
        """Declare a substitute: needs for this item also accept it (symmetric: both ways)"""
        item = items.get_item(item_id)
        sub = items.get_item(data["substitute_id"], field="substitute_id")
        items.add_substitute(current_user, item, sub, data["symmetric"])
        return item


@blp.route("/items/<int:item_id>/substitutes/<int:substitute_id>")
class SubstituteById(MethodView):
    @roles(Role.ADMIN)
    @blp.response(200, schemas.ItemOut)
    def delete(self, item_id, substitute_id):
        """Remove one direction of a substitution"""
        item = items.get_item(item_id)
        items.remove_substitute(current_user, item, items.get_item(substitute_id))
        return item


# --- board, needs, offers ------------------------------------------------------------------

@blp.route("/board")
class Board(MethodView):
    @roles(PUBLIC)
    @shared_cache()
    @blp.etag
    @blp.arguments(schemas.BoardArgs, location="query")
    @blp.response(200, schemas.NeedPublicOut(many=True))
    @blp.paginate(SQLPage)
    def get(self, args):
        """Open needs, most urgent first (public: no addresses, no persons).

        Without credentials the answer may be kept a minute (``Cache-Control: public,
        max-age=60``); ``ETag`` / ``If-None-Match`` answer 304 while the page is unchanged.
        """
        return posting.board_query(**args)


@blp.route("/needs")
class Needs(MethodView):
    @roles(*ORG_STAFF, *OVERSEERS)
    @blp.arguments(schemas.PostListArgs, location="query")
    @blp.response(200, schemas.NeedOut(many=True))
    @blp.paginate(SQLPage)
    def get(self, args):
        """My organizations' needs (overseers: all needs)"""
        return posting.my_needs_query(current_user, args["status"])

    @roles(*ORG_STAFF)
    @blp.arguments(schemas.NeedIn)
    @blp.response(201, schemas.NeedOut)
    def post(self, data):
        """Post a need for one of my organizations (optionally for a person in difficulty)"""
        org_id = data.pop("org_id")
        parties.require_may_post(current_user, org_id)  # before registering anyone
        try:
            beneficiary = posting.resolve_beneficiary(
                current_user, data.pop("beneficiary_name"), data.pop("beneficiary_id_number"))
        except DomainError as error:  # name the API's fields, not the person register's
            error.errors = {f"beneficiary_{k}" if k in ("name", "id_number") else k: v
                            for k, v in error.errors.items()}
            raise
        return posting.create_need(current_user, org_id, data, beneficiary=beneficiary)


@blp.route("/needs/<int:need_id>")
class NeedById(MethodView):
    @roles(*ORG_STAFF, *OVERSEERS)
    @blp.response(200, schemas.NeedOut)
    def get(self, need_id):
        """One of my organizations' needs, in full"""
        return posting.get_need_for(current_user, need_id)

    @roles(*ORG_STAFF)
    @blp.arguments(schemas.NeedPatch)
    @blp.response(200, schemas.NeedOut)
    def patch(self, data, need_id):
        """Edit a need while it is open (nothing proposed yet)"""
        return posting.update_need(current_user, posting.get_need_for(current_user, need_id),
                                   data)


@blp.route("/needs/<int:need_id>/withdraw")
class NeedWithdraw(MethodView):
    @roles(*ORG_STAFF)
    @blp.arguments(schemas.WithdrawIn)
    @blp.response(200, schemas.NeedOut)
    def post(self, data, need_id):
        """Withdraw a need; its pending proposals are cancelled"""
        need = posting.get_need_for(current_user, need_id)
        return posting.withdraw_need(current_user, need, data["reason"])


@blp.route("/offers")
class Offers(MethodView):
    @roles(*DONORS, *OVERSEERS)
    @blp.arguments(schemas.PostListArgs, location="query")
    @blp.response(200, schemas.OfferOut(many=True))
    @blp.paginate(SQLPage)
    def get(self, args):
        """My offers and my organizations' offers (overseers: all offers)"""
        return posting.my_offers_query(current_user, args["status"])

    @roles(*DONORS)
    @blp.arguments(schemas.OfferIn)
    @blp.response(201, schemas.OfferOut)
    def post(self, data):
        """Offer goods, services, time or a money pledge (for an organization, or yourself)"""
        org_id = data.pop("org_id")
        return posting.create_offer(current_user, org_id, data)


@blp.route("/offers/<int:offer_id>")
class OfferById(MethodView):
    @roles(*DONORS, *OVERSEERS)
    @blp.response(200, schemas.OfferOut)
    def get(self, offer_id):
        """One of my offers, in full"""
        return posting.get_offer_for(current_user, offer_id)

    @roles(*DONORS)
    @blp.arguments(schemas.OfferPatch)
    @blp.response(200, schemas.OfferOut)
    def patch(self, data, offer_id):
        """Edit an offer while it is open"""
        return posting.update_offer(current_user, posting.get_offer_for(current_user, offer_id),
                                    data)


@blp.route("/offers/<int:offer_id>/withdraw")
class OfferWithdraw(MethodView):
    @roles(*DONORS)
    @blp.arguments(schemas.WithdrawIn)
    @blp.response(200, schemas.OfferOut)
    def post(self, data, offer_id):
        """Withdraw an offer; its pending proposals are cancelled"""
        offer = posting.get_offer_for(current_user, offer_id)
        return posting.withdraw_offer(current_user, offer, data["reason"])

