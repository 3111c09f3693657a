"""Issue 12, item 2: minting hours.

A self-registered second account ("sock puppet") confirmed a volunteer's sessions as the
recipient, and sessions could be backdated without limit (1990 was accepted). Now a private
person's confirmation counts only once staff checked their ID card in person; a session that
ended more than ``backdate_window_days`` ago needs an organization's confirmation with a reason;
mutual confirmations and bursts go to the regulators' review queue, not into the ledger.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from core import clock
from core.accounts import identity
from core.extensions import db
from core.orgs.models import OrgKind
from tests.helpers import form_post
from timebank import ledger
from timebank.models import ReviewSignal, ServiceSession

BASE = "/api/v1/timebank"


class World:
    def __init__(self, make):
        self.make = make
        self.org = make.org(OrgKind.COMMUNITY)
        self.staff = make.user("org_staff", org=self.org)
        self.district = make.district()

    def volunteer(self, verified: bool = False):
        user = self.make.user("volunteer", age=45)
        if verified:
            identity.verify_in_person(self.staff, user.person.name, user.person.id_number)
        return user

    def session_body(self, recipient=None, hours_ago: float = 26, org: bool = False, **over):
        end = clock.now().replace(second=0, microsecond=0) - timedelta(hours=hours_ago)
        # Anyone outside the volunteer's organizations' elders is named by number and name.
        body = {"recipient_number": recipient.person.volunteer_number if recipient else None,
                "recipient_name": recipient.person.name if recipient else None,
                "recipient_org_id": None if recipient else self.org.id,
                "org_id": self.org.id if org else None, "category": "companionship",
                "district_id": self.district.id, "address": "红梅新村 3 幢",
                "start": (end - timedelta(minutes=90)).isoformat(), "end": end.isoformat(),
                "description": "陪伴聊天"}
        body.update(over)
        return body


@pytest.fixture
def world(app, make):
    return World(make)


def _status(session_id: int) -> str:
    db.session.expire_all()
    return db.session.get(ServiceSession, session_id).status


def test_a_sock_puppets_confirmation_mints_nothing(world, api_as, login_as, client):
    volunteer = world.volunteer()
    puppet = world.volunteer()  # a second self-registered account, never seen by anyone
    logged = api_as(user=volunteer).post(f"{BASE}/sessions",
                                         json=world.session_body(recipient=puppet))
    assert logged.status_code == 201
    sid = logged.json["id"]

    api = api_as(user=puppet).post(f"{BASE}/sessions/{sid}/confirm", json={})
    assert api.status_code == 403 and api.json["code"] == "timebank.recipient_not_verified"
    login_as(user=puppet)
    page = form_post(client, f"/timebank/sessions/{sid}/confirm", {}, page="/timebank/confirm")
    assert page.status_code == 302
    assert _status(sid) == "pending"
    assert ledger.balances(volunteer.person_id) == (0, 0, 0)

    identity.verify_in_person(world.staff, puppet.person.name, puppet.person.id_number)
    db.session.commit()  # seen in person with the card: now the word counts
    assert api_as(user=puppet).post(f"{BASE}/sessions/{sid}/confirm", json={}).status_code == 200
    assert ledger.balances(volunteer.person_id) == (90, 0, 90)


def test_a_session_from_1990_is_refused_without_an_organization(world, api_as, login_as,
                                                                 client):
    volunteer, elder = world.volunteer(), world.volunteer(verified=True)
    start = datetime(1990, 5, 1, 9, 0, tzinfo=clock.CITY_TZ)
    body = world.session_body(recipient=elder, start=start.isoformat(),
                              end=(start + timedelta(hours=2)).isoformat())
    api = api_as(user=volunteer).post(f"{BASE}/sessions", json=body)
    assert api.status_code == 422 and api.json["code"] == "timebank.late_without_org"
    login_as(user=volunteer)
    page = form_post(client, "/timebank/sessions/new", {
        "recipient_kind": "person", "recipient_number": elder.person.volunteer_number,
        "recipient_name": elder.person.name, "category": "companionship",
        "district_id": str(world.district.id), "address": "红梅新村", "org_id": "0",
        "recipient_org_id": "0", "start": "1990-05-01T09:00", "end": "1990-05-01T11:00",
        "description": "陪伴"})
    assert page.status_code == 422 and "需由组织单位登记并确认" in page.get_data(as_text=True)
    assert db.session.execute(sa.select(sa.func.count()).select_from(ServiceSession)
                              ).scalar() == 0


def test_an_old_session_needs_the_organization_and_a_reason(world, api_as, login_as, client):
    volunteer, elder = world.volunteer(), world.volunteer(verified=True)
    body = world.session_body(recipient=elder, org=True, hours_ago=24 * 45)
    sid = api_as(user=volunteer).post(f"{BASE}/sessions", json=body).json["id"]

    by_recipient = api_as(user=elder).post(f"{BASE}/sessions/{sid}/confirm", json={})
    assert by_recipient.status_code == 403
    assert by_recipient.json["code"] == "timebank.late_needs_org"
    staff = api_as(user=world.staff)
    no_reason = staff.post(f"{BASE}/sessions/{sid}/confirm", json={})
    assert no_reason.status_code == 422 and "reason" in no_reason.json["errors"]
    login_as(user=world.staff)
    page = form_post(client, f"/timebank/sessions/{sid}/confirm", {}, page="/timebank/confirm")
    assert page.status_code == 302 and _status(sid) == "pending"
    assert ledger.balances(volunteer.person_id) == (0, 0, 0)

    done = staff.post(f"{BASE}/sessions/{sid}/confirm",
                      json={"reason": "纸质签到表补录，社区主任核对"})
    assert done.status_code == 200 and done.json["late_reason"].startswith("纸质签到表")
    assert ledger.balances(volunteer.person_id) == (90, 0, 90)


def test_mutual_confirmations_go_to_the_review_queue(world, api_as, login_as, client):
    a, b = world.volunteer(verified=True), world.volunteer(verified=True)
    first = api_as(user=a).post(f"{BASE}/sessions", json=world.session_body(recipient=b)).json
    assert api_as(user=b).post(f"{BASE}/sessions/{first['id']}/confirm",
                               json={}).json["status"] == "confirmed"
    second = api_as(user=b).post(f"{BASE}/sessions", json=world.session_body(
        recipient=a, hours_ago=50)).json
    third = api_as(user=b).post(f"{BASE}/sessions", json=world.session_body(
        recipient=a, hours_ago=74)).json

    api = api_as(user=a).post(f"{BASE}/sessions/{second['id']}/confirm", json={})
    assert api.status_code == 200 and api.json["status"] == "review"
    login_as(user=a)
    form_post(client, f"/timebank/sessions/{third['id']}/confirm", {}, page="/timebank/confirm")
    assert _status(third["id"]) == "review"
    assert ledger.balances(b.person_id) == (0, 0, 0)  # nothing minted for the pair
    kinds = db.session.execute(sa.select(ReviewSignal.kind)).scalars().all()
    assert kinds == ["mutual", "mutual"]

    regulator = api_as("regulator")
    queue = regulator.get(f"{BASE}/review/sessions").json
    assert [q["session"]["id"] for q in queue] == [second["id"], third["id"]]
    assert queue[0]["signals"][0]["kind"] == "mutual"
    released = regulator.post(f"{BASE}/sessions/{second['id']}/review",
                              json={"release": True, "reason": "电话回访双方，属实"})
    assert released.status_code == 200 and released.json["status"] == "confirmed"
    rejected = regulator.post(f"{BASE}/sessions/{third['id']}/review",
                              json={"release": False, "reason": "无法核实"})
    assert rejected.json["status"] == "rejected"
    assert ledger.balances(b.person_id) == (90, 0, 90)


def test_one_person_confirming_many_volunteers_is_a_burst(world, api_as, app):
    app.config["POLICY_REVIEW_BURST_VOLUNTEERS"] = 3
    elder = world.volunteer(verified=True)
    confirmer = api_as(user=elder)
    statuses = []
    for _n in range(3):
        volunteer = world.volunteer()
        sid = api_as(user=volunteer).post(f"{BASE}/sessions",
                                          json=world.session_body(recipient=elder)).json["id"]
        statuses.append(confirmer.post(f"{BASE}/sessions/{sid}/confirm", json={}).json["status"])
    assert statuses == ["confirmed", "confirmed", "review"]
    signal = db.session.execute(sa.select(ReviewSignal)).scalar_one()
    assert signal.kind == "burst" and signal.detail["volunteers"] == 3
