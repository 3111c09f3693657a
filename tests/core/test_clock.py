"""The one clock (core.clock): aware UTC instants, the city's date, and a clock tests can set."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from core import clock


def test_today_is_the_date_in_shanghai_not_in_utc(frozen_clock):
    frozen_clock(datetime(2026, 6, 9, 16, 30, tzinfo=UTC))  # 00:30 on 10 June in Shanghai
    assert clock.now().date() == date(2026, 6, 9)
    assert clock.today() == date(2026, 6, 10)


def test_a_naive_datetime_is_refused_because_its_zone_would_be_a_guess():
    with pytest.raises(ValueError):
        clock.utc(datetime(2026, 6, 10, 9, 0))
    assert clock.utc(datetime(2026, 6, 10, 9, 0, tzinfo=clock.CITY_TZ)).hour == 1


def test_a_frozen_clock_moves_only_when_advanced(frozen_clock):
    start = frozen_clock.local(2026, 6, 10, 23, 50)
    assert clock.now() == start
    frozen_clock.advance(minutes=20)
    assert clock.now() == start + timedelta(minutes=20)
    assert clock.today() == date(2026, 6, 11)
