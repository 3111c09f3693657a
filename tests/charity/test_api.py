"""The charity JSON API through the client: posting, bad input, privacy of the board, the
proposal flow, items, statistics and volunteers."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from charity.models import Need
from core import clock
from core.extensions import db
from tests.helpers import Statements

BASE = "/api/v1/charity"


def _need_body(ch, **over):
    body = {"org_id": ch.org.id, "item_id": ch.item("rice").id, "quantity": 100,
            "urgency": 3, "district_id": ch.district().id, "address": "天宁区红梅新村 3 幢",
            "deadline": (clock.now() + timedelta(days=7)).isoformat(), "description": "慈善超市补货"}
    body.update(over)
    return body


@pytest.fixture
def staff_api(ch, api_as):
    return api_as(user=ch.staff)


@pytest.fixture
def donor_api(ch, api_as):
    return api_as(user=ch.donor_staff)


def test_staff_post_a_need_and_get_it_back_in_full(ch, staff_api):
    response = staff_api.post(f"{BASE}/needs", json=_need_body(ch))
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["quantity"], body["unit"], body["status"]) == (100, "kg", "open")
    got = staff_api.get(f"{BASE}/needs/{body['id']}")
    assert got.json["address"] == "天宁区红梅新村 3 幢"


@pytest.mark.parametrize(("over", "code", "field"), [
    ({"quantity": -3}, "charity.bad_quantity", "quantity"),
    ({"deadline": "2020-01-01T09:00:00+08:00"}, "charity.deadline_past", "deadline"),
    ({"item_id": 4242}, "charity.unknown_item", "item_id"),
    ({"unit": "斤"}, "charity.unit_mismatch", "unit"),
])
def test_bad_input_is_a_422_with_a_stable_code_and_the_field(ch, staff_api, over, code, field):
    response = staff_api.post(f"{BASE}/needs", json=_need_body(ch, **over))
    assert response.status_code == 422
    assert response.json["code"] == code and field in response.json["errors"]
    assert db.session.execute(sa.select(sa.func.count(Need.id))).scalar_one() == 0


def test_malformed_bodies_are_refused_not_crashed(ch, staff_api):
    for body in ({}, {"quantity": "lots"}, {**_need_body(ch), "colour": "red"},
                 {**_need_body(ch), "quantity": 1.5}):
        assert staff_api.post(f"{BASE}/needs", json=body).status_code == 422


def test_a_repeated_idempotency_key_posts_once(ch, staff_api):
    headers, body = {"Idempotency-Key": "need-2026-001"}, _need_body(ch)
    first = staff_api.post(f"{BASE}/needs", json=body, headers=headers)
    again = staff_api.post(f"{BASE}/needs", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert db.session.execute(sa.select(sa.func.count(Need.id))).scalar_one() == 1
    other = staff_api.post(f"{BASE}/needs", json={**body, "quantity": 5}, headers=headers)
    assert other.status_code == 409


def test_the_public_board_never_shows_a_person_in_difficulty(ch, client, make):
    elder = make.person(age=82, volunteer=False, name="孙桂兰", phone="13912345678")
    ch.need(beneficiary=elder, item="quilt", qty=2, urgency=4)
    response = client.get(f"{BASE}/board")
    assert response.status_code == 200
    [row] = response.json
    assert row["poster"].endswith("（代困难群众登记）") and row["urgency"] == 4
    text = response.get_data(as_text=True)
    for secret in ("孙桂兰", elder.id_number, "13912345678", "红梅新村"):
        assert secret not in text
    assert "address" not in row and "beneficiary" not in row


def test_owners_see_the_beneficiary_masked(ch, staff_api, make):
    elder = make.person(age=82, volunteer=False)
    need = ch.need(beneficiary=elder)
    body = staff_api.get(f"{BASE}/needs/{need.id}").json
    assert body["beneficiary"]["id_number_masked"] == elder.id_number_masked
    assert elder.id_number not in str(body)


def test_another_organizations_need_does_not_exist_for_me(ch, api_as, make):
    need = ch.need()
    other = api_as("org_staff", org=make.org())
    assert other.get(f"{BASE}/needs/{need.id}").status_code == 404
    assert other.post(f"{BASE}/needs/{need.id}/withdraw", json={}).status_code == 404


def test_run_answer_and_fulfil_through_the_api(ch, staff_api, donor_api):
    ch.need(qty=20, urgency=4)
    ch.offer(qty=20)
    run = staff_api.post(f"{BASE}/runs", json={})
    assert run.status_code == 201 and run.json["proposals_created"] == 1
    [proposal] = staff_api.get(f"{BASE}/proposals?waiting_for_me=true").json
    assert "同一物品" in proposal["explanation_text"] and proposal["reasons"]
    pid = proposal["id"]
    assert staff_api.post(f"{BASE}/proposals/{pid}/accept", json={}).status_code == 200
    accepted = donor_api.post(f"{BASE}/proposals/{pid}/accept", json={})
    assert accepted.json["status"] == "accepted"
    bad = staff_api.post(f"{BASE}/proposals/{pid}/fulfil", json={
        "delivered_quantity": 21, "delivered_on": clock.today().isoformat()})
    assert bad.status_code == 422 and "delivered_quantity" in bad.json["errors"]
    done = staff_api.post(f"{BASE}/proposals/{pid}/fulfil", json={
        "delivered_quantity": 20, "delivered_on": clock.today().isoformat(), "note": "QS1"})
    assert done.status_code == 200 and done.json["status"] == "fulfilled"


def test_declining_without_a_reason_is_refused(ch, staff_api):
    ch.need()
    ch.offer()
    staff_api.post(f"{BASE}/runs", json={})
    [proposal] = staff_api.get(f"{BASE}/proposals").json
    response = staff_api.post(f"{BASE}/proposals/{proposal['id']}/decline", json={})
    assert response.status_code == 422 and response.json["code"] == "charity.reason_required"


def test_a_volunteer_offers_as_a_person(ch, api_as):
    volunteer = api_as("volunteer")
    body = {"item_id": ch.item("winter_coat").id, "quantity": 3,
            "district_id": ch.district().id,
            "available_until": (clock.now() + timedelta(days=20)).isoformat()}
    response = volunteer.post(f"{BASE}/offers", json=body)
    assert response.status_code == 201, response.json
    assert response.json["org_id"] is None and response.json["poster"].startswith("爱心人士")


def test_only_admins_manage_the_items(ch, api_as, client):
    body = {"code": "eggs", "name": "鸡蛋", "name_en": "Eggs", "category": "goods",
            "unit": "箱", "unit_en": "cases"}
    assert api_as("org_staff").post(f"{BASE}/items", json=body).status_code == 403
    admin = api_as("admin")
    created = admin.post(f"{BASE}/items", json=body)
    assert created.status_code == 201
    sub = admin.post(f"{BASE}/items/{created.json['id']}/substitutes",
                     json={"substitute_id": ch.item("milk").id})
    assert sub.status_code == 201 and sub.json["substitutes"] == ["milk"]
    listed = client.get(f"{BASE}/items?category=goods").json
    assert "eggs" in {i["code"] for i in listed}


def test_statistics_are_for_regulators(ch, api_as):
    ch.need()
    assert api_as("org_staff").get(f"{BASE}/stats").status_code == 403
    body = api_as("regulator").get(f"{BASE}/stats").json
    assert body["total"]["posted"] == 1 and body["open_by_urgency"]["2"] == 1
    bad = api_as("regulator").get(f"{BASE}/stats?since=2026-05-01&until=2026-01-01")
    assert bad.status_code == 422


def test_volunteer_profile_ranking_and_sign_up(ch, api_as):
    opp = ch.opportunity(skills=("meal",))
    volunteer = api_as("volunteer")
    saved = volunteer.put(f"{BASE}/profile", json={
        "skills": ["meal"], "district_id": ch.district().id,
        "availability": [[d, "morning"] for d in range(7)]})
    assert saved.status_code == 200 and saved.json["skills"] == ["meal"]
    bad = volunteer.put(f"{BASE}/profile", json={"availability": [["monday", 3]]})
    assert bad.status_code == 422
    [ranked] = volunteer.get(f"{BASE}/opportunities/for-me").json
    assert ranked["opportunity"]["id"] == opp.id and ranked["score"] > 50
    assert any("技能相符" in r for r in ranked["reasons"])
    assert volunteer.post(f"{BASE}/opportunities/{opp.id}/signups", json={}).status_code == 201
    assert volunteer.post(f"{BASE}/opportunities/{opp.id}/signups", json={}).status_code == 409
    roster = api_as(user=ch.staff).get(f"{BASE}/opportunities/{opp.id}/signups").json
    assert roster[0]["volunteer_name"] == volunteer.user.display_name


def test_a_need_for_a_person_in_difficulty_names_them_by_id_number(ch, staff_api, make):
    elder = make.person(age=84, volunteer=False, name="钱桂英")
    body = _need_body(ch, beneficiary_name="钱桂英", beneficiary_id_number=elder.id_number)
    created = staff_api.post(f"{BASE}/needs", json=body)
    assert created.status_code == 201
    assert created.json["beneficiary"]["name"] == "钱桂英"
    wrong = staff_api.post(f"{BASE}/needs", json={**body, "beneficiary_name": "赵建国"})
    assert wrong.status_code == 422 and "beneficiary_name" in wrong.json["errors"]
    bad_id = staff_api.post(f"{BASE}/needs", json={
        **body, "beneficiary_name": "孙秀英", "beneficiary_id_number": "32040219500101001X"})
    assert bad_id.status_code == 422 and "beneficiary_id_number" in bad_id.json["errors"]


def test_the_organizer_edits_an_opportunity_through_the_api(ch, staff_api, api_as):
    opp = ch.opportunity(headcount=2)
    changed = staff_api.patch(f"{BASE}/opportunities/{opp.id}", json={"headcount": 4})
    assert changed.status_code == 200 and changed.json["places_left"] == 4
    other = api_as("org_staff").patch(f"{BASE}/opportunities/{opp.id}", json={"headcount": 9})
    assert other.status_code == 403


def test_the_board_reads_in_the_same_few_queries_however_many_lines(ch, client):
    """Each line's item, district, poster and opportunity come with the page, not one by one."""
    ch.need(item="quilt")
    client.get(f"{BASE}/board")  # first use: catalogues and the like
    with Statements() as one:
        assert len(client.get(f"{BASE}/board").json) == 1
    for item in ("rice", "cooking_oil", "noodles", "winter_coat"):
        ch.need(item=item)
    with Statements() as five:
        assert len(client.get(f"{BASE}/board").json) == 5
    assert five.count == one.count


def test_the_board_is_cached_a_minute_for_the_public_and_private_when_signed_in(
        ch, client, login_as):
    ch.need(item="quilt")
    db.session.commit()
    first = client.get(f"{BASE}/board")
    assert first.status_code == 200 and first.headers["Cache-Control"] == "public, max-age=60"
    again = client.get(f"{BASE}/board", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    ch.need(item="rice")  # a new need: a new page, a new tag
    db.session.commit()
    changed = client.get(f"{BASE}/board", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and len(changed.json) == 2
    assert changed.headers["ETag"] != first.headers["ETag"]
    login_as("volunteer")  # the session cookie
    mine = client.get(f"{BASE}/board")
    assert mine.status_code == 200 and mine.headers["Cache-Control"] == "private, no-cache"
