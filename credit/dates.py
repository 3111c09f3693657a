"""Calendar arithmetic for the list rules: periods in months and years, as the law counts them.

《中华人民共和国民法典》第二百零一条: a period counted in days, months or years does not count
its starting day. 第二百零二条: a period in months or years ends on the corresponding day of
its final month (the month's last day when there is no corresponding day). So for an entry
decided on 15 January, "6 months" is 16 January … 15 July: **15 July is the last day of the
period** ("the day the 6 months run out") and the period is complete ("满 6 个月") from
**16 July**, the first day on which a time rule takes effect. Listing periods are not moved
off weekends or holidays (第二百零三条 governs the last day for doing an act, not the length
of a listing).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def add_months(day: date, months: int) -> date:
    """The corresponding day ``months`` later (or earlier), clamped to the month's end."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def add_years(day: date, years: int) -> date:
    """The corresponding day ``years`` later; 29 February becomes 28 February."""
    return add_months(day, 12 * years)


def period_last_day(start: date, *, months: int = 0, years: int = 0) -> date:
    """The last day of a period of ``years`` and ``months`` starting the day after ``start``
    (民法典 第二百零一、二百零二条). The period "runs out" at the end of this day."""
    return add_months(start, months + 12 * years)


def period_complete_on(start: date, *, months: int = 0, years: int = 0) -> date:
    """The first day on which the whole period has passed (满): the day after its last day."""
    return period_last_day(start, months=months, years=years) + timedelta(days=1)


def within_period(start: date, day: date, *, months: int = 0, years: int = 0) -> bool:
    """True when ``day`` falls on ``start`` or inside the period that follows it."""
    return start <= day <= period_last_day(start, months=months, years=years)
