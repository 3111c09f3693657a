"""Time for people (core.timeutil): UTC stored, Asia/Shanghai shown, local days and times."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from core import timeutil


def test_an_instant_late_in_the_utc_evening_is_the_next_day_in_the_city():
    assert timeutil.local_date(datetime(2026, 3, 1, 16, 0, tzinfo=UTC)) == date(2026, 3, 2)
    assert timeutil.local_date(datetime(2026, 3, 1, 15, 59, tzinfo=UTC)) == date(2026, 3, 1)


def test_a_local_day_starts_at_midnight_in_shanghai():
    assert timeutil.start_of_local_day_utc(date(2026, 3, 2)) == datetime(2026, 3, 1, 16, 0,
                                                                          tzinfo=UTC)
    assert timeutil.local_datetime(date(2026, 3, 2), time(9, 30)).utcoffset().seconds == 8 * 3600


def test_a_typed_time_without_a_zone_is_read_as_local():
    assert timeutil.parse_local("2026-03-02 09:00") == datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    assert timeutil.parse_local("2026-03-02T09:00+00:00") == datetime(2026, 3, 2, 9, 0,
                                                                       tzinfo=UTC)
