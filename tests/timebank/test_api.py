"""The JSON API: every refusal is a clear 4xx with a stable code, retries never post twice,
personal numbers are masked, certificates can be checked by anyone."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from core import clock
from core.extensions import db
from core.ids import UNMASKED_ID_PATTERN
from core.orgs.models import OrgKind
from tests.helpers import Statements
from timebank import ledger, redemption
from timebank.models import Posting, ServiceSession

BASE = "/api/v1/timebank"


def _body(tb, hours_ago=30, minutes=120, **over):
    end = clock.now().replace(second=0, microsecond=0) - timedelta(hours=hours_ago)
    body = {"recipient_org_id": tb.org.id, "org_id": tb.org.id, "category": "meal",
            "district_id": tb.district.id, "address": "红梅新村 3 幢",
            "start": (end - timedelta(minutes=minutes)).isoformat(), "end": end.isoformat(),
            "description": "送餐"}
    body.update(over)
    return body


@pytest.fixture
def volunteer_api(tb, api_as):
    return api_as("volunteer")


@pytest.fixture
def staff_api(tb, api_as):
    return api_as("org_staff", user=tb.staff)


def test_a_volunteer_logs_a_session_and_sees_it_pending(tb, volunteer_api):
    response = volunteer_api.post(f"{BASE}/sessions", json=_body(tb))
    assert response.status_code == 201, response.json
    assert response.json["minutes"] == 120 and response.json["status"] == "pending"
    listed = volunteer_api.get(f"{BASE}/sessions?scope=mine")
    assert [s["id"] for s in listed.json] == [response.json["id"]]


@pytest.mark.parametrize(("over", "code", "field"), [
    ({"hours_ago": 10, "minutes": -30}, "timebank.end_before_start", "end"),
    ({"hours_ago": -1}, "timebank.future_session", "end"),
    ({"minutes": 13 * 60, "hours_ago": 48}, "timebank.session_too_long", "end"),
    ({"recipient_org_id": 99999}, "timebank.unknown_recipient", "recipient_org_id"),
    ({"recipient_org_id": None, "recipient_person_id": 99999}, "timebank.unknown_recipient",
     "recipient_person_id"),
    ({"recipient_org_id": None}, "timebank.recipient_required", "recipient_person_id"),
])
def test_every_logging_check_is_a_clear_422(tb, volunteer_api, over, code, field):
    hours_ago, minutes = over.pop("hours_ago", 30), over.pop("minutes", 120)
    response = volunteer_api.post(f"{BASE}/sessions",
                                  json=_body(tb, hours_ago=hours_ago, minutes=minutes, **over))
    assert response.status_code == 422, response.json
    assert response.json["code"] == code and field in response.json["errors"]
    assert db.session.execute(sa.select(sa.func.count()).select_from(ServiceSession)
                              ).scalar() == 0


def test_overlap_and_daily_cap_are_refused(tb, volunteer_api, app, frozen_clock):
    # 20:00 in Shanghai: the sessions below (12:00-14:00, 13:00-15:00, 15:30-17:00 the day
    # before) fall on one local day whatever hour the suite runs at.
    frozen_clock.local(2026, 6, 10, 20, 0)
    assert volunteer_api.post(f"{BASE}/sessions", json=_body(tb)).status_code == 201
    overlap = volunteer_api.post(f"{BASE}/sessions", json=_body(tb, hours_ago=29))
    assert overlap.status_code == 422 and overlap.json["code"] == "timebank.overlap"
    app.config["POLICY_MAX_DAILY_HOURS"] = 3
    cap = volunteer_api.post(f"{BASE}/sessions", json=_body(tb, hours_ago=27, minutes=90))
    assert cap.status_code == 422 and cap.json["code"] == "timebank.daily_cap_exceeded"
    next_day = volunteer_api.post(f"{BASE}/sessions", json=_body(tb, hours_ago=2, minutes=90))
    assert next_day.status_code == 201, next_day.json  # 16:30-18:00 today: its own day's cap


def test_unknown_fields_are_refused(tb, volunteer_api):
    response = volunteer_api.post(f"{BASE}/sessions", json={**_body(tb), "hours": 99})
    assert response.status_code == 422 and "hours" in response.json["errors"]


def test_self_confirmation_is_403(tb, volunteer_api):
    created = volunteer_api.post(f"{BASE}/sessions", json=_body(tb)).json
    response = volunteer_api.post(f"{BASE}/sessions/{created['id']}/confirm", json={})
    assert response.status_code == 403 and response.json["code"] == "timebank.self_confirmation"


def test_a_repeated_confirmation_with_the_same_key_deposits_once(tb, volunteer_api, staff_api):
    created = volunteer_api.post(f"{BASE}/sessions", json=_body(tb)).json
    url = f"{BASE}/sessions/{created['id']}/confirm"
    headers = {"Idempotency-Key": "confirm-1"}
    first = staff_api.post(url, json={}, headers=headers)
    second = staff_api.post(url, json={}, headers=headers)
    assert first.status_code == second.status_code == 200
    assert second.headers["Idempotent-Replayed"] == "true"
    assert db.session.execute(sa.select(sa.func.count()).select_from(Posting)).scalar() == 1
    again = staff_api.post(url, json={})  # a new key: the rule itself refuses
    assert again.status_code == 409 and again.json["code"] == "timebank.not_pending"


def test_a_repeated_log_with_the_same_key_creates_one_session(tb, volunteer_api):
    headers = {"Idempotency-Key": "log-1"}
    first = volunteer_api.post(f"{BASE}/sessions", json=_body(tb), headers=headers)
    second = volunteer_api.post(f"{BASE}/sessions", json=_body(tb), headers=headers)
    assert first.json == second.json
    other = volunteer_api.post(f"{BASE}/sessions", json=_body(tb, hours_ago=60), headers=headers)
    assert other.status_code == 409 and other.json["code"] == "idempotency.key_reused"
    assert db.session.execute(sa.select(sa.func.count()).select_from(ServiceSession)
                              ).scalar() == 1


def test_reject_and_reverse_need_a_reason(tb, volunteer_api, staff_api, api_as):
    one = volunteer_api.post(f"{BASE}/sessions", json=_body(tb)).json
    assert staff_api.post(f"{BASE}/sessions/{one['id']}/reject", json={}).status_code == 422
    rejected = staff_api.post(f"{BASE}/sessions/{one['id']}/reject", json={"reason": "没有签到"})
    assert rejected.json["status"] == "rejected" and rejected.json["reject_reason"] == "没有签到"
    two = volunteer_api.post(f"{BASE}/sessions", json=_body(tb, hours_ago=60)).json
    staff_api.post(f"{BASE}/sessions/{two['id']}/confirm", json={})
    regulator = api_as("regulator")
    reversed_ = regulator.post(f"{BASE}/sessions/{two['id']}/reverse", json={"reason": "不实"})
    assert reversed_.status_code == 200 and reversed_.json["status"] == "reversed"
    assert volunteer_api.get(f"{BASE}/account").json["balance"] == 0


def test_sessions_of_others_are_not_visible(tb, volunteer_api, api_as):
    created = volunteer_api.post(f"{BASE}/sessions", json=_body(tb)).json
    stranger = api_as("volunteer")
    assert stranger.get(f"{BASE}/sessions/{created['id']}").status_code == 404


def test_account_history_gift_donation_and_insufficient(tb, volunteer_api, make):
    person = volunteer_api.user.person
    tb.fund(person, 100)
    assert volunteer_api.post(f"{BASE}/donations", json={"minutes": 40}).status_code == 201
    too_much = volunteer_api.post(f"{BASE}/donations", json={"minutes": 61})
    assert too_much.status_code == 409 and too_much.json["code"] == "timebank.insufficient_credits"
    stranger = make.person(age=70)
    gift = volunteer_api.post(f"{BASE}/gifts", json={"to_person_id": stranger.id, "minutes": 10})
    assert gift.status_code == 403 and gift.json["code"] == "timebank.not_family"
    account = volunteer_api.get(f"{BASE}/account").json
    assert (account["balance"], account["available"]) == (60, 60)
    history = volunteer_api.get(f"{BASE}/history?per_page=1")
    assert history.status_code == 200 and history.json[0]["minutes"] == -40
    assert "X-Pagination" in history.headers
    assert volunteer_api.post(f"{BASE}/donations", json={"minutes": "lots"}).status_code == 422


def test_counter_redemption_flow_with_a_reservation_and_a_masked_presentation(tb, api_as, make):
    org = make.org(OrgKind.ELDERCARE)
    staff = api_as("institution_staff", org=org)
    item = staff.post(f"{BASE}/institutions/{org.id}/catalogue",
                      json={"name": "助浴", "service_minutes": 60}).json
    assert item["price_minutes"] == 60
    member = api_as("volunteer", age=78)
    elder = member.user.person
    tb.fund(elder, 100)
    found = staff.post(f"{BASE}/counter/presentations", json={"id_number": elder.id_number})
    assert found.status_code == 200 and found.json["available"] == 100
    assert found.json["id_number_masked"] != elder.id_number
    assert not UNMASKED_ID_PATTERN.search(found.get_data(as_text=True))
    created = member.post(f"{BASE}/redemptions", json={"item_id": item["id"]})
    assert created.status_code == 201 and len(created.json["code"]) == 6  # the member's own
    rid = created.json["id"]
    wrong = staff.post(f"{BASE}/redemptions/{rid}/complete", json={"code": "x"})
    assert wrong.status_code == 422 and wrong.json["code"] == "timebank.wrong_code"
    done = staff.post(f"{BASE}/redemptions/{rid}/complete", json={"code": created.json["code"]})
    assert done.status_code == 200 and done.json["status"] == "posted"
    assert ledger.balances(elder.id) == (40, 0, 40)
    assert staff.get(f"{BASE}/redemptions/{rid}").json["code"] is None  # only for the member


def test_certificate_issue_and_public_verification(tb, volunteer_api, client):
    tb.confirmed(volunteer_api.user)
    issued = volunteer_api.post(f"{BASE}/certificates", json={})
    assert issued.status_code == 201
    number, code = issued.json["number"], issued.json["verification_code"]
    checked = client.get(f"{BASE}/certificates/{number}/verify?code={code}")
    assert checked.status_code == 200
    assert checked.json["genuine"] is True and checked.json["code_matches"] is True
    assert checked.json["name"] != volunteer_api.user.person.name
    assert client.get(f"{BASE}/certificates/NOPE/verify").status_code == 404


def test_roster_and_import_report_rows(tb, staff_api, make):
    a, b = tb.volunteer().person, tb.volunteer().person
    body = {k: v for k, v in _body(tb).items() if k not in ("recipient_org_id",)}
    body.update(volunteers=[{"volunteer_id": a.id}, {"volunteer_id": 999999}], confirm=True)
    response = staff_api.post(f"{BASE}/sessions/roster", json=body)
    assert response.status_code == 201, response.json
    assert (response.json["created"], response.json["refused"]) == (1, 1)
    assert response.json["rows"][1]["code"] == "timebank.unknown_volunteer"
    day = (clock.now() - timedelta(days=4)).date().isoformat()
    csv = ("志愿者编号,姓名,开始时间,结束时间,服务类别,区县,服务地址\n"
           f"{b.volunteer_number},{b.name},{day} 09:00,{day} 10:00,助洁,天宁区,某小区\n")
    upload = staff_api.client.post(
        f"{BASE}/sessions/import?org_id={tb.org.id}",
        data={"file": (io.BytesIO(csv.encode("utf-8-sig")), "名单.csv")},
        headers={"Authorization": f"Bearer {staff_api.token}"},
        content_type="multipart/form-data")
    assert upload.status_code == 201, upload.json
    assert upload.json["created"] == 1
    other_org = make.org()
    refused = staff_api.post(f"{BASE}/sessions/roster", json={**body, "org_id": other_org.id})
    assert refused.status_code == 403


def test_statistics_and_ledger_check_for_regulators(tb, api_as):
    tb.confirmed(tb.volunteer())
    regulator = api_as("regulator")
    data = regulator.get(f"{BASE}/stats").json
    assert data["sessions"] >= 0 and len(data["by_month"]) == 12
    csv = regulator.get(f"{BASE}/stats/export.csv")
    assert csv.status_code == 200 and csv.data.startswith("\ufeff".encode())
    assert regulator.get(f"{BASE}/stats/export.xlsx").status_code == 200
    assert regulator.get(f"{BASE}/stats/export.pdf").status_code == 404
    assert regulator.get(f"{BASE}/ledger/verify").json["ok"] is True
    assert api_as("volunteer").get(f"{BASE}/stats").status_code == 403


def test_redemption_item_must_exist(tb, api_as, make):
    org = make.org(OrgKind.ELDERCARE)
    staff = api_as("institution_staff", org=org)
    response = staff.post(f"{BASE}/redemptions", json={"item_id": 424242, "person_id": 1})
    assert response.status_code == 404
    assert redemption.catalogue(org.id) == []


def test_a_retried_donation_with_the_same_key_moves_credits_once(tb, volunteer_api):
    tb.fund(volunteer_api.user.person, 100)
    headers = {"Idempotency-Key": "donate-1"}
    for _ in range(3):
        response = volunteer_api.post(f"{BASE}/donations", json={"minutes": 30}, headers=headers)
        assert response.status_code == 201
    assert volunteer_api.get(f"{BASE}/account").json["balance"] == 70


def test_the_openapi_document_describes_the_time_bank(app, client):
    spec = client.get("/api/openapi.json").json
    paths = [p for p in spec["paths"] if p.startswith(BASE)]
    assert f"{BASE}/sessions/{{session_id}}/confirm" in paths
    assert f"{BASE}/redemptions/{{redemption_id}}/complete" in paths
    assert len(paths) >= 25


def test_history_reads_in_the_same_few_queries_however_many_lines(tb, volunteer_api, make):
    """Each line names the service and whom it was for: they come with the page, not line by
    line (a volunteer with years of service reads the history as fast as a new one)."""
    user = volunteer_api.user
    tb.confirmed(user, hours_ago=30)
    volunteer_api.get(f"{BASE}/history")  # first use: catalogues and the like
    with Statements() as one:
        assert len(volunteer_api.get(f"{BASE}/history").json) == 1
    for hours in (60, 90, 120):
        elder = make.person(age=80, volunteer=False)
        tb.confirmed(user, hours_ago=hours, recipient_person_id=elder.id, recipient_org_id=None)
    db.session.commit()
    with Statements() as four:
        lines = volunteer_api.get(f"{BASE}/history").json
    assert len(lines) == 4 and four.count == one.count


def test_the_balance_read_costs_three_statements(tb, api_as):
    """The hottest read: the token with its user and roles, the person by its key, then the
    balance, the hold and the pending count in one statement — nothing loaded lazily (a
    member old enough to redeem: no look for gifts either)."""
    volunteer_api = api_as("volunteer", age=70)
    tb.fund(volunteer_api.user.person, 90)
    db.session.commit()
    volunteer_api.get(f"{BASE}/account")
    with Statements() as sql:
        body = volunteer_api.get(f"{BASE}/account").json
    assert (body["balance"], body["available"], body["pending_sessions"]) == (90, 90, 0)
    assert sql.count == 3, sql.seen
