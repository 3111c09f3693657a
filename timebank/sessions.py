"""Logging service sessions: who may log what, every DOMAIN.md check, rosters, who sees what."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core import audit, clock
from core.accounts.models import FamilyLink, Person
from core.accounts.services import relation_between
from core.config import policy
from core.db import advisory_lock
from core.errors import NotFound, PermissionDenied, ValidationFailed
from core.extensions import db
from core.orgs.models import District, Organization
from core.orgs.services import user_org_ids
from core.timeutil import start_of_local_day_utc, to_local
from timebank.models import ServiceSession
from timebank.vocabulary import SessionStatus, category_open

ACTIVE_STATUSES = (SessionStatus.PENDING, SessionStatus.CONFIRMED, SessionStatus.REVIEW)
SESSION_FIELDS = ("volunteer_id", "recipient_person_id", "recipient_org_id", "org_id",
                  "category", "district_id", "address", "start", "end", "description")


def _invalid(code: str, message, field_name: str) -> ValidationFailed:
    return ValidationFailed(code, message, errors={field_name: [str(message)]})


def get_session(session_id: int) -> ServiceSession:
    row = db.session.get(ServiceSession, session_id)
    if row is None:
        raise NotFound("timebank.session_not_found", _l("服务记录不存在。"))
    return row


# --- the checks ----------------------------------------------------------------------------

def _check_parties(data: dict) -> Person:
    volunteer = db.session.get(Person, data.get("volunteer_id") or 0)
    if volunteer is None:
        raise _invalid("timebank.unknown_volunteer", _l("找不到该志愿者。"), "volunteer_id")
    if volunteer.volunteer_number is None:
        raise _invalid("timebank.not_a_volunteer", _l("该人员尚未注册为志愿者。"), "volunteer_id")
    person_id, org_id = data.get("recipient_person_id"), data.get("recipient_org_id")
    if not person_id and not org_id:
        raise _invalid("timebank.recipient_required",
                       _l("请填写服务对象（个人或组织）。"), "recipient_person_id")
    if person_id and org_id:
        raise _invalid("timebank.one_recipient", _l("服务对象只能是一个人或一个组织。"),
                       "recipient_org_id")
    if person_id and db.session.get(Person, person_id) is None:
        raise _invalid("timebank.unknown_recipient", _l("找不到该服务对象，请核对后再试。"),
                       "recipient_person_id")
    if org_id and db.session.get(Organization, org_id) is None:
        raise _invalid("timebank.unknown_recipient", _l("找不到该服务对象，请核对后再试。"),
                       "recipient_org_id")
    if person_id == volunteer.id:
        raise _invalid("timebank.self_service", _l("服务对象不能是志愿者本人。"),
                       "recipient_person_id")
    if data.get("org_id") and db.session.get(Organization, data["org_id"]) is None:
        raise _invalid("timebank.unknown_org", _l("组织单位不存在。"), "org_id")
    return volunteer


def _check_fields(data: dict) -> None:
    if not category_open(data.get("category")):
        raise _invalid("timebank.unknown_category", _l("请选择服务类别。"), "category")
    if db.session.get(District, data.get("district_id") or 0) is None:
        raise _invalid("timebank.unknown_district", _l("请选择服务地点所在区县。"), "district_id")
    if not (data.get("address") or "").strip():
        raise _invalid("timebank.address_required", _l("请填写服务地址。"), "address")
    if len(data["address"]) > 200 or len(data.get("description") or "") > 2000:
        raise _invalid("timebank.too_long_text", _l("地址或服务内容过长。"), "description")


def check_times(start: datetime, end: datetime, now: datetime) -> int:
    """The session's minutes, or a clear error (DOMAIN.md "Time bank": checks on logging)."""
    if start is None or end is None or start.tzinfo is None or end.tzinfo is None:
        raise _invalid("timebank.times_required", _l("请填写开始和结束时间。"), "start")
    if end <= start:
        raise _invalid("timebank.end_before_start", _l("结束时间必须晚于开始时间。"), "end")
    if end > now:
        raise _invalid("timebank.future_session",
                       _l("不能登记尚未结束的服务：结束时间晚于现在。"), "end")
    minutes = int((end - start).total_seconds() // 60)
    if minutes < 1:
        raise _invalid("timebank.too_short", _l("服务时长不足 1 分钟。"), "end")
    limit = policy("max_session_hours")
    if minutes > limit * 60:
        raise ValidationFailed("timebank.session_too_long",
                               _l("单次服务不能超过 %(hours)s 小时（不含往返路途时间）。"),
                               hours=limit, errors={"end": [str(_l("时长过长。"))]})
    return minutes


def _minutes_by_local_day(start: datetime, end: datetime) -> dict:
    """Split [start, end) across Asia/Shanghai calendar days: {date: minutes}."""
    out: dict = defaultdict(int)
    cursor = start
    while cursor < end:
        day = to_local(cursor).date()
        next_day = start_of_local_day_utc(day + timedelta(days=1))
        stop = min(end, next_day)
        out[day] += int((stop - cursor).total_seconds() // 60)
        cursor = stop
    return out


def _check_calendar(volunteer_id: int, start: datetime, end: datetime,
                    exclude_id: int | None = None) -> None:
    """No overlap with the volunteer's other sessions; daily total within the cap."""
    first_day = to_local(start).date()
    last_day = to_local(end).date()
    window_start = start_of_local_day_utc(first_day)
    window_end = start_of_local_day_utc(last_day + timedelta(days=1))
    query = sa.select(ServiceSession).where(
        ServiceSession.volunteer_id == volunteer_id,
        ServiceSession.status.in_(ACTIVE_STATUSES),
        ServiceSession.start_at < window_end, ServiceSession.end_at > window_start)
    if exclude_id is not None:
        query = query.where(ServiceSession.id != exclude_id)
    others = db.session.execute(query).scalars().all()
    for other in others:
        if other.start_at < end and other.end_at > start:
            when = f"{to_local(other.start_at):%Y-%m-%d %H:%M}–{to_local(other.end_at):%H:%M}"
            raise ValidationFailed("timebank.overlap",
                                   _l("与该志愿者已登记的另一次服务（%(when)s）时间重叠。"),
                                   when=when, errors={"start": [str(_l("时间重叠。"))]})
    cap = policy("max_daily_hours") * 60
    used: dict = defaultdict(int)
    for other in others:
        for day, mins in _minutes_by_local_day(other.start_at, other.end_at).items():
            used[day] += mins
    for day, mins in _minutes_by_local_day(start, end).items():
        if used[day] + mins > cap:
            raise ValidationFailed(
                "timebank.daily_cap_exceeded",
                _l("%(day)s 当天的服务时长（含待确认）将超过每日上限 %(hours)s 小时。"),
                day=day.isoformat(), hours=cap // 60,
                errors={"end": [str(_l("超过每日上限。"))]})


def is_late(row_or_end, now: datetime) -> bool:
    """Ended more than ``backdate_window_days`` ago: only an organization confirms it, with a
    reason (issue 12: a session dated 1990 used to be accepted like yesterday's)."""
    end = getattr(row_or_end, "end_at", row_or_end)
    return end < now - timedelta(days=policy("backdate_window_days"))


# --- logging -------------------------------------------------------------------------------

def _may_log_for(actor, volunteer_id: int, org_id: int | None) -> None:
    if actor is None:
        return  # the system (another package's event, a job, the demo seeder)
    if actor.person_id is not None and actor.person_id == volunteer_id:
        return
    if org_id is not None and org_id in user_org_ids(actor):
        return
    raise PermissionDenied("timebank.cannot_log_for_other",
                           _l("只能登记自己的服务，或由组织单位的工作人员为本组织的活动登记。"))


def log_session(actor, data: dict, *, source: str = "self", source_ref: str | None = None,
                now: datetime | None = None) -> ServiceSession:
    """Record a pending session after every check; ``data`` holds SESSION_FIELDS."""
    now = clock.utc(now)
    data = {k: data.get(k) for k in SESSION_FIELDS}
    volunteer = _check_parties(data)
    _may_log_for(actor, volunteer.id, data.get("org_id"))
    _check_fields(data)
    start, end = data["start"], data["end"]
    minutes = check_times(start, end, now)
    if is_late(end, now) and not (data.get("org_id") or data.get("recipient_org_id")):
        raise ValidationFailed("timebank.late_without_org",
                               _l("超过 %(days)s 天的服务需由组织单位登记并确认。"),
                               days=policy("backdate_window_days"),
                               errors={"end": [str(_l("时间过早，请由组织单位补录。"))]})
    advisory_lock(f"timebank.volunteer:{volunteer.id}")  # serializes the calendar checks
    _check_calendar(volunteer.id, start, end)
    day = to_local(start).date()
    row = ServiceSession(
        volunteer_id=volunteer.id, recipient_person_id=data["recipient_person_id"] or None,
        recipient_org_id=data["recipient_org_id"] or None, org_id=data["org_id"] or None,
        category=data["category"], district_id=data["district_id"],
        address=data["address"].strip(), start_at=start, end_at=end, minutes=minutes,
        description=(data.get("description") or "").strip(), status=SessionStatus.PENDING,
        recorded_by_id=getattr(actor, "id", None), source=source, source_ref=source_ref,
        # Minors serve and are recorded, but earn no credits (min_volunteer_age, DOMAIN.md).
        credited=volunteer.age_on(day) >= policy("min_volunteer_age"), created_at=now)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "timebank.session.log", "timebank_session", row.id, at=now,
                 after={"volunteer_id": volunteer.id, "minutes": minutes, "source": source,
                        "org_id": row.org_id, "credited": row.credited})
    return row


def local_datetime_range_text(row: ServiceSession) -> str:
    start, end = to_local(row.start_at), to_local(row.end_at)
    same_day = start.date() == end.date()
    return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}" if same_day else \
        f"{start:%Y-%m-%d %H:%M}–{end:%Y-%m-%d %H:%M}"


# --- reading -------------------------------------------------------------------------------

def visible_to(actor, row: ServiceSession) -> bool:
    """The volunteer, the recipient and their verified relatives, the organizations involved,
    regulators and admins."""
    if actor.has_role("regulator", "admin"):
        return True
    if actor.person_id is not None and actor.person_id in (row.volunteer_id,
                                                           row.recipient_person_id):
        return True
    if row.recipient_person_id is not None and actor.person_id is not None and \
            relation_between(actor.person_id, row.recipient_person_id) is not None:
        return True  # a verified relative, who may confirm for the person served
    return bool(user_org_ids(actor).intersection(
        {row.org_id, row.recipient_org_id, row.confirming_org_id} - {None}))


def get_visible(actor, session_id: int) -> ServiceSession:
    row = get_session(session_id)
    if not visible_to(actor, row):
        raise NotFound("timebank.session_not_found", _l("服务记录不存在。"))
    return row


def sessions_query(actor, scope: str = "mine", status: str | None = None):
    """mine: my own sessions; to_confirm: pending ones I may decide; org: my organizations';
    all: every session (regulators and admins only; others get their own)."""
    s = ServiceSession
    query = sa.select(s).order_by(s.start_at.desc(), s.id.desc())
    orgs = list(user_org_ids(actor))
    person_id = actor.person_id or -1
    if scope == "to_confirm":
        relatives = sa.select(FamilyLink.relative_id).where(
            FamilyLink.person_id == person_id, FamilyLink.verified_at.isnot(None))
        query = query.where(s.status == SessionStatus.PENDING, s.volunteer_id != person_id,
                            sa.or_(s.recipient_person_id == person_id, s.org_id.in_(orgs),
                                   s.recipient_org_id.in_(orgs),
                                   s.recipient_person_id.in_(relatives)))
    elif scope == "org":
        query = query.where(sa.or_(s.org_id.in_(orgs), s.recipient_org_id.in_(orgs)))
    elif scope == "all" and actor.has_role("regulator", "admin"):
        pass  # regulators review every session (and reverse the false ones)
    else:
        query = query.where(s.volunteer_id == person_id)
    if status:
        query = query.where(s.status == status)
    return query


def pending_count_query(person_id: int):
    return sa.select(sa.func.count()).select_from(ServiceSession).where(
        ServiceSession.volunteer_id == person_id, ServiceSession.status == SessionStatus.PENDING)


def pending_count(person_id: int) -> int:
    return db.session.execute(pending_count_query(person_id)).scalar_one()
