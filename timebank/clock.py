"""The time bank's "now": always an aware UTC datetime.

Audit hashes and stored timestamps must agree, whatever zone a caller's datetime carried."""

from __future__ import annotations

from datetime import UTC, datetime

from core.db import utcnow


def now_utc(value: datetime | None = None) -> datetime:
    """``value`` (any zone) or the current time, as UTC."""
    if value is None:
        return utcnow()
    if value.tzinfo is None:
        raise ValueError("naive datetime: give a zone")
    return value.astimezone(UTC)
