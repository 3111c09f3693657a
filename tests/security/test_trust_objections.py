"""Issue 12, item 8: objections.

An organization could file objection after objection on one entry (through the entry and
through each of its grounds) and, filed long after the window, every one froze publication: a
listed subject could stay off the public list for as long as it kept objecting. Now an entry has
at most one open objection, and one filed after the window is recorded as late and freezes
nothing unless a regulator accepts it.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from core import clock
from core.extensions import db
from credit.lists import scan
from credit.models import ListEntry, Objection
from tests.credit.factories import notified, record
from tests.helpers import form_post

API = "/api/v1/credit"


def _notified(org, regulator, days_ago: int) -> ListEntry:
    """A warning ``days_ago`` days ago, proposed and notified that day."""
    day = clock.today() - timedelta(days=days_ago)
    record(org, "penalty", "warning", day)
    (entry,) = scan.run_scan(None, day, ("abnormal",))
    notified(regulator, entry, day)
    db.session.commit()
    return entry


def _objections() -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(Objection)).scalar()


def test_an_entry_has_one_open_objection_however_it_is_reached(app, make, api_as, login_as,
                                                               client):
    org = make.org("social_group")
    regulator = make.user("regulator")
    manager = make.user("org_staff", org=org)
    entry = _notified(org, regulator, days_ago=1)
    staff = api_as(user=manager)
    first = staff.post(f"{API}/objections", json={"org_id": org.id, "entry_id": entry.id,
                                                  "reason": "警告已撤销"})
    assert first.status_code == 201 and first.json["freezes"] is True
    again = staff.post(f"{API}/objections", json={"org_id": org.id, "fact_id": entry.fact_ids[0],
                                                  "reason": "同一事由，换个入口"})
    assert again.status_code == 409 and again.json["code"] == "credit.objection_open"
    login_as(user=manager)
    page = form_post(client, f"/credit/subjects/{org.id}/objection", {
        "target": f"fact:{entry.fact_ids[0]}", "reason": "再提一次", "evidence_ref": ""})
    assert page.status_code == 409
    assert _objections() == 1


def test_a_late_objection_is_recorded_and_does_not_stop_publication(app, make, api_as,
                                                                    login_as, client):
    org = make.org("social_group")
    regulator = make.user("regulator")
    manager = make.user("org_staff", org=org)
    entry = _notified(org, regulator, days_ago=40)  # the window ended weeks ago
    late = api_as(user=manager).post(f"{API}/objections", json={
        "org_id": org.id, "entry_id": entry.id, "reason": "拖延公开"})
    assert late.status_code == 201
    assert late.json["in_window"] is False and late.json["freezes"] is False
    db.session.expire_all()
    assert db.session.get(ListEntry, entry.id).state == "notified"  # not frozen

    login_as(user=manager)  # the page says so, and a second one is refused
    second = form_post(client, f"/credit/subjects/{org.id}/objection", {
        "target": f"entry:{entry.id}", "reason": "再拖一次", "evidence_ref": ""})
    assert second.status_code == 409 and _objections() == 1

    published = api_as(user=regulator).post(f"{API}/entries/{entry.id}/publish", json={
        "decision_document": "常民决〔2026〕7号"})
    assert published.status_code == 200 and published.json["state"] == "published"
    assert published.json["under_objection"] is False


def test_a_regulator_may_accept_a_late_objection_and_it_then_freezes(app, make, api_as):
    org = make.org("social_group")
    regulator = make.user("regulator")
    manager = make.user("org_staff", org=org)
    entry = _notified(org, regulator, days_ago=40)
    late = api_as(user=manager).post(f"{API}/objections", json={
        "org_id": org.id, "entry_id": entry.id, "reason": "告知书寄错地址，未收到"}).json
    assert api_as(user=manager).post(f"{API}/objections/{late['id']}/accept", json={
        "reason": "自己受理"}).status_code == 403
    accepted = api_as(user=regulator).post(f"{API}/objections/{late['id']}/accept", json={
        "reason": "邮寄回执显示告知书退回，有正当理由"})
    assert accepted.status_code == 200 and accepted.json["freezes"] is True
    db.session.expire_all()
    assert db.session.get(ListEntry, entry.id).state == "objected"
    refused = api_as(user=regulator).post(f"{API}/entries/{entry.id}/publish", json={
        "decision_document": "常民决〔2026〕8号"})
    assert refused.status_code == 409
