"""The one clock: the current instant (aware UTC) and today's date in the city's zone.

Every "what time is it" in the project asks here, so tests can freeze it at a chosen instant
and the whole suite can run with the clock moved to another hour of the Shanghai day
(``pytest --shanghai-hour=H``, or ``CLOCK_OFFSET_SECONDS`` for a server process started by a
test). This module is the bottom floor of the kernel: it imports nothing from the project.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

CITY_TZ = ZoneInfo("Asia/Shanghai")

_lock = threading.Lock()
_offset = timedelta(0)
_frozen: datetime | None = None


def now() -> datetime:
    """The current instant as an aware UTC datetime (the frozen one, if a test froze it)."""
    frozen = _frozen
    if frozen is not None:
        return frozen
    return datetime.now(UTC) + _offset


def utc(value: datetime | None = None) -> datetime:
    """``value`` in UTC, or :func:`now` when it is None. A naive datetime is refused: its
    zone would be a guess, and audit hashes and stored timestamps must agree."""
    if value is None:
        return now()
    if value.tzinfo is None:
        raise ValueError("naive datetime: give a zone")
    return value.astimezone(UTC)


def today(tz: ZoneInfo = CITY_TZ) -> date:
    """Today's calendar date in the city (Asia/Shanghai unless told otherwise)."""
    return now().astimezone(tz).date()


# --- setting the clock (tests, and the hour-shift option) ---------------------------------

def freeze(at: datetime) -> None:
    """Stop the clock at ``at`` (aware) until :func:`reset` or another :func:`freeze`."""
    global _frozen
    with _lock:
        _frozen = utc(at)


def advance(delta: timedelta) -> None:
    """Move the clock by ``delta``: a frozen clock stays frozen at the later instant."""
    global _frozen, _offset
    with _lock:
        if _frozen is not None:
            _frozen = _frozen + delta
        else:
            _offset = _offset + delta


def set_offset(delta: timedelta) -> None:
    """Run the clock ``delta`` away from the real time (the suite-wide hour shift)."""
    global _offset
    with _lock:
        _offset = delta


def offset() -> timedelta:
    return _offset


def reset(keep_offset: bool = True) -> None:
    """Unfreeze the clock; with ``keep_offset=False`` also drop any offset."""
    global _frozen, _offset
    with _lock:
        _frozen = None
        if not keep_offset:
            _offset = timedelta(0)


@contextmanager
def frozen_at(at: datetime) -> Iterator[datetime]:
    """Freeze the clock at ``at`` for the block, then put it back as it was."""
    global _frozen
    before = _frozen
    freeze(at)
    try:
        yield now()
    finally:
        with _lock:
            _frozen = before


def offset_to_hour(hour: int, minute: int = 0, *, real_now: datetime | None = None) -> timedelta:
    """The offset that moves the real clock back to the latest ``hour:minute`` of the Shanghai
    day (today's, or yesterday's if it is still to come), at most 24 hours."""
    if not 0 <= hour <= 23 or not 0 <= minute <= 59:
        raise ValueError("hour must be 0-23 and minute 0-59")
    real = (real_now or datetime.now(UTC)).astimezone(CITY_TZ)
    target = real.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if target > real:
        target -= timedelta(days=1)
    return target - real
