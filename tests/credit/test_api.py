"""The credit JSON API: who may call what, object-level checks, idempotency, the public list."""

from datetime import date, timedelta

import sqlalchemy as sa

from core import clock
from core.extensions import db
from core.ids import UNMASKED_ID_PATTERN
from credit.dates import period_complete_on
from credit.lists import entries, scan
from credit.models import CreditFact, ListEntry
from tests.credit.factories import notified, record
from tests.helpers import Statements

D = date
FACT = {"kind": "penalty", "subtype": "warning", "occurred_on": "2024-03-01",
        "source_department": "常州市民政局", "document_number": "常民罚〔2024〕5号",
        "evidence_ref": "卷宗 2024-005", "summary": "未按章程开展活动"}


def _published_entry(org, regulator, kind=("penalty", "suspension"), on=D(2024, 3, 1)):
    record(org, *kind, on)
    (entry,) = scan.run_scan(None, on)
    notified(regulator, entry, on)
    entries.publish(regulator, entry, "常民信决〔2024〕1号", on + timedelta(days=19))
    return entry


def test_a_regulator_records_a_fact_and_a_retry_does_not_post_twice(app, api_as, society):
    api = api_as("regulator")
    headers = {"Idempotency-Key": "fact-1"}
    first = api.post("/api/v1/credit/facts", json={**FACT, "org_id": society.id},
                     headers=headers)
    again = api.post("/api/v1/credit/facts", json={**FACT, "org_id": society.id},
                     headers=headers)
    assert first.status_code == 201, first.json
    assert again.json["id"] == first.json["id"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CreditFact)) == 1


def test_bad_fact_input_is_a_422_with_field_errors(app, api_as, society):
    api = api_as("regulator")
    response = api.post("/api/v1/credit/facts", json={**FACT, "org_id": society.id,
                                                      "subtype": "fine"})
    assert response.status_code == 422 and "amount_yuan" in response.json["errors"]
    response = api.post("/api/v1/credit/facts", json={**FACT, "org_id": society.id,
                                                      "kind": "gossip"})
    assert response.status_code == 422 and "kind" in response.json["errors"]
    assert api.post("/api/v1/credit/facts", json={**FACT, "org_id": 9999}).status_code == 404


def test_staff_read_their_own_facts_and_nobody_elses(app, api_as, make, society):
    record(society, "penalty", "warning", D(2024, 3, 1))
    mine = api_as("org_staff", org=society)
    other = api_as("org_staff", org=make.org())
    assert mine.get("/api/v1/credit/facts").status_code == 422
    assert len(mine.get(f"/api/v1/credit/facts?org_id={society.id}").json) == 1
    assert other.get(f"/api/v1/credit/facts?org_id={society.id}").status_code == 403
    assert mine.post("/api/v1/credit/facts", json={**FACT, "org_id": society.id}
                     ).status_code == 403


def test_staff_never_see_an_unpublished_entry_of_another_organization(
        app, api_as, make, society, regulator):
    record(society, "penalty", "warning", D(2024, 3, 1))
    (entry,) = scan.run_scan(None, D(2024, 3, 1))
    mine, other = api_as("org_staff", org=society), api_as("org_staff", org=make.org())
    assert mine.get(f"/api/v1/credit/entries/{entry.id}").status_code == 404  # not yet told
    notified(regulator, entry, D(2024, 3, 1))
    assert mine.get(f"/api/v1/credit/entries/{entry.id}").status_code == 200
    assert other.get(f"/api/v1/credit/entries/{entry.id}").status_code == 404
    assert other.get(f"/api/v1/credit/entries?org_id={society.id}").status_code == 403
    listed = mine.get(f"/api/v1/credit/entries?org_id={society.id}").json
    assert [e["id"] for e in listed] == [entry.id]


def test_the_due_process_through_the_api(app, api_as, make, society):
    regulator = api_as("regulator")
    staff = api_as("org_staff", org=society)
    record(society, "penalty", "warning", D(2024, 3, 1))
    proposed = regulator.post("/api/v1/credit/scan").json["proposed"]
    (entry_id,) = proposed
    assert regulator.post("/api/v1/credit/scan").json["proposed"] == []
    notified = regulator.post(f"/api/v1/credit/entries/{entry_id}/notify")
    assert notified.status_code == 200 and notified.json["state"] == "notified"
    early = regulator.post(f"/api/v1/credit/entries/{entry_id}/publish",
                           json={"decision_document": "文号"})
    assert early.status_code == 409 and early.json["code"] == "credit.cannot_publish"
    objection = staff.post("/api/v1/credit/objections", json={
        "org_id": society.id, "entry_id": entry_id, "reason": "警告已被复议撤销"})
    assert objection.status_code == 201, objection.json
    decided = regulator.post(f"/api/v1/credit/objections/{objection.json['id']}/decision",
                             json={"outcome": "upheld", "reason": "复议决定书已撤销警告"})
    assert decided.json["status"] == "upheld"
    assert regulator.get(f"/api/v1/credit/entries/{entry_id}").json["state"] == "cancelled"
    assert staff.post(f"/api/v1/credit/objections/{objection.json['id']}/decision",
                      json={"outcome": "upheld", "reason": "x"}).status_code == 403


def test_a_manual_entry_and_an_empty_body_get_clear_errors(app, api_as, society):
    regulator = api_as("regulator")
    empty = regulator.post("/api/v1/credit/entries", json={})
    assert empty.status_code == 422 and {"org_id", "list_type", "legal_basis"} <= set(
        empty.json["errors"])
    fact = record(society, "other", "other", D(2024, 3, 1))
    made = regulator.post("/api/v1/credit/entries", json={
        "org_id": society.id, "list_type": "abnormal", "legal_basis": "《慈善法》第九十八条",
        "reason": "法律规定的其他情形", "fact_ids": [fact.id]})
    assert made.status_code == 201 and made.json["origin"] == "manual"


def test_repair_through_the_api_is_refused_before_two_years(app, api_as, society, regulator):
    entry = _published_entry(society, regulator, on=clock.today() - timedelta(days=60))
    staff = api_as("org_staff", org=society)
    response = staff.post("/api/v1/credit/repairs", json={
        "entry_id": entry.id, "statement": "已整改", "evidence_ref": "整改报告"})
    assert response.status_code == 422 and response.json["code"] == "credit.repair_too_early"
    earliest = period_complete_on(entry.decided_on, years=2)
    assert earliest.isoformat() in response.json["message"]


def test_staff_file_the_annual_report_through_the_api(app, api_as, society):
    staff = api_as("org_staff", org=society)
    body = {"org_id": society.id, "year": clock.today().year - 1, "revenue_yuan": 1,
            "expenditure_yuan": 1, "staff_count": 1, "volunteer_count": 1, "activity_count": 1,
            "file_ref": "年报.pdf"}
    first = staff.post("/api/v1/credit/annual-reports", json=body)
    assert first.status_code == 201, first.json
    assert staff.post("/api/v1/credit/annual-reports", json=body).status_code == 409


def test_the_public_list_shows_published_entries_without_personal_data(
        app, client, make, regulator):
    org = make.org(contact_phone="0519-86661234")
    entry = _published_entry(org, regulator)
    record(make.org(), "penalty", "suspension", D(2024, 3, 1))
    scan.run_scan(None, D(2024, 3, 2))  # proposed only: never public
    response = client.get("/api/v1/credit/lists/serious")
    assert response.status_code == 200
    assert [e["entry_id"] for e in response.json] == [entry.id]
    text = response.get_data(as_text=True)
    assert "86661234" not in text and not UNMASKED_ID_PATTERN.search(text)
    assert client.get(f"/api/v1/credit/lists/serious?q={org.uscc}").json
    assert client.get("/api/v1/credit/lists/serious?q=nobody").json == []
    assert client.get("/api/v1/credit/lists/other").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ListEntry)) == 2


def test_the_public_list_reads_in_the_same_few_queries_however_many_entries(
        app, client, make, regulator):
    """Each entry's subject, district and facts come with the page, not entry by entry."""
    _published_entry(make.org(), regulator)
    client.get("/api/v1/credit/lists/serious")  # first use: catalogues and the like
    with Statements() as one:
        assert len(client.get("/api/v1/credit/lists/serious").json) == 1
    for n in range(3):
        _published_entry(make.org(), regulator, on=D(2024, 4 + n, 1))
    db.session.commit()
    with Statements() as four:
        assert len(client.get("/api/v1/credit/lists/serious").json) == 4
    assert four.count == one.count


def test_the_public_list_is_cached_a_minute_and_revalidated_by_its_etag(
        app, client, make, regulator, api_as):
    _published_entry(make.org(), regulator)
    db.session.commit()
    first = client.get("/api/v1/credit/lists/serious")
    assert first.status_code == 200 and first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, max-age=60"
    assert "Set-Cookie" not in first.headers
    assert {"Authorization", "Cookie"} <= set(first.vary)
    again = client.get("/api/v1/credit/lists/serious",
                       headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["Cache-Control"] == "public, max-age=60"
    assert again.headers.get("ETag") == first.headers["ETag"]
    # Another decision: the page changed, so does its tag.
    _published_entry(make.org(), regulator, on=D(2024, 4, 1))
    db.session.commit()
    changed = client.get("/api/v1/credit/lists/serious",
                         headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and len(changed.json) == 2
    assert changed.headers["ETag"] != first.headers["ETag"]
    # With a token: private.
    signed_in = api_as("regulator").get("/api/v1/credit/lists/serious")
    assert signed_in.status_code == 200
    assert signed_in.headers["Cache-Control"] == "private, no-cache"
