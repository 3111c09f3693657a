"""Deciding on sessions: confirm (deposit), reject, reverse; auto-confirmation; charity events.

Who may mint hours (issue 12, item 2): someone other than the volunteer; a private person only
once staff have checked their ID card in person, or a relative of the person served whose
family link staff verified (issue 15); a session that ended more than
``backdate_window_days`` ago only by an organization, with a reason; and a private person's
confirmation that looks staged goes to the regulators' review queue (``timebank.review``)
instead of the ledger."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core import audit, clock, events
from core.accounts.models import Person, Role, User
from core.accounts.services import make_volunteer, relation_between
from core.config import policy
from core.db import for_update
from core.errors import Conflict, PermissionDenied, ValidationFailed
from core.extensions import db
from core.orgs.models import Organization, OrgStatus
from core.orgs.services import user_org_ids
from core.sanctions import NO_CONFIRMING_HOURS, is_barred
from core.timeutil import local_date
from timebank import ledger, review
from timebank.models import ServiceSession
from timebank.sessions import get_session, is_late, log_session
from timebank.vocabulary import PostingKind, SessionStatus, category_open

ORG_VIAS = ("org", "recipient_org")  # an organization vouches, and answers for it


def lock_session(session_id: int) -> ServiceSession:
    get_session(session_id)  # 404 when missing
    return db.session.execute(
        for_update(sa.select(ServiceSession).where(ServiceSession.id == session_id))
        .execution_options(populate_existing=True)
    ).scalar_one()


def confirmer_role(actor, row: ServiceSession) -> tuple[str, int | None]:
    """How ``actor`` may decide on ``row``: (via, organization acting) or PermissionDenied.
    The volunteer never confirms their own session (DOMAIN.md: someone other than the
    volunteer)."""
    if actor.person_id is not None and actor.person_id == row.volunteer_id:
        raise PermissionDenied("timebank.self_confirmation", _l("志愿者不能确认自己的服务记录。"))
    if row.recipient_person_id is not None and actor.person_id == row.recipient_person_id:
        return "recipient", None
    orgs = user_org_ids(actor)
    if row.org_id is not None and row.org_id in orgs:
        return "org", row.org_id
    if row.recipient_org_id is not None and row.recipient_org_id in orgs:
        return "recipient_org", row.recipient_org_id
    if is_family_of_recipient(actor, row):  # issue 15: a relative confirms for an elder
        return "family", None
    if row.recipient_person_id is not None and actor.has_role(Role.INSTITUTION_STAFF) \
            and not _has_login(row.recipient_person_id):
        homes = _institutions(orgs)
        if homes:  # 适老化: counter staff confirm for an elder without a phone, present
            return "counter", homes[0]
    raise PermissionDenied("timebank.not_confirmer",
                           _l("只有服务对象本人、其已核验的家属或组织单位的工作人员可以确认或退回。"))


def is_family_of_recipient(actor, row: ServiceSession) -> bool:
    """``actor`` is a relative of the person served, and staff verified the link in person
    (户口簿, 结婚证…: ``core.accounts.services.verify_family_link``); a declared link is not
    enough."""
    return row.recipient_person_id is not None and actor.person_id is not None and \
        relation_between(actor.person_id, row.recipient_person_id, verified_only=True) is not None


def _institutions(org_ids: set[int]) -> list[int]:
    if not org_ids:
        return []
    return list(db.session.execute(
        sa.select(Organization.id).where(Organization.id.in_(org_ids),
                                         Organization.is_eldercare.is_(True))
        .order_by(Organization.id)).scalars())


def _has_login(person_id: int) -> bool:
    return db.session.execute(sa.select(User.id).where(User.person_id == person_id)
                              ).first() is not None


def _check_not_barred(org_id: int | None) -> None:
    """A barred organization (joint punishment, core.sanctions), one no longer active, or one
    not yet verified by the bureau cannot vouch for hours."""
    if org_id is None:
        return
    org = db.session.get(Organization, org_id)
    if org is not None and org.status in (OrgStatus.SUSPENDED, OrgStatus.REVOKED,
                                          OrgStatus.DEREGISTERED):
        raise PermissionDenied("timebank.org_inactive",
                               _l("该组织已停止活动或注销，不能确认志愿服务时长。"))
    if org is not None and org.status == OrgStatus.PENDING:  # registered by its own staff
        raise PermissionDenied("timebank.org_not_verified",
                               _l("该组织尚未通过民政部门核验，不能确认志愿服务时长。"))
    if is_barred(org_id, NO_CONFIRMING_HOURS):
        raise PermissionDenied("timebank.org_barred",
                               _l("该组织被列入惩戒名单，目前不得确认志愿服务时长。"))


def _require_pending(row: ServiceSession) -> None:
    if row.status != SessionStatus.PENDING:
        raise Conflict("timebank.not_pending", _l("该记录已处理（%(state)s），不能再次处理。"),
                       state=row.status_label)


def credit_amount(row: ServiceSession) -> int:
    """Credit minutes for a session (credit_minutes_per_service_minute; minors get none)."""
    if not row.credited:
        return 0
    return round(row.minutes * policy("credit_minutes_per_service_minute"))


def _check_trusted(row: ServiceSession, via: str, now: datetime, reason: str | None) -> None:
    """The confirmer's word is enough to mint these hours (see the module docstring)."""
    if via == "recipient" and not row.recipient_person.is_verified:
        raise PermissionDenied(
            "timebank.recipient_not_verified",
            _l("您的身份还没有经过组织或服务点当面核验，您的确认暂不能计入时长。请携带身份证到社区或服务点核验，"
               "或请组织单位确认。"))
    if is_late(row, now):
        if via not in ORG_VIAS:
            raise PermissionDenied(
                "timebank.late_needs_org",
                _l("该服务已结束超过 %(days)s 天，需由组织单位确认并说明原因。"),
                days=policy("backdate_window_days"))
        if not (reason or "").strip():
            raise ValidationFailed(
                "timebank.late_reason_required",
                _l("该服务已结束超过 %(days)s 天，请说明为什么现在才确认。"),
                days=policy("backdate_window_days"),
                errors={"reason": [str(_l("请说明补录原因。"))]})


def deposit(row: ServiceSession, actor, at: datetime) -> None:
    amount = credit_amount(row)
    row.credit_minutes = amount
    if amount <= 0:
        return
    source = ledger.issuance_account(row.org_id, row.district_id)
    target = ledger.person_account(row.volunteer_id)
    ledger.transfer(source, target, amount, PostingKind.DEPOSIT, f"session:{row.id}", actor,
                    memo=row.category, at=at)


def _confirm(row: ServiceSession, actor, via: str, org_id: int | None,
             now: datetime, reason: str | None = None) -> ServiceSession:
    _require_pending(row)
    _check_not_barred(org_id)
    _check_trusted(row, via, now, reason)
    row.status, row.confirmed_via, row.confirming_org_id = SessionStatus.CONFIRMED, via, org_id
    row.confirmed_by_id, row.decided_at = getattr(actor, "id", None), now
    if is_late(row, now):
        row.late_reason = reason.strip()[:2000]
    signals = review.signals_for(row, now) if via in review.PRIVATE_VIAS else []
    if signals:
        return review.hold_for_review(row, signals, actor, now)
    deposit(row, actor, now)
    db.session.flush()
    audit.record(actor, "timebank.session.confirm", "timebank_session", row.id, at=now,
                 before={"status": "pending"},
                 after={"status": "confirmed", "via": via, "org_id": org_id,
                        "credit_minutes": row.credit_minutes},
                 reason=row.late_reason)
    announce_confirmed(row, now)
    return row


def announce_confirmed(row: ServiceSession, now: datetime) -> None:
    events.publish(events.session_confirmed, "timebank", session_id=row.id,
                   volunteer_person_id=row.volunteer_id, org_id=row.org_id,
                   minutes=row.minutes, confirmed_at=now)


def confirm_session(actor, session_id: int, now: datetime | None = None,
                    reason: str | None = None) -> ServiceSession:
    """The recipient or the organizing organization confirms; the credits are deposited (or
    the session waits for a regulator, see ``timebank.review``). ``reason``: why a session
    older than ``backdate_window_days`` is confirmed only now (organizations only)."""
    row = lock_session(session_id)
    via, org_id = confirmer_role(actor, row)
    return _confirm(row, actor, via, org_id, clock.utc(now), reason)


def confirm_for_org(actor, session_id: int, org_id: int, now: datetime | None = None,
                    reason: str | None = None) -> ServiceSession:
    """An organization's confirmation arriving from outside a page (the charity package's
    event, the demo seeder): the caller has established that ``org_id`` vouches for it."""
    row = lock_session(session_id)
    if actor is not None and actor.person_id == row.volunteer_id:
        raise PermissionDenied("timebank.self_confirmation", _l("志愿者不能确认自己的服务记录。"))
    return _confirm(row, actor, "org", org_id, clock.utc(now), reason)


def reject_session(actor, session_id: int, reason: str,
                   now: datetime | None = None) -> ServiceSession:
    row = lock_session(session_id)
    via, org_id = confirmer_role(actor, row)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("timebank.reason_required", _l("请填写退回原因。"),
                               errors={"reason": [str(_l("必填。"))]})
    _require_pending(row)
    _check_not_barred(org_id)
    now = clock.utc(now)
    row.status, row.reject_reason, row.decided_at = SessionStatus.REJECTED, reason[:2000], now
    row.confirmed_by_id, row.confirmed_via, row.confirming_org_id = actor.id, via, org_id
    db.session.flush()
    audit.record(actor, "timebank.session.reject", "timebank_session", row.id, at=now,
                 before={"status": "pending"}, after={"status": "rejected", "via": via},
                 reason=reason)
    return row


def decide_held(actor, session_id: int, release: bool, reason: str,
                now: datetime | None = None) -> ServiceSession:
    """A regulator's decision on a session held for review (``timebank.review``): release
    (the hours are deposited as the recipient confirmed them) or reject, with the reason."""
    row = lock_session(session_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("timebank.reason_required", _l("请填写核查结论。"),
                               errors={"reason": [str(_l("必填。"))]})
    if row.status != SessionStatus.REVIEW:
        raise Conflict("timebank.not_in_review", _l("该记录不在待核查队列中。"))
    now = clock.utc(now)
    outcome = "released" if release else "rejected"
    if release:
        row.status = SessionStatus.CONFIRMED
        deposit(row, actor, now)
    else:
        row.status, row.reject_reason = SessionStatus.REJECTED, reason[:2000]
    for signal in review.signals_of([row.id]).get(row.id, []):
        signal.resolved_at, signal.resolved_by_id, signal.outcome = now, actor.id, outcome
    db.session.flush()
    audit.record(actor, f"timebank.session.review_{outcome}", "timebank_session", row.id,
                 at=now, before={"status": "review"}, after={"status": row.status,
                                                              "credit_minutes": row.credit_minutes},
                 reason=reason)
    if release:
        announce_confirmed(row, now)
    return row


def may_reverse(actor, row: ServiceSession) -> None:
    if actor.has_role(Role.REGULATOR, Role.ADMIN):
        return
    orgs = user_org_ids(actor)
    if orgs.intersection({row.org_id, row.confirming_org_id} - {None}):
        return
    raise PermissionDenied("timebank.cannot_reverse",
                           _l("只有民政部门或组织单位可以撤销已确认的服务记录。"))


def decision_rights(actor, row: ServiceSession) -> dict:
    """What ``actor`` may do with the session now: confirm or reject it (``decide``), or
    reverse it (``reverse``); the same rules the operations enforce."""
    can_decide = can_reverse = False
    if row.status == SessionStatus.PENDING:
        try:
            confirmer_role(actor, row)
            can_decide = True
        except PermissionDenied:
            pass
    if row.status == SessionStatus.CONFIRMED:
        try:
            may_reverse(actor, row)
            can_reverse = True
        except PermissionDenied:
            pass
    review_it = row.status == SessionStatus.REVIEW and actor.has_role(Role.REGULATOR, Role.ADMIN)
    return {"decide": can_decide, "reverse": can_reverse, "review": review_it,
            "late": is_late(row, clock.now())}  # a late one needs a reason to confirm


def reverse_session(actor, session_id: int, reason: str,
                    now: datetime | None = None) -> ServiceSession:
    """A confirmed session found false: a reversing posting (never an edit), the reason, an
    audit record and the ``session_found_false`` event. Credits already spent cannot be
    taken back below zero; the part not recovered is recorded as the shortfall."""
    row = lock_session(session_id)
    may_reverse(actor, row)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("timebank.reason_required", _l("请填写撤销原因。"),
                               errors={"reason": [str(_l("必填。"))]})
    if row.status != SessionStatus.CONFIRMED:
        raise Conflict("timebank.not_confirmed", _l("只有已确认的服务记录可以撤销。"))
    now = clock.utc(now)
    recovered = 0
    if row.credit_minutes > 0:
        person = ledger.person_account(row.volunteer_id)
        issuer = ledger.issuance_account(row.org_id, row.district_id)
        locked = ledger.lock_accounts([person.id, issuer.id])  # both, in id order
        recovered = min(row.credit_minutes, max(locked[person.id].available, 0))
        if recovered > 0:
            ledger.transfer(locked[person.id], locked[issuer.id], recovered,
                            PostingKind.REVERSAL, f"session:{row.id}", actor,
                            memo=reason[:200], at=now)
    row.status, row.reversed_at, row.reversed_by_id = SessionStatus.REVERSED, now, actor.id
    row.reversal_reason, row.reversal_shortfall = reason[:2000], row.credit_minutes - recovered
    db.session.flush()
    audit.record(actor, "timebank.session.reverse", "timebank_session", row.id, at=now,
                 before={"status": "confirmed", "credit_minutes": row.credit_minutes},
                 after={"status": "reversed", "recovered": recovered,
                        "shortfall": row.reversal_shortfall}, reason=reason)
    events.publish(events.session_found_false, "timebank", session_id=row.id,
                   org_id=row.confirming_org_id, minutes=row.minutes, reason=reason,
                   actor_id=actor.id, occurred_at=now)
    return row


def auto_confirm_due(now: datetime | None = None) -> int:
    """``auto_confirm_days`` (default unset: never): confirm sessions left pending that long,
    recorded as confirmed by silence. Sessions of a barred organization stay pending."""
    days = policy("auto_confirm_days")
    if not days:
        return 0
    now = clock.utc(now)
    ids = db.session.execute(
        sa.select(ServiceSession.id).where(ServiceSession.status == SessionStatus.PENDING,
                                           ServiceSession.created_at <= now - timedelta(days=days))
        .order_by(ServiceSession.id)).scalars().all()
    done = 0
    for session_id in ids:
        row = lock_session(session_id)
        if row.status != SessionStatus.PENDING or is_late(row, now) or (
                row.org_id is not None and is_barred(row.org_id, NO_CONFIRMING_HOURS,
                                                     local_date(now))):
            continue  # a late session needs an organization's reason, never silence
        _confirm(row, None, "auto", None, now)
        done += 1
    return done


def on_volunteer_service_confirmed(sender, **payload) -> None:
    """charity → timebank: an organization confirmed a volunteer served an opportunity; record
    the session as confirmed by that organization (once per signup, however often replayed)."""
    ref = f"charity-signup:{payload['signup_id']}"
    if db.session.execute(sa.select(ServiceSession.id).where(
            ServiceSession.source_ref == ref)).first() is not None:
        return
    actor = db.session.get(User, payload["actor_id"]) if payload.get("actor_id") else None
    org_id = payload["org_id"]
    person = db.session.get(Person, payload["person_id"])
    if person is not None and person.volunteer_number is None:
        make_volunteer(actor, person)  # served through charity: now a registered volunteer
    category = payload.get("category") if category_open(payload.get("category")) else "community"
    data = {"volunteer_id": payload["person_id"], "recipient_org_id": org_id, "org_id": org_id,
            "category": category, "district_id": payload["district_id"],
            "address": payload.get("address") or "-", "start": payload["start"],
            "end": payload["end"], "description": payload.get("description") or ""}
    row = log_session(None, data, source="charity", source_ref=ref)
    row.recorded_by_id = getattr(actor, "id", None)
    if not is_late(row, clock.now()):  # a late one waits for the organization's reason
        confirm_for_org(actor, row.id, org_id)
