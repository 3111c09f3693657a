"""The application with one quick job instead of the real schedule, for
``tests/core/test_leadership.py``: two ``flask --app tests.scheduler_app scheduler run``
processes share one database, and every run of ``test.tick`` records which process ran it.

Test-only, like ``tests/crashable_app.py``. ``CLOCK_OFFSET_SECONDS``: the suite's clock shift.
"""

from __future__ import annotations

import os
from datetime import timedelta

from core import clock, jobs
from core.app import create_app


def tick() -> dict:
    return {"pid": os.getpid()}


clock.set_offset(timedelta(seconds=int(os.environ.get("CLOCK_OFFSET_SECONDS", "0"))))
app = create_app({"APP_ENV": "development"})  # keys come from the test's environment
jobs._REGISTRY.clear()  # only the tick: the real jobs would run minutes apart, not seconds
jobs.register_job("test.tick", tick, "interval", seconds=1)
