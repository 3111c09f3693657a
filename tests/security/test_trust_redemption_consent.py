"""Issue 12, item 1: spending without the member.

Any counter clerk posted ``{"item_id": …, "person_id": …}`` and got the member's one-time code
back (the page flashed it), so the clerk completed the redemption alone; counter staff read any
member's account; catalogue prices had no cap; anyone at a counter issued certificates. Now the
member consents from their own account (pay code, or approving the request on their page), a
member without a login is served on an ID-card check plus a second person, counters see a member
only after the member presents themself, dear items need a regulator, and certificates come only
from the person, their organizations or a regulator.
"""

from __future__ import annotations

import sqlalchemy as sa

from core.accounts.services import declare_family_link, verify_family_link
from core.extensions import db
from core.orgs.models import OrgKind
from tests.helpers import form_post
from tests.security.trust import Counter
from timebank import ledger
from timebank.models import Certificate, Redemption

BASE = "/api/v1/timebank"


def _redemptions() -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(Redemption)).scalar()


def _flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [text for _kind, text in session.get("_flashes", [])]


def test_a_clerk_alone_cannot_spend_a_members_credits(app, make, api_as, login_as, client):
    counter = Counter(make)
    member = make.user("volunteer", age=72)
    counter.fund(member.person, 120)
    clerk = api_as(user=counter.clerk)
    body = {"item_id": counter.item.id, "person_id": member.person_id}

    login_as(user=counter.clerk)
    assert client.get(f"/timebank/counter/member/{member.person_id}").status_code == 404
    attack = clerk.post(f"{BASE}/redemptions", json=body)  # the member never showed up
    assert attack.status_code == 404 and attack.json["code"] == "timebank.member_not_presented"
    assert _redemptions() == 0 and ledger.balances(member.person_id) == (120, 0, 120)

    # The member shows their ID card: the clerk may only *ask*; the code never reaches them.
    shown = clerk.post(f"{BASE}/counter/presentations", json={"id_number": member.person.id_number})
    assert shown.status_code == 200 and "age" not in shown.json
    asked = clerk.post(f"{BASE}/redemptions", json=body)
    assert asked.status_code == 201 and asked.json["status"] == "requested"
    assert asked.json["code"] is None
    rid = asked.json["id"]
    assert clerk.post(f"{BASE}/redemptions/{rid}/approve", json={}).status_code == 403
    done = clerk.post(f"{BASE}/redemptions/{rid}/complete", json={"code": "000000"})
    assert done.status_code == 409  # nothing is held: there is nothing to complete
    assert clerk.get(f"{BASE}/redemptions/{rid}").json["code"] is None
    assert ledger.balances(member.person_id) == (120, 0, 120)

    # The page: the member shows the card again; no code in the flash either.
    form_post(client, "/timebank/counter", {"q": member.person.id_number},
              page="/timebank/counter")
    made = form_post(client, f"/timebank/counter/member/{member.person_id}",
                     {"item_id": str(counter.item.id), "quantity": "1", "pay_code": ""})
    assert made.status_code == 302
    row = db.session.execute(sa.select(Redemption).order_by(Redemption.id.desc())).scalars().first()
    assert row.status == "requested" and not any(row.code in text for text in _flashes(client))
    assert ledger.balances(member.person_id) == (120, 0, 120)


def test_the_member_approves_on_their_own_page_then_the_counter_completes(
        app, make, api_as, login_as, client):
    counter = Counter(make)
    member = make.user("volunteer", age=72)
    counter.fund(member.person, 120)
    clerk = api_as(user=counter.clerk)
    clerk.post(f"{BASE}/counter/presentations", json={"id_number": member.person.id_number})
    rid = clerk.post(f"{BASE}/redemptions", json={"item_id": counter.item.id,
                                                   "person_id": member.person_id}).json["id"]
    login_as(user=member)
    mine = client.get("/timebank/redemptions").get_data(as_text=True)
    assert "待我确认的兑换申请" in mine and counter.item.name in mine
    approved = form_post(client, f"/timebank/redemptions/{rid}/approve", {"next": "mine"},
                         page="/timebank/redemptions")
    assert approved.status_code == 302
    assert ledger.balances(member.person_id) == (120, 60, 60)
    done = clerk.post(f"{BASE}/redemptions/{rid}/complete", json={})
    assert done.status_code == 200 and done.json["status"] == "posted"
    assert ledger.balances(member.person_id) == (60, 0, 60)


def test_a_pay_code_pays_once_and_is_kept_only_as_a_hash(app, make, api_as):
    counter = Counter(make)
    member = make.user("volunteer", age=66)
    counter.fund(member.person, 200)
    issued = api_as(user=member).post(f"{BASE}/pay-codes", json={},
                                      headers={"Idempotency-Key": "pay-1"})
    assert issued.status_code == 201
    code = issued.json["code"]
    stored = db.session.execute(sa.text("SELECT code_hash FROM timebank_pay_code")).scalar()
    digits = code.replace(" ", "")
    assert digits not in stored
    kept = db.session.execute(sa.text("SELECT body FROM idempotency_record")).scalars().all()
    assert not any(digits.encode() in bytes(body) for body in kept)  # not even for replays

    clerk = api_as(user=counter.clerk)
    paid = clerk.post(f"{BASE}/redemptions", json={"item_id": counter.item.id, "pay_code": code})
    assert paid.status_code == 201 and paid.json["status"] == "pending"
    assert paid.json["person_id"] == member.person_id and paid.json["code"] is None
    again = clerk.post(f"{BASE}/redemptions", json={"item_id": counter.item.id,
                                                     "pay_code": code})
    assert again.status_code == 422 and again.json["code"] == "timebank.bad_pay_code"
    assert clerk.post(f"{BASE}/redemptions/{paid.json['id']}/complete", json={}).status_code == 200
    assert ledger.balances(member.person_id) == (140, 0, 140)


def test_a_member_without_a_login_needs_the_card_and_a_second_person(app, make, api_as,
                                                                      login_as, client):
    counter = Counter(make)
    elder = make.person(age=84, volunteer=False)
    counter.fund(elder, 120)
    son = make.user("volunteer", age=55)
    link = declare_family_link(None, elder, son.person.id_number, son.person.name, "child")
    clerk = api_as(user=counter.clerk)
    clerk.post(f"{BASE}/counter/presentations", json={"id_number": elder.id_number})
    body = {"item_id": counter.item.id, "person_id": elder.id}

    unchecked = clerk.post(f"{BASE}/redemptions", json=body)
    assert unchecked.status_code == 422 and "id_checked" in unchecked.json["errors"]
    rid = clerk.post(f"{BASE}/redemptions", json={**body, "id_checked": True}).json["id"]
    assert clerk.post(f"{BASE}/redemptions/{rid}/approve", json={}).status_code == 403
    # A family link the clerk verified does not count: that would be the clerk again.
    verify_family_link(counter.clerk, link)
    db.session.commit()
    assert api_as(user=son).post(f"{BASE}/redemptions/{rid}/approve", json={}).status_code == 403
    assert ledger.balances(elder.id) == (120, 0, 120)

    second = make.user("institution_staff", org=counter.home)
    approved = api_as(user=second).post(f"{BASE}/redemptions/{rid}/approve", json={})
    assert approved.status_code == 200 and approved.json["approval_via"] == "staff"
    assert ledger.balances(elder.id) == (120, 60, 60)
    listed = api_as("regulator").get(f"{BASE}/review/redemptions").json
    assert [r["id"] for r in listed] == [rid] and listed[0]["id_checked"] is True


def test_a_registered_family_proxy_approves_on_their_own_page(app, make, api_as, login_as,
                                                              client):
    counter = Counter(make)
    elder = make.person(age=88, volunteer=False)
    counter.fund(elder, 60)
    daughter = make.user("volunteer", age=58)
    link = declare_family_link(None, elder, daughter.person.id_number, daughter.person.name,
                               "child")
    verify_family_link(make.user("regulator"), link)  # documents seen by someone else
    clerk = api_as(user=counter.clerk)
    clerk.post(f"{BASE}/counter/presentations", json={"id_number": elder.id_number})
    rid = clerk.post(f"{BASE}/redemptions", json={"item_id": counter.item.id,
                                                   "person_id": elder.id,
                                                   "id_checked": True}).json["id"]
    stranger = make.user("volunteer", age=50)
    assert api_as(user=stranger).post(f"{BASE}/redemptions/{rid}/approve",
                                      json={}).status_code == 403
    login_as(user=daughter)
    page = client.get("/timebank/redemptions").get_data(as_text=True)
    assert f"为亲属 {elder.name} 办理" in page
    form_post(client, f"/timebank/redemptions/{rid}/approve", {"next": "mine"},
              page="/timebank/redemptions")
    row = db.session.get(Redemption, rid)
    assert row.status == "pending" and row.approval_via == "family"
    assert ledger.balances(elder.id) == (60, 60, 0)


def test_a_clerk_has_a_daily_limit_of_id_card_redemptions(app, make, api_as):
    app.config["POLICY_ASSISTED_REDEMPTIONS_PER_CLERK_PER_DAY"] = 2
    counter = Counter(make)
    clerk = api_as(user=counter.clerk)
    answers = []
    for _n in range(3):
        elder = make.person(age=80, volunteer=False)
        counter.fund(elder, 60)
        db.session.commit()
        clerk.post(f"{BASE}/counter/presentations", json={"id_number": elder.id_number})
        answers.append(clerk.post(f"{BASE}/redemptions", json={
            "item_id": counter.item.id, "person_id": elder.id, "id_checked": True}))
    assert [a.status_code for a in answers] == [201, 201, 409]
    assert answers[2].json["code"] == "timebank.assisted_daily_limit"


def test_counter_staff_no_longer_browse_accounts(app, make, api_as, login_as, client):
    counter = Counter(make)
    members = [make.person(age=70 + n) for n in range(3)]
    clerk = api_as(user=counter.clerk)
    for person in members:
        assert clerk.get(f"{BASE}/accounts/{person.id}").status_code == 404
        assert clerk.get(f"{BASE}/members/lookup?q={person.volunteer_number}").status_code == 403
    login_as(user=counter.clerk)
    assert client.get(f"/timebank/counter/member/{members[0].id}").status_code == 404
    clerk.post(f"{BASE}/counter/presentations", json={"id_number": members[0].id_number})
    assert clerk.get(f"{BASE}/accounts/{members[0].id}").status_code == 200
    assert clerk.get(f"{BASE}/accounts/{members[1].id}").status_code == 404


def test_items_above_the_caps_wait_for_a_regulator(app, make, api_as, login_as, client):
    counter = Counter(make)
    member = make.user("volunteer", age=70)
    counter.fund(member.person, 24 * 60 * 20)
    clerk = api_as(user=counter.clerk)
    dear = clerk.post(f"{BASE}/institutions/{counter.home.id}/catalogue", json={
        "name": "理发", "service_minutes": 10, "price_minutes": 1440, "max_quantity": 20})
    assert dear.status_code == 201 and dear.json["approval_pending"] is True
    login_as(user=counter.clerk)
    form_post(client, "/timebank/counter/catalogue", {
        "name": "修脚", "service_minutes": "30", "price_minutes": "600"})
    listed = {i["name"] for i in api_as(user=member).get(
        f"{BASE}/institutions/{counter.home.id}/catalogue").json}
    assert listed == {"助浴服务"}  # members do not see the unapproved ones

    mine = api_as(user=member).post(f"{BASE}/redemptions", json={
        "item_id": dear.json["id"], "quantity": 20})
    assert mine.status_code == 409 and mine.json["code"] == "timebank.item_awaiting_approval"
    assert ledger.balances(member.person_id)[1] == 0
    regulator = api_as("regulator")
    pending = regulator.get(f"{BASE}/review/catalogue").json
    assert {i["name"] for i in pending} == {"理发", "修脚"}
    assert regulator.post(f"{BASE}/catalogue/{dear.json['id']}/approve",
                          json={}).status_code == 200
    assert api_as(user=member).post(f"{BASE}/redemptions", json={
        "item_id": dear.json["id"], "quantity": 2}).status_code == 201


def test_certificates_only_from_the_person_their_organizations_or_a_regulator(app, make,
                                                                             api_as):
    counter = Counter(make)
    volunteer = make.user("volunteer", age=40)
    stranger_org = make.user("org_staff", org=make.org(OrgKind.SOCIAL_GROUP))
    for user in (counter.clerk, stranger_org, make.user("admin")):
        answer = api_as(user=user).post(f"{BASE}/certificates",
                                        json={"person_id": volunteer.person_id})
        assert answer.status_code == 403, user.roles
    assert db.session.execute(sa.select(sa.func.count()).select_from(Certificate)).scalar() == 0
    assert api_as("regulator").post(f"{BASE}/certificates", json={
        "person_id": volunteer.person_id}).status_code == 201
    assert api_as(user=volunteer).post(f"{BASE}/certificates", json={}).status_code == 201
