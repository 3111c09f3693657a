"""Pages: a volunteer logs and follows a session, staff confirm, the counter redeems and
prints a receipt, regulators read statistics; errors show next to the field."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import sqlalchemy as sa

from core import clock
from core.extensions import db
from core.ids import UNMASKED_ID_PATTERN
from core.orgs.models import OrgKind
from core.timeutil import to_local
from tests.helpers import csrf_token, form_post
from timebank import certificates, ledger, redemption
from timebank.models import Redemption, ServiceSession


def _local(dt) -> str:
    return to_local(dt).strftime("%Y-%m-%dT%H:%M")


def _session_form(tb, end, minutes=90, **over):
    start = end - timedelta(minutes=minutes)
    data = {"recipient_kind": "org", "recipient_org_id": str(tb.org.id), "org_id": str(tb.org.id),
            "category": "companionship", "district_id": str(tb.district.id),
            "address": "钟楼区某小区", "start": _local(start), "end": _local(end),
            "description": "陪伴聊天", "_idem": "k-" + _local(end)}
    data.update(over)
    return data


def test_volunteer_dashboard_shows_balance_and_pending(tb, client, login_as):
    user = login_as("volunteer")
    tb.fund(user.person, 150)
    tb.session(user)
    page = client.get("/timebank/").get_data(as_text=True)
    assert "2 小时 30 分钟" in page and "待确认" in page
    assert user.person.id_number not in page


def test_logging_a_session_through_the_form(tb, client, login_as):
    login_as("volunteer")
    end = tb.data(tb.volunteer().person)["end"]
    response = form_post(client, "/timebank/sessions/new", _session_form(tb, end))
    assert response.status_code == 302
    row = db.session.execute(sa.select(ServiceSession)).scalar_one()
    assert row.minutes == 90 and row.status == "pending"
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "陪伴聊天" in detail and "1 小时 30 分钟" in detail


def test_a_refused_session_shows_the_message_next_to_the_field(tb, client, login_as):
    login_as("volunteer")
    end = tb.data(tb.volunteer().person, hours_ago=-2)["end"]  # in the future
    response = form_post(client, "/timebank/sessions/new", _session_form(tb, end))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="end-err"' in page and "不能登记尚未结束的服务" in page
    unknown = form_post(client, "/timebank/sessions/new", _session_form(
        tb, tb.data(tb.volunteer().person)["end"], recipient_kind="person",
        recipient_number="CZ99999999"))
    assert unknown.status_code == 422 and 'id="recipient_number-err"' in unknown.get_data(
        as_text=True)
    assert db.session.execute(sa.select(sa.func.count()).select_from(ServiceSession)
                              ).scalar() == 0


def test_a_double_tap_posts_the_session_once(tb, client, login_as):
    login_as("volunteer")
    data = _session_form(tb, tb.data(tb.volunteer().person)["end"])
    token = csrf_token(client.get("/timebank/sessions/new").data)
    for _ in range(2):
        client.post("/timebank/sessions/new", data={"csrf_token": token, **data})
    assert db.session.execute(sa.select(sa.func.count()).select_from(ServiceSession)
                              ).scalar() == 1


def test_staff_confirm_from_their_list(tb, client, login_as):
    volunteer = tb.volunteer()
    row = tb.session(volunteer)
    login_as(user=tb.staff)
    page = client.get("/timebank/confirm").get_data(as_text=True)
    assert volunteer.person.name in page
    response = form_post(client, f"/timebank/sessions/{row.id}/confirm",
                         {"next": "/timebank/confirm"}, page="/timebank/confirm")
    assert response.status_code == 302
    assert ledger.balances(volunteer.person.id)[0] == row.minutes


def test_deciding_goes_back_only_to_this_site(tb, client, login_as):
    """``next`` "/<TAB>/evil.example" passed the one-slash check and left the site once the
    browser dropped the tab (found by tests/security); such a target goes to the session."""
    volunteer = tb.volunteer()
    login_as(user=tb.staff)
    token = csrf_token(client.get("/timebank/confirm").data)
    for hours_ago, target in ((30, "/\t/evil.example"), (33, "/\\evil.example"),
                              (36, "/\r\n/evil.example")):
        row = tb.session(volunteer, hours_ago=hours_ago)
        response = client.post(f"/timebank/sessions/{row.id}/confirm",
                               data={"csrf_token": token, "next": target})
        assert response.headers["Location"] == f"/timebank/sessions/{row.id}", target


def test_counter_serves_an_elder_without_a_login_and_prints_a_masked_receipt(
        tb, app, client, login_as, make):
    """ID card checked by one clerk, approved by a second (tests/security has the refusals)."""
    org = make.org(OrgKind.ELDERCARE)
    staff = login_as("institution_staff", org=org)
    colleague = make.user("institution_staff", org=org)
    item = redemption.add_item(staff, org.id, {"name": "理发", "service_minutes": 30})
    elder = make.person(age=81, name="赵桂英", volunteer=False)
    tb.fund(elder, 100)
    found = form_post(client, "/timebank/counter", {"q": elder.id_number})
    assert found.status_code == 302
    member_url = found.headers["Location"]
    page = client.get(member_url).get_data(as_text=True)
    assert "赵桂英" in page and elder.id_number_masked in page and "年龄" not in page
    assert not UNMASKED_ID_PATTERN.search(page)
    created = form_post(client, member_url, {"item_id": str(item.id), "quantity": "2",
                                             "id_checked": "y"})
    assert created.status_code == 302
    row = db.session.execute(sa.select(Redemption)).scalar_one()
    assert row.status == "requested" and ledger.balances(elder.id) == (100, 0, 100)
    detail = created.headers["Location"]

    second = app.test_client()
    with second.session_transaction() as session:
        session["_user_id"], session["_fresh"] = colleague.get_id(), True
    approved = form_post(second, f"/timebank/redemptions/{row.id}/approve", {}, page=detail)
    assert approved.status_code == 302 and ledger.balances(elder.id) == (100, 60, 40)
    done = form_post(client, f"/timebank/redemptions/{row.id}/complete", {}, page=detail)
    receipt = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "1 小时" in receipt and elder.id_number_masked in receipt
    assert "会员剩余可用时间" in receipt and "40 分钟" in receipt and org.name in receipt
    assert not UNMASKED_ID_PATTERN.search(receipt)
    assert ledger.balances(elder.id) == (40, 0, 40)


def test_certificate_page_issues_a_pdf_and_the_public_page_checks_it(tb, client, login_as):
    user = login_as("volunteer")
    tb.confirmed(user)
    form_post(client, "/timebank/certificates", {"_idem": "c1"})
    page = client.get("/timebank/certificates").get_data(as_text=True)
    number = re.search(r"(TB\d{8}-[0-9A-F]{8})", page).group(1)
    pdf = client.get(f"/timebank/certificates/{number}.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    client.post("/logout", data={"csrf_token": csrf_token(page)})
    public = client.get(f"/verify/{number}").get_data(as_text=True)
    assert "请输入证明上印的验证码" in public and user.person.name not in public
    code = certificates.get_by_number(number).verification_code
    assert "真实有效" in client.get(f"/verify/{number}?code={code}").get_data(as_text=True)
    wrong = client.get(f"/verify/{number}?code=WRONG-CODE").get_data(as_text=True)
    assert "验证码不一致" in wrong and "真实有效" not in wrong
    assert client.get("/verify/TB-NOPE").status_code == 404


def test_regulator_statistics_export_and_allocation(tb, client, login_as, make):
    login_as("regulator")
    donor = tb.volunteer()
    tb.fund(donor.person, 120)
    from timebank import transfers

    transfers.donate(donor, donor.person, 120)
    assert "按区县" in client.get("/timebank/stats").get_data(as_text=True)
    csv = client.get(f"/timebank/stats/export.csv?year={clock.today().year}")
    assert csv.data.startswith("\ufeff".encode())
    elder = make.person(age=88)
    response = form_post(client, "/timebank/allocations",
                         {"member": elder.volunteer_number, "hours": "1", "minutes": "0",
                          "reason": "失能独居", "_idem": "a1"})
    assert response.status_code == 302
    assert ledger.balances(elder.id)[0] == 60
    assert "账本一致" in client.get("/timebank/ledger").get_data(as_text=True)


def test_roster_import_page_lists_bad_rows(tb, client, login_as):
    login_as(user=tb.staff)
    good = tb.volunteer().person
    day = (clock.today() - timedelta(days=2)).isoformat()
    csv = ("志愿者编号,姓名,开始时间,结束时间,服务类别,区县,服务地址\n"
           f"{good.volunteer_number},{good.name},{day} 09:00,{day} 10:00,助洁,天宁区,甲\n"
           f"CZ99999999,无名,{day} 09:00,{day} 10:00,助洁,天宁区,乙\n")
    token = csrf_token(client.get("/timebank/org/import").data)
    response = client.post("/timebank/org/import", data={
        "csrf_token": token, "org_id": str(tb.org.id), "_idem": "i1",
        "file": (io.BytesIO(csv.encode("utf-8-sig")), "roster.csv")},
        content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "已登记" in page and "未导入" in page
    assert "志愿者编号" in page
    assert db.session.execute(sa.select(sa.func.count()).select_from(ServiceSession)
                              ).scalar() == 1


def test_regulator_finds_a_session_and_reverses_it_from_its_page(tb, client, login_as):
    volunteer = tb.volunteer()
    row = tb.confirmed(volunteer)
    login_as("regulator")
    listing = client.get(f"/timebank/review?q={volunteer.person.volunteer_number}")
    assert f"/timebank/sessions/{row.id}" in listing.get_data(as_text=True)
    page = f"/timebank/sessions/{row.id}"
    assert "撤销并冲正" in client.get(page).get_data(as_text=True)
    form_post(client, f"{page}/reverse", {"reason": "回访不实"}, page=page)
    assert ledger.balances(volunteer.person.id)[0] == 0
    assert "回访不实" in client.get(page).get_data(as_text=True)


def test_history_filters_and_gift_page_lists_verified_family(tb, client, login_as, make):
    from core.accounts import services as accounts

    user = login_as("volunteer")
    tb.fund(user.person, 200)
    mother = make.person(age=80, name="钱秀英")
    link = accounts.declare_family_link(None, user.person, mother.id_number, mother.name,
                                        "parent")
    accounts.verify_family_link(make.user("regulator"), link)
    page = client.get("/timebank/gift").get_data(as_text=True)
    assert "钱秀英" in page
    response = form_post(client, "/timebank/gift", {"to_person_id": str(mother.id),
                                                    "hours": "1", "minutes": "15",
                                                    "_idem": "g1"})
    assert response.status_code == 302 and ledger.balances(mother.id)[0] == 75
    history = client.get("/timebank/history?kind=gift").get_data(as_text=True)
    assert "钱秀英" in history and "1 小时 15 分钟" in history
    empty = client.get("/timebank/history?kind=donation&since=2000-01-01").get_data(as_text=True)
    assert "钱秀英" not in empty
    too_much = form_post(client, "/timebank/gift", {"to_person_id": str(mother.id),
                                                    "hours": "5", "minutes": "0",
                                                    "_idem": "g2"})
    assert too_much.status_code == 409 and 'id="hours-err"' in too_much.get_data(as_text=True)


def test_pages_speak_english_when_asked(tb, client, login_as):
    login_as("volunteer")
    page = client.get("/timebank/?lang=en").get_data(as_text=True)
    assert "My time bank" in page and "Log a session" in page
    assert "我的时间银行" not in page


def test_a_login_without_a_person_gets_a_clear_message(app, client, login_as):
    from core.accounts.services import create_user

    staff = create_user(None, "staffvol", "correct-horse-1", "某工作人员",
                        ["org_staff", "volunteer"])
    login_as(user=staff)
    response = client.get("/timebank/")
    assert response.status_code == 409
    assert "还没有关联实名登记" in response.get_data(as_text=True)
    assert "我的时间银行" not in client.get("/").get_data(as_text=True)
