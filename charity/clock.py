"""The charity services' "now": an aware UTC datetime, whatever zone the caller passed.

The audit chain hashes ``created_at.isoformat()`` as given, and reads it back in UTC; a local
(+08:00) time would make a record that no longer matches its hash. So every service turns
its ``now`` into UTC first.
"""

from __future__ import annotations

from datetime import UTC, datetime

from core.db import utcnow


def clock(now: datetime | None = None) -> datetime:
    return utcnow() if now is None else now.astimezone(UTC)
