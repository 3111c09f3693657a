"""Volunteer pages (dashboard, history, log, gift, donate, redeem, certificates) and /verify."""

from __future__ import annotations

from datetime import timedelta

import marshmallow as ma
import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import validate

from core import clock, idempotency
from core.accounts.models import Person, Role
from core.accounts.services import family_links
from core.auth import PUBLIC, roles
from core.errors import DomainError
from core.extensions import db
from core.orgs.services import districts
from core.timeutil import to_local
from core.web.pages import Page, QueryArgs, paginate, query_args, submit
from timebank import (
    certificates,
    confirmation,
    consent,
    ledger,
    pickers,
    qr,
    recognition,
    redemption,
    sessions,
    transfers,
)
from timebank.forms import (
    ConfirmForm,
    DonateForm,
    GiftForm,
    HistoryFilter,
    RedeemForm,
    SessionForm,
    aware,
)
from timebank.vocabulary import SessionStatus

bp = Blueprint("timebank", __name__, url_prefix="/timebank", template_folder="templates")
public_bp = Blueprint("timebank_public", __name__, template_folder="templates")

MEMBER = (Role.VOLUNTEER,)


class SessionFilter(QueryArgs):
    status = ma.fields.String(validate=validate.OneOf([s.value for s in SessionStatus]))


class VerifyArgs(QueryArgs):
    code = ma.fields.String()


def panel_data() -> dict:
    """What the home-page panels show (a Jinja global)."""
    person = current_user.person
    data = {"balance": 0, "available": 0, "held": 0, "pending": 0, "to_confirm": 0}
    if person is not None:
        data["balance"], data["held"], data["available"] = ledger.balances(person.id)
        data["pending"] = sessions.pending_count(person.id)
        data["stars"] = recognition.stars_of(person.id)
    data["to_confirm"] = db.session.execute(sa.select(sa.func.count()).select_from(
        sessions.sessions_query(current_user, "to_confirm").order_by(None).subquery())
    ).scalar_one()
    return data


@bp.get("/")
@roles(*MEMBER)
def dashboard():
    person = ledger.member_person(current_user)
    balance, held, available = ledger.balances(person.id)
    account = ledger.find_person_account(person.id)
    recent = []
    if account is not None:
        rows = db.session.execute(ledger.postings_of(account.id).limit(8)).scalars().all()
        recent = transfers.describe(rows, account.id)
    pending = db.session.execute(
        sessions.sessions_query(current_user, "mine", SessionStatus.PENDING).limit(10)
    ).scalars().all()
    return render_template("timebank/dashboard.html", person=person, balance=balance,
                           held=held, available=available, recent=recent, pending=pending,
                           may_redeem=redemption.may_redeem(person))


@bp.get("/history")
@roles(*MEMBER)
def history():
    person = ledger.member_person(current_user)
    form = HistoryFilter(request.args)
    form.validate()
    account = ledger.find_person_account(person.id)
    lines, page = [], Page([], 1, False)
    if account is not None:
        query = transfers.history_query(account.id, form.kind.data or None,
                                        form.since.data if not form.since.errors else None,
                                        form.until.data if not form.until.errors else None)
        page = paginate(query)
        lines = transfers.describe(page.rows, account.id)
    return render_template("timebank/history.html", form=form, lines=lines, page=page)


@bp.get("/sessions")
@roles(*MEMBER)
def my_sessions():
    status = query_args(SessionFilter)["status"]
    page = paginate(sessions.sessions_query(current_user, "mine", status))
    return render_template("timebank/sessions.html", page=page, status=status,
                           statuses=list(SessionStatus))


class LookupArgs(QueryArgs):
    q = ma.fields.String(validate=validate.Length(max=50))
    org = ma.fields.Integer(validate=validate.Range(min=1))


def _suggestions(rows: list, describe) -> Response:
    return jsonify(results=[describe(r) for r in rows[:pickers.LIMIT]],
                   more=len(rows) > pickers.LIMIT)


@bp.get("/lookup/orgs")
@roles(*MEMBER)
def lookup_orgs():
    """Typeahead of the session form: active organizations by name (name and district only)."""
    return _suggestions(pickers.find_orgs(query_args(LookupArgs)["q"]), pickers.org_suggestion)


@bp.get("/lookup/people")
@roles(*MEMBER)
def lookup_people():
    """Typeahead of the session form: the elders of my organizations by name, masked."""
    args = query_args(LookupArgs)
    return _suggestions(pickers.find_elders(current_user, args["q"], args["org"]),
                        pickers.person_suggestion)


def _session_form() -> SessionForm:
    form = SessionForm()
    form.actor = current_user
    form.district_id.choices = [(d.id, d.name) for d in districts()]
    return form


FIELD_MAP = {"recipient_person_id": "recipient_number", "recipient_org_id": "recipient_org_name",
             "org_id": "org_name", "start": "start", "end": "end"}
MINUTES_FIELD = {"minutes": "hours"}  # the forms take hours and minutes, services minutes


@bp.route("/sessions/new", methods=["GET", "POST"])
@roles(*MEMBER)
def log_session():
    person = ledger.member_person(current_user)
    form = _session_form()
    if request.method == "GET":  # a sensible default: the hour that just ended
        end = to_local(clock.now()).replace(second=0, microsecond=0, tzinfo=None)
        end -= timedelta(minutes=end.minute % 5)
        form.end.data, form.start.data = end, end - timedelta(hours=1)
    outcome = submit(form, lambda: sessions.log_session(current_user, {
        "volunteer_id": person.id, "category": form.category.data,
        "district_id": form.district_id.data, "address": form.address.data,
        "start": aware(form.start.data), "end": aware(form.end.data),
        "description": form.description.data, **form.parties}), fields=FIELD_MAP)
    if outcome.done:
        flash(_("已登记，等待服务对象或组织确认。"), "success")
        return redirect(url_for("timebank.session_detail", session_id=outcome.result.id))
    return render_template("timebank/log_session.html", form=form), outcome.status


@bp.get("/sessions/<int:session_id>")
@roles(Role.VOLUNTEER, Role.ORG_STAFF, Role.INSTITUTION_STAFF, Role.REGULATOR, Role.ADMIN)
def session_detail(session_id: int):
    row = sessions.get_visible(current_user, session_id)
    return render_template("timebank/session_detail.html", row=row,
                           rights=confirmation.decision_rights(current_user, row))


def _family_choices(person: Person):
    links = family_links(person, verified_only=True)
    return [(link.relative_id, f"{link.relative.name}（{link.relation_label}）")
            for link in links]


@bp.route("/gift", methods=["GET", "POST"])
@roles(*MEMBER)
def gift():
    person = ledger.member_person(current_user)
    form = GiftForm()
    form.to_person_id.choices = _family_choices(person)
    outcome = submit(form, lambda: transfers.give(current_user, person, form.to_person_id.data,
                                                  form.total_minutes()), fields=MINUTES_FIELD)
    if outcome.done:
        flash(_("已转赠。"), "success")
        return redirect(url_for("timebank.history"))
    _b, _h, available = ledger.balances(person.id)
    return render_template("timebank/gift.html", form=form, available=available), \
        outcome.status


@bp.route("/donate", methods=["GET", "POST"])
@roles(*MEMBER)
def donate():
    person = ledger.member_person(current_user)
    form = DonateForm()
    outcome = submit(form, lambda: transfers.donate(current_user, person, form.total_minutes()),
                     fields=MINUTES_FIELD)
    if outcome.done:
        flash(_("感谢您的捐赠，时间已存入公益时间池。"), "success")
        return redirect(url_for("timebank.history"))
    _b, _h, available = ledger.balances(person.id)
    return render_template("timebank/donate.html", form=form, available=available), \
        outcome.status


class RedeemFilter(QueryArgs):
    category = ma.fields.String(load_default=None, validate=validate.Length(max=32))


@bp.route("/redeem", methods=["GET", "POST"])
@roles(*MEMBER)
def redeem():
    """Self-service: choose an institution's service; the code is shown at the counter."""
    person = ledger.member_person(current_user)
    form = RedeemForm()
    offered = [i for org in redemption.institutions_with_catalogue()
               for i in redemption.catalogue(org.id)]
    categories = {i.category: i.category_label for i in offered}
    chosen = query_args(RedeemFilter)["category"]
    chosen = chosen if chosen in categories else None
    form.item_id.choices = [
        (i.id, f"{i.org.name} · {i.name}（{i.category_label}，{i.price_minutes} 分钟）")
        for i in offered if chosen is None or i.category == chosen]
    outcome = submit(form, lambda: redemption.create_redemption(
        current_user, person.id, form.item_id.data, form.quantity.data))
    if outcome.done:
        flash(_("已预约，请在柜台出示兑换码 %(code)s。", code=outcome.result.code), "success")
        return redirect(url_for("timebank.my_redemptions"))
    return render_template("timebank/redeem.html", form=form, chosen=chosen,
                           categories=sorted(categories.items(), key=lambda c: c[1]),
                           may=redemption.may_redeem(person)), outcome.status


@bp.get("/redemptions")
@roles(*MEMBER)
def my_redemptions():
    """My redemptions, and the counters' requests waiting for my consent (mine, and those of
    relatives without a login whose registered family proxy I am)."""
    person = ledger.member_person(current_user)
    page = paginate(redemption.redemptions_query(person_id=person.id))
    requests = db.session.execute(consent.pending_for(current_user, "requested").limit(20)
                                  ).scalars().all()
    return render_template("timebank/my_redemptions.html", page=page, requests=requests,
                           my_person_id=person.id)


@bp.route("/pay", methods=["GET", "POST"])
@roles(*MEMBER)
def pay_code():
    """The member's pay code (付款码) and its QR, for the counter to type or scan."""
    ledger.member_person(current_user)
    form = ConfirmForm()
    if form.validate_on_submit():
        idempotency.keep_out_of_store()  # the code exists only in this page
        row, code = consent.issue_pay_code(current_user)
        response = make_response(render_template(
            "timebank/pay_code.html", code=code, expires_at=row.expires_at,
            qr=qr.svg_data_uri(code.replace(" ", ""))))
        response.headers["Cache-Control"] = "no-store"
        return response
    return render_template("timebank/pay_code.html", code=None)


@bp.get("/card")
@roles(*MEMBER)
def member_card():
    """My member card: a QR of my volunteer number, the number printed under it, so that a
    volunteer who served me names me by scanning or typing it (issue 15). Nothing secret:
    the number only names me; it spends nothing."""
    person = ledger.member_person(current_user)
    image = qr.svg_data_uri(person.volunteer_number) if person.volunteer_number else None
    return render_template("timebank/card.html", person=person, qr=image)


@bp.route("/certificates", methods=["GET", "POST"])
@roles(*MEMBER)
def my_certificates():
    person = ledger.member_person(current_user)
    form = ConfirmForm()
    if form.validate_on_submit():
        row = certificates.issue(current_user, person.id)
        flash(_("证明已开具，编号 %(n)s。", n=row.number), "success")
        return redirect(url_for("timebank.my_certificates"))
    return render_template("timebank/certificates.html", form=form,
                           rows=certificates.certificates_of(person.id))


@bp.get("/certificates/<string:number>.pdf")
@roles(Role.VOLUNTEER, Role.ORG_STAFF, Role.INSTITUTION_STAFF, Role.REGULATOR, Role.ADMIN)
def certificate_pdf(number: str):
    row = certificates.get_visible(current_user, number)
    response = Response(certificates.render_pdf(row), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{row.number}.pdf"'
    return response


@public_bp.get("/verify/<string:number>")
@roles(PUBLIC)
def verify_certificate(number: str):
    """Anyone (an employer, a school) checks a certificate: genuine, unaltered, masked name."""
    try:
        result = certificates.verify(number, query_args(VerifyArgs)["code"])
    except DomainError as error:
        return render_template("timebank/verify.html", result=None, number=number,
                               message=error.text), 404
    return render_template("timebank/verify.html", result=result, number=number)
