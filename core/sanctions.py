"""Restrictions in force on a subject (joint-punishment and reward measures).

Credit writes them when a list entry is published (``impose``) and lifts them when the entry is
removed (``lift``); charity and timebank read them (``is_barred``) before letting an
organization post, match or confirm hours. Rows are kept after lifting, so the history of
measures stays visible.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from core import clock
from core.db import TimestampMixin, UTCDateTime
from core.extensions import db

# Measures other packages read. Credit's vocabulary maps list types to these codes and to
# measures applied outside this platform (by other departments through the feed).
NO_POSTING = "charity.no_posting"
NO_MATCHING = "charity.no_matching"
NO_CONFIRMING_HOURS = "timebank.no_confirming"
NO_GOVERNMENT_PURCHASE = "gov.no_purchase"
NO_FUNDING = "gov.no_funding"
PRIORITY_FUNDING = "reward.priority_funding"
PRIORITY_PURCHASE = "reward.priority_purchase"

MEASURE_LABELS = {
    NO_POSTING: _l("不得在平台发布慈善需求或供给"),
    NO_MATCHING: _l("不得参与慈善供需对接"),
    NO_CONFIRMING_HOURS: _l("不得确认志愿服务时长"),
    NO_GOVERNMENT_PURCHASE: _l("不得承接政府购买服务"),
    NO_FUNDING: _l("不得获得财政资金资助"),
    PRIORITY_FUNDING: _l("优先获得财政资金资助"),
    PRIORITY_PURCHASE: _l("政府购买服务中优先考虑"),
}


def measure_label(code: str) -> str:
    return str(MEASURE_LABELS.get(code, code))


class Sanction(TimestampMixin, db.Model):
    __tablename__ = "sanction"
    __table_args__ = (sa.Index("ix_sanction_org_measure", "org_id", "measure"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"))
    measure: Mapped[str] = mapped_column(sa.String(64))
    source: Mapped[str] = mapped_column(sa.String(100), index=True)
    effective_from: Mapped[date] = mapped_column(sa.Date)
    effective_until: Mapped[date | None] = mapped_column(sa.Date)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lift_reason: Mapped[str | None] = mapped_column(sa.Text)

    def in_force_on(self, day: date) -> bool:
        if self.lifted_at is not None or self.effective_from > day:
            return False
        return self.effective_until is None or day <= self.effective_until


def _today() -> date:

    return clock.today()


def impose(org_id: int, measures, source: str, effective_from: date,
           effective_until: date | None = None) -> list[Sanction]:
    """Put ``measures`` in force for ``org_id`` on behalf of ``source`` (e.g. a list entry).
    Re-imposing the same source and measure does nothing (jobs may run twice)."""
    existing = {
        s.measure for s in db.session.execute(
            sa.select(Sanction).where(Sanction.source == source, Sanction.org_id == org_id,
                                      Sanction.lifted_at.is_(None))
        ).scalars()
    }
    rows = [
        Sanction(org_id=org_id, measure=m, source=source, effective_from=effective_from,
                 effective_until=effective_until)
        for m in dict.fromkeys(measures) if m not in existing
    ]
    db.session.add_all(rows)
    db.session.flush()
    return rows


def set_until(source: str, effective_until: date | None) -> int:
    """Move the last day of every measure ``source`` has in force (None: until lifted), e.g.
    a listing held past its term while its renewal is decided; returns how many moved."""
    rows = db.session.execute(
        sa.select(Sanction).where(Sanction.source == source, Sanction.lifted_at.is_(None))
    ).scalars().all()
    moved = [row for row in rows if row.effective_until != effective_until]
    for row in moved:
        row.effective_until = effective_until
    db.session.flush()
    return len(moved)


def lift(source: str, reason: str, at: datetime | None = None) -> int:
    """Lift every measure imposed by ``source``; returns how many were lifted."""
    rows = db.session.execute(
        sa.select(Sanction).where(Sanction.source == source, Sanction.lifted_at.is_(None))
    ).scalars().all()
    for row in rows:
        row.lifted_at = at or clock.now()
        row.lift_reason = reason
    db.session.flush()
    return len(rows)


def _in_force(on: date):
    return sa.and_(
        Sanction.lifted_at.is_(None),
        Sanction.effective_from <= on,
        sa.or_(Sanction.effective_until.is_(None), Sanction.effective_until >= on),
    )


def measures_in_force(org_id: int, on: date | None = None) -> set[str]:
    on = on or _today()
    return set(db.session.execute(
        sa.select(Sanction.measure).where(Sanction.org_id == org_id, _in_force(on))
    ).scalars())


def is_barred(org_id: int | None, measure: str, on: date | None = None) -> bool:
    if org_id is None:
        return False
    return measure in measures_in_force(org_id, on)


def barred_org_ids(measure: str, on: date | None = None) -> set[int]:
    """Every organization under ``measure`` on ``on`` (one query, for the matcher)."""
    on = on or _today()
    return set(db.session.execute(
        sa.select(Sanction.org_id).where(Sanction.measure == measure, _in_force(on))
    ).scalars())


def active_sanctions(org_id: int, on: date | None = None) -> list[Sanction]:
    on = on or _today()
    return list(db.session.execute(
        sa.select(Sanction).where(Sanction.org_id == org_id, _in_force(on))
        .order_by(Sanction.effective_from)
    ).scalars())
