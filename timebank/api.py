"""JSON API, part 1: sessions and decisions, rosters, balances, history, transfers."""

from __future__ import annotations

from flask.views import MethodView
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from sqlalchemy import func, select

from core.accounts.models import Person, Role
from core.auth import roles
from core.errors import NotFound, ValidationFailed
from core.extensions import db
from core.inputs import upload_limit
from core.orgs.services import require_member
from core.schemas import Schema, SQLPage
from timebank import (
    confirmation,
    consent,
    imports,
    ledger,
    pickers,
    review,
    sessions,
    transfers,
)
from timebank import schemas as s
from timebank.accounts import account_summary

blp = Blueprint("timebank_api", __name__, url_prefix="/api/v1/timebank",
                description="Time bank: sessions, ledger, gifts, donations, allocations")

MEMBER_ROLES = (Role.VOLUNTEER, Role.ORG_STAFF, Role.INSTITUTION_STAFF)
LOGGERS = (Role.VOLUNTEER, Role.ORG_STAFF, Role.INSTITUTION_STAFF)
STAFF = (Role.ORG_STAFF, Role.INSTITUTION_STAFF)
OVERSIGHT = (Role.REGULATOR, Role.ADMIN)


def batch_out(results) -> dict:
    created = sum(1 for r in results if r.ok)
    return {"created": created, "refused": len(results) - created, "rows": results}


@blp.route("/sessions")
class Sessions(MethodView):
    @roles(*MEMBER_ROLES, *OVERSIGHT)
    @blp.arguments(s.SessionListArgs, location="query")
    @blp.response(200, s.SessionOut(many=True))
    @blp.paginate(SQLPage)
    def get(self, args):
        """Sessions: mine, awaiting my decision, or my organizations'"""
        return sessions.sessions_query(current_user, args["scope"], args.get("status"))

    @roles(*LOGGERS)
    @blp.arguments(s.SessionIn)
    @blp.response(201, s.SessionOut)
    def post(self, data):
        """Log a service session (pending until the recipient or organization confirms)

        The person served is one the caller's organizations serve (``recipient_person_id``,
        as the person lookup offers them) or anyone named by ``recipient_number`` with their
        ``recipient_name``; an id outside that scope is refused as unknown, like one that does
        not exist, so ids cannot be walked to learn who holds them."""
        if data.get("volunteer_id") is None:
            data["volunteer_id"] = ledger.member_person(current_user).id
        data["recipient_person_id"] = _recipient(data)
        return sessions.log_session(current_user, data)


def _recipient(data: dict) -> int | None:
    number, name = data.pop("recipient_number", None), data.pop("recipient_name", None)
    if number:
        person = pickers.person_by_number(number, name)
        field = "recipient_number"
    elif data.get("recipient_person_id"):
        person = pickers.elder_in_scope(current_user, data["recipient_person_id"])
        field = "recipient_person_id"
    else:
        return None
    if person is None:
        raise ValidationFailed("timebank.unknown_recipient",
                               _l("找不到该服务对象，请核对后再试。"),
                               errors={field: [str(_l("找不到该服务对象，请核对号码和姓名后再试。"))]})
    return person.id


@blp.route("/sessions/<int:session_id>")
class SessionById(MethodView):
    @roles(*MEMBER_ROLES, *OVERSIGHT)
    @blp.response(200, s.SessionOut)
    def get(self, session_id):
        """One session (the volunteer, recipient, organizations involved, regulators)"""
        return sessions.get_visible(current_user, session_id)


@blp.route("/sessions/<int:session_id>/confirm")
class SessionConfirm(MethodView):
    @roles(*MEMBER_ROLES)
    @blp.arguments(s.ConfirmIn)
    @blp.response(200, s.SessionOut)
    def post(self, data, session_id):
        """Confirm a session: the credits are deposited (or held for review, status review)"""
        return confirmation.confirm_session(current_user, session_id, reason=data["reason"])


@blp.route("/sessions/<int:session_id>/reject")
class SessionReject(MethodView):
    @roles(*MEMBER_ROLES)
    @blp.arguments(s.ReasonIn)
    @blp.response(200, s.SessionOut)
    def post(self, data, session_id):
        """Reject a pending session, with the reason the volunteer will see"""
        return confirmation.reject_session(current_user, session_id, data["reason"])


@blp.route("/sessions/<int:session_id>/reverse")
class SessionReverse(MethodView):
    @roles(Role.ORG_STAFF, *OVERSIGHT)
    @blp.arguments(s.ReasonIn)
    @blp.response(200, s.SessionOut)
    def post(self, data, session_id):
        """Reverse a confirmed session found false (a reversing posting, never an edit)"""
        return confirmation.reverse_session(current_user, session_id, data["reason"])


@blp.route("/review/sessions")
class ReviewQueue(MethodView):
    @roles(*OVERSIGHT)
    @blp.response(200, s.HeldSessionOut(many=True))
    def get(self):
        """Sessions held for review instead of deposited, with the signals that held them"""
        rows = db.session.execute(review.queue_query().limit(500)).scalars().all()
        signals = review.signals_of([r.id for r in rows])
        return [{"session": r, "signals": signals.get(r.id, [])} for r in rows]


@blp.route("/sessions/<int:session_id>/review")
class ReviewDecision(MethodView):
    @roles(*OVERSIGHT)
    @blp.arguments(s.ReviewDecisionIn)
    @blp.response(200, s.SessionOut)
    def post(self, data, session_id):
        """Decide on a held session: release (deposit) or reject, with the reason"""
        return confirmation.decide_held(current_user, session_id, data["release"],
                                        data["reason"])


@blp.route("/sessions/roster")
class Roster(MethodView):
    @roles(*STAFF)
    @blp.arguments(s.RosterIn)
    @blp.response(201, s.BatchOut)
    def post(self, data):
        """Log one activity for many volunteers; good rows go in, bad rows are listed"""
        common = {k: data[k] for k in ("org_id", "category", "district_id", "address",
                                       "description")}
        rows = []
        for number, entry in enumerate(data["volunteers"], start=1):
            row = {**common, "volunteer_id": entry["volunteer_id"],
                   "start": entry.get("start") or data["start"],
                   "end": entry.get("end") or data["end"],
                   "recipient_person_id": entry.get("recipient_person_id")}
            if not row["recipient_person_id"]:
                row["recipient_org_id"] = data["org_id"]
            rows.append((number, str(entry["volunteer_id"]), row))
        require_member(current_user, data["org_id"])
        results = imports.log_many(current_user, rows, source="roster",
                                    confirm=data["confirm"])
        return batch_out(results)


class ImportFile(Schema):
    file = Upload(required=True)


@blp.route("/sessions/import")
class RosterImport(MethodView):
    @roles(*STAFF)
    @upload_limit(imports.MAX_BYTES)
    @blp.arguments(s.ImportArgs, location="query")
    @blp.arguments(ImportFile, location="files")
    @blp.response(201, s.BatchOut)
    def post(self, args, files):
        """Import a roster (CSV or XLSX, columns as in the template); per-row error report"""
        upload = files["file"]
        results = imports.import_roster(current_user, args["org_id"], upload.filename or "",
                                        upload.read(), confirm=args["confirm"])
        return batch_out(results)


@blp.route("/account")
class MyAccount(MethodView):
    @roles(*MEMBER_ROLES)
    @blp.response(200, s.AccountOut)
    def get(self):
        """My time account: balance, held, available (minutes)"""
        return account_summary(ledger.member_person(current_user))


@blp.route("/accounts/<int:person_id>")
class AccountById(MethodView):
    @roles(Role.INSTITUTION_STAFF, *OVERSIGHT)
    @blp.response(200, s.AccountOut)
    def get(self, person_id):
        """A member's account: regulators; counter staff only while the member's presentation
        lasts (POST /counter/presentations). ID number masked"""
        person = db.session.get(Person, person_id)
        if person is None:
            raise NotFound("timebank.member_not_found", _("找不到该会员。"))
        if not current_user.has_role(*OVERSIGHT):
            consent.require_presented(current_user, person.id)
        return account_summary(person)


@blp.route("/history")
class History(MethodView):
    @roles(*MEMBER_ROLES)
    @blp.arguments(s.HistoryArgs, location="query")
    @blp.response(200, s.HistoryLineOut(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """My history: every posting in and out, newest first"""
        account = ledger.find_person_account(ledger.member_person(current_user).id)
        if account is None:
            pagination_parameters.item_count = 0
            return []
        query = transfers.history_query(account.id, args.get("kind"), args.get("since"),
                                        args.get("until"))
        pagination_parameters.item_count = db.session.execute(
            select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()
        if pagination_parameters.first_item >= pagination_parameters.item_count:
            return []  # past the last page (and no OFFSET too large for the database)
        rows = db.session.execute(query.offset(pagination_parameters.first_item)
                                  .limit(pagination_parameters.page_size)).scalars().all()
        return transfers.describe(rows, account.id)


@blp.route("/gifts")
class Gifts(MethodView):
    @roles(Role.VOLUNTEER)
    @blp.arguments(s.GiftIn)
    @blp.response(201, s.TransferOut)
    def post(self, data):
        """Give credits to a verified close family member (直系亲属)"""
        return transfers.give(current_user, ledger.member_person(current_user), data["to_person_id"],
                              data["minutes"])


@blp.route("/donations")
class Donations(MethodView):
    @roles(Role.VOLUNTEER)
    @blp.arguments(s.DonationIn)
    @blp.response(201, s.TransferOut)
    def post(self, data):
        """Donate credits to the public pool (公益时间池)"""
        return transfers.donate(current_user, ledger.member_person(current_user), data["minutes"])


@blp.route("/allocations")
class Allocations(MethodView):
    @roles(*OVERSIGHT)
    @blp.response(200, s.TransferOut(many=True))
    def get(self):
        """Recent allocations from the pool"""
        return transfers.recent_transfers("allocation")

    @roles(*OVERSIGHT)
    @blp.arguments(s.AllocationIn)
    @blp.response(201, s.TransferOut)
    def post(self, data):
        """Allocate pool credits to an elder in difficulty, with the reason"""
        return transfers.allocate(current_user, data["to_person_id"], data["minutes"],
                                  data["reason"])


@blp.route("/pool")
class Pool(MethodView):
    @roles(*OVERSIGHT)
    @blp.response(200, s.PoolOut)
    def get(self):
        """The public pool: balance, donated and allocated in total (minutes)"""
        return transfers.pool_overview()


@blp.route("/ledger/verify")
class LedgerVerify(MethodView):
    @roles(*OVERSIGHT)
    @blp.response(200, s.VerifyLedgerOut)
    def get(self):
        """Recompute every balance from the postings and report any mismatch"""
        report = ledger.verify()
        return {"ok": report.ok, "accounts": report.accounts, "postings": report.postings,
                "total": report.total, "problems": report.problems}
