"""The scheduled credit jobs run through core.jobs, record their counts, are idempotent and
catch up the days they missed."""

from datetime import date

import pytest
import sqlalchemy as sa

from core.extensions import db
from core.jobs import JobRun, run_job
from credit import jobs
from credit.models import ListEntry
from tests.credit.factories import record

D = date


def test_the_daily_job_records_missing_reports_and_proposes_once(app, society):
    record(society, "penalty", "warning", date(2024, 6, 3))
    first = jobs.daily(date(2024, 7, 1))
    assert first["missing_reports"] == 1 and first["proposed"] == 1
    again = jobs.daily(date(2024, 7, 2))
    assert again["missing_reports"] == 0 and again["proposed"] == 0


def test_the_registered_jobs_run_and_record_a_job_run(app):
    for job_id in ("credit.daily", "credit.red_review"):
        run = run_job(job_id)
        assert run.status == "ok", run.message


def test_the_daily_scan_commits_batch_by_batch_and_resumes_after_a_kill(app, make,
                                                                         monkeypatch):
    """Killed while scanning the second batch of subjects, the daily job keeps the first
    batch's proposals; run again, it proposes the rest, and nothing twice."""
    from core.extensions import db
    from credit.lists import scan
    from credit.models import ListEntry

    orgs = [make.org() for _ in range(3)]
    for org in orgs:
        record(org, "penalty", "warning", date(2024, 6, 3))
    db.session.commit()
    monkeypatch.setattr(jobs, "SCAN_BATCH", 1)
    real_scan, calls = scan.run_scan, []

    def killed_in_the_second_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt("the process was killed")
        return real_scan(*args, **kwargs)

    def proposed() -> list[int]:
        return sorted(db.session.execute(sa.select(ListEntry.org_id)).scalars())

    monkeypatch.setattr(scan, "run_scan", killed_in_the_second_batch)
    ids = sorted(o.id for o in orgs)
    try:
        jobs.daily(date(2024, 6, 10), commit=db.session.commit)
    except KeyboardInterrupt:
        db.session.rollback()
    first = proposed()
    assert len(first) == 1 and first[0] in ids  # the first batch was committed
    monkeypatch.setattr(scan, "run_scan", real_scan)
    again = jobs.daily(date(2024, 6, 10), commit=db.session.commit)
    assert again["proposed"] == 2 and proposed() == ids


@pytest.mark.parametrize("today, days", [
    (D(2024, 6, 29), [D(2024, 6, 29)]),  # ran today already: today again (idempotent)
    (D(2024, 6, 30), [D(2024, 6, 30)]),  # the next day: nothing missed
    (D(2024, 7, 2), [D(2024, 6, 30), D(2024, 7, 1), D(2024, 7, 2)]),
])
def test_the_daily_job_covers_every_day_since_its_last_successful_run(
        app, frozen_clock, today, days):
    frozen_clock.local(2024, 6, 29, 1, 20)
    assert run_job(jobs.DAILY).status == "ok"
    assert jobs.days_to_run(today) == days


def test_a_daily_job_that_missed_days_runs_them_as_of_each_day(app, make, frozen_clock):
    """Down from 30 June to 2 July: the missing 2023 report forms on 1 July and is proposed as
    of 1 July, though the subject filed late on 2 July before the job came back."""
    society = make.org("social_group", registration_date=D(2023, 1, 5))
    frozen_clock.local(2024, 6, 29, 1, 20)
    run_job(jobs.DAILY)
    record(society, "annual_report", "annual_report", D(2024, 7, 2), report_year=2023,
           report_status="late")
    frozen_clock.local(2024, 7, 3, 1, 20)
    run = run_job(jobs.DAILY)
    assert run.status == "ok", run.message
    assert run.counts["caught_up_days"] == 4 - 1 and run.counts["missing_reports"] == 1
    entry = db.session.scalars(sa.select(ListEntry)).one()
    assert entry.list_type == "abnormal" and entry.transitions[0].on_date == D(2024, 7, 1)


def _spy_days_and_reviews(monkeypatch) -> list[tuple[str, date]]:
    from credit.lists import scan

    calls: list[tuple[str, date]] = []
    real_daily, real_review = jobs.daily, scan.red_review

    def daily(day, commit=None):
        calls.append(("daily", day))
        return real_daily(day, commit)

    def red_review(actor, day):
        calls.append(("review", day))
        return real_review(actor, day)

    monkeypatch.setattr(jobs, "daily", daily)
    monkeypatch.setattr(scan, "red_review", red_review)
    return calls


@pytest.mark.parametrize("down, back, expected", [
    # The day before: up to 14 July nothing is due; the daily job of 15 July (01:20) leaves
    # the review to the scheduler (02:00).
    ([], D(2024, 7, 15), [("daily", D(2024, 7, 14)), ("daily", D(2024, 7, 15))]),
    # The day of: down on 15 July, back on 16 July: 15 July's daily run, then its review,
    # then 16 July.
    ([D(2024, 7, 15)], D(2024, 7, 16), [("daily", D(2024, 7, 14)), ("daily", D(2024, 7, 15)),
                                        ("review", D(2024, 7, 15)), ("daily", D(2024, 7, 16))]),
    # The day after: down 15 and 16 July, back on 17 July: the review as of 15 July, once.
    ([D(2024, 7, 15), D(2024, 7, 16)], D(2024, 7, 17),
     [("daily", D(2024, 7, 14)), ("daily", D(2024, 7, 15)), ("review", D(2024, 7, 15)),
      ("daily", D(2024, 7, 16)), ("daily", D(2024, 7, 17))]),
])
def test_a_red_review_the_scheduler_missed_runs_once_as_of_its_day(
        app, frozen_clock, monkeypatch, down, back, expected):
    frozen_clock.local(2024, 7, 13, 1, 20)
    assert run_job(jobs.DAILY).status == "ok"
    calls = _spy_days_and_reviews(monkeypatch)
    day = D(2024, 7, 14)
    while day < back:
        if day not in down:
            frozen_clock.local(day.year, day.month, day.day, 1, 20)
            assert run_job(jobs.DAILY).status == "ok"
        day = date.fromordinal(day.toordinal() + 1)
    frozen_clock.local(back.year, back.month, back.day, 1, 20)
    run = run_job(jobs.DAILY)
    assert run.status == "ok", run.message
    assert calls == expected
    assert run.counts.get("caught_up_red_review", 0) == (("review", D(2024, 7, 15)) in expected)
    if back == D(2024, 7, 15):  # the scheduler's own review at 02:00
        frozen_clock.local(2024, 7, 15, 2, 0)
        assert run_job(jobs.RED_REVIEW).status == "ok"
    calls.clear()
    run_job(jobs.DAILY)  # again the same day, and the next: the review is not run again
    frozen_clock.local(back.year, back.month, back.day + 1, 1, 20)
    run_job(jobs.DAILY)
    assert [c for c in calls if c[0] == "review"] == []


def test_a_review_that_failed_after_the_daily_run_is_caught_up_the_next_day(
        app, frozen_clock, monkeypatch):
    frozen_clock.local(2024, 7, 14, 1, 20)
    run_job(jobs.DAILY)
    frozen_clock.local(2024, 7, 15, 1, 20)
    run_job(jobs.DAILY)  # the scheduler died before the review at 02:00
    calls = _spy_days_and_reviews(monkeypatch)
    frozen_clock.local(2024, 7, 16, 1, 20)
    run_job(jobs.DAILY)
    assert calls == [("review", D(2024, 7, 15)), ("daily", D(2024, 7, 16))]
    review = db.session.scalars(sa.select(JobRun).where(
        JobRun.job_id == jobs.RED_REVIEW)).one()
    assert review.trigger == "catch_up" and review.counts["as_of"] == "2024-07-15"


def test_a_review_the_scheduler_ran_is_not_run_again(app, frozen_clock, monkeypatch):
    frozen_clock.local(2024, 7, 14, 1, 20)
    run_job(jobs.DAILY)
    frozen_clock.local(2024, 7, 15, 1, 20)
    run_job(jobs.DAILY)
    frozen_clock.local(2024, 7, 15, 2, 0)
    run_job(jobs.RED_REVIEW)
    calls = _spy_days_and_reviews(monkeypatch)
    frozen_clock.local(2024, 7, 16, 1, 20)
    run_job(jobs.DAILY)
    assert calls == [("daily", D(2024, 7, 16))]


def test_a_platform_started_after_the_review_day_does_not_run_last_years_review(
        app, frozen_clock, monkeypatch):
    calls = _spy_days_and_reviews(monkeypatch)
    frozen_clock.local(2024, 7, 20, 1, 20)
    run_job(jobs.DAILY)
    frozen_clock.local(2024, 7, 21, 1, 20)
    run_job(jobs.DAILY)
    assert [c for c in calls if c[0] == "review"] == []


def test_a_review_run_by_hand_on_the_command_line_is_not_caught_up_again(
        app, frozen_clock, monkeypatch):
    frozen_clock.local(2024, 7, 14, 1, 20)
    run_job(jobs.DAILY)
    frozen_clock.local(2024, 7, 16, 9, 0)
    result = app.test_cli_runner().invoke(args=["credit", "red-review", "--date", "2024-07-15"])
    assert result.exit_code == 0, result.output
    calls = _spy_days_and_reviews(monkeypatch)
    frozen_clock.local(2024, 7, 17, 1, 20)
    run_job(jobs.DAILY)
    assert [c for c in calls if c[0] == "review"] == []


@pytest.mark.parametrize("down, back", [
    ([D(2024, 6, 30)], D(2024, 7, 1)),  # down the day before the report goes missing
    ([D(2024, 7, 1)], D(2024, 7, 2)),  # down the day it goes missing
    ([D(2024, 7, 1), D(2024, 7, 2)], D(2024, 7, 3)),  # and the day after
])
def test_a_caught_up_missing_report_is_dated_the_day_it_went_missing(
        app, make, frozen_clock, down, back):
    """Not the day the catch-up ran: the fact occurred, and the entry was proposed, on 1 July
    (the day after the 30 June deadline); it also counts as recorded on that day."""
    from credit.models import CreditFact

    society = make.org("social_group", registration_date=D(2023, 1, 5))
    day = D(2024, 6, 29)
    while day < back:
        if day not in down:
            frozen_clock.local(day.year, day.month, day.day, 1, 20)
            assert run_job(jobs.DAILY).status == "ok"
        day = date.fromordinal(day.toordinal() + 1)
    frozen_clock.local(back.year, back.month, back.day, 1, 20)
    assert run_job(jobs.DAILY).status == "ok"
    fact = db.session.scalars(sa.select(CreditFact).where(
        CreditFact.org_id == society.id, CreditFact.report_status == "missing")).one()
    assert fact.occurred_on == D(2024, 7, 1)
    from core.timeutil import local_date

    assert local_date(fact.recorded_at) == D(2024, 7, 1)
    entry = db.session.scalars(sa.select(ListEntry)).one()
    assert entry.transitions[0].on_date == D(2024, 7, 1)
