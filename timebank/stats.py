"""Statistics for regulators (hours by district, category, month; top orgs) and CSV/XLSX export."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from core import spreadsheets
from core.extensions import db
from core.orgs.models import District, Organization
from core.timeutil import start_of_local_day_utc
from timebank.models import ServiceSession
from timebank.vocabulary import SessionStatus, category_label


@dataclass
class Stats:
    year: int
    total_minutes: int = 0
    sessions: int = 0
    active_volunteers: int = 0
    by_district: list[tuple[str, int]] = field(default_factory=list)
    by_category: list[tuple[str, int]] = field(default_factory=list)
    by_month: list[tuple[str, int]] = field(default_factory=list)
    # district name → minutes in each month (January first), for the chart of months by district
    by_month_district: dict[str, list[int]] = field(default_factory=dict)
    top_orgs: list[tuple[str, int, int]] = field(default_factory=list)  # name, minutes, people

    @property
    def max_district(self) -> int:
        return max([m for _, m in self.by_district] or [0])

    @property
    def max_month(self) -> int:
        return max([m for _, m in self.by_month] or [0])


def _month_bounds(year: int) -> list:
    return [start_of_local_day_utc(date(year + (m - 1) // 12, (m - 1) % 12 + 1, 1))
            for m in range(1, 14)]


def compute(year: int, district_id: int | None = None, top: int = 10) -> Stats:
    """Confirmed sessions that started in ``year`` (Asia/Shanghai calendar)."""
    bounds = _month_bounds(year)
    s = ServiceSession
    where = [s.status == SessionStatus.CONFIRMED, s.start_at >= bounds[0], s.start_at < bounds[12]]
    if district_id:
        where.append(s.district_id == district_id)
    out = Stats(year=year)
    total = db.session.execute(sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(s.minutes), 0),
                                         sa.func.count(sa.distinct(s.volunteer_id))).where(*where)).one()
    out.sessions, out.total_minutes, out.active_volunteers = int(total[0]), int(total[1]), int(total[2])
    names = dict(db.session.execute(sa.select(District.id, District.name)).all())
    rows = db.session.execute(sa.select(s.district_id, sa.func.sum(s.minutes)).where(*where)
                              .group_by(s.district_id)).all()
    found = {d: int(m) for d, m in rows}
    order = db.session.execute(sa.select(District.id).order_by(District.sort_order)).scalars()
    out.by_district = [(names[d], found.get(d, 0)) for d in order]
    rows = db.session.execute(sa.select(s.category, sa.func.sum(s.minutes)).where(*where)
                              .group_by(s.category).order_by(sa.func.sum(s.minutes).desc())).all()
    out.by_category = [(category_label(c), int(m)) for c, m in rows]
    month = sa.case(*[(s.start_at < bounds[i], i) for i in range(1, 13)], else_=12)
    inner = sa.select(month.label("month"), s.minutes).where(*where).subquery()
    rows = dict(db.session.execute(sa.select(inner.c.month, sa.func.sum(inner.c.minutes))
                                   .group_by(inner.c.month)).all())
    out.by_month = [(f"{year}-{m:02d}", int(rows.get(m, 0))) for m in range(1, 13)]
    inner = sa.select(month.label("month"), s.district_id, s.minutes).where(*where).subquery()
    for district, m, minutes in db.session.execute(
            sa.select(inner.c.district_id, inner.c.month, sa.func.sum(inner.c.minutes))
            .group_by(inner.c.district_id, inner.c.month)).all():
        out.by_month_district.setdefault(names[district], [0] * 12)[int(m) - 1] = int(minutes)
    org = sa.func.coalesce(s.org_id, s.recipient_org_id)
    rows = db.session.execute(
        sa.select(Organization.name, sa.func.sum(s.minutes), sa.func.count(sa.distinct(s.volunteer_id)))
        .join(Organization, Organization.id == org).where(*where)
        .group_by(Organization.id, Organization.name)
        .order_by(sa.func.sum(s.minutes).desc(), Organization.name).limit(top)).all()
    out.top_orgs = [(n, int(m), int(p)) for n, m, p in rows]
    return out


def _tables(stats: Stats) -> list[tuple[str, list[str], list[list]]]:
    hours = _("小时")
    return [
        (_("概况"), [_("年度"), _("服务次数"), _("服务时长（小时）"), _("活跃志愿者")],
         [[stats.year, stats.sessions, round(stats.total_minutes / 60, 1),
           stats.active_volunteers]]),
        (_("按区县"), [_("区县"), hours], [[n, round(m / 60, 1)] for n, m in stats.by_district]),
        (_("按类别"), [_("服务类别"), hours], [[n, round(m / 60, 1)] for n, m in stats.by_category]),
        (_("按月份"), [_("月份"), hours], [[n, round(m / 60, 1)] for n, m in stats.by_month]),
        (_("组织排名"), [_("组织"), hours, _("志愿者人数")],
         [[n, round(m / 60, 1), p] for n, m, p in stats.top_orgs]),
    ]


def to_csv(stats: Stats) -> bytes:
    """One block per table (title, header, rows, a blank line)."""
    lines = []
    for title, head, rows in _tables(stats):
        lines += [[title], head, *rows, []]
    return spreadsheets.csv_bytes(lines)


def to_xlsx(stats: Stats) -> bytes:
    """One sheet per table."""
    return spreadsheets.xlsx_bytes(
        spreadsheets.Sheet(title, [head, *rows], bold_rows=(1,), widths={"A": 28})
        for title, head, rows in _tables(stats))
