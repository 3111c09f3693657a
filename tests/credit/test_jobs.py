"""The scheduled credit jobs run through core.jobs, record their counts and are idempotent."""

from datetime import date

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
