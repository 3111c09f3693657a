"""Real browser: a volunteer logs a session on a phone; counter staff redeem credits for an
elder and print the receipt."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from core import clock
from core.db import write_intent
from core.extensions import db
from core.orgs.models import OrgKind
from core.timeutil import to_local
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD
from timebank import confirmation, ledger, redemption, sessions
from timebank.models import Redemption, ServiceSession
from timebank.vocabulary import PostingKind

pytestmark = pytest.mark.browser


@pytest.fixture
def writing_setup():
    """Set-up writes like a request; then commit and close, so that no transaction of the
    test holds the SQLite write lock while the browser's requests need it."""
    token = write_intent.set(True)
    yield done_setting_up
    write_intent.reset(token)


def done_setting_up() -> None:
    db.session.commit()
    db.session.close()


def test_volunteer_logs_a_session_from_a_phone(live_server, page, make, writing_setup):
    """Issue 15: the guided form at 390×844 — the elder found by name, a mistake told next to
    the field, corrected, saved."""
    org = make.org(OrgKind.COMMUNITY, name="天宁区红梅社区居民委员会")
    volunteer = make.user("volunteer", username="laoli", age=64)
    elder = make.person(age=84, name="周秀兰")
    elder.registered_org_id = org.id  # registered by the community: one of its elders
    make.user("org_staff", org=org)
    ledger_person = volunteer.person_id
    earlier = sessions.log_session(None, {
        "volunteer_id": ledger_person, "recipient_person_id": elder.id, "org_id": org.id,
        "category": "companionship", "district_id": org.district_id, "address": "红梅新村",
        "start": clock.now() - timedelta(days=3, hours=2), "end": clock.now() - timedelta(days=3)})
    confirmation.confirm_for_org(None, earlier.id, org.id)
    elder_id, masked, org_id = elder.id, elder.id_number_masked, org.id
    writing_setup()
    end = to_local(clock.now() - timedelta(hours=3)).replace(second=0, microsecond=0)
    start = end - timedelta(minutes=90)

    sign_in(page, live_server, "laoli", PASSWORD)
    page.goto(f"{live_server}/timebank/sessions/new")
    assert page.locator("fieldset[data-mode=org]").is_hidden()  # only the chosen mode shows
    page.fill("#recipient_name", "秀兰")
    page.locator("#recipient_name-suggestions [role=option]", has_text=masked).click()
    page.fill("#org_name", "红梅社区")
    page.locator("#org_name-suggestions [role=option]").first.click()
    page.select_option("#category", "companionship")
    page.fill("#address", "红梅新村 12 幢 301")
    page.fill("#start", end.strftime("%Y-%m-%dT%H:%M"))  # the mistake: end before start
    page.fill("#end", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#description", "陪独居老人聊天、读报")
    page.click("button[type=submit].primary")
    assert page.locator("#end-err").inner_text() == "结束时间必须晚于开始时间。"
    assert page.input_value("#recipient_name") == "周秀兰"  # the choice survives the refusal

    page.fill("#start", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#end", end.strftime("%Y-%m-%dT%H:%M"))
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")

    assert "已登记" in page.content()
    assert "1 小时 30 分钟" in page.content() and "待确认" in page.content()
    row = db.session.execute(sa.select(ServiceSession).where(
        ServiceSession.status == "pending")).scalar_one()
    assert (row.volunteer_id, row.recipient_person_id, row.org_id, row.minutes) == (
        ledger_person, elder_id, org_id, 90)


def _phone(browser):
    """A second person's phone: a browser context of its own (its own cookies)."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


def _institution(make, name="常州市天宁区康乐颐养院"):
    home = make.org(OrgKind.ELDERCARE, name=name)
    make.user("institution_staff", username="qiantai", org=home)
    item = redemption.add_item(None, home.id, {"name": "助浴服务", "service_minutes": 60})
    return home, item


def _fund(person, home, minutes: int) -> None:
    issuer = ledger.issuance_account(home.id)
    ledger.transfer(issuer, ledger.person_account(person.id), minutes, PostingKind.DEPOSIT,
                    f"seed:{person.id}")


def test_a_member_pays_at_the_counter_with_the_pay_code_on_their_phone(
        live_server, page, browser, make, writing_setup):
    home, item = _institution(make)
    member = make.user("volunteer", username="zhouxiulan", age=82)
    _fund(member.person, home, 150)
    item_id, person_id = item.id, member.person_id
    writing_setup()

    context, phone = _phone(browser)
    sign_in(phone, live_server, "zhouxiulan", PASSWORD)
    phone.goto(f"{live_server}/timebank/pay")
    phone.click("main form button[type=submit]")
    phone.wait_for_load_state("networkidle")
    code = phone.inner_text("#pay-code").strip()
    assert len(code.replace(" ", "")) == 12 and phone.locator("main img").count() == 1

    sign_in(page, live_server, "qiantai", PASSWORD)  # the clerk, at the counter
    page.goto(f"{live_server}/timebank/counter")
    page.fill("#q", code)  # typed, or scanned by a USB scanner into the same field
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")
    assert "2 小时 30 分钟" in page.content() and "付款码" in page.content()
    page.select_option("#item_id", str(item_id))
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")
    assert "已凭付款码冻结" in page.content()
    assert code.replace(" ", "") not in page.content()
    page.click("text=确认完成并扣减时间")
    page.wait_for_load_state("networkidle")
    assert "兑换凭条" in page.content() and "助浴服务" in page.content()
    assert ledger.balances(person_id) == (90, 0, 90)
    context.close()


def test_the_counter_asks_and_the_member_approves_on_their_phone(
        live_server, page, browser, make, writing_setup):
    home, item = _institution(make)
    member = make.user("volunteer", username="wangjianguo", age=75)
    _fund(member.person, home, 120)
    item_id, person_id, id_number = item.id, member.person_id, member.person.id_number
    writing_setup()

    sign_in(page, live_server, "qiantai", PASSWORD)
    page.goto(f"{live_server}/timebank/counter")
    page.fill("#q", id_number)  # the member shows the ID card
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")
    page.select_option("#item_id", str(item_id))
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")
    assert "请会员在本人账户" in page.content()
    assert ledger.balances(person_id) == (120, 0, 120)  # nothing held before consent
    db.session.close()

    context, phone = _phone(browser)
    sign_in(phone, live_server, "wangjianguo", PASSWORD)
    phone.goto(f"{live_server}/timebank/redemptions")
    assert "待我确认的兑换申请" in phone.content() and "助浴服务" in phone.content()
    phone.click("#requests button.primary")
    phone.wait_for_load_state("networkidle")
    assert ledger.balances(person_id) == (120, 60, 60)
    db.session.close()

    page.reload()
    page.wait_for_load_state("networkidle")
    page.click("text=确认完成并扣减时间")
    page.wait_for_load_state("networkidle")
    assert "兑换凭条" in page.content()
    assert ledger.balances(person_id) == (60, 0, 60)
    row = db.session.execute(sa.select(Redemption)).scalar_one()
    assert row.consent == "member" and row.approval_via == "member"
    context.close()
