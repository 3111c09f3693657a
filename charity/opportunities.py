"""Volunteer opportunities (needs of category volunteer time with a schedule, skills and a
headcount), volunteers' profiles, ranking by fit, sign-ups and confirmed attendance — which
flows to the time bank through core.events, never by import."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from charity import fit, parties, posting, quantities
from charity.items import VOLUNTEER_HOURS, find_item
from charity.models import Need, Opportunity, Signup, VolunteerProfile
from charity.posting import Problems
from charity.runs import distance_table
from charity.vocabulary import (
    ACTIVITIES,
    LIVE_STATUSES,
    SKILLS,
    TIME_SLOTS,
    SignupStatus,
    slot_hours,
)
from core import audit, clock
from core.config import policy
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.extensions import db
from core.orgs.models import District
from core.sanctions import NO_MATCHING, barred_org_ids
from core.timeutil import to_local

OPP_FIELDS = ("title", "activity", "skills", "start_at", "end_at", "headcount")
MAX_HEADCOUNT = 1000


# --- profiles ------------------------------------------------------------------------------

def get_profile(person_id: int | None) -> VolunteerProfile | None:
    if person_id is None:
        return None
    return db.session.execute(sa.select(VolunteerProfile).where(
        VolunteerProfile.person_id == person_id)).scalar_one_or_none()


def save_profile(actor, skills, district_id: int | None, availability,
                 person_id: int | None = None) -> VolunteerProfile:
    """A volunteer keeps their own skills, home district and free time. ``person_id`` other
    than the actor's own is for the system only (actor None: demo data, imports)."""
    if actor is not None or person_id is None:
        if person_id not in (None, parties.person_id_of(actor)):
            raise PermissionDenied("charity.not_your_profile", _l("只能修改自己的志愿资料。"))
        person_id = parties.person_id_of(actor)
    if person_id is None:
        raise PermissionDenied("charity.no_person", _l("请先完成实名登记。"))
    p = Problems()
    skills = sorted(set(skills or ()))
    if any(s not in SKILLS for s in skills):
        p.add("skills", "charity.bad_skill", _l("请从列表中选择技能。"))
    cells = set()
    for cell in availability or ():
        if (not isinstance(cell, list | tuple) or len(cell) != 2 or cell[0] not in range(7)
                or cell[1] not in TIME_SLOTS):
            p.add("availability", "charity.bad_availability", _l("空闲时间格式不正确。"))
            break
        cells.add((int(cell[0]), str(cell[1])))
    if district_id is not None and db.session.get(District, district_id) is None:
        p.add("district_id", "charity.unknown_district", _l("请选择区县。"))
    p.raise_if_any()
    profile = get_profile(person_id) or VolunteerProfile(person_id=person_id)
    db.session.add(profile)
    profile.skills, profile.district_id = skills, district_id
    profile.availability = [list(c) for c in sorted(cells)]
    profile.updated_at = clock.now()
    db.session.flush()
    audit.record(actor, "charity.profile.save", "charity_volunteer_profile", profile.id,
                 after={"skills": skills, "district_id": district_id, "slots": len(cells)})
    return profile


# --- opportunities -------------------------------------------------------------------------

def _check_opportunity(data: dict, now: datetime) -> None:
    p = Problems()
    title = (data.get("title") or "").strip()
    if not 1 <= len(title) <= 200:
        p.add("title", "charity.bad_title", _l("请填写活动名称（不超过 200 个字符）。"))
    if data.get("activity") not in ACTIVITIES:
        p.add("activity", "charity.bad_activity", _l("请选择服务类别。"))
    if any(s not in SKILLS for s in data.get("skills") or ()):
        p.add("skills", "charity.bad_skill", _l("请从列表中选择技能。"))
    start, end = data.get("start_at"), data.get("end_at")
    if not isinstance(start, datetime) or start.tzinfo is None or start <= now:
        p.add("start_at", "charity.deadline_past", _l("开始时间必须晚于现在。"))
    elif not isinstance(end, datetime) or end.tzinfo is None or end <= start:
        p.add("end_at", "charity.bad_window", _l("结束时间必须晚于开始时间。"))
    elif (end - start).total_seconds() > policy("max_session_hours") * 3600:
        # One attendance becomes one time-bank session: max_session_hours (DOMAIN.md).
        p.add("end_at", "charity.too_long", _l("单次活动不超过 %(h)s 小时。",
                                               h=policy("max_session_hours")))
    count = data.get("headcount")
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_HEADCOUNT:
        p.add("headcount", "charity.bad_headcount", _l("招募人数为 1–1000。"))
    p.raise_if_any()


def create_opportunity(actor, org_id: int, data: dict, now: datetime | None = None
                       ) -> Opportunity:
    """Post a volunteer opportunity: a volunteer-time need (headcount × hours, 小时) with its
    schedule; sign-ups close when it starts (the need's deadline)."""
    now = clock.utc(now)
    parties.require_may_post(actor, org_id)
    _check_opportunity(data, now)
    item = find_item(VOLUNTEER_HOURS)
    if item is None or not item.active:
        raise Conflict("charity.no_volunteer_item", _l("物品目录中缺少“志愿服务”（小时），请联系管理员。"))
    hours = slot_hours(data["start_at"], data["end_at"])
    need = posting.create_need(actor, org_id, {
        "item_id": item.id, "quantity": data["headcount"] * hours, "district_id":
        data.get("district_id"), "address": data.get("address"), "lat": data.get("lat"),
        "lon": data.get("lon"), "description": data.get("description"),
        "urgency": data.get("urgency") or 2, "deadline": data["start_at"]}, now=now)
    opp = Opportunity(need=need, title=data["title"].strip(), activity=data["activity"],
                      skills=sorted(set(data.get("skills") or ())), start_at=data["start_at"],
                      end_at=data["end_at"], headcount=data["headcount"], created_at=now)
    db.session.add(opp)
    db.session.flush()
    audit.record(actor, "charity.opportunity.create", "charity_opportunity", opp.id, at=now,
                 after={"need_id": need.id, "headcount": opp.headcount, "skills": opp.skills})
    return opp


def update_opportunity(actor, opp: Opportunity, changes: dict,
                       now: datetime | None = None) -> Opportunity:
    """Edit an opportunity before it starts. The schedule is fixed once someone signed up (they
    agreed to that time); the headcount never drops below the places already taken."""
    now = clock.utc(now)
    if not parties.acts_for_need(actor, opp.need):
        raise PermissionDenied("charity.not_your_opportunity", _l("只有活动组织方可以修改。"))
    if opp.need.is_closed or opp.start_at <= now:
        raise Conflict("charity.not_editable", _l("活动已开始或已关闭，不能修改。"))
    merged = {k: getattr(opp, k) for k in OPP_FIELDS}
    merged.update({k: v for k, v in changes.items() if k in OPP_FIELDS and v is not None})
    taken = taken_places(opp)
    if taken and (merged["start_at"], merged["end_at"]) != (opp.start_at, opp.end_at):
        raise Conflict("charity.schedule_fixed", _l("已有志愿者报名，活动时间不能再改；请撤回后重新发布。"))
    _check_opportunity(merged, now)
    if merged["headcount"] < taken:
        raise ValidationFailed("charity.bad_headcount", _l("已有 %(n)s 人报名，招募人数不能更少。", n=taken),
                               errors={"headcount": [str(_l("不能少于已报名人数。"))]})
    before = {k: getattr(opp, k) for k in OPP_FIELDS}
    for key, value in merged.items():
        setattr(opp, key, sorted(set(value)) if key == "skills" else value)
    need = opp.need
    need.quantity = opp.headcount * slot_hours(opp.start_at, opp.end_at)
    need.deadline = opp.start_at
    for key in ("address", "description"):
        if changes.get(key) is not None:
            setattr(need, key, changes[key].strip())
    quantities.refresh([need], (), now)
    diff = {k: str(v) for k, v in before.items() if v != getattr(opp, k)}
    audit.record(actor, "charity.opportunity.update", "charity_opportunity", opp.id, at=now,
                 before=diff, after={k: str(getattr(opp, k)) for k in diff})
    return opp


def get_opportunity(opportunity_id: int) -> Opportunity:
    opp = db.session.get(Opportunity, opportunity_id)
    if opp is None:
        raise NotFound("charity.opportunity_not_found", _l("找不到该志愿活动。"))
    return opp



def get_roster_for(actor, opportunity_id: int) -> Opportunity:
    """An opportunity with its sign-ups: for its organization's staff and the overseers; for
    anyone else it does not exist."""
    opp = get_opportunity(opportunity_id)
    if not (parties.acts_for_need(actor, opp.need) or parties.is_overseer(actor)):
        raise NotFound("charity.opportunity_not_found", _l("找不到该志愿活动。"))
    return opp

def taken_places(opp: Opportunity) -> int:
    return sum(1 for s in opp.signups if s.status in (SignupStatus.SIGNED_UP, SignupStatus.SERVED))


def open_opportunities(now: datetime | None = None) -> list[Opportunity]:
    """Opportunities still taking sign-ups, of organizations not barred from matching."""
    now = clock.utc(now)
    barred = sorted(barred_org_ids(NO_MATCHING)) or [-1]
    return list(db.session.execute(
        sa.select(Opportunity).join(Need, Need.id == Opportunity.need_id)
        .where(Need.status.in_(list(LIVE_STATUSES)), Opportunity.start_at > now,
               Need.org_id.not_in(barred))
        .order_by(Opportunity.start_at, Opportunity.id)).scalars())


def facts_of(opp: Opportunity) -> fit.OpportunityFacts:
    return fit.OpportunityFacts(
        id=opp.id, skills=frozenset(opp.skills or ()), district=opp.need.district.name,
        start=to_local(opp.start_at), end=to_local(opp.end_at),
        places_left=opp.headcount - taken_places(opp))


def volunteer_facts(profile: VolunteerProfile | None, person=None) -> fit.VolunteerFacts:
    if profile is None:
        district = person.district.name if person is not None and person.district else None
        return fit.VolunteerFacts(district=district)
    district = profile.district or (person.district if person is not None else None)
    return fit.VolunteerFacts(
        skills=frozenset(profile.skills or ()), district=district.name if district else None,
        availability=frozenset((int(d), str(s)) for d, s in profile.availability or ()))


def ranked_for(person, now: datetime | None = None, limit: int | None = None):
    """[(opportunity, fit)] best first, for this volunteer (already signed-up ones left out)."""
    opps = open_opportunities(now)
    mine = set(db.session.execute(sa.select(Signup.opportunity_id).where(
        Signup.person_id == person.id, Signup.status == SignupStatus.SIGNED_UP)).scalars())
    by_id = {o.id: o for o in opps if o.id not in mine}
    volunteer = volunteer_facts(get_profile(person.id), person)
    fits = fit.rank(volunteer, [facts_of(o) for o in by_id.values()], distance_table(),
                    float(policy("matching_max_km")), limit)
    return [(by_id[f.opportunity_id], f) for f in fits]


def fit_for(person, opp: Opportunity) -> fit.Fit:
    """This volunteer's fit with one opportunity (the same scoring as the ranking)."""
    return fit.fit(volunteer_facts(get_profile(person.id), person), facts_of(opp),
                   distance_table(), float(policy("matching_max_km")))
