"""Each role's main job end to end in real Chromium, on a phone, on a desktop and on a phone in
elder mode (issue 15), asserting what the person sees on every page: words, no sideways
scrolling, the page's heading on the first screen."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core import clock
from core.db import write_intent
from core.extensions import db
from core.orgs.models import OrgKind
from core.timeutil import to_local
from tests.browser.conftest import sign_in
from tests.browser.people import SCREENS, open_screen, reads_well
from tests.factories import PASSWORD
from timebank import redemption

pytestmark = pytest.mark.browser


def _confirming(page):
    page.once("dialog", lambda dialog: dialog.accept())


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: s.name)
def test_a_charity_posts_a_need_is_matched_and_records_the_delivery(
        live_server, browser, exchange, screen):
    context, page = open_screen(browser, live_server, screen)
    sign_in(page, live_server, "charitystaff", PASSWORD)
    page.goto(f"{live_server}/charity/needs/new")
    reads_well(page, screen)
    page.select_option("#org_id", str(exchange["charity"]))
    page.select_option("#item_id", str(exchange["rice"]))
    page.fill("#quantity", "80")
    page.select_option("#urgency", "4")
    page.fill("#deadline", to_local(clock.now() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#address", "天宁区红梅新村 3 幢")
    page.get_by_role("button", name="发布需求").click()
    page.wait_for_url("**/charity/needs/*")
    assert "需求已发布" in reads_well(page, screen)

    page.get_by_role("button", name="立即匹配").click()
    page.wait_for_load_state("networkidle")
    assert "新增 1 条对接建议" in reads_well(page, screen)
    page.get_by_role("link", name="对接建议", exact=True).click()
    page.wait_for_url("**/charity/proposals/*")
    proposal_url = page.url
    text = reads_well(page, screen)
    assert "同一物品" in text and "紧急程度 4" in text
    page.get_by_role("button", name="接受").click()
    page.wait_for_load_state("networkidle")
    assert "已接受。" in reads_well(page, screen)

    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state("networkidle")
    sign_in(page, live_server, "donorstaff", PASSWORD)
    page.goto(f"{live_server}/charity/mine")
    assert "等待我答复的对接建议" in reads_well(page, screen)
    page.goto(proposal_url)
    page.get_by_role("button", name="接受").click()
    page.wait_for_load_state("networkidle")
    text = reads_well(page, screen)
    assert "双方已接受" in text and "天宁区红梅新村 3 幢" in text

    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state("networkidle")
    sign_in(page, live_server, "charitystaff", PASSWORD)
    page.goto(proposal_url)
    page.fill("#delivered_quantity", "80")
    _confirming(page)
    page.get_by_role("button", name="确认已收到").click()
    page.wait_for_load_state("networkidle")
    text = reads_well(page, screen)
    assert "已交付" in text and "80" in text
    context.close()


@pytest.fixture
def oversight(app, make, frozen_clock):
    """A regulator and a social organization's staff member, on a Monday morning."""
    frozen_clock.local(2026, 3, 2, 9, 30)
    token = write_intent.set(True)
    try:
        make.user("regulator", username="chen")
        org = make.org(name="常州市天宁区晨曦社会工作服务中心", kind="social_service")
        make.user("org_staff", org=org, username="chenxi")
        db.session.commit()
        db.session.close()
        return frozen_clock
    finally:
        write_intent.reset(token)


def _as(page, base, username):
    if page.get_by_role("button", name="退出").count():
        page.get_by_role("button", name="退出").click()
        page.wait_for_load_state("networkidle")
    sign_in(page, base, username, PASSWORD)


def _submit(page, name, *, confirm=False):
    if confirm:
        _confirming(page)
    page.get_by_role("button", name=name).click()
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: s.name)
def test_a_regulator_lists_a_subject_with_due_process_and_repairs_it(
        live_server, browser, oversight, screen):
    """fact → proposed entry → written notice, received in the inbox → objection → decision
    → publication after the window → repair → removal; each page read by its person."""
    context, page = open_screen(browser, live_server, screen)
    _as(page, live_server, "chen")
    page.goto(f"{live_server}/credit/facts/new")
    reads_well(page, screen)
    page.fill("#subject", "晨曦社会工作")
    page.select_option("#kind_subtype", "penalty:warning")
    page.fill("#occurred_on", "2026-03-02")
    page.fill("#source_department", "常州市民政局")
    page.fill("#document_number", "常民罚〔2026〕7号")
    page.fill("#evidence_ref", "卷宗 2026-07")
    _submit(page, "保存")
    assert "晨曦社会工作服务中心" in reads_well(page, screen)

    page.goto(f"{live_server}/credit/")
    _submit(page, "立即运行列入规则扫描")
    assert "新提出 1 条拟列入记录" in reads_well(page, screen)
    page.locator("main a", has_text="晨曦社会工作服务中心").first.click()
    page.wait_for_load_state("networkidle")
    entry_url = page.url
    _submit(page, "发出信用信息告知书", confirm=True)
    assert "告知书" in reads_well(page, screen)

    _as(page, live_server, "chenxi")
    page.goto(f"{live_server}/inbox")
    reads_well(page, screen)
    page.locator("main a", has_text="告知书").first.click()
    page.wait_for_load_state("networkidle")
    assert "异议" in reads_well(page, screen)  # the notice tells them how to object
    _submit(page, "确认收悉")
    page.goto(f"{live_server}/credit/mine")
    reads_well(page, screen)
    page.get_by_role("link", name="对信息或记录提出异议").click()
    page.wait_for_load_state("networkidle")
    reads_well(page, screen)
    page.select_option("#target", index=1)
    page.fill("#reason", "警告决定已被复议撤销")
    _submit(page, "提交异议")
    assert "异议" in reads_well(page, screen)

    _as(page, live_server, "chen")
    page.goto(entry_url)
    page.get_by_role("link", name="处理").first.click()
    page.wait_for_load_state("networkidle")
    reads_well(page, screen)
    page.select_option("#outcome", "rejected")
    page.fill("#reason", "经向复议机关核实，警告决定未被撤销")
    _submit(page, "作出处理决定")
    reads_well(page, screen)

    oversight.advance(days=30)
    page.goto(entry_url)
    page.fill("#decision_document", "常民信决〔2026〕18号")
    _submit(page, "作出决定并公示", confirm=True)
    assert "已公示" in reads_well(page, screen)

    oversight.advance(days=200)
    _as(page, live_server, "chenxi")
    page.goto(entry_url)
    page.get_by_role("link", name="申请信用修复").click()
    page.wait_for_load_state("networkidle")
    reads_well(page, screen)
    page.fill("#statement", "已认真整改，半年内无新的违法行为")
    page.fill("#evidence_ref", "整改报告 2026-09")
    _submit(page, "提交申请")
    reads_well(page, screen)

    _as(page, live_server, "chen")
    page.goto(entry_url)
    page.get_by_role("link", name="处理").last.click()
    page.wait_for_load_state("networkidle")
    page.select_option("#approve", "1")
    page.fill("#reason", "满 6 个月，义务已履行")
    _submit(page, "作出处理决定")
    page.goto(entry_url)
    assert "已移出" in reads_well(page, screen)
    context.close()


@pytest.fixture
def time_bank(app, make):
    """A retired volunteer, the residents' committee she serves, and an eldercare home whose
    counter takes time credits for a bath."""
    token = write_intent.set(True)
    try:
        community = make.org(OrgKind.COMMUNITY, name="天宁区红梅社区居民委员会")
        make.user("org_staff", org=community, username="hongmei")
        make.user("volunteer", username="laoli", age=64)
        home = make.org(OrgKind.ELDERCARE, name="常州市天宁区康乐颐养院")
        make.user("institution_staff", username="qiantai", org=home)
        redemption.add_item(None, home.id, {"name": "助浴服务", "service_minutes": 60})
        ids = {"community": community.id}
        db.session.commit()
        db.session.close()
        return ids
    finally:
        write_intent.reset(token)


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: s.name)
def test_a_volunteer_earns_hours_and_spends_them_at_a_counter_with_her_consent(
        live_server, browser, time_bank, screen):
    """logs a service → the organization confirms → at the counter she shows her pay code →
    the clerk books a bath → done → the receipt shows what she has left."""
    context, page = open_screen(browser, live_server, screen)
    end = to_local(clock.now() - timedelta(hours=3)).replace(second=0, microsecond=0)
    _as(page, live_server, "laoli")
    page.goto(f"{live_server}/timebank/sessions/new")
    reads_well(page, screen)
    page.check("#recipient_kind-1")  # she served an organization: only its fields show
    assert page.locator("fieldset[data-mode=person]").is_hidden()
    page.fill("#recipient_org_name", "红梅社区")
    page.locator("#recipient_org_name-suggestions [role=option]").first.click()
    page.select_option("#category", "companionship")
    page.fill("#address", "红梅新村 12 幢 301")
    page.fill("#start", (end - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#end", end.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#description", "陪独居老人聊天、读报")
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")
    text = reads_well(page, screen)
    assert "已登记" in text and "2 小时" in text

    _as(page, live_server, "hongmei")
    page.goto(f"{live_server}/timebank/confirm")
    assert "陪独居老人聊天" in reads_well(page, screen)
    page.get_by_role("button", name="确认属实").click()
    page.wait_for_load_state("networkidle")
    assert "没有待确认的服务" in reads_well(page, screen)

    _as(page, live_server, "laoli")
    page.goto(f"{live_server}/timebank/pay")
    reads_well(page, screen)
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    code = page.inner_text("#pay-code").strip()

    _as(page, live_server, "qiantai")  # the clerk, at the counter
    page.goto(f"{live_server}/timebank/counter")
    assert "会员出示" in reads_well(page, screen)
    page.fill("#q", code)
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")
    text = reads_well(page, screen)
    assert "2 小时" in text and page.get_attribute(".steps [aria-current=step]", "class") == "current"
    assert page.inner_text(".steps [aria-current=step]").endswith("选择服务")
    page.click("button[type=submit].primary")  # the only service, one of it
    page.wait_for_load_state("networkidle")
    assert "已凭付款码冻结" in reads_well(page, screen)
    _confirming(page)
    page.click("text=确认完成并扣减时间")
    page.wait_for_load_state("networkidle")
    text = reads_well(page, screen)
    assert "兑换凭条" in text and "助浴服务" in text
    assert "会员剩余可用时间" in text and "1 小时" in text
    assert page.inner_text(".steps [aria-current=step]").endswith("凭条")
    context.close()
