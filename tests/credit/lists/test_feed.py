"""The feed: a consumer that pulls from 0 and applies every change ends with exactly the
current published lists; pages, ETags and feedback."""

import random
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from core import workdays
from core.extensions import db
from credit.lists import entries, feed, objections, scan
from credit.models import EntryState, FeedEvent, ListEntry
from tests.credit.factories import notified, record

D = date


def _replay(pull, limit: int) -> dict[int, dict]:
    """What a consumer holds after applying every event, ``limit`` at a time."""
    held, since = {}, 0
    while True:
        page = pull(since, limit)
        for event in page["events"]:
            if event["event"] == "removed":
                held.pop(event["entry_id"], None)
            else:
                held[event["entry_id"]] = event["entry"]
        since = page["next_since"]
        if not page["has_more"]:
            return held


def _service_pull(since, limit):
    return feed.page_out(feed.read_feed(since, limit))


def _published() -> dict[int, dict]:
    rows = db.session.scalars(sa.select(ListEntry).where(ListEntry.state == EntryState.PUBLISHED))
    return {e.id: feed.entry_payload(e) for e in rows}


def _history(make, regulator, seed: int) -> None:
    """A random but lawful history: facts, proposals, objections, publications, removals."""
    rng = random.Random(seed)
    orgs = [make.org() for _ in range(4)] + [make.org("eldercare") for _ in range(2)]
    staff = {o.id: make.user("org_staff", org=o) for o in orgs}
    day = D(2023, 1, 2)
    for _ in range(14):
        day += timedelta(days=rng.randint(10, 40))
        org = rng.choice(orgs)
        kind = ("eldercare", "subsidy_fraud") if org.is_eldercare else rng.choice(
            [("penalty", "warning"), ("penalty", "suspension"), ("basic", "change_revoked")])
        record(org, *kind, day)
        for entry in scan.run_scan(None, day):
            notified(regulator, entry, day)
            if rng.random() < 0.3:
                objections.file_objection(staff[entry.org_id], entry.org_id, "异议",
                                          entry_id=entry.id, today=day)
        for entry in db.session.scalars(sa.select(ListEntry).where(
                ListEntry.state.in_([EntryState.NOTIFIED, EntryState.OBJECTED]))).all():
            for objection in entries.open_objections(entry):
                objections.decide_objection(regulator, objection, "rejected", "不成立", today=day)
            if not entries.publish_blockers(entry, day + timedelta(days=20)):
                entries.publish(regulator, entry, "文号", day + timedelta(days=20))
        published = db.session.scalars(sa.select(ListEntry).where(
            ListEntry.state == EntryState.PUBLISHED)).all()
        for entry in published:
            roll = rng.random()
            if entries.open_objections(entry, freezing_only=False):  # one open at a time
                if roll < 0.5:
                    for objection in entries.open_objections(entry, freezing_only=False):
                        objections.decide_objection(regulator, objection, "verified", "无误",
                                                    today=day + timedelta(days=21))
            elif roll < 0.2:  # late, so it freezes the entry only once a regulator accepts it
                late = objections.file_objection(staff[entry.org_id], entry.org_id, "不服",
                                                 entry_id=entry.id, today=day + timedelta(days=21))
                objections.accept_late(regulator, late, "新证据", today=day + timedelta(days=21))
            elif roll < 0.35:
                entries.remove(regulator, entry, "decision", "复议撤销", day + timedelta(days=21))
        day += timedelta(days=21)
        scan.apply_time_rules(None, day)


@pytest.mark.parametrize("seed", [1, 2])
def test_replaying_the_feed_from_zero_gives_exactly_the_published_lists(
        app, make, regulator, seed):
    _history(make, regulator, seed)
    events = db.session.scalars(sa.select(FeedEvent.event)).all()
    assert {"published", "removed", "updated"} <= set(events)
    expected = _published()
    assert expected
    for limit in (1, 3, 500):
        assert _replay(_service_pull, limit) == expected


def test_sequence_numbers_are_gapless_and_in_order(app, make, regulator):
    _history(make, regulator, 3)
    seqs = db.session.scalars(sa.select(FeedEvent.seq).order_by(FeedEvent.id)).all()
    assert seqs == list(range(1, len(seqs) + 1))


def test_the_api_feed_replays_too_and_answers_304_for_an_unchanged_page(
        app, make, regulator, api_as):
    _history(make, regulator, 1)
    consumer = api_as("feed")

    def pull(since, limit):
        response = consumer.get(f"/api/v1/credit/feed?since={since}&limit={limit}")
        assert response.status_code == 200, response.json
        assert response.json["schema"] == "civic.credit.feed/1"
        return response.json

    assert _replay(pull, 4) == _published()
    first = consumer.get("/api/v1/credit/feed?since=0&limit=2")
    again = consumer.get("/api/v1/credit/feed?since=0&limit=2",
                         headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    other = consumer.get("/api/v1/credit/feed?since=1&limit=2",
                         headers={"If-None-Match": first.headers["ETag"]})
    assert other.status_code == 200


def test_a_page_that_was_not_full_gets_a_new_etag_when_events_arrive(app, make, regulator,
                                                                      api_as):
    consumer = api_as("feed")
    empty = consumer.get("/api/v1/credit/feed?since=0&limit=50")
    assert empty.json == {"schema": "civic.credit.feed/1", "since": 0, "next_since": 0,
                          "has_more": False, "measures_version": 0, "events": []}
    _history(make, regulator, 2)
    fuller = consumer.get("/api/v1/credit/feed?since=0&limit=50",
                          headers={"If-None-Match": empty.headers["ETag"]})
    assert fuller.status_code == 200 and fuller.json["events"]


def test_feed_entries_carry_only_the_published_columns(app, make, regulator, api_as):
    org = make.org("eldercare")
    record(org, "eldercare", "elder_abuse", D(2024, 3, 1))
    (entry,) = scan.run_scan(None, D(2024, 3, 1))
    notified(regulator, entry, D(2024, 3, 1))
    entries.publish(regulator, entry, "常民信决〔2024〕3号",
                    workdays.add_working_days(entry.objection_due, 1))
    body = api_as("feed").get("/api/v1/credit/feed").json
    published = body["events"][0]["entry"]
    assert set(published) == {
        "entry_id", "list_type", "list_name", "state", "under_objection", "subject",
        "responsible_persons", "reason", "legal_basis", "facts", "decision_date",
        "decision_document", "decided_by", "valid_until", "removal_date", "removal_reason",
        "measures", "measures_version", "current_subject"}
    assert set(published["subject"]) == {"name", "uscc", "legal_representative",
                                         "registering_authority", "district"}
    assert published["responsible_persons"] == [org.legal_representative]
    assert {m["code"] for m in published["measures"]} >= {"charity.no_posting"}


def test_consumers_report_the_measures_they_applied_and_the_bureau_sees_them(
        app, make, regulator, api_as, login_as, client):
    org = make.org()
    record(org, "penalty", "suspension", D(2024, 3, 1))
    (entry,) = scan.run_scan(None, D(2024, 3, 1))
    notified(regulator, entry, D(2024, 3, 1))
    entries.publish(regulator, entry, "文号", D(2024, 3, 20))
    consumer = api_as("feed")
    payload = {"entry_id": entry.id, "measures": ["gov.no_purchase"], "applied_on": "2024-03-25",
               "note": "暂停政府采购资格"}
    first = consumer.post("/api/v1/credit/feed/feedback", json=payload,
                          headers={"Idempotency-Key": "fb-1"})
    again = consumer.post("/api/v1/credit/feed/feedback", json=payload,
                          headers={"Idempotency-Key": "fb-1"})
    assert first.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    assert len(feed.feedback_for(entry.id)) == 1
    early = consumer.post("/api/v1/credit/feed/feedback", json={**payload,
                                                               "applied_on": "2024-03-01"})
    assert early.status_code == 422 and "applied_on" in early.json["errors"]
    login_as("regulator", user=regulator)
    assert "暂停政府采购资格" in client.get(f"/credit/entries/{entry.id}").get_data(as_text=True)
    assert "不得承接政府购买服务" in client.get("/credit/").get_data(as_text=True)


def test_feedback_on_an_unpublished_entry_is_refused(app, make, regulator, api_as):
    org = make.org()
    record(org, "penalty", "warning", D(2024, 3, 1))
    (entry,) = scan.run_scan(None, D(2024, 3, 1))
    response = api_as("feed").post("/api/v1/credit/feed/feedback", json={
        "entry_id": entry.id, "measures": ["x"], "applied_on": "2024-03-25"})
    assert response.status_code == 404


def test_concurrent_writers_get_gapless_sequence_numbers(app, make, regulator):
    """Real threads with their own sessions (SQLite file or PostgreSQL): the advisory lock
    keeps seq unique, gapless and in commit order."""
    import threading

    from core.db import write_intent

    orgs = [make.org() for _ in range(4)]
    ids = []
    for org in orgs:
        record(org, "penalty", "suspension", D(2024, 3, 1))
    for entry in scan.run_scan(None, D(2024, 3, 1)):
        notified(regulator, entry, D(2024, 3, 1))
        entries.publish(regulator, entry, "文号", D(2024, 3, 20))
        ids.append(entry.id)
    db.session.commit()
    errors = []

    def writer(entry_id):
        with app.app_context():
            token = write_intent.set(True)
            try:
                for _ in range(5):
                    feed.emit(db.session.get(ListEntry, entry_id), "updated")
                    db.session.commit()
            except Exception as exc:  # reported below
                errors.append(exc)
            finally:
                write_intent.reset(token)
                db.session.remove()

    threads = [threading.Thread(target=writer, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    seqs = db.session.scalars(sa.select(FeedEvent.seq).order_by(FeedEvent.seq)).all()
    assert seqs == list(range(1, len(ids) * 6 + 1))
