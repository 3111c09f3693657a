"""The regulator's view of the exchange: fulfilment rate by district and category, average time
to fulfil, open needs by urgency; CSV (UTF-8 with BOM, for Excel) and XLSX exports.

Definitions (for needs posted in the period, withdrawn ones left out): fulfilment rate =
needs fully fulfilled ÷ needs posted; share delivered = mean over needs of delivered ÷ asked
(unit-free, so kg and 次 can be averaged); time to fulfil = posted → fulfilled, in days.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from charity.models import Need, Opportunity, Proposal, Signup
from charity.vocabulary import (
    CATEGORIES,
    LIVE_STATUSES,
    PostStatus,
    ProposalStatus,
    SignupStatus,
    category_label,
    slot_hours,
)
from core import clock, spreadsheets
from core.extensions import db
from core.orgs.models import District
from core.timeutil import local_date, start_of_local_day_utc


@dataclass
class Group:
    district: str
    category: str
    posted: int = 0
    fulfilled: int = 0
    share_sum: float = 0.0
    days: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float | None:
        return self.fulfilled / self.posted if self.posted else None

    @property
    def share_delivered(self) -> float | None:
        return self.share_sum / self.posted if self.posted else None

    @property
    def avg_days(self) -> float | None:
        return sum(self.days) / len(self.days) if self.days else None

    @property
    def category_label(self) -> str:
        return category_label(self.category) if self.category != "*" else _("全部类别")

    def add(self, other: Group) -> None:
        self.posted += other.posted
        self.fulfilled += other.fulfilled
        self.share_sum += other.share_sum
        self.days += other.days


@dataclass
class Dashboard:
    since: date
    until: date
    district_id: int | None
    cells: list[Group]
    by_district: list[Group]
    by_category: list[Group]
    total: Group
    open_by_urgency: dict[int, int]
    proposals: dict[str, int]
    by_month: list[Group] = field(default_factory=list)  # district = "2026-03", by posting


def _delivered(need_ids: list[int]) -> dict[int, int]:
    done: dict[int, int] = defaultdict(int)
    for chunk in (need_ids[i:i + 900] for i in range(0, len(need_ids), 900)):
        for need_id, qty in db.session.execute(
                sa.select(Proposal.need_id, sa.func.sum(Proposal.delivered_quantity))
                .where(Proposal.need_id.in_(chunk), Proposal.status == ProposalStatus.FULFILLED)
                .group_by(Proposal.need_id)):
            done[need_id] += int(qty or 0)
        for need_id, start, end, served in db.session.execute(
                sa.select(Opportunity.need_id, Opportunity.start_at, Opportunity.end_at,
                          sa.func.count(Signup.id))
                .join(Signup, Signup.opportunity_id == Opportunity.id)
                .where(Opportunity.need_id.in_(chunk), Signup.status == SignupStatus.SERVED)
                .group_by(Opportunity.need_id, Opportunity.start_at, Opportunity.end_at)):
            done[need_id] += int(served) * slot_hours(start, end)
    return done


def _needs(since: date, until: date, district_id: int | None):
    query = (sa.select(Need.id, District.name, District.sort_order, Need.category, Need.quantity,
                       Need.status, Need.created_at, Need.fulfilled_at)
             .join(District, District.id == Need.district_id)
             .where(Need.created_at >= start_of_local_day_utc(since),
                    Need.created_at < start_of_local_day_utc(until + timedelta(days=1)),
                    Need.status != PostStatus.WITHDRAWN))
    if district_id:
        query = query.where(Need.district_id == district_id)
    return db.session.execute(query).all()


def compute(since: date, until: date, district_id: int | None = None) -> Dashboard:
    rows = _needs(since, until, district_id)
    done = _delivered([r.id for r in rows])
    cells: dict[tuple[str, str], Group] = {}
    months: dict[str, Group] = {}
    order = {}
    for r in rows:
        order[r.name] = r.sort_order
        one = _one(r, done)
        cells.setdefault((r.name, r.category), Group(r.name, r.category)).add(one)
        month = local_date(r.created_at).strftime("%Y-%m")
        months.setdefault(month, Group(month, "*")).add(one)
    cat_order = list(CATEGORIES)
    sorted_cells = sorted(cells.values(), key=lambda g: (order[g.district],
                                                         cat_order.index(g.category)))
    by_district: dict[str, Group] = {}
    by_category: dict[str, Group] = {}
    total = Group(_("全市"), "*")
    for g in sorted_cells:
        by_district.setdefault(g.district, Group(g.district, "*")).add(g)
        by_category.setdefault(g.category, Group(_("全市"), g.category)).add(g)
        total.add(g)
    return Dashboard(since, until, district_id, sorted_cells, list(by_district.values()),
                     [by_category[c] for c in cat_order if c in by_category], total,
                     _open_by_urgency(district_id), _proposal_counts(since, until),
                     [months[m] for m in sorted(months)])


def _one(r, done: dict[int, int]) -> Group:
    """One need as a group of one (posted, fulfilled, share delivered, days to fulfil)."""
    group = Group(r.name, r.category, posted=1,
                  share_sum=min(done.get(r.id, 0), r.quantity) / r.quantity)
    if r.status == PostStatus.FULFILLED:
        group.fulfilled = 1
        if r.fulfilled_at is not None:
            group.days.append((r.fulfilled_at - r.created_at).total_seconds() / 86400)
    return group


def _open_by_urgency(district_id: int | None) -> dict[int, int]:
    query = (sa.select(Need.urgency, sa.func.count(Need.id))
             .where(Need.status.in_(list(LIVE_STATUSES)), Need.deadline > clock.now())
             .group_by(Need.urgency))
    if district_id:
        query = query.where(Need.district_id == district_id)
    found = dict(db.session.execute(query).all())
    return {u: int(found.get(u, 0)) for u in (4, 3, 2, 1)}


def _proposal_counts(since: date, until: date) -> dict[str, int]:
    rows = db.session.execute(
        sa.select(Proposal.status, sa.func.count(Proposal.id))
        .where(Proposal.created_at >= start_of_local_day_utc(since),
               Proposal.created_at < start_of_local_day_utc(until + timedelta(days=1)))
        .group_by(Proposal.status)).all()
    found = dict(rows)
    return {s.value: int(found.get(s.value, 0)) for s in ProposalStatus}


# --- exports -------------------------------------------------------------------------------

def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}"


def _days(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def table(data: Dashboard) -> list[list[str]]:
    """Header + one row per district × category, then per district, per category, total."""
    head = [_("区县"), _("类别"), _("发布需求数"), _("完全满足数"), _("满足率（%）"),
            _("平均交付比例（%）"), _("平均满足用时（天）")]
    body = [[g.district, g.category_label, str(g.posted), str(g.fulfilled), _pct(g.rate),
             _pct(g.share_delivered), _days(g.avg_days)]
            for g in (*data.cells, *data.by_district, *data.by_category, data.total)]
    return [head, *body]


def _period(data: Dashboard) -> list[str]:
    return [_("统计期间"), data.since.isoformat(), data.until.isoformat()]


def to_csv(data: Dashboard) -> bytes:
    return spreadsheets.csv_bytes([_period(data), *table(data)])


def to_xlsx(data: Dashboard) -> bytes:
    head, *body = table(data)
    rate = spreadsheets.Sheet(_("满足率"), [_period(data), head,
                                          *([_number(v) for v in row] for row in body)],
                              bold_rows=(2,))
    urgency = spreadsheets.Sheet(_("待满足需求"), [[_("紧急程度"), _("待满足需求数")],
                                                 *data.open_by_urgency.items()])
    return spreadsheets.xlsx_bytes([rate, urgency])


def _number(value: str):
    try:
        return float(value) if "." in value else int(value)
    except ValueError:
        return value
