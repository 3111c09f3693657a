"""Volunteers sign up for opportunities, cancel before the start; after the event the
organization confirms who served (published as volunteer_service_confirmed, which the time
bank records as a confirmed session) or records a no-show."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from charity import opportunities, parties, quantities
from charity.models import Need, Opportunity, Signup
from charity.vocabulary import SignupStatus
from core import audit, clock, events, outbox
from core.accounts.models import Person
from core.config import policy
from core.db import for_update
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.extensions import db

ACTIVE = (SignupStatus.SIGNED_UP, SignupStatus.SERVED)


def my_signups(person_id: int | None) -> list[Signup]:
    if person_id is None:
        return []
    return list(db.session.execute(
        sa.select(Signup).join(Opportunity, Opportunity.id == Signup.opportunity_id)
        .where(Signup.person_id == person_id).order_by(Opportunity.start_at.desc())).scalars())


def get_signup(signup_id: int) -> Signup:
    row = db.session.get(Signup, signup_id)
    if row is None:
        raise NotFound("charity.signup_not_found", _l("找不到该报名记录。"))
    return row


def get_signup_for_staff(actor, signup_id: int) -> Signup:
    """A sign-up, for the staff of the organization that runs its opportunity; for anyone
    else it does not exist."""
    row = get_signup(signup_id)
    if not parties.acts_for_need(actor, row.opportunity.need):
        raise NotFound("charity.signup_not_found", _l("找不到该报名记录。"))
    return row


def _overlapping(person_id: int, opp: Opportunity) -> Signup | None:
    return db.session.execute(
        sa.select(Signup).join(Opportunity, Opportunity.id == Signup.opportunity_id)
        .where(Signup.person_id == person_id, Signup.status == SignupStatus.SIGNED_UP,
               Opportunity.id != opp.id, Opportunity.start_at < opp.end_at,
               Opportunity.end_at > opp.start_at).limit(1)).scalar_one_or_none()


def _volunteer(actor, opp: Opportunity, person: Person | None) -> Person:
    """Who signs up: the actor's own person, or (适老化: on someone's behalf) a volunteer the
    organizing organization's staff sign up, e.g. an elder without a smartphone."""
    if person is None:
        person = actor.person if parties.person_id_of(actor) is not None else None
    elif not parties.acts_for_need(actor, opp.need):
        raise PermissionDenied("charity.not_your_opportunity", _l("只有活动组织方可以代为报名。"))
    if person is None or person.volunteer_number is None:
        raise PermissionDenied("charity.not_volunteer", _l("报名需先登记为志愿者。"))
    return person


def signup(actor, opportunity_id: int, person: Person | None = None,
           now: datetime | None = None) -> Signup:
    """A volunteer takes a place; refused when full, started, closed or clashing."""
    now = clock.utc(now)
    opp = opportunities.get_opportunity(opportunity_id)
    person = _volunteer(actor, opp, person)
    person_id = person.id
    db.session.execute(for_update(sa.select(Need.id).where(Need.id == opp.need_id)))
    if opp.need.is_closed or opp.start_at <= now:
        raise Conflict("charity.signup_closed", _l("该活动已停止报名。"))
    parties.require_may_match(opp.need.org_id)
    row = db.session.execute(sa.select(Signup).where(
        Signup.opportunity_id == opp.id, Signup.person_id == person_id)).scalar_one_or_none()
    if row is not None and row.status in ACTIVE:
        raise Conflict("charity.already_signed_up", _l("您已报名该活动。"))
    if opportunities.taken_places(opp) >= opp.headcount:
        raise Conflict("charity.opportunity_full", _l("名额已满。"))
    clash = _overlapping(person_id, opp)
    if clash is not None:
        raise Conflict("charity.signup_overlap", _l("与您已报名的“%(t)s”时间冲突。",
                                                    t=clash.opportunity.title))
    seen = opportunities.fit_for(person, opp)
    if row is None:
        row = Signup(opportunity=opp, person_id=person_id, created_at=now)
        db.session.add(row)
    row.user_id = person.user.id if person.user is not None else None  # for messages
    row.status, row.cancelled_at = SignupStatus.SIGNED_UP, None
    row.fit = {"score": seen.score, "reasons": list(seen.reasons)}
    db.session.flush()
    quantities.refresh([opp.need], (), now)
    outbox.enqueue("charity.signup.new", str(_l("有志愿者报名了“%(t)s”", t=opp.title))[:200],
                   str(_l("%(name)s 报名参加，当前 %(n)s / %(h)s 人。", name=person.name,
                          n=opportunities.taken_places(opp), h=opp.headcount)),
                   org_id=opp.need.org_id, dedupe_key=f"charity.signup:{row.id}:{now.isoformat()}")
    audit.record(actor, "charity.signup.create", "charity_signup", row.id, at=now,
                 after={"opportunity_id": opp.id, "person_id": person_id, "fit": seen.score,
                        "on_behalf": person_id != parties.person_id_of(actor)})
    return row


def cancel_signup(actor, signup_id: int, now: datetime | None = None) -> Signup:
    now = clock.utc(now)
    row = get_signup(signup_id)
    if row.person_id != parties.person_id_of(actor):
        raise NotFound("charity.signup_not_found", _l("找不到该报名记录。"))
    if row.status != SignupStatus.SIGNED_UP or row.opportunity.start_at <= now:
        raise Conflict("charity.cannot_cancel", _l("活动开始后或已确认的报名不能取消。"))
    row.status, row.cancelled_at = SignupStatus.CANCELLED, now
    quantities.refresh([row.opportunity.need], (), now)
    audit.record(actor, "charity.signup.cancel", "charity_signup", row.id, at=now)
    return row


def _require_org_staff(actor, row: Signup) -> Opportunity:
    opp = row.opportunity
    if not parties.acts_for_need(actor, opp.need):
        raise PermissionDenied("charity.not_your_opportunity", _l("只有活动组织方可以确认出勤。"))
    return opp


def _served_window(opp, start, end, now) -> tuple[datetime, datetime]:
    start, end = start or opp.start_at, end or opp.end_at
    errors = {}
    if end <= start:
        errors["served_end"] = [str(_l("结束时间必须晚于开始时间。"))]
    elif end > now:
        errors["served_end"] = [str(_l("活动结束后才能确认出勤。"))]
    elif (end - start).total_seconds() > policy("max_session_hours") * 3600:
        errors["served_end"] = [str(_l("单次服务不超过 %(h)s 小时。", h=policy("max_session_hours")))]
    elif end <= opp.start_at or start >= opp.end_at:
        errors["served_start"] = [str(_l("服务时间应与活动时间有重叠。"))]
    if errors:
        raise ValidationFailed("charity.bad_attendance", next(iter(errors.values()))[0],
                               errors=errors)
    return start, end


def confirm_attendance(actor, signup_id: int, served_start: datetime | None = None,
                       served_end: datetime | None = None, note: str | None = None,
                       now: datetime | None = None) -> Signup:
    """After the event the organization confirms the volunteer served; the time bank records
    the hours through volunteer_service_confirmed (its rules still apply and may refuse)."""
    now = clock.utc(now)
    row = get_signup(signup_id)
    opp = _require_org_staff(actor, row)
    if row.status not in (SignupStatus.SIGNED_UP, SignupStatus.NO_SHOW):
        raise Conflict("charity.signup_not_open", _l("该报名已处理（%(s)s）。", s=row.status_label))
    start, end = _served_window(opp, served_start, served_end, now)
    row.status, row.confirmed_at, row.confirmed_by_id = SignupStatus.SERVED, now, actor.id
    row.served_start, row.served_end = start, end
    row.note = (note or "").strip()[:2000] or None
    quantities.refresh([opp.need], (), now)
    audit.record(actor, "charity.signup.confirm", "charity_signup", row.id, at=now,
                 after={"minutes": row.minutes, "person_id": row.person_id})
    need = opp.need
    events.publish(events.volunteer_service_confirmed, "charity", opportunity_id=opp.id,
                   signup_id=row.id, org_id=need.org_id, person_id=row.person_id,
                   category=opp.activity, district_id=need.district_id,
                   address=need.address or need.org.address, start=start, end=end,
                   description=f"{opp.title} {need.description}".strip()[:2000],
                   actor_id=actor.id)
    return row


def mark_no_show(actor, signup_id: int, note: str | None = None,
                 now: datetime | None = None) -> Signup:
    now = clock.utc(now)
    row = get_signup(signup_id)
    opp = _require_org_staff(actor, row)
    if row.status != SignupStatus.SIGNED_UP or opp.start_at > now:
        raise Conflict("charity.cannot_mark_no_show", _l("活动开始后，才能把已报名者登记为未到场。"))
    row.status, row.note = SignupStatus.NO_SHOW, (note or "").strip()[:2000] or None
    quantities.refresh([opp.need], (), now)
    audit.record(actor, "charity.signup.no_show", "charity_signup", row.id, at=now)
    return row
