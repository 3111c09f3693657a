"""Issue 12, item 6: idempotency that swallowed work.

(a) the key's fingerprint covers uploaded files and the query string: a corrected roster sent
again under the same key is refused (409), never silently "replayed"; (b) every drawn form has a
fresh ``_idem`` key, so a corrected resubmission after an error goes through; (c) a repeat that
arrives while the original is still running waits for it and replays its answer (SQLite and
PostgreSQL) instead of running again and answering "insufficient credits".
"""

from __future__ import annotations

import re
import threading
import time
from datetime import timedelta

import sqlalchemy as sa

from core import clock
from core.extensions import db
from core.idempotency import IdempotencyRecord
from core.orgs.models import OrgKind
from tests.helpers import csrf_token
from tests.security.trust import Counter, bearer, thread_client
from timebank import ledger
from timebank.models import CatalogueItem, Redemption, ServiceSession

HEADER = "志愿者编号,身份证号码,姓名,开始时间,结束时间,服务类别,区县,服务地址,服务对象身份证号码,服务内容"
_IDEM = re.compile(r'name="_idem" value="([^"]+)"')


def _roster(*people) -> bytes:
    day = (clock.today() - timedelta(days=2)).isoformat()
    rows = [f"{p.volunteer_number},,{p.name},{day} 09:00,{day} 10:00,助餐,天宁区,红梅新村,,送餐"
            for p in people]
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8-sig")


def _sessions() -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(ServiceSession)).scalar()


def test_same_key_with_another_file_or_confirm_flag_is_409_not_a_replay(app, make):
    org = make.org(OrgKind.SOCIAL_GROUP)
    staff = make.user("org_staff", org=org)
    first, second = make.person(), make.person()
    headers = {**bearer(staff), "Idempotency-Key": "roster-2026-06"}
    client = app.test_client()

    def send(body: bytes, confirm: str = "false"):
        return client.post(f"/api/v1/timebank/sessions/import?org_id={org.id}&confirm={confirm}",
                           data={"file": (__import__("io").BytesIO(body), "名单.csv")},
                           headers=headers, content_type="multipart/form-data")

    original = send(_roster(first))
    assert original.status_code == 201 and original.json["created"] == 1
    corrected = send(_roster(first, second))  # the corrected file, same key
    assert corrected.status_code == 409, corrected.json
    assert corrected.json["code"] == "idempotency.key_reused"
    confirmed = send(_roster(first), confirm="true")  # same file, now "confirm"
    assert confirmed.status_code == 409
    assert _sessions() == 1  # nothing was swallowed as a "replay", nothing ran twice
    again = send(_roster(first))
    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    assert _sessions() == 1


def test_the_import_page_refuses_another_file_under_the_same_key(app, make, login_as, client):
    org = make.org(OrgKind.SOCIAL_GROUP)
    login_as("org_staff", org=org)
    first, second = make.person(), make.person()
    page = client.get("/timebank/org/import")
    token, key = csrf_token(page.data), _IDEM.findall(page.get_data(as_text=True))[-1]

    def send(body: bytes):
        return client.post("/timebank/org/import", content_type="multipart/form-data", data={
            "csrf_token": token, "_idem": key, "org_id": str(org.id),
            "file": (__import__("io").BytesIO(body), "名单.csv")})

    assert send(_roster(first)).status_code == 200 and _sessions() == 1
    refused = send(_roster(first, second))
    assert refused.status_code == 302  # back to the form, with the message
    assert _sessions() == 1
    with client.session_transaction() as session:
        assert any("幂等键" in text for _kind, text in session.get("_flashes", []))


def test_a_form_drawn_again_after_an_error_carries_a_new_key(app, make, login_as, client):
    counter = Counter(make)
    login_as(user=counter.clerk)
    page = client.get("/timebank/counter/catalogue")
    token, key = csrf_token(page.data), _IDEM.findall(page.get_data(as_text=True))[-1]
    error = client.post("/timebank/counter/catalogue", data={
        "csrf_token": token, "_idem": key, "name": "理发", "service_minutes": ""})
    assert error.status_code == 422 and "理发" in error.get_data(as_text=True)
    again = _IDEM.findall(error.get_data(as_text=True))[-1]
    assert again != key  # each drawing of the form is a new submission

    corrected = client.post("/timebank/counter/catalogue", data={
        "csrf_token": token, "_idem": again, "name": "理发", "service_minutes": "30"})
    assert corrected.status_code == 302
    names = db.session.execute(sa.select(CatalogueItem.name)).scalars().all()
    assert sorted(names) == ["助浴服务", "理发"]


def _slow_holds(monkeypatch, reached: threading.Event, seconds: float = 0.6) -> None:
    """Make the original request linger inside its transaction, right after the hold."""
    original = ledger.hold

    def hold(*args, **kwargs):
        result = original(*args, **kwargs)
        reached.set()
        time.sleep(seconds)
        return result

    monkeypatch.setattr(ledger, "hold", hold)


def _member_with_one_bath(make):
    counter = Counter(make, price=60)
    member = make.user("volunteer", age=70)
    counter.fund(member.person, 60)  # exactly one redemption's worth
    return counter, member


def _race_twins(app, monkeypatch, send_original, send_repeat):
    """The original lingers after its hold; the repeat is sent meanwhile. Both answers."""
    db.session.commit()
    db.session.close()
    reached = threading.Event()
    _slow_holds(monkeypatch, reached)
    answers = {}
    original = threading.Thread(target=lambda: answers.update(original=send_original()))
    original.start()
    assert reached.wait(timeout=30), "the original never reached its hold"
    repeat = threading.Thread(target=lambda: answers.update(repeat=send_repeat()))
    repeat.start()
    original.join(timeout=60)
    repeat.join(timeout=60)
    return answers["original"], answers["repeat"]


def _exactly_one_redemption(person_id: int) -> None:
    assert db.session.execute(sa.select(sa.func.count()).select_from(Redemption)).scalar() == 1
    assert ledger.balances(person_id) == (60, 60, 0)
    assert db.session.execute(sa.select(sa.func.count()).select_from(IdempotencyRecord)
                              ).scalar() == 1


def test_an_api_repeat_during_the_original_waits_and_replays_it(app, make, monkeypatch):
    """A phone app retries (its second token, same user, same key) while the first request is
    still running. SQLite and, with TEST_DATABASE_URL, PostgreSQL."""
    counter, member = _member_with_one_bath(make)
    body, person_id = {"item_id": counter.item.id, "quantity": 1}, member.person_id
    first, second = bearer(member), bearer(member)

    def send(headers):
        return thread_client(app).post("/api/v1/timebank/redemptions", json=body, headers={
            **headers, "Idempotency-Key": "redeem-bath-1"})

    original, repeat = _race_twins(app, monkeypatch, lambda: send(first), lambda: send(second))
    assert original.status_code == 201, original.json
    assert repeat.status_code == 201, repeat.json  # not 409 "insufficient credits"
    assert repeat.headers.get("Idempotent-Replayed") == "true"
    assert repeat.get_data() == original.get_data()
    _exactly_one_redemption(person_id)


def test_a_double_tap_on_the_redeem_page_is_one_redemption(app, make, monkeypatch):
    counter, member = _member_with_one_bath(make)
    person_id, session_key, item_id = member.person_id, member.get_id(), counter.item.id
    client = thread_client(app, cookies=True)
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = session_key, True
    db.session.commit()
    db.session.close()
    page = client.get("/timebank/redeem")
    form = {"csrf_token": csrf_token(page.data), "_idem": _IDEM.findall(page.get_data(
        as_text=True))[-1], "item_id": str(item_id), "quantity": "1"}

    def tap():
        return client.post("/timebank/redeem", data=form)

    original, repeat = _race_twins(app, monkeypatch, tap, tap)
    assert original.status_code == 302
    assert repeat.status_code == 302 and repeat.headers.get("Idempotent-Replayed") == "true"
    _exactly_one_redemption(person_id)
