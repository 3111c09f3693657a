"""JSON API, part 2: catalogues, member look-up, redemptions, certificates, statistics."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import Blueprint

from core import clock, spreadsheets
from core.accounts.models import Role
from core.auth import PUBLIC, roles
from core.errors import NotFound
from core.extensions import limiter
from core.orgs.services import user_org_ids
from core.schemas import SQLPage
from timebank import certificates, redemption, stats
from timebank import schemas as s
from timebank.api import MEMBER_ROLES, OVERSIGHT, account_summary, my_person

blp = Blueprint("timebank_counter_api", __name__, url_prefix="/api/v1/timebank",
                description="Time bank: catalogues, redemptions, certificates, statistics")

COUNTER = (Role.INSTITUTION_STAFF,)
CODE_LIMIT = "10 per minute"  # a 6-digit code cannot be guessed at the counter


@blp.route("/institutions/<int:org_id>/catalogue")
class Catalogue(MethodView):
    @roles(*MEMBER_ROLES, *OVERSIGHT)
    @blp.response(200, s.ItemOut(many=True))
    def get(self, org_id):
        """An institution's services for credits (active ones)"""
        return redemption.catalogue(org_id)

    @roles(*COUNTER)
    @blp.arguments(s.ItemIn)
    @blp.response(201, s.ItemOut)
    def post(self, data, org_id):
        """Add a service to my institution's catalogue (price defaults to its length)"""
        return redemption.add_item(current_user, org_id, data)


@blp.route("/catalogue/<int:item_id>")
class CatalogueItem(MethodView):
    @roles(*COUNTER)
    @blp.arguments(s.ItemPatch)
    @blp.response(200, s.ItemOut)
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
        if current_user.has_role(Role.REGULATOR, Role.ADMIN):
            return redemption.redemptions_query(args.get("org_id"), status=args.get("status"))
        orgs = user_org_ids(current_user)
        if args.get("org_id") is not None:
            if args["org_id"] not in orgs:
                raise NotFound("timebank.not_an_institution", _l("找不到该养老机构。"))
            return redemption.redemptions_query(args["org_id"], status=args.get("status"))
        return redemption.redemptions_query(person_id=my_person().id, status=args.get("status"))

    @roles(Role.VOLUNTEER, *COUNTER)
    @blp.arguments(s.RedemptionIn)
    @blp.response(201, s.RedemptionWithCodeOut)
    def post(self, data):
        """Create a redemption: the price is held, a one-time code is returned"""
        person_id = data.get("person_id") or my_person().id
        return redemption.create_redemption(current_user, person_id, data["item_id"],
                                            data["quantity"])


def _visible_redemption(redemption_id: int):
    row = redemption.get_redemption(redemption_id)
    mine = current_user.person_id is not None and current_user.person_id == row.person_id
    if mine or row.org_id in user_org_ids(current_user) or \
            current_user.has_role(Role.REGULATOR, Role.ADMIN):
        return row
    raise NotFound("timebank.redemption_not_found", _l("兑换记录不存在。"))


@blp.route("/redemptions/<int:redemption_id>")
class RedemptionById(MethodView):
    @roles(Role.VOLUNTEER, *COUNTER, *OVERSIGHT)
    @blp.response(200, s.RedemptionViewOut)
    def get(self, redemption_id):
        """One redemption; its code only for the member"""
        return _visible_redemption(redemption_id)


@blp.route("/redemptions/<int:redemption_id>/complete")
class CompleteRedemption(MethodView):
    decorators = (limiter.limit(CODE_LIMIT, methods=["POST"]),)

    @roles(*COUNTER)
    @blp.arguments(s.CodeIn)
    @blp.response(200, s.RedemptionOut)
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")  # CODE_LIMIT
    def post(self, data, redemption_id):
        """The service was delivered: check the member's code and post the held credits"""
        return redemption.complete_redemption(current_user, redemption_id, data["code"])


@blp.route("/redemptions/<int:redemption_id>/cancel")
class CancelRedemption(MethodView):
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
        return certificates.certificates_of(my_person().id)

    @roles(Role.VOLUNTEER, Role.ORG_STAFF, *COUNTER, *OVERSIGHT)
    @blp.arguments(s.CertificateIn)
    @blp.response(201, s.CertificateOut)
    def post(self, data):
        """Issue a service certificate (free, any time); staff may issue for a member"""
        person_id = data.get("person_id") or my_person().id
        return certificates.issue(current_user, person_id)


@blp.route("/certificates/<string:number>/verify")
class VerifyCertificate(MethodView):
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
        return export_response(data, fmt)


def export_response(data, fmt: str) -> Response:
    if fmt not in ("csv", "xlsx"):
        raise NotFound("timebank.bad_format", _l("只支持 CSV 或 XLSX 格式。"))
    body = stats.to_csv(data) if fmt == "csv" else stats.to_xlsx(data)
    return spreadsheets.download(body, fmt, f"timebank-stats-{data.year}")
