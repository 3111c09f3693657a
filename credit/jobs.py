"""Scheduled credit jobs: the daily time rules and scan, and the yearly red-list review.
Both are idempotent: a second run on the same day finds nothing left to do."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from core import clock
from core.extensions import db
from credit.facts import annual_reports
from credit.facts.records import subject_orgs
from credit.lists import scan

SCAN_BATCH = 500  # subjects per scan batch


def daily(today: date | None = None, commit: Callable[[], None] | None = None) -> dict:
    """After the report deadline record missing reports; apply the time rules (6-month
    removal, expiry, deregistration); then scan every subject (new proposals, 2-year moves),
    ``SCAN_BATCH`` subjects at a time. ``commit`` (the job's) runs after each step: a run
    stopped halfway keeps what it did, and the next run skips it (a ground already proposed
    is never proposed again)."""
    commit = commit or (lambda: None)
    today = today or clock.today()
    counts = {"missing_reports": annual_reports.record_missing_reports(today)}
    counts.update(scan.apply_time_rules(None, today))
    commit()
    ids = [org.id for org in subject_orgs()]
    counts["proposed"] = 0
    for start in range(0, len(ids), SCAN_BATCH):
        counts["proposed"] += len(scan.run_scan(None, today,
                                                org_ids=ids[start:start + SCAN_BATCH]))
        commit()
    return counts


def red_review(today: date | None = None) -> dict:
    """The yearly red-list review (DOMAIN.md: reviewed yearly)."""
    return scan.red_review(None, today or clock.today())


def daily_job() -> dict:
    return daily(commit=db.session.commit)


def red_review_job() -> dict:
    return red_review()
