"""The application exactly as ``wsgi.py`` builds it, with a pause that lets
``tests/test_crash_safety.py`` kill the server at a known point inside a transaction.

Test-only: gunicorn serves ``tests.crashable_app:app`` in that test, never in production.
Environment:

- ``CRASH_PAUSE_AT``: ``roster_row`` pauses after each row of a roster or import is logged
  (``timebank.sessions.log_session``); ``redemption_hold`` pauses after a redemption's hold is
  placed (``timebank.ledger.hold``), before the redemption row and its audit record. Unset:
  no pause, the plain app.
- ``CRASH_PAUSE_SECONDS``: how long (default 0.05).
- ``CRASH_MARKER``: a file that gets one byte each time the point is reached, so the test
  sees how far the work has gone before it sends SIGKILL.
- ``CLOCK_OFFSET_SECONDS``: the suite's clock shift (``pytest --shanghai-hour``), so the
  server's clock agrees with the test's.
"""

from __future__ import annotations

import functools
import os
import time
from datetime import timedelta

from core import clock
from core.app import create_app
from timebank import ledger, sessions

POINTS = {"roster_row": (sessions, "log_session"), "redemption_hold": (ledger, "hold")}


def _pausing(func):
    seconds = float(os.environ.get("CRASH_PAUSE_SECONDS", "0.05"))
    marker = os.environ.get("CRASH_MARKER")

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        result = func(*args, **kwargs)
        if marker:
            with open(marker, "ab") as handle:
                handle.write(b".")
        time.sleep(seconds)
        return result

    return wrapper


point = os.environ.get("CRASH_PAUSE_AT")
if point:
    module, name = POINTS[point]
    setattr(module, name, _pausing(getattr(module, name)))

clock.set_offset(timedelta(seconds=int(os.environ.get("CLOCK_OFFSET_SECONDS", "0"))))
app = create_app({"APP_ENV": "development"})  # keys come from the test's environment
