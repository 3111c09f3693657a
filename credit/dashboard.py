"""The regulators' dashboard: entries by list and district, what awaits action (objection
windows ending, objections and repairs to decide), recent facts and departments' feedback."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from core import workdays
from core.extensions import db
from core.orgs.models import District
from credit.lists import feed, tallies
from credit.models import (
    CreditFact,
    EntryMonthTally,
    EntryState,
    EntryTally,
    ListEntry,
    Objection,
    RepairApplication,
)
from credit.vocabulary import LIST_TYPES, PUNISHMENT_LISTS, RED


@dataclass
class Dashboard:
    by_list: dict[str, int]
    by_district: list[tuple[str, dict[str, int]]]
    by_state: dict[str, dict[str, int]]
    to_notify: list[ListEntry]
    to_publish: list[ListEntry]
    windows_ending: list[ListEntry]
    objections: list[Objection]
    repairs: list[tuple[RepairApplication, int]]
    facts: list[CreditFact]
    feedback: list
    months: list[str]  # the last 12 months, oldest first ("2026-01")
    # side ("punishment", "red") → {"published": [...], "removed": [...]} per month
    by_month: dict[str, dict[str, list[int]]]

    @property
    def max_count(self) -> int:
        return max([sum(c.values()) for _n, c in self.by_district] + [1])


def _counts():
    """Entries by list and state, and the published ones by district, from the kept counts
    (``credit.lists.tallies``): a few hundred rows at most, however many entries there are."""
    tallies.apply_pending()  # this transaction's own moves, if it made any
    rows = db.session.execute(
        sa.select(EntryTally.list_type, EntryTally.state, District.name, EntryTally.n)
        .join(District, District.id == EntryTally.district_id)
        .where(EntryTally.n != 0, EntryTally.list_type.in_(LIST_TYPES))
        .order_by(District.sort_order, District.id)).all()
    by_list = dict.fromkeys(LIST_TYPES, 0)
    by_district: dict[str, dict[str, int]] = {}
    by_state = {t: dict.fromkeys(EntryState.ALL, 0) for t in LIST_TYPES}
    for list_type, state, district, count in rows:
        by_state[list_type][state] = by_state[list_type].get(state, 0) + count
        if state == EntryState.PUBLISHED:
            by_list[list_type] += count
            counts = by_district.setdefault(district, dict.fromkeys(LIST_TYPES, 0))
            counts[list_type] += count
    return by_list, list(by_district.items()), by_state


def _entries(*conditions, limit: int = 20) -> list[ListEntry]:
    return list(db.session.execute(sa.select(ListEntry).where(*conditions)
                                   .options(joinedload(ListEntry.organization))
                                   .order_by(ListEntry.id).limit(limit)).scalars())


def _months(today: date, count: int = 12) -> list[date]:
    first = today.replace(day=1)
    out = []
    for _n in range(count):
        out.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    return list(reversed(out))


def entries_by_month(today: date) -> tuple[list[str], dict[str, dict[str, list[int]]]]:
    """Entries decided (published) and removed in each of the last 12 months, the punishment
    lists and the red list apart (they are different things to count); from the kept counts
    per month (``credit.lists.tallies``)."""
    tallies.apply_pending()
    starts = _months(today)
    labels = [f"{m:%Y-%m}" for m in starts]
    out = {side: {"published": [0] * len(starts), "removed": [0] * len(starts)}
           for side in ("punishment", "red")}
    rows = db.session.execute(sa.select(
        EntryMonthTally.list_type, EntryMonthTally.month, EntryMonthTally.event,
        EntryMonthTally.n).where(EntryMonthTally.month >= starts[0],
                                 EntryMonthTally.month <= starts[-1])).all()
    for list_type, month, event, count in rows:
        side = "red" if list_type == RED else "punishment" if list_type in PUNISHMENT_LISTS \
            else None
        if side and event in ("published", "removed"):
            out[side][event][labels.index(f"{month:%Y-%m}")] += count
    return labels, out


def build(today: date) -> Dashboard:
    by_list, by_district, by_state = _counts()
    months, by_month = entries_by_month(today)
    soon = workdays.add_working_days(today, 3)
    notified = ListEntry.state == EntryState.NOTIFIED
    # Each line names its organization: joined, not loaded line by line.
    repairs = list(db.session.execute(sa.select(RepairApplication).where(
        RepairApplication.status == "open").options(joinedload(RepairApplication.organization))
        .order_by(RepairApplication.id)).scalars())
    return Dashboard(
        by_list, by_district, by_state,
        to_notify=_entries(ListEntry.state == EntryState.PROPOSED),
        to_publish=_entries(notified, ListEntry.objection_due < today),
        windows_ending=_entries(notified, ListEntry.objection_due >= today,
                                ListEntry.objection_due <= soon),
        objections=list(db.session.execute(sa.select(Objection).where(
            Objection.status == "open").options(joinedload(Objection.organization))
            .order_by(Objection.id)).scalars()),
        repairs=[(r, workdays.working_days_between(r.applied_on, today)) for r in repairs],
        facts=list(db.session.execute(sa.select(CreditFact).options(
            joinedload(CreditFact.organization)).order_by(CreditFact.id.desc()).limit(10)
        ).scalars()),
        feedback=feed.recent_feedback(10), months=months, by_month=by_month)
