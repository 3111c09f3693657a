"""The scheduler's admin page: schedules and results in words, pause, resume and reschedule,
applied by a real APScheduler to its jobs."""

import pytest
from apscheduler.jobstores.memory import MemoryJobStore

from core import jobs, schedules
from core.extensions import db
from tests.helpers import form_post


@pytest.mark.parametrize("trigger, args, words", [
    ("cron", {"hour": 2, "minute": 10}, "每天 02:10"),
    ("cron", {"day_of_week": "mon", "hour": 3, "minute": 0}, "每周一 03:00"),
    ("cron", {"day": 1, "hour": 4, "minute": 5}, "每月 1 日 04:05"),
    ("cron", {"month": 7, "day": 15, "hour": 2, "minute": 0}, "每年 7 月 15 日 02:00"),
    ("interval", {"minutes": 5}, "每 5 分钟"),
    ("interval", {"minutes": 120}, "每 2 小时"),
])
def test_schedules_read_as_words(app, trigger, args, words):
    assert schedules.describe(trigger, args) == words


def test_results_read_as_words(app):
    assert schedules.describe_counts({"sent": 3, "failed": 0, "gave_up": 1}) == \
        "已发送 3 · 放弃发送 1"
    assert schedules.describe_counts({}) == "无事可做"


def test_admin_page_shows_words_not_dicts(app, client, login_as, writing):
    jobs.run_job("notices.send")
    login_as("admin")
    html = client.get("/admin/jobs").get_data(as_text=True)
    assert "每天 02:10" in html and "每 5 分钟" in html and "成功" in html
    assert "{&#39;" not in html and "{'" not in html and "hour" not in html


def test_pause_resume_and_reschedule_reach_the_running_scheduler(app, client, login_as):
    scheduler = jobs.build_scheduler(app, blocking=False, jobstore=MemoryJobStore())
    scheduler.start(paused=True)  # jobs are scheduled; none fires during the test
    try:
        admin = login_as("admin")
        assert scheduler.get_job("timebank.verify_ledger").next_run_time is not None
        form_post(client, "/admin/jobs/timebank.verify_ledger/pause", {}, page="/admin/jobs")
        assert schedules.is_paused("timebank.verify_ledger")
        assert schedules.sync(scheduler, jobs.registered_jobs()) == 1
        assert scheduler.get_job("timebank.verify_ledger").next_run_time is None
        assert "已暂停，不会执行" in client.get("/admin/jobs").get_data(as_text=True)

        form_post(client, "/admin/jobs/timebank.verify_ledger/schedule",
                  {"kind": "weekly", "at": "04:30", "weekday": "6", "minutes": "", "day": ""},
                  page="/admin/jobs")
        form_post(client, "/admin/jobs/timebank.verify_ledger/resume", {}, page="/admin/jobs")
        specs = jobs.registered_jobs()
        assert schedules.sync(scheduler, specs) == 1 and schedules.sync(scheduler, specs) == 0
        job = scheduler.get_job("timebank.verify_ledger")
        assert job.next_run_time is not None
        assert (job.next_run_time.weekday(), job.next_run_time.hour,
                job.next_run_time.minute) == (6, 4, 30)
        html = client.get("/admin/jobs").get_data(as_text=True)
        assert "每周日 04:30" in html and "系统默认：每天 02:10" in html
        from core import audit

        assert [r.action for r in audit.history("job", "timebank.verify_ledger")] == [
            "jobs.pause", "jobs.reschedule", "jobs.resume"]
        assert all(r.actor_id == admin.id for r in audit.history("job", "timebank.verify_ledger"))
    finally:
        scheduler.shutdown()


def test_a_paused_job_does_not_run_even_before_the_scheduler_syncs(app, writing):
    # Building the scheduler sets the app its entry point (run_registered_job) uses.
    jobs.build_scheduler(app, blocking=False, jobstore=MemoryJobStore())
    schedules.pause(None, jobs.get_job("notices.send"))
    db.session.commit()
    jobs.run_registered_job("notices.send")
    assert jobs.recent_runs(job_id="notices.send") == []
    schedules.resume(None, jobs.get_job("notices.send"))
    db.session.commit()
    jobs.run_registered_job("notices.send")
    assert [r.status for r in jobs.recent_runs(job_id="notices.send")] == ["ok"]


@pytest.mark.parametrize("data, message", [
    ({"kind": "daily", "at": "25:00"}, "时间格式为"),
    ({"kind": "interval", "minutes": "0"}, "间隔须为"),
    ({"kind": "monthly", "at": "01:00", "day": "31"}, "日期须为 1 到 28 日"),
])
def test_bad_schedules_are_refused_with_a_reason(app, client, login_as, data, message):
    login_as("admin")
    page = form_post(client, "/admin/jobs/notices.send/schedule", {"weekday": "0", **data},
                     page="/admin/jobs", follow_redirects=True).get_data(as_text=True)
    assert message in page
    assert db.session.get(schedules.JobSchedule, "notices.send") is None
