"""Time in one place: UTC in storage, Asia/Shanghai for people, working days for deadlines."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from core.db import utcnow

DEFAULT_TZ = "Asia/Shanghai"


def local_tz() -> ZoneInfo:
    name = current_app.config.get("TIMEZONE", DEFAULT_TZ) if has_app_context() else DEFAULT_TZ
    return ZoneInfo(name)


def now() -> datetime:
    return utcnow()


def to_local(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(local_tz())


def local_today(at: datetime | None = None) -> date:
    return to_local(at or utcnow()).date()


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
