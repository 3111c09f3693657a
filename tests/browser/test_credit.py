"""In a real browser: a regulator publishes an entry after its objection window, and the
public list shows it (published columns only)."""

from datetime import timedelta

import pytest

from core import clock
from core.extensions import db
from credit.lists import scan
from tests.browser.conftest import sign_in
from tests.credit.factories import notified, record
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_a_regulator_publishes_an_entry_and_the_public_list_shows_it(app, live_server, page,
                                                                      make):
    regulator = make.user("regulator", username="chen")
    org = make.org(name="常州市天宁区晨曦社会工作服务中心", kind="social_service")
    start = clock.today() - timedelta(days=30)
    record(org, "penalty", "suspension", start)
    (entry,) = scan.run_scan(None, start)
    notified(regulator, entry, start)
    db.session.commit()

    sign_in(page, live_server, "chen", PASSWORD)
    page.goto(f"{live_server}/credit/entries/{entry.id}")
    page.get_by_label("决定文号").fill("常民信决〔2026〕18号")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="作出决定并公示").click()
    page.wait_for_load_state("networkidle")
    assert asked and "公开" in asked[0]  # an irreversible decision is confirmed first
    assert page.get_by_text("已公示").first.is_visible()

    page.goto(f"{live_server}/credit/public/lists/serious")
    card = page.locator("#entries tr").first
    assert "晨曦社会工作服务中心" in card.inner_text()
    assert "常民信决〔2026〕18号" in card.inner_text()
    assert org.uscc in card.inner_text()
