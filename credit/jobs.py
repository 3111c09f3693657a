"""Scheduled credit jobs: the daily time rules and scan, and the yearly red-list review.
Both are idempotent: a second run on the same day finds nothing left to do."""

from __future__ import annotations

from datetime import date

from core import clock
from credit.facts import annual_reports
from credit.lists import scan


def daily(today: date | None = None) -> dict:
    """After the report deadline record missing reports; apply the time rules (6-month
    removal, expiry, deregistration); then scan every subject (new proposals, 2-year moves)."""
    today = today or clock.today()
    counts = {"missing_reports": annual_reports.record_missing_reports(today)}
    counts.update(scan.apply_time_rules(None, today))
    counts["proposed"] = len(scan.run_scan(None, today))
    return counts


def red_review(today: date | None = None) -> dict:
    """The yearly red-list review (DOMAIN.md: reviewed yearly)."""
    return scan.red_review(None, today or clock.today())


def daily_job() -> dict:
    return daily()


def red_review_job() -> dict:
    return red_review()
