"""Real Chromium: every demo role signs in on a phone-sized screen and sees its home page."""

import random

import pytest

from core import clock
from core.db import write_intent
from core.demo import DEMO_PASSWORD, SeedContext, _seed_core
from core.extensions import db
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

EXPECTED = {
    "volunteer": "我的账号",
    "orgstaff": "我的组织",
    "counter": "我的组织",
    "regulator": "我的账号",
    "admin": "系统管理",
}


@pytest.fixture
def demo_users(app):
    token = write_intent.set(True)
    try:
        _seed_core(SeedContext(rng=random.Random(5), today=clock.today()))
        db.session.commit()
    finally:
        write_intent.reset(token)


@pytest.mark.parametrize("username", sorted(EXPECTED))
def test_each_demo_role_signs_in_and_sees_its_home(live_server, page, demo_users, username):
    sign_in(page, live_server, username, DEMO_PASSWORD)
    assert page.url.rstrip("/") == live_server
    assert page.locator("h1").first.inner_text().startswith("您好")
    assert EXPECTED[username] in page.content()


def test_elder_mode_and_english_switches_in_a_real_browser(live_server, page, demo_users):
    sign_in(page, live_server, "volunteer", DEMO_PASSWORD)
    page.get_by_role("button", name="长辈模式").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("html.elder").count() == 1
    size = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert size >= 20
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("html[lang=en]").count() == 1


def test_wrong_password_shows_a_message(live_server, page, demo_users):
    sign_in(page, live_server, "volunteer", "wrong-password")
    assert "用户名或密码不正确" in page.content()
