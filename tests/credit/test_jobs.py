"""The scheduled credit jobs run through core.jobs, record their counts and are idempotent."""

from datetime import date

import sqlalchemy as sa

from core.jobs import run_job
from credit import jobs
from tests.credit.factories import record


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
