"""JSON API, part 2: catalogues, member look-up, redemptions, certificates, statistics."""

from __future__ import annotations

from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import Blueprint

from core import clock, idempotency, spreadsheets
from core.accounts.models import Role
from core.auth import PUBLIC, roles
from core.errors import NotFound
from core.extensions import limiter
from core.orgs.services import orgs_of
from core.schemas import SQLPage
from core.web.pages import export
from timebank import certificates, consent, ledger, redemption, stats
from timebank import schemas as s
from timebank.accounts import account_summary
from timebank.api import MEMBER_ROLES, OVERSIGHT
from timebank.models import Redemption
from timebank.vocabulary import Consent

blp = Blueprint("timebank_counter_api", __name__, url_prefix="/api/v1/timebank",
                description="Time bank: catalogues, redemptions, certificates, statistics")

COUNTER = (Role.INSTITUTION_STAFF,)
CODE_LIMIT = "10 per minute"  # a 6-digit code cannot be guessed at the counter


def my_institution_id(org_id: int | None) -> int:
    """The eldercare institution the counter clerk acts for (``org_id`` to pick one)."""
    homes = [o.id for o in orgs_of(current_user) if o.is_eldercare]
    if org_id is not None and org_id in homes:
        return org_id
    if org_id is None and homes:
        return homes[0]
    raise NotFound("timebank.not_an_institution", _l("找不到该养老机构。"))


@blp.route("/institutions/<int:org_id>/catalogue")
class Catalogue(MethodView):
    @roles(*MEMBER_ROLES, *OVERSIGHT)
    @blp.arguments(s.CatalogueArgs, location="query")
    @blp.response(200, s.CatalogueItemOut(many=True))
    def get(self, args, org_id):
        """An institution's services for credits (active ones; ``category`` to filter)"""
        return redemption.catalogue(org_id, category=args["category"])

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
        """Change a catalogue service (name, category, length, price, most per redemption,
        active)"""
        return redemption.update_item(current_user, item_id, data)


@blp.route("/catalogue/<int:item_id>/approve")
class ApproveItem(MethodView):
    @roles(Role.REGULATOR)
    @blp.arguments(s.EmptyIn)
    @blp.response(200, s.CatalogueItemOut)
    def post(self, _data, item_id):
        """Approve a service priced or sized above the policy caps"""
        return redemption.approve_item(current_user, item_id)


@blp.route("/review/catalogue")
class ItemsAwaitingApproval(MethodView):
    @roles(*OVERSIGHT)
    @blp.response(200, s.CatalogueItemOut(many=True))
    @blp.paginate(SQLPage)
    def get(self):
        """Catalogue services above the caps, waiting for a regulator"""
        return redemption.items_awaiting_approval()


@blp.route("/members/lookup")
class MemberLookup(MethodView):
    @roles(*OVERSIGHT)
    @blp.arguments(s.LookupArgs, location="query")
    @blp.response(200, s.AccountOut)
    def get(self, args):
        """Regulators: find a member by volunteer number or ID number (ID shown masked).
        Counters see a member only as they present themselves (POST /counter/presentations)"""
        return account_summary(redemption.find_member(args["q"]))


@blp.route("/counter/presentations")
class Presentations(MethodView):
    decorators = (limiter.limit(CODE_LIMIT, methods=["POST"]),)

    @roles(*COUNTER)
    @blp.arguments(s.PresentIn)
    @blp.response(200, s.AccountOut)
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")  # CODE_LIMIT
    def post(self, data):
        """The member in front of me shows their pay code or ID card: their account, which I
        may see for presentation_minutes"""
        row = consent.present(current_user, my_institution_id(data["org_id"]),
                              pay_code=data["pay_code"], id_number=data["id_number"])
        return account_summary(row.person)


@blp.route("/pay-codes")
class PayCodes(MethodView):
    @roles(Role.VOLUNTEER)
    @blp.arguments(s.EmptyIn)
    @blp.response(201, s.PayCodeOut)
    def post(self, _data):
        """A new pay code (付款码) to show at a counter: short-lived, single use"""
        idempotency.keep_out_of_store()  # the code exists only in this answer
        row, code = consent.issue_pay_code(current_user)
        return {"code": code, "expires_at": row.expires_at}


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
    @blp.response(201, s.RedemptionViewOut)
    def post(self, data):
        """A redemption with the member's consent: the member reserves it (its one-time code
        is shown to them only); or a counter, with the member's pay code (held at once), for a
        member who presented themself (requested: they approve it on their own page), or after
        an ID-card check for a member without a login (a family proxy or a second staff member
        approves)"""
        person_id = data.get("person_id")
        if person_id is None and not data.get("pay_code"):
            person_id = ledger.member_person(current_user).id
        return redemption.create_redemption(current_user, person_id, data["item_id"],
                                            data["quantity"], pay_code=data["pay_code"],
                                            id_checked=data["id_checked"])


@blp.route("/redemptions/<int:redemption_id>")
class RedemptionById(MethodView):
    @roles(Role.VOLUNTEER, *COUNTER, *OVERSIGHT)
    @blp.response(200, s.RedemptionViewOut)
    def get(self, redemption_id):
        """One redemption; its code only for the member"""
        return redemption.get_visible(current_user, redemption_id)


@blp.route("/redemptions/<int:redemption_id>/approve")
class ApproveRedemption(MethodView):
    @roles(Role.VOLUNTEER, *COUNTER)
    @blp.arguments(s.EmptyIn)
    @blp.response(200, s.RedemptionViewOut)
    def post(self, _data, redemption_id):
        """Approve a counter's request: the member, their registered family proxy, or (member
        without a login) a second staff member of the institution; the credits are held"""
        return redemption.approve_redemption(current_user, redemption_id)


@blp.route("/redemptions/<int:redemption_id>/decline")
class DeclineRedemption(MethodView):
    @roles(Role.VOLUNTEER)
    @blp.arguments(s.CancelIn)
    @blp.response(200, s.RedemptionOut)
    def post(self, data, redemption_id):
        """The member (or their family proxy) declines a counter's request"""
        return redemption.decline_redemption(current_user, redemption_id, data["reason"])


@blp.route("/review/redemptions")
class AssistedRedemptions(MethodView):
    @roles(*OVERSIGHT)
    @blp.response(200, s.RedemptionOut(many=True))
    @blp.paginate(SQLPage)
    def get(self):
        """Redemptions made on an ID-card check for members without a login, newest first"""
        return redemption.redemptions_query().where(Redemption.consent == Consent.ASSISTED)


@blp.route("/redemptions/<int:redemption_id>/complete")
class RedemptionComplete(MethodView):
    decorators = (limiter.limit(CODE_LIMIT, methods=["POST"]),)

    @roles(*COUNTER)
    @blp.arguments(s.CodeIn)
    @blp.response(200, s.RedemptionOut)
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")  # CODE_LIMIT
    def post(self, data, redemption_id):
        """The service was delivered: post the held credits (a redemption the member reserved
        themself needs the one-time code they show)"""
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

    @roles(Role.VOLUNTEER, Role.ORG_STAFF, *COUNTER, Role.REGULATOR)
    @blp.arguments(s.CertificateIn)
    @blp.response(201, s.CertificateOut)
    def post(self, data):
        """Issue a service certificate (free, any time): the person, the organizations they
        served with (their service only), or a regulator"""
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
