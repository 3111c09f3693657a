"""JSON API for matching: runs, proposals and the answers to them, fulfilment, abandonment,
and the regulator's statistics (/api/v1/charity/…)."""

from __future__ import annotations

from datetime import timedelta

from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import Blueprint

from charity import parties, proposals, runs, schemas, stats
from core import clock
from core.accounts.models import Role
from core.auth import roles
from core.errors import ValidationFailed
from core.schemas import SQLPage

blp = Blueprint("charity_matching_api", __name__, url_prefix="/api/v1/charity",
                description="Charity exchange: matching runs, proposals, statistics")

PARTIES = (Role.ORG_STAFF, Role.INSTITUTION_STAFF, Role.VOLUNTEER)
OVERSEERS = (Role.REGULATOR, Role.ADMIN)


@blp.route("/runs")
class Runs(MethodView):
    @roles(*OVERSEERS)
    @blp.response(200, schemas.MatchRunOut(many=True))
    def get(self):
        """Recent matching runs with their counts and objective"""
        return runs.recent_runs()

    @roles(Role.ORG_STAFF, Role.INSTITUTION_STAFF, *OVERSEERS)
    @blp.response(201, schemas.MatchRunOut)
    def post(self):
        """Run the matcher now over everything open (idempotent: pending pairs are kept)"""
        return runs.run_matching(current_user, trigger="staff")


@blp.route("/proposals")
class Proposals(MethodView):
    @roles(*PARTIES, *OVERSEERS)
    @blp.arguments(schemas.ProposalArgs, location="query")
    @blp.response(200, schemas.ProposalOut(many=True))
    @blp.paginate(SQLPage)
    def get(self, args):
        """Proposals where I act for a side (overseers: all); waiting_for_me filters mine"""
        return proposals.proposals_query(current_user, args["status"], args["waiting_for_me"])


@blp.route("/proposals/<int:proposal_id>")
class ProposalById(MethodView):
    @roles(*PARTIES, *OVERSEERS)
    @blp.response(200, schemas.ProposalOut)
    def get(self, proposal_id):
        """One proposal with its explanation in plain words"""
        return proposals.get_proposal_for(current_user, proposal_id)


def _side(proposal_id: int, side: str | None) -> str:
    """The side the caller answers for: given, or the only one they act for."""
    if side is not None:
        return side
    mine = parties.sides_of(current_user, proposals.get_proposal_for(current_user, proposal_id))
    if len(mine) != 1:
        raise ValidationFailed("charity.side_required", _l("您同时代表双方，请指明答复哪一方。"),
                               errors={"side": [str(_l("请选择 need 或 offer。"))]})
    return mine.pop()


@blp.route("/proposals/<int:proposal_id>/accept")
class ProposalAccept(MethodView):
    @roles(*PARTIES)
    @blp.arguments(schemas.ProposalDecisionIn)
    @blp.response(200, schemas.ProposalOut)
    def post(self, data, proposal_id):
        """Accept for my side; when both sides accept, the quantity is reserved"""
        return proposals.respond(current_user, proposal_id, _side(proposal_id, data["side"]),
                                 True)


@blp.route("/proposals/<int:proposal_id>/decline")
class ProposalDecline(MethodView):
    @roles(*PARTIES)
    @blp.arguments(schemas.ProposalDecisionIn)
    @blp.response(200, schemas.ProposalOut)
    def post(self, data, proposal_id):
        """Decline for my side, with a reason; the quantities are freed"""
        return proposals.respond(current_user, proposal_id, _side(proposal_id, data["side"]),
                                 False, data["reason"])


@blp.route("/proposals/<int:proposal_id>/fulfil")
class ProposalFulfil(MethodView):
    @roles(*PARTIES)
    @blp.arguments(schemas.FulfilIn)
    @blp.response(200, schemas.ProposalOut)
    def post(self, data, proposal_id):
        """The receiving side records delivery: quantity, date and a note (proof)"""
        return proposals.fulfil(current_user, proposal_id, data["delivered_quantity"],
                                data["delivered_on"], data["note"])


@blp.route("/proposals/<int:proposal_id>/abandon")
class ProposalAbandon(MethodView):
    @roles(*PARTIES)
    @blp.arguments(schemas.AbandonIn)
    @blp.response(200, schemas.ProposalOut)
    def post(self, data, proposal_id):
        """Record that an accepted proposal will not be delivered, and who is responsible"""
        return proposals.abandon(current_user, proposal_id, data["responsible_side"],
                                 data["reason"])


def period(args) -> tuple:
    until = args.get("until") or clock.today()
    since = args.get("since") or until - timedelta(days=365)
    if since > until:
        raise ValidationFailed("charity.bad_period", _l("开始日期不能晚于结束日期。"),
                               errors={"since": [str(_l("开始日期不能晚于结束日期。"))]})
    return since, until


@blp.route("/stats")
class Stats(MethodView):
    @roles(*OVERSEERS)
    @blp.arguments(schemas.CharityStatsArgs, location="query")
    @blp.response(200, schemas.CharityStatsOut)
    def get(self, args):
        """Fulfilment rate by district and category, time to fulfil, open needs by urgency"""
        since, until = period(args)
        return stats.compute(since, until, args["district_id"])
