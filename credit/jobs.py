"""Scheduled credit jobs: the daily time rules and scan, and the yearly red-list review.
Both are idempotent: a second run on the same day finds nothing left to do. The scheduled
daily job catches up: a day the job did not run is run afterwards, as of that day; and a
yearly review the scheduler missed (15 July) is run once, as of its day, after that day's
daily run (the order the scheduler keeps)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta

import sqlalchemy as sa

from core import clock
from core.extensions import db
from core.jobs import JobRun
from core.timeutil import local_date, start_of_local_day_utc
from credit.facts import annual_reports
from credit.lists import scan

DAILY = "credit.daily"
RED_REVIEW = "credit.red_review"
RED_REVIEW_DAY = (7, 15)  # month, day: the scheduled yearly review (credit.register)
SCAN_BATCH = 500  # subjects per scan batch
# How far back a catch-up reaches (a server down longer than a year is restored by hand).
CATCH_UP_DAYS = 366


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
    ids = scan.subject_ids()
    counts["proposed"] = 0
    for start in range(0, len(ids), SCAN_BATCH):
        counts["proposed"] += len(scan.run_scan(None, today,
                                                org_ids=ids[start:start + SCAN_BATCH]))
        commit()
    return counts


def days_to_run(today: date) -> list[date]:
    """The days the daily job has not covered yet, up to ``today``: every day after the day
    of its last successful run (a time rule takes effect on its day, not when the server
    comes back), or just ``today`` when it never ran or already ran today."""
    last = db.session.execute(sa.select(JobRun.started_at).where(
        JobRun.job_id == DAILY, JobRun.status == "ok").order_by(JobRun.id.desc()).limit(1)
    ).scalar()
    if last is None:
        return [today]
    first = max(local_date(last) + timedelta(days=1), today - timedelta(days=CATCH_UP_DAYS))
    return [first + timedelta(days=n) for n in range((today - first).days + 1)] or [today]


def red_review(today: date | None = None) -> dict:
    """The yearly red-list review (DOMAIN.md: reviewed yearly)."""
    return scan.red_review(None, today or clock.today())


def _last_ok(job_id: str):
    return db.session.execute(sa.select(JobRun.started_at).where(
        JobRun.job_id == job_id, JobRun.status == "ok").order_by(JobRun.id.desc()).limit(1)
    ).scalar()


def missed_red_review(today: date) -> date | None:
    """The review day (15 July) before ``today`` whose review did not run, if any: the last
    review day before today, within ``CATCH_UP_DAYS``, when the platform was already running
    (a successful daily run before it) and no review ran successfully on or after it. On the
    review day itself the scheduler's review is still to come (02:00, after the daily job)."""
    review = date(today.year, *RED_REVIEW_DAY)
    if review >= today:
        review = date(today.year - 1, *RED_REVIEW_DAY)
    if (today - review).days > CATCH_UP_DAYS:
        return None
    since = start_of_local_day_utc(review)
    running_before = db.session.execute(sa.select(JobRun.id).where(
        JobRun.job_id == DAILY, JobRun.status == "ok", JobRun.started_at < since).limit(1)
    ).first()
    last_review = _last_ok(RED_REVIEW)
    if running_before is None or (last_review is not None and last_review >= since):
        return None
    return review


def recorded_red_review(day: date | None = None, trigger: str = "catch_up") -> dict:
    """Run the review as of ``day``, recorded as a run of the review job (a catch-up, or by
    hand on the command line), so a later daily job does not run it again."""
    day = day or clock.today()
    run = JobRun(job_id=RED_REVIEW, trigger=trigger, started_at=clock.now())
    counts = red_review(day)
    run.finished_at, run.status = clock.now(), "ok"
    run.counts = {**counts, "as_of": day.isoformat()}
    db.session.add(run)
    db.session.commit()
    return counts


def daily_job() -> dict:
    today = clock.today()
    days = days_to_run(today)
    review = missed_red_review(today)
    counts: Counter = Counter()
    if review is not None and review < days[0]:  # that day's daily run already happened
        counts.update(recorded_red_review(review))
        counts["caught_up_red_review"] = 1
    for day in days:
        counts.update(daily(day, commit=db.session.commit))
        if day == review:
            counts.update(recorded_red_review(review))
            counts["caught_up_red_review"] = 1
    if len(days) > 1:
        counts["caught_up_days"] = len(days) - 1
    return dict(counts)


def red_review_job() -> dict:
    return red_review()
