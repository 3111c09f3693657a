"""Volunteer recognition (志愿服务激励褒奖): star levels by confirmed service hours.

A volunteer's stars count every confirmed session (credited or not: a minor's hours count
too), never pending, rejected, held or reversed ones; the thresholds are the policy
``volunteer_star_hours`` (1★ 100 h … 5★ 1,500 h). Shown on the volunteer's home, on
certificates and on an organization's volunteer list; regulators see counts by district.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core.accounts.models import Person
from core.config import policy
from core.extensions import db
from core.orgs.models import District
from timebank.models import ServiceSession
from timebank.vocabulary import SessionStatus

STAR_NAMES = {0: _l("尚未获得星级"), 1: _l("一星志愿者"), 2: _l("二星志愿者"), 3: _l("三星志愿者"),
              4: _l("四星志愿者"), 5: _l("五星志愿者")}


@dataclass(frozen=True)
class Stars:
    level: int  # 0 to 5
    confirmed_minutes: int
    next_level: int | None  # None at the top
    minutes_to_next: int | None

    @property
    def name(self) -> str:
        return str(STAR_NAMES[self.level])

    @property
    def next_name(self) -> str:
        return str(STAR_NAMES[self.next_level]) if self.next_level else ""

    @property
    def symbols(self) -> str:
        return "★" * self.level


def thresholds_minutes() -> list[int]:
    return [int(h) * 60 for h in policy("volunteer_star_hours")]


def stars_for(confirmed_minutes: int) -> Stars:
    steps = thresholds_minutes()
    level = sum(1 for t in steps if confirmed_minutes >= t)
    if level >= len(steps):
        return Stars(level, confirmed_minutes, None, None)
    return Stars(level, confirmed_minutes, level + 1, steps[level] - confirmed_minutes)


def _confirmed_minutes_query():
    return (sa.select(ServiceSession.volunteer_id,
                      sa.func.sum(ServiceSession.minutes).label("minutes"))
            .where(ServiceSession.status == SessionStatus.CONFIRMED)
            .group_by(ServiceSession.volunteer_id))


def confirmed_minutes(person_ids) -> dict[int, int]:
    ids = list(person_ids)
    if not ids:
        return {}
    rows = db.session.execute(_confirmed_minutes_query().where(
        ServiceSession.volunteer_id.in_(ids))).all()
    return {pid: int(m or 0) for pid, m in rows}


def stars_of(person_id: int) -> Stars:
    return stars_for(confirmed_minutes([person_id]).get(person_id, 0))


def stars_of_many(person_ids) -> dict[int, Stars]:
    minutes = confirmed_minutes(person_ids)
    return {pid: stars_for(minutes.get(pid, 0)) for pid in person_ids}


@dataclass(frozen=True)
class DistrictStars:
    district: str
    counts: list[int]  # volunteers at 1★ … 5★

    @property
    def total(self) -> int:
        return sum(self.counts)


def report_by_district() -> list[DistrictStars]:
    """Volunteers holding each star level, by the district they registered in (a person
    without a district is counted under "未登记区县")."""
    steps = thresholds_minutes()
    per_person = _confirmed_minutes_query().subquery()
    level = sum(sa.case((per_person.c.minutes >= t, 1), else_=0) for t in steps)
    rows = db.session.execute(
        sa.select(District.name, level.label("level"), sa.func.count())
        .select_from(per_person)
        .join(Person, Person.id == per_person.c.volunteer_id)
        .outerjoin(District, District.id == Person.district_id)
        .where(per_person.c.minutes >= steps[0])
        .group_by(District.name, level)).all()
    table: dict[str, list[int]] = {}
    for name, lvl, count in rows:
        counts = table.setdefault(name or str(_l("未登记区县")), [0] * len(steps))
        counts[int(lvl) - 1] += int(count)
    return [DistrictStars(name, counts) for name, counts in sorted(table.items())]


def volunteers_of_orgs(org_ids):
    """The volunteers whose service an organization confirmed or received, most hours with
    it first: a select of ``Person`` for the page kit's pager."""
    ids = list(org_ids) or [0]
    served = (sa.select(ServiceSession.volunteer_id.label("person_id"),
                        sa.func.sum(ServiceSession.minutes).label("minutes"))
              .where(ServiceSession.status == SessionStatus.CONFIRMED,
                     sa.or_(ServiceSession.org_id.in_(ids),
                            ServiceSession.recipient_org_id.in_(ids)))
              .group_by(ServiceSession.volunteer_id).subquery())
    return (sa.select(Person).join(served, served.c.person_id == Person.id)
            .order_by(served.c.minutes.desc(), Person.id))


def minutes_with_orgs(person_ids, org_ids) -> dict[int, int]:
    ids, orgs = list(person_ids), list(org_ids) or [0]
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(ServiceSession.volunteer_id, sa.func.sum(ServiceSession.minutes))
        .where(ServiceSession.status == SessionStatus.CONFIRMED,
               ServiceSession.volunteer_id.in_(ids),
               sa.or_(ServiceSession.org_id.in_(orgs), ServiceSession.recipient_org_id.in_(orgs)))
        .group_by(ServiceSession.volunteer_id)).all()
    return {pid: int(m or 0) for pid, m in rows}
