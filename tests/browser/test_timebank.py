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
from timebank import ledger, redemption
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
    org = make.org(OrgKind.COMMUNITY, name="天宁区红梅社区居民委员会")
    volunteer = make.user("volunteer", username="laoli", age=64)
    org_id, person_id = org.id, volunteer.person_id
    writing_setup()
    end = to_local(clock.now() - timedelta(hours=3)).replace(second=0, microsecond=0)
    start = end - timedelta(minutes=90)

    sign_in(page, live_server, "laoli", PASSWORD)
    page.goto(f"{live_server}/timebank/sessions/new")
    page.check("#recipient_kind-1")
    page.select_option("#recipient_org_id", str(org_id))
    page.select_option("#category", "companionship")
    page.fill("#address", "红梅新村 12 幢 301")
    page.fill("#start", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#end", end.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#description", "陪独居老人聊天、读报")
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")

    assert "已登记" in page.content()
    assert "1 小时 30 分钟" in page.content() and "待确认" in page.content()
    row = db.session.execute(sa.select(ServiceSession)).scalar_one()
    assert row.volunteer_id == person_id and row.minutes == 90


def test_counter_staff_redeem_credits_for_an_elder(live_server, page, make, writing_setup):
    home = make.org(OrgKind.ELDERCARE, name="常州市天宁区康乐颐养院")
    make.user("institution_staff", username="qiantai", org=home)
    item = redemption.add_item(None, home.id, {"name": "助浴服务", "service_minutes": 60})
    elder = make.person(age=82, name="周秀兰")
    issuer = ledger.issuance_account(home.id)
    ledger.transfer(issuer, ledger.person_account(elder.id), 150, PostingKind.DEPOSIT, "seed")
    item_id, elder_id, number = item.id, elder.id, elder.volunteer_number
    writing_setup()

    sign_in(page, live_server, "qiantai", PASSWORD)
    page.goto(f"{live_server}/timebank/counter")
    page.fill("#q", number)
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")
    assert "周秀兰" in page.content() and "2 小时 30 分钟" in page.content()

    page.select_option("#item_id", str(item_id))
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")
    assert "已冻结" in page.content()
    code = db.session.execute(sa.select(Redemption.code)).scalar_one()
    db.session.close()

    page.fill("#code", code)
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")
    assert "兑换凭条" in page.content() and "助浴服务" in page.content()
    assert ledger.balances(elder_id) == (90, 0, 90)
