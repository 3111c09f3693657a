"""Time for people: UTC in storage, Asia/Shanghai on pages, local days and wall-clock times.

What time it is lives in ``core.clock``; this module only converts instants and days."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from core import clock

DEFAULT_TZ = clock.CITY_TZ.key


def local_tz() -> ZoneInfo:
    return clock.CITY_TZ


def to_local(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(local_tz())


def local_date(at: datetime) -> date:
    """The calendar day in the city on which the instant ``at`` falls."""
    return to_local(at).date()


def local_datetime(day: date, at: time = time(0, 0)) -> datetime:
    """An aware datetime for a local calendar day and wall-clock time."""
    return datetime.combine(day, at, tzinfo=local_tz())


def start_of_local_day_utc(day: date) -> datetime:
    return local_datetime(day).astimezone(UTC)


def parse_local(value: str) -> datetime:
    """Parse an ISO datetime; a naive one is read as local (Asia/Shanghai) time."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=local_tz())
    return parsed.astimezone(UTC)
