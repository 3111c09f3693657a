"""The job registry and runs (core.jobs): every run recorded, with counts or the failure."""

from core import jobs


def test_job_runs_are_recorded_with_counts_and_failures(app, monkeypatch):
    monkeypatch.setattr(jobs, "_REGISTRY", dict(jobs._REGISTRY))
    calls = []

    def good():
        calls.append(1)
        return {"done": 3}

    def bad():
        raise ValueError("no")

    jobs.register_job("test.good", good, "interval", minutes=5)
    jobs.register_job("test.bad", bad, "cron", hour=1)
    ok = jobs.run_job("test.good")
    failed = jobs.run_job("test.bad")
    assert ok.status == "ok" and ok.counts == {"done": 3} and ok.finished_at
    assert failed.status == "failed" and "ValueError" in failed.message
    assert jobs.last_runs()["test.good"].id == ok.id
    scheduler = jobs.build_scheduler(app, blocking=False)
    assert {"test.good", "test.bad"} <= {j.id for j in scheduler.get_jobs()}


def test_admin_can_run_a_job_and_see_the_run(app, client, login_as, monkeypatch):
    monkeypatch.setattr(jobs, "_REGISTRY", dict(jobs._REGISTRY))
    jobs.register_job("test.page", lambda: {"n": 1}, "interval", minutes=5)
    login_as("admin")
    from tests.helpers import form_post

    form_post(client, "/admin/jobs/test.page/run", {}, page="/admin/jobs")
    page = client.get("/admin/jobs").data.decode()
    assert "test.page" in page and "成功" in page and "n 1" in page  # results in words
    assert "{&#39;n&#39;: 1}" not in page

