"""Real Chromium: an organization's staff post a need, run matching and accept the proposal;
the donor accepts too, on a phone-sized screen."""

from __future__ import annotations

from datetime import timedelta

import pytest

from charity import items, posting
from core import clock
from core.db import write_intent
from core.extensions import db
from core.orgs.models import OrgKind
from core.timeutil import to_local
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def world(app, make):
    """A charity with a staff member, and a company that already offers rice."""
    token = write_intent.set(True)
    try:
        items.seed_items(None)
        charity = make.org(OrgKind.SOCIAL_GROUP, name="常州市天宁区志愿者协会")
        staff = make.user("org_staff", org=charity, username="charitystaff")
        company = make.org(OrgKind.COMPANY, name="常州青果食品有限公司")
        donor = make.user("org_staff", org=company, username="donorstaff")
        rice = items.find_item("rice")
        posting.create_offer(donor, company.id, {
            "item_id": rice.id, "quantity": 200, "district_id": make.district().id,
            "address": "天宁区青果巷 8 号", "available_until": clock.now() + timedelta(days=20)})
        db.session.commit()
        return {"charity": charity, "staff": staff, "donor": donor, "rice": rice}
    finally:
        write_intent.reset(token)


def test_post_a_need_run_matching_and_accept_the_proposal(live_server, page, world):
    sign_in(page, live_server, "charitystaff", PASSWORD)
    page.goto(f"{live_server}/charity/needs/new")
    page.select_option("#org_id", str(world["charity"].id))
    page.select_option("#item_id", str(world["rice"].id))
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
