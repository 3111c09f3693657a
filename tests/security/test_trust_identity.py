"""Issue 12, items 3 and 5: taking over an elder's record, and rebuilding a full ID number.

3. A login without a person claimed an existing login-less person (an elder registered by a
   community centre) by typing their name and ID number, then spent what the elder held.
   Claiming now needs the one-time binding code the registering organization or a counter
   hands over in person; the claim is audited.
5. /register answered differently for a registered ID number, without a rate limit, and staff
   saw the masked number next to the exact age: 333 requests rebuilt a full number. The answer
   is now the same, rate-limited, and no page or API puts the age next to the masked number.
"""

from __future__ import annotations

import sqlalchemy as sa
from werkzeug import security as werkzeug_security

from core.accounts.models import BindingCode, Person, User
from core.audit import AuditRecord
from core.extensions import db
from core.orgs.models import OrgKind
from tests.helpers import form_post
from tests.security.trust import Counter, volunteer_login_without_person
from timebank import ledger


def _claim(client, person, code: str = ""):
    return form_post(client, "/account/real-name", {
        "name": person.name, "id_number": person.id_number, "phone": "",
        "district_id": str(person.district_id), "binding_code": code})


def _flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [text for _kind, text in session.get("_flashes", [])]


# --- item 3: claiming a registered person --------------------------------------------------

def test_typing_an_elders_name_and_id_number_no_longer_claims_the_elder(app, make, login_as,
                                                                          client):
    counter = Counter(make)
    elder = make.person(age=81, volunteer=False)
    counter.fund(elder, 180)  # say, a pool allocation
    intruder = login_as(user=volunteer_login_without_person("intruder"))
    assert intruder.person is None

    response = _claim(client, elder)
    assert response.status_code == 422
    assert "绑定码" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, intruder.id).person_id is None
    assert db.session.get(Person, elder.id).user is None
    assert ledger.balances(elder.id) == (180, 0, 180)
    wrong = _claim(client, elder, "ABCD-EFGH")
    assert wrong.status_code == 422  # the same answer for a wrong code
    assert db.session.get(User, intruder.id).person_id is None


def test_the_registering_organization_hands_over_a_code_that_works_once(app, make, login_as,
                                                                         client, api_as):
    centre = make.org(OrgKind.COMMUNITY)
    centre_staff = make.user("org_staff", org=centre)
    elsewhere = make.user("org_staff", org=make.org(OrgKind.SOCIAL_GROUP))
    elder = make.person(age=79, volunteer=False, registered_org_id=centre.id)
    body = {"name": elder.name, "id_number": elder.id_number}

    refused = api_as(user=elsewhere).post("/api/v1/accounts/persons/binding-codes", json=body)
    assert refused.status_code == 403
    issued = api_as(user=centre_staff).post("/api/v1/accounts/persons/binding-codes", json=body)
    assert issued.status_code == 201, issued.json
    code = issued.json["code"]
    stored = db.session.execute(sa.select(BindingCode)).scalar_one()
    assert code.replace("-", "") not in stored.code_hash  # only a keyed hash is kept

    son = login_as(user=volunteer_login_without_person("son"))
    assert _claim(client, elder, code).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, son.id).person_id == elder.id
    claim = db.session.execute(sa.select(AuditRecord).where(
        AuditRecord.action == "accounts.person.claim")).scalar_one()
    assert claim.actor_id == son.id and claim.subject_id == str(elder.id)

    other = volunteer_login_without_person("other")
    login_as(user=other)
    assert _claim(client, elder, code).status_code == 422  # used, and the elder has a login
    assert db.session.get(User, other.id).person_id is None


def test_a_binding_code_is_given_only_after_seeing_the_card(app, make, api_as):
    counter = Counter(make)
    elder = make.person(age=85, volunteer=False)
    api = api_as(user=counter.clerk)
    wrong_name = api.post("/api/v1/accounts/persons/binding-codes",
                          json={"name": "别人", "id_number": elder.id_number})
    assert wrong_name.status_code == 404
    assert app.test_client().get("/persons/in-person").status_code == 302  # sign in first
    volunteer = api_as("volunteer")
    assert volunteer.post("/api/v1/accounts/persons/binding-codes", json={
        "name": elder.name, "id_number": elder.id_number}).status_code == 403
    assert db.session.execute(sa.select(sa.func.count()).select_from(BindingCode)).scalar() == 0


# --- item 5: the register does not reveal who is registered --------------------------------

def _register(client, make, id_number: str, username: str):
    return form_post(client, "/register", {
        "name": "孙桂兰", "id_number": id_number, "phone": "", "username": username,
        "district_id": str(make.district().id), "password": "long-pass-1",
        "confirm": "long-pass-1"})


def test_registration_answers_alike_for_a_registered_id_number(app, make, monkeypatch):
    registered = make.person(age=72, name="周秀兰", volunteer=False)
    fresh_number = make.id_number(age=72)
    hashed = []
    real_hash = werkzeug_security.generate_password_hash

    def counting(password, *args, **kwargs):
        hashed.append(1)
        return real_hash(password, *args, **kwargs)

    monkeypatch.setattr("core.accounts.services.generate_password_hash", counting)
    answers = []
    for number, username in ((fresh_number, "probe-new"), (registered.id_number, "probe-old")):
        client = app.test_client()
        hashed.clear()
        response = _register(client, make, number, username)
        answers.append((response.status_code, response.headers.get("Location"),
                        _flashes(client), len(hashed)))
    assert answers[0] == answers[1], answers  # status, where it leads, message, work done
    assert answers[0][0] == 302
    db.session.expire_all()
    assert db.session.get(Person, registered.id).user is None  # not handed to the prober
    assert db.session.get(Person, registered.id).name == "周秀兰"
    probe = db.session.execute(sa.select(User).where(User.username == "probe-old")).scalar_one()
    assert probe.person_id is None


def test_registration_is_rate_limited_per_address(app, app_config, make, client):
    app.config["REGISTER_RATE_LIMIT"] = "3 per hour"
    codes = [_register(client, make, "110105194912310021", f"u{n}").status_code
             for n in range(4)]
    assert codes[:3] == [422, 422, 422] and codes[3] == 429


def test_no_page_or_api_shows_the_age_next_to_the_masked_number(app, make, api_as, login_as,
                                                                 client):
    counter = Counter(make)
    elder = make.person(age=83, volunteer=False)
    shown = api_as(user=counter.clerk).post("/api/v1/timebank/counter/presentations",
                                            json={"id_number": elder.id_number})
    assert shown.status_code == 200
    assert elder.id_number_masked == shown.json["id_number_masked"]
    assert not {"age", "birth_date", "born"} & set(shown.json)
    assert "83" not in {str(v) for v in shown.json.values()}
    login_as(user=counter.clerk)
    page = client.get(f"/timebank/counter/member/{elder.id}").get_data(as_text=True)
    assert elder.id_number_masked in page and "年龄" not in page and " 83" not in page
    regulator = api_as("regulator")
    for url in (f"/api/v1/timebank/accounts/{elder.id}",
                f"/api/v1/timebank/members/lookup?q={elder.id_number}"):
        answer = regulator.get(url)
        assert answer.status_code == 200 and "age" not in answer.json
    person = api_as("org_staff").get(f"/api/v1/accounts/persons/lookup?id_number="
                                     f"{elder.id_number}")
    assert not {"age", "birth_date"} & set(person.json)
