"""Real Chromium: an organization's staff post a need, run matching and accept the proposal;
the donor accepts too, on a phone-sized screen."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core import clock
from core.timeutil import to_local
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_post_a_need_run_matching_and_accept_the_proposal(live_server, page, exchange):
    sign_in(page, live_server, "charitystaff", PASSWORD)
    page.goto(f"{live_server}/charity/needs/new")
    page.select_option("#org_id", str(exchange["charity"]))
    page.select_option("#item_id", str(exchange["rice"]))
    page.fill("#quantity", "80")
    page.select_option("#urgency", "4")
    deadline = to_local(clock.now() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    page.fill("#deadline", deadline)
    page.fill("#address", "天宁区红梅新村 3 幢")
    page.get_by_role("button", name="发布需求").click()
    page.wait_for_url("**/charity/needs/*")
    assert "需求已发布" in page.content()

    page.get_by_role("button", name="立即匹配").click()
    page.wait_for_load_state("networkidle")
    assert "新增 1 条对接建议" in page.content()
    page.get_by_role("link", name="对接建议", exact=True).click()
    page.wait_for_url("**/charity/proposals/1")
    assert "同一物品" in page.content() and "紧急程度 4" in page.content()
    page.get_by_role("button", name="接受").click()
    page.wait_for_load_state("networkidle")
    assert "已接受。" in page.content()

    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state("networkidle")
    sign_in(page, live_server, "donorstaff", PASSWORD)
    page.goto(f"{live_server}/charity/mine")
    assert "等待我答复的对接建议" in page.content()
    page.get_by_role("link", name="对接建议", exact=True).first.click()
    page.get_by_role("button", name="接受").click()
    page.wait_for_load_state("networkidle")
    assert "双方已接受" in page.content()
    assert "天宁区红梅新村 3 幢" in page.content()  # the address, once both accepted
