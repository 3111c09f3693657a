"""Kernel services: sanctions, events, working days, jobs and the outbox."""

from datetime import date, timedelta

import pytest

from core import events, jobs, outbox, sanctions, workdays
from core.extensions import db


def test_sanctions_in_force_and_lifted(app, make):
    org = make.org()
    today = date(2026, 11, 30)
    sanctions.impose(org.id, [sanctions.NO_POSTING, sanctions.NO_MATCHING], "credit.entry:1",
                     effective_from=today, effective_until=today + timedelta(days=365))
    assert sanctions.is_barred(org.id, sanctions.NO_POSTING, on=today)
    assert not sanctions.is_barred(org.id, sanctions.NO_POSTING, on=today - timedelta(days=1))
    assert not sanctions.is_barred(org.id, sanctions.NO_POSTING, on=today + timedelta(days=366))
    assert sanctions.barred_org_ids(sanctions.NO_MATCHING, on=today) == {org.id}
    assert sanctions.lift("credit.entry:1", "信用修复") == 2
    assert sanctions.measures_in_force(org.id, on=today) == set()


def test_reimposing_the_same_source_is_harmless(app, make):
    org = make.org()
    day = date(2026, 1, 1)
    first = sanctions.impose(org.id, [sanctions.NO_POSTING], "src", day)
    again = sanctions.impose(org.id, [sanctions.NO_POSTING], "src", day)
    assert len(first) == 1 and again == []


def test_events_reach_subscribers_with_their_payload():
    received = []

    def on_confirmed(sender, **payload):
        received.append((sender, payload))

    events.session_confirmed.connect(on_confirmed)
    try:
        events.publish(events.session_confirmed, "timebank", session_id=7, minutes=90)
    finally:
        events.session_confirmed.disconnect(on_confirmed)
    assert received == [("timebank", {"session_id": 7, "minutes": 90})]


def test_a_failing_subscriber_stops_the_publisher():
    def broken(_sender, **_payload):
        raise RuntimeError("credit is down")

    events.match_fulfilled.connect(broken)
    try:
        with pytest.raises(RuntimeError):
            events.publish(events.match_fulfilled, "charity", proposal_id=1)
    finally:
        events.match_fulfilled.disconnect(broken)


def test_working_days_skip_weekends_and_holidays_but_count_makeup_days(app):
    friday = date(2026, 9, 25)
    assert workdays.add_working_days(friday, 1) == date(2026, 9, 28)  # over the weekend
    workdays.set_day(date(2026, 10, 1), "国庆节", False)
    workdays.set_day(date(2026, 10, 2), "国庆节", False)
    workdays.set_day(date(2026, 9, 27), "国庆调休", True)  # a Sunday made a working day
    assert workdays.add_working_days(friday, 1) == date(2026, 9, 27)
    assert workdays.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 5)
    assert workdays.working_days_between(date(2026, 9, 25), date(2026, 10, 5)) == 5


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


def test_outbox_deduplicates(app, make):
    user = make.user("volunteer")
    assert outbox.enqueue("reminder", "提醒", "请确认", user_id=user.id, dedupe_key="r:1")
    assert outbox.enqueue("reminder", "提醒", "请确认", user_id=user.id, dedupe_key="r:1") is None
    assert [m.subject for m in outbox.inbox_for(user)] == ["提醒"]
    db.session.rollback()
