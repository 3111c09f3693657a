"""Working days: weekends and public holidays are not working days; 调休 make-up days are.

Deadlines of due process (objection windows, 5 working days to enter a fact or to remove a
repaired entry) count working days. Admins edit the holiday table each year as the State
Council publishes it.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db


class CalendarDay(db.Model):
    """An exception to the Monday–Friday rule: a holiday, or a weekend make-up working day."""

    __tablename__ = "calendar_day"

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(50))
    is_working_day: Mapped[bool] = mapped_column(default=False)


def _exceptions(start: date, end: date) -> dict[date, bool]:
    rows = db.session.execute(
        sa.select(CalendarDay.day, CalendarDay.is_working_day)
        .where(CalendarDay.day.between(start, end))
    ).all()
    return {row.day: row.is_working_day for row in rows}


def is_working_day(day: date, exceptions: dict[date, bool] | None = None) -> bool:
    exceptions = _exceptions(day, day) if exceptions is None else exceptions
    if day in exceptions:
        return exceptions[day]
    return day.weekday() < 5


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (``start`` itself is not counted)."""
    if days < 0:
        raise ValueError("days must be >= 0")
    horizon = start + timedelta(days=days * 3 + 30)  # generous: covers the longest holidays
    exceptions = _exceptions(start, horizon)
    current, counted = start, 0
    while counted < days:
        current += timedelta(days=1)
        if current > horizon:
            horizon = current + timedelta(days=60)
            exceptions.update(_exceptions(current, horizon))
        if is_working_day(current, exceptions):
            counted += 1
    return current


def working_days_between(start: date, end: date) -> int:
    """Working days in (start, end]."""
    if end <= start:
        return 0
    exceptions = _exceptions(start, end)
    return sum(
        1 for n in range(1, (end - start).days + 1)
        if is_working_day(start + timedelta(days=n), exceptions)
    )


def set_day(day: date, name: str, is_working: bool) -> CalendarDay:
    row = db.session.get(CalendarDay, day) or CalendarDay(day=day)
    row.name, row.is_working_day = name, is_working
    db.session.add(row)
    db.session.flush()
    return row


def remove_day(day: date) -> None:
    row = db.session.get(CalendarDay, day)
    if row is not None:
        db.session.delete(row)
        db.session.flush()
