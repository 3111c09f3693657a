"""The scheduled credit jobs run through core.jobs, record their counts, are idempotent and
catch up the days they missed."""

from datetime import date

import pytest
import sqlalchemy as sa

from core.extensions import db
from core.jobs import run_job
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
