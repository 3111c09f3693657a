"""Real Chromium on a phone: a person makes a mistake in a form, sees what is wrong next to the
field with what they typed still there, corrects it, and the record is saved once (issue 15:
a corrected form used to replay the first error and drop the input)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from charity import items
from charity.models import Need, Offer
from core import clock
from core.db import write_intent
from core.extensions import db
from core.orgs.models import OrgKind
from core.timeutil import to_local
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD
from timebank.models import CatalogueItem

pytestmark = pytest.mark.browser


@pytest.fixture
def people(app, make):
    """A charity's staff member and an eldercare home's counter clerk, committed so the
    browser's requests see them."""
    token = write_intent.set(True)
    try:
        items.seed_items(None)
        charity = make.org(OrgKind.SOCIAL_GROUP, name="常州市天宁区志愿者协会")
        make.user("org_staff", org=charity, username="charitystaff")
        home = make.org(OrgKind.ELDERCARE, name="常州市天宁区康乐颐养院")
        make.user("institution_staff", org=home, username="qiantai")
        ids = {"charity": charity.id, "rice": items.find_item("rice").id}
        db.session.commit()
        db.session.close()
        return ids
    finally:
        write_intent.reset(token)


def _count(model) -> int:
    with db.session.no_autoflush:
        count = db.session.scalar(sa.select(sa.func.count()).select_from(model))
    db.session.close()
    return count


def _error_next_to(page, field_id: str) -> str:
    """The message the page shows next to the field (and the field says it is invalid)."""
    assert page.get_attribute(f"#{field_id}", "aria-invalid") == "true"
    return page.inner_text(f"#{field_id}-err")


def _later(days: int) -> str:
    return to_local(clock.now() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def test_a_need_with_a_mistake_is_corrected_and_saved(live_server, page, people):
    sign_in(page, live_server, "charitystaff", PASSWORD)
    page.goto(f"{live_server}/charity/needs/new")
    page.select_option("#org_id", str(people["charity"]))
    page.select_option("#item_id", str(people["rice"]))
    page.fill("#quantity", "0")  # the mistake
    page.fill("#deadline", _later(5))
    page.fill("#address", "天宁区红梅新村 3 幢")
    page.get_by_role("button", name="发布需求").click()
    page.wait_for_load_state("networkidle")
    assert _error_next_to(page, "quantity")
    assert page.input_value("#address") == "天宁区红梅新村 3 幢"  # what they typed is kept
    assert _count(Need) == 0

    page.fill("#quantity", "80")
    page.get_by_role("button", name="发布需求").click()
    page.wait_for_url("**/charity/needs/*")
    assert "需求已发布" in page.content() and "天宁区红梅新村 3 幢" in page.content()
    assert _count(Need) == 1


def test_an_offer_with_a_past_end_is_corrected_and_saved(live_server, page, people):
    sign_in(page, live_server, "charitystaff", PASSWORD)
    page.goto(f"{live_server}/charity/offers/new")
    page.select_option("#org_id", str(people["charity"]))
    page.select_option("#item_id", str(people["rice"]))
    page.fill("#quantity", "50")
    page.fill("#available_until", _later(-1))  # the mistake: already over
    page.fill("#address", "天宁区青果巷 8 号")
    page.get_by_role("button", name="发布供给").click()
    page.wait_for_load_state("networkidle")
    assert "供给已发布" not in page.content()
    assert page.locator("p.error").count() >= 1
    assert page.input_value("#quantity") == "50"
    assert _count(Offer) == 0

    page.fill("#available_until", _later(20))
    page.get_by_role("button", name="发布供给").click()
    page.wait_for_url("**/charity/offers/*")
    assert "供给已发布" in page.content()
    assert _count(Offer) == 1


def test_a_catalogue_item_with_a_mistake_is_corrected_and_saved(live_server, page, people):
    sign_in(page, live_server, "qiantai", PASSWORD)
    page.goto(f"{live_server}/timebank/counter/catalogue")
    page.fill("#name", "上门助浴")
    page.fill("#service_minutes", "0")  # the mistake
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state("networkidle")
    assert _error_next_to(page, "service_minutes")
    assert page.input_value("#name") == "上门助浴"
    assert _count(CatalogueItem) == 0

    page.fill("#service_minutes", "60")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state("networkidle")
    assert "已添加服务项目" in page.content() and "上门助浴" in page.content()
    assert "1 小时" in page.content()  # people read hours, not minutes
    assert _count(CatalogueItem) == 1
