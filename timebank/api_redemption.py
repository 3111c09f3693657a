"""JSON API, part 2: catalogues, member look-up, redemptions, certificates, statistics."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint

from core import clock, spreadsheets
from core.accounts.models import Role
from core.auth import PUBLIC, roles
from core.extensions import limiter
from core.schemas import SQLPage
from core.web.pages import export
from timebank import certificates, ledger, redemption, stats
from timebank import schemas as s
from timebank.accounts import account_summary
from timebank.api import MEMBER_ROLES, OVERSIGHT

blp = Blueprint("timebank_counter_api", __name__, url_prefix="/api/v1/timebank",
                description="Time bank: catalogues, redemptions, certificates, statistics")

COUNTER = (Role.INSTITUTION_STAFF,)
CODE_LIMIT = "10 per minute"  # a 6-digit code cannot be guessed at the counter


@blp.route("/institutions/<int:org_id>/catalogue")
class Catalogue(MethodView):
    @roles(*MEMBER_ROLES, *OVERSIGHT)
    @blp.response(200, s.CatalogueItemOut(many=True))
    def get(self, org_id):
        """An institution's services for credits (active ones)"""
        return redemption.catalogue(org_id)

    @roles(*COUNTER)
    @blp.arguments(s.CatalogueItemIn)
    @blp.response(201, s.CatalogueItemOut)
    def post(self, data, org_id):
        """Add a service to my institution's catalogue (price defaults to its length)"""
        return redemption.add_item(current_user, org_id, data)


@blp.route("/catalogue/<int:item_id>")
class CatalogueItemById(MethodView):
    @roles(*COUNTER)
    @blp.arguments(s.CatalogueItemPatch)
    @blp.response(200, s.CatalogueItemOut)
    def patch(self, data, item_id):
        """Change a catalogue service (name, length, price, active)"""
        return redemption.update_item(current_user, item_id, data)


@blp.route("/members/lookup")
class MemberLookup(MethodView):
    @roles(*COUNTER, *OVERSIGHT)
    @blp.arguments(s.LookupArgs, location="query")
    @blp.response(200, s.AccountOut)
    def get(self, args):
        """Find a member by volunteer number or ID number (ID shown masked)"""
        return account_summary(redemption.find_member(args["q"]))


@blp.route("/redemptions")
class Redemptions(MethodView):
    @roles(Role.VOLUNTEER, *COUNTER, *OVERSIGHT)
    @blp.arguments(s.RedemptionListArgs, location="query")
    @blp.response(200, s.RedemptionOut(many=True))
    @blp.paginate(SQLPage)
    def get(self, args):
        """Redemptions: my own, or my institution's"""
        return redemption.visible_redemptions(current_user, args.get("org_id"),
                                              args.get("status"))

    @roles(Role.VOLUNTEER, *COUNTER)
    @blp.arguments(s.RedemptionIn)
    @blp.response(201, s.RedemptionWithCodeOut)
    def post(self, data):
        """Create a redemption: the price is held, a one-time code is returned"""
        person_id = data.get("person_id") or ledger.member_person(current_user).id
        return redemption.create_redemption(current_user, person_id, data["item_id"],
                                            data["quantity"])


@blp.route("/redemptions/<int:redemption_id>")
class RedemptionById(MethodView):
    @roles(Role.VOLUNTEER, *COUNTER, *OVERSIGHT)
    @blp.response(200, s.RedemptionViewOut)
    def get(self, redemption_id):
        """One redemption; its code only for the member"""
        return redemption.get_visible(current_user, redemption_id)


@blp.route("/redemptions/<int:redemption_id>/complete")
class RedemptionComplete(MethodView):
    decorators = (limiter.limit(CODE_LIMIT, methods=["POST"]),)

    @roles(*COUNTER)
    @blp.arguments(s.CodeIn)
    @blp.response(200, s.RedemptionOut)
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")  # CODE_LIMIT
    def post(self, data, redemption_id):
        """The service was delivered: check the member's code and post the held credits"""
        return redemption.complete_redemption(current_user, redemption_id, data["code"])


@blp.route("/redemptions/<int:redemption_id>/cancel")
class RedemptionCancel(MethodView):
    @roles(Role.VOLUNTEER, *COUNTER)
    @blp.arguments(s.CancelIn)
    @blp.response(200, s.RedemptionOut)
    def post(self, data, redemption_id):
        """Cancel a pending redemption: the hold is released"""
        return redemption.cancel_redemption(current_user, redemption_id, data["reason"])


@blp.route("/certificates")
class Certificates(MethodView):
    @roles(Role.VOLUNTEER)
    @blp.response(200, s.CertificateOut(many=True))
    def get(self):
        """My certificates"""
        return certificates.certificates_of(ledger.member_person(current_user).id)

    @roles(Role.VOLUNTEER, Role.ORG_STAFF, *COUNTER, *OVERSIGHT)
    @blp.arguments(s.CertificateIn)
    @blp.response(201, s.CertificateOut)
    def post(self, data):
        """Issue a service certificate (free, any time); staff may issue for a member"""
        person_id = data.get("person_id") or ledger.member_person(current_user).id
        return certificates.issue(current_user, person_id)


@blp.route("/certificates/<string:number>/verify")
class CertificateVerify(MethodView):
    @roles(PUBLIC)
    @blp.arguments(s.VerifyArgs, location="query")
    @blp.response(200, s.VerifyOut)
    def get(self, args, number):
        """Anyone: is this certificate genuine and unaltered? (name masked)"""
        return certificates.verify(number, args.get("code"))


@blp.route("/stats")
class Statistics(MethodView):
    @roles(*OVERSIGHT)
    @blp.arguments(s.StatsArgs, location="query")
    @blp.response(200, s.StatsOut)
    def get(self, args):
        """Confirmed hours by district, category and month; active volunteers; top orgs"""
        return stats.compute(args.get("year") or clock.today().year, args.get("district_id"))


FILE = {"type": "string", "format": "binary"}
XLSX = spreadsheets.XLSX_MIME
EXPORTED = "export.csv: CSV (UTF-8 with BOM); export.xlsx: an Excel workbook"


@blp.route("/stats/export.<string:fmt>")
class StatisticsExport(MethodView):
    @roles(*OVERSIGHT)
    @blp.arguments(s.StatsArgs, location="query")
    @blp.alt_response(200, success=True, schema=FILE, content_type="text/csv",
                      description=EXPORTED)
    @blp.alt_response(200, success=True, schema=FILE, content_type=XLSX, description=EXPORTED)
    def get(self, args, fmt):
        """The statistics as CSV (UTF-8 with BOM) or XLSX"""
        data = stats.compute(args.get("year") or clock.today().year, args.get("district_id"))
        return export(fmt, f"timebank-stats-{data.year}",
                      {"csv": lambda: stats.to_csv(data), "xlsx": lambda: stats.to_xlsx(data)},
                      code="timebank.bad_format")
