"""Issue 12, item 4: rewriting an organization on a list.

A manager of an organization on the serious-dishonesty list changed its USCC, name and legal
representative with ``PATCH /api/v1/orgs/{id}``; the public list, the exports and the feed then
named someone else. Now a verified organization's identity changes only through a request the
bureau approves; each entry keeps the identity it was decided on; the feed announces an
approved change as its own event.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from core import clock, workdays
from core.extensions import db
from core.orgs.models import Organization
from credit.lists import entries, scan
from credit.models import FeedEvent
from tests.credit.factories import notified, record
from tests.helpers import form_post

NEW = {"name": "常州市新名称公益服务中心", "uscc": None, "legal_representative": "替身"}


def _on_serious_list(make):
    org = make.org("social_group", name="常州市失信示例协会")
    regulator = make.user("regulator")
    manager = make.user("org_staff", org=org)
    day = clock.today() - timedelta(days=40)
    record(org, "penalty", "fine", day, amount_yuan=80000)
    (entry,) = scan.run_scan(None, day, ("serious",))
    notified(regulator, entry, day)
    entries.publish(regulator, entry, "常民决〔2026〕9号",
                    workdays.add_working_days(entry.objection_due, 1))
    db.session.commit()
    return org, regulator, manager, entry


def _public(client, q: str | None = None) -> list[dict]:
    url = "/api/v1/credit/lists/serious" + (f"?q={q}" if q else "")
    return client.get(url).json


def test_a_listed_organization_cannot_rewrite_its_identity(app, make, api_as, login_as,
                                                           client):
    org, _regulator, manager, _entry = _on_serious_list(make)
    before = (org.name, org.uscc, org.legal_representative)
    attack = {**NEW, "uscc": make.uscc()}
    patched = api_as(user=manager).patch(f"/api/v1/orgs/{org.id}", json=attack)
    assert patched.status_code == 409
    assert patched.json["code"] == "orgs.identity_change_needs_request"
    assert set(patched.json["errors"]) == {"name", "uscc", "legal_representative"}

    login_as(user=manager)
    form = form_post(client, f"/orgs/{org.id}/edit", {
        **attack, "kind": org.kind, "registering_authority": org.registering_authority,
        "district_id": str(org.district_id), "address": org.address,
        "registration_date": org.registration_date.isoformat()})
    assert form.status_code == 409
    db.session.expire_all()
    fresh = db.session.get(Organization, org.id)
    assert (fresh.name, fresh.uscc, fresh.legal_representative) == before

    anyone = app.test_client()
    (shown,) = _public(anyone)
    assert shown["subject"]["name"] == before[0] and shown["subject"]["uscc"] == before[1]
    assert shown["current_subject"] is None
    csv = anyone.get("/credit/public/lists/serious/export.csv").get_data(as_text=True)
    assert before[0] in csv and NEW["name"] not in csv


def test_an_approved_change_keeps_the_decided_identity_and_is_announced(app, make, api_as):
    org, regulator, manager, entry = _on_serious_list(make)
    old_name, old_uscc = org.name, org.uscc
    new_uscc = make.uscc()
    asked = api_as(user=manager).post(f"/api/v1/orgs/{org.id}/identity-changes", json={
        **NEW, "uscc": new_uscc, "reason": "经变更登记更名", "evidence_ref": "常民登〔2026〕12号"})
    assert asked.status_code == 201 and asked.json["status"] == "pending"
    change_id = asked.json["id"]
    assert db.session.get(Organization, org.id).name == old_name  # nothing until approved
    assert api_as(user=manager).post(
        f"/api/v1/orgs/identity-changes/{change_id}/decision",
        json={"approve": True, "reason": "自己批"}).status_code == 403

    approved = api_as(user=regulator).post(
        f"/api/v1/orgs/identity-changes/{change_id}/decision",
        json={"approve": True, "reason": "核对变更登记证书无误"})
    assert approved.status_code == 200 and approved.json["status"] == "approved"
    db.session.expire_all()
    assert db.session.get(Organization, org.id).uscc == new_uscc

    anyone = app.test_client()
    (shown,) = _public(anyone, q=old_uscc)  # found under the identity it was decided on…
    assert shown["subject"]["name"] == old_name and shown["subject"]["uscc"] == old_uscc
    assert shown["current_subject"]["uscc"] == new_uscc
    assert [e["entry_id"] for e in _public(anyone, q=new_uscc)] == [entry.id]  # …and the new
    events = db.session.execute(sa.select(FeedEvent.event).where(
        FeedEvent.entry_id == entry.id).order_by(FeedEvent.seq)).scalars().all()
    assert events == ["published", "identity"]
