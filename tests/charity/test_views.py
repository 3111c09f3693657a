"""Charity pages through the client: the board, posting with bad input, proposals, the
volunteer's pages, attendance, the regulator dashboard and the items."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from charity import runs, signups
from charity.models import Need, Proposal
from charity.vocabulary import SignupStatus
from core import clock
from core.extensions import db
from core.timeutil import to_local
from tests.helpers import csrf_token, form_post


def _local(value) -> str:
    return to_local(value).strftime("%Y-%m-%dT%H:%M")


def _need_form(ch, **over):
    data = {"org_id": ch.org.id, "item_id": ch.item("rice").id, "quantity": "120",
            "urgency": "4", "deadline": _local(clock.now() + timedelta(days=5)),
            "district_id": ch.district().id, "address": "天宁区红梅新村 3 幢",
            "description": "慈善超市补货"}
    data.update(over)
    return data


def test_the_board_is_public_and_hides_persons(ch, client, make):
    elder = make.person(age=80, volunteer=False, name="孙桂兰")
    ch.need(beneficiary=elder, item="quilt", urgency=4)
    page = client.get("/charity/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "棉被" in text and "紧急程度 4" in text
    assert "孙桂兰" not in text and "红梅新村" not in text
    filtered = client.get(f"/charity/?district_id={ch.district('liyang').id}&category=goods")
    assert "棉被" not in filtered.get_data(as_text=True)


def test_staff_post_a_need_through_the_form(ch, client, login_as):
    login_as(user=ch.staff)
    response = form_post(client, "/charity/needs/new", _need_form(ch))
    assert response.status_code == 302
    need = db.session.execute(sa.select(Need)).scalar_one()
    assert (need.quantity, need.urgency, need.unit) == (120, 4, "kg")


def test_bad_form_input_is_shown_next_to_the_field_and_saves_nothing(ch, client, login_as):
    login_as(user=ch.staff)
    response = form_post(client, "/charity/needs/new", _need_form(ch, quantity="-5"))
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="quantity-err"' in text and "数量必须是大于 0 的整数" in text
    past = form_post(client, "/charity/needs/new",
                     _need_form(ch, deadline=_local(clock.now() - timedelta(days=1))))
    assert "截止时间必须晚于现在" in past.get_data(as_text=True)
    assert db.session.execute(sa.select(sa.func.count(Need.id))).scalar_one() == 0


def test_staff_without_an_organization_are_sent_to_register_one(client, login_as):
    login_as("org_staff")
    response = client.get("/charity/needs/new")
    assert response.status_code == 302 and "/orgs/mine" in response.headers["Location"]


def test_run_now_then_accept_a_proposal_on_its_page(ch, client, login_as):
    need = ch.need(qty=10, urgency=4)
    ch.offer(qty=10)
    login_as(user=ch.staff)
    page = f"/charity/needs/{need.id}"
    response = form_post(client, "/charity/match", {"next": page}, page=page)
    assert response.status_code == 302 and response.headers["Location"].endswith(page)
    proposal = db.session.execute(sa.select(Proposal)).scalar_one()
    detail = client.get(f"/charity/proposals/{proposal.id}").get_data(as_text=True)
    assert "为什么推荐这一对" in detail and "同一物品" in detail and "距离约" in detail
    answer = form_post(client, f"/charity/proposals/{proposal.id}/answer",
                       {"side": "need", "answer": "accept"},
                       page=f"/charity/proposals/{proposal.id}")
    assert answer.status_code == 302
    db.session.refresh(proposal)
    assert proposal.need_decision == "accepted"


def test_declining_on_the_page_needs_a_reason(ch, client, login_as):
    ch.need()
    ch.offer()
    runs.run_matching(None)
    proposal = db.session.execute(sa.select(Proposal)).scalar_one()
    login_as(user=ch.donor_staff)
    url = f"/charity/proposals/{proposal.id}"
    response = form_post(client, f"{url}/answer", {"side": "offer", "answer": "decline"},
                         page=url)
    assert response.status_code == 422 and "请说明谢绝的原因" in response.get_data(as_text=True)


def test_my_page_lists_what_waits_for_my_answer(ch, client, login_as):
    ch.need()
    ch.offer()
    runs.run_matching(None)
    login_as(user=ch.staff)
    text = client.get("/charity/mine").get_data(as_text=True)
    assert "等待我答复的对接建议" in text and "/charity/proposals/" in text


def test_a_volunteer_saves_a_profile_and_signs_up(ch, client, login_as):
    opp = ch.opportunity(skills=("meal",))
    volunteer = login_as("volunteer")
    response = form_post(client, "/charity/profile", {
        "skills": ["meal"], "district_id": ch.district().id,
        "availability": ["0:morning", "1:morning", "2:morning", "3:morning", "4:morning",
                         "5:morning", "6:morning"]})
    assert response.status_code == 302
    listing = client.get("/charity/opportunities").get_data(as_text=True)
    assert "契合度" in listing and "技能相符" in listing
    url = f"/charity/opportunities/{opp.id}"
    form_post(client, f"{url}/signup", {}, page=url)
    [row] = signups.my_signups(volunteer.person_id)
    assert row.status == SignupStatus.SIGNED_UP


def test_anonymous_visitors_see_opportunities_without_ranking(ch, client):
    ch.opportunity()
    text = client.get("/charity/opportunities").get_data(as_text=True)
    assert "社区长者助餐送餐" in text and "契合度" not in text


def test_the_organizer_confirms_attendance_on_the_roster(ch, client, login_as):
    from tests.charity.test_opportunities import _past_opportunity

    volunteer = ch.volunteer()
    opp, row = _past_opportunity(ch, volunteer)
    login_as(user=ch.staff)
    roster = f"/charity/opportunities/{opp.id}/signups"
    assert volunteer.display_name in client.get(roster).get_data(as_text=True)
    response = form_post(client, f"/charity/signups/{row.id}/attendance",
                         {"outcome": "served", "served_start": _local(opp.start_at),
                          "served_end": _local(opp.end_at), "note": ""}, page=roster)
    assert response.status_code == 302
    db.session.refresh(row)
    assert row.status == SignupStatus.SERVED and row.minutes == 120


def test_the_regulator_dashboard_and_exports(ch, client, login_as):
    ch.need()
    login_as("regulator")
    page = client.get("/charity/dashboard")
    assert page.status_code == 200 and "满足率" in page.get_data(as_text=True)
    csv = client.get("/charity/dashboard/export.csv")
    assert csv.data.startswith("\ufeff".encode()) and csv.mimetype == "text/csv"
    xlsx = client.get("/charity/dashboard/export.xlsx")
    assert xlsx.data[:2] == b"PK"
    assert client.get("/charity/dashboard/export.pdf").status_code == 404
    assert client.get("/charity/dashboard?since=bad&until=2026-13-40").status_code == 200


def test_admins_manage_the_items_on_pages(ch, client, login_as):
    login_as("admin")
    assert "大米" in client.get("/charity/catalogue").get_data(as_text=True)
    bad = form_post(client, "/charity/catalogue/new", {
        "code": "Bad Code", "name": "鸡蛋", "name_en": "Eggs", "category": "goods",
        "unit": "箱", "unit_en": "cases", "sort_order": "5", "active": "y"})
    assert bad.status_code == 422
    good = form_post(client, "/charity/catalogue/new", {
        "code": "eggs", "name": "鸡蛋", "name_en": "Eggs", "category": "goods",
        "unit": "箱", "unit_en": "cases", "sort_order": "5", "active": "y"})
    assert good.status_code == 302
    eggs = ch.item("eggs")
    token = csrf_token(client.get(f"/charity/catalogue/{eggs.id}").data)
    client.post(f"/charity/catalogue/{eggs.id}/substitutes",
                data={"csrf_token": token, "substitute_id": ch.item("milk").id})
    assert "牛奶" in client.get(f"/charity/catalogue/{eggs.id}").get_data(as_text=True)


def test_home_panels_show_the_charity_work_of_each_role(ch, client, login_as):
    ch.need()
    ch.offer()
    runs.run_matching(None)
    login_as(user=ch.staff)
    text = client.get("/").get_data(as_text=True)
    assert "慈善供需对接" in text and "等待您答复的对接建议" in text


def test_pages_render_in_english(ch, client, login_as):
    ch.need(item="quilt")
    text = client.get("/charity/?lang=en").get_data(as_text=True)
    assert "Quilt" in text and "Urgency" in text


def test_staff_sign_up_a_volunteer_by_number_on_the_roster(ch, client, login_as, make):
    elder = make.person(age=67)
    opp = ch.opportunity()
    login_as(user=ch.staff)
    roster = f"/charity/opportunities/{opp.id}/signups"
    assert "代为报名" in client.get(roster).get_data(as_text=True)
    form_post(client, f"{roster}/on-behalf", {"volunteer_number": "CZ99999999"}, page=roster)
    form_post(client, f"{roster}/on-behalf", {"volunteer_number": elder.volunteer_number},
              page=roster)
    assert [s.person_id for s in signups.my_signups(elder.id)] == [elder.id]



def test_the_bureau_sees_every_organizations_needs_and_offers_with_filters(
        ch, client, login_as, make):
    other_org = make.org(district="wujin")
    other_staff = make.user("org_staff", org=other_org)
    urgent = ch.need(urgency=4)
    ch.need(actor=other_staff, org=other_org, item="quilt", district="wujin", urgency=2)
    ch.offer(item="milk")
    db.session.commit()
    login_as("regulator")
    page = client.get("/charity/oversight").get_data(as_text=True)
    assert page.count("/charity/needs/") == 2 and ch.org.name in page and other_org.name in page
    only_urgent = client.get("/charity/oversight?urgency=4").get_data(as_text=True)
    assert f"/charity/needs/{urgent.id}" in only_urgent and only_urgent.count("/charity/needs/") == 1
    by_district = client.get(f"/charity/oversight?district_id={ch.district('wujin').id}")
    assert other_org.name in by_district.get_data(as_text=True)
    assert ch.org.name not in by_district.get_data(as_text=True)
    offers = client.get("/charity/oversight?kind=offer").get_data(as_text=True)
    assert "/charity/offers/" in offers and "/charity/needs/" not in offers
    assert client.get("/charity/oversight?older_than_days=1").get_data(as_text=True).count(
        "/charity/needs/") == 0  # everything here was posted today
    assert client.get("/charity/oversight?kind=nonsense&urgency=9").status_code == 200
    login_as(user=ch.staff)
    assert client.get("/charity/oversight").status_code == 403
