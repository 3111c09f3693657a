"""JSON API, part 1: sessions and decisions, rosters, balances, history, transfers."""

from __future__ import annotations

from flask.views import MethodView
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from sqlalchemy import func, select

from core import clock
from core.accounts.models import Person, Role
from core.auth import roles
from core.errors import DomainError, NotFound
from core.extensions import db
from core.inputs import upload_limit
from core.orgs.services import require_member
from core.schemas import Schema, SQLPage
from timebank import confirmation, consent, imports, ledger, review, sessions, transfers
from timebank import schemas as s
from timebank.models import LedgerAccount
from timebank.redemption import may_redeem

blp = Blueprint("timebank_api", __name__, url_prefix="/api/v1/timebank",
                description="Time bank: sessions, ledger, gifts, donations, allocations")

MEMBER_ROLES = (Role.VOLUNTEER, Role.ORG_STAFF, Role.INSTITUTION_STAFF)
LOGGERS = (Role.VOLUNTEER, Role.ORG_STAFF, Role.INSTITUTION_STAFF)
STAFF = (Role.ORG_STAFF, Role.INSTITUTION_STAFF)
OVERSIGHT = (Role.REGULATOR, Role.ADMIN)


def my_person() -> Person:
    if current_user.person is None:
        raise DomainError("timebank.no_person", _("请先完成实名登记。"), http_status=409)
    return current_user.person


def account_summary(person: Person) -> dict:
    """What a member, counter staff or a regulator sees of an account. Never the exact age or
    birth date next to the masked ID number: together they rebuild the whole number."""
    # Balance, held and the pending count in one statement (three indexed reads): the
    # balance is the hottest read there is.
    def column(name):
        return func.coalesce(select(getattr(LedgerAccount, name)).where(
            LedgerAccount.person_id == person.id).scalar_subquery(), 0)

    balance, held, pending = db.session.execute(select(
        column("balance"), column("held"),
        sessions.pending_count_query(person.id).scalar_subquery())).one()
    today = clock.today()
    return {"person_id": person.id, "name": person.name,
            "volunteer_number": person.volunteer_number,
            "id_number_masked": person.id_number_masked,
            "balance": balance, "held": held, "available": balance - held,
            "may_redeem": may_redeem(person, today), "pending_sessions": pending}


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
        """Log a service session (pending until the recipient or organization confirms)"""
        if data.get("volunteer_id") is None:
            data["volunteer_id"] = my_person().id
        return sessions.log_session(current_user, data)


@blp.route("/sessions/<int:session_id>")
class SessionById(MethodView):
    @roles(*MEMBER_ROLES, *OVERSIGHT)
    @blp.response(200, s.SessionOut)
    def get(self, session_id):
        """One session (the volunteer, recipient, organizations involved, regulators)"""
        return sessions.get_visible(current_user, session_id)


@blp.route("/sessions/<int:session_id>/confirm")
class ConfirmSession(MethodView):
    @roles(*MEMBER_ROLES)
    @blp.arguments(s.ConfirmIn)
    @blp.response(200, s.SessionOut)
    def post(self, data, session_id):
        """Confirm a session: the credits are deposited (or held for review, status review)"""
        return confirmation.confirm_session(current_user, session_id, reason=data["reason"])


@blp.route("/sessions/<int:session_id>/reject")
class RejectSession(MethodView):
    @roles(*MEMBER_ROLES)
    @blp.arguments(s.ReasonIn)
    @blp.response(200, s.SessionOut)
    def post(self, data, session_id):
        """Reject a pending session, with the reason the volunteer will see"""
        return confirmation.reject_session(current_user, session_id, data["reason"])


@blp.route("/sessions/<int:session_id>/reverse")
class ReverseSession(MethodView):
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
        return account_summary(my_person())


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
        account = ledger.find_person_account(my_person().id)
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
        return transfers.give(current_user, my_person(), data["to_person_id"], data["minutes"])


@blp.route("/donations")
class Donations(MethodView):
    @roles(Role.VOLUNTEER)
    @blp.arguments(s.DonationIn)
    @blp.response(201, s.TransferOut)
    def post(self, data):
        """Donate credits to the public pool (公益时间池)"""
        return transfers.donate(current_user, my_person(), data["minutes"])


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
class VerifyLedger(MethodView):
    @roles(*OVERSIGHT)
    @blp.response(200, s.VerifyLedgerOut)
    def get(self):
        """Recompute every balance from the postings and report any mismatch"""
        report = ledger.verify()
        return {"ok": report.ok, "accounts": report.accounts, "postings": report.postings,
                "total": report.total, "problems": report.problems}
