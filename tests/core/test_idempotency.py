"""Idempotency keys (core.idempotency): a retry replays, a reused key with another body is
refused."""

import threading
import time

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from core import clock
from core.accounts import services
from core.accounts.models import Person
from core.extensions import db
from core.idempotency import IdempotencyRecord
from tests.conftest import IS_POSTGRES

PERSONS = "/api/v1/accounts/persons"  # a write any staff token may make (201)


def test_same_idempotency_key_and_body_replays_the_first_response(app, api_as, make):
    api = api_as("regulator")
    headers = {"Idempotency-Key": "k-1"}
    body = {"name": "对接", "id_number": make.id_number()}
    first = api.post(PERSONS, json=body, headers=headers)
    second = api.post(PERSONS, json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert second.json == first.json
    count = db.session.execute(
        sa.select(sa.func.count()).select_from(Person).where(Person.name == "对接")).scalar()
    assert count == 1


def test_same_key_with_a_different_body_is_409(app, api_as, make):
    api = api_as("regulator")
    headers = {"Idempotency-Key": "k-2"}
    api.post(PERSONS, json={"name": "甲", "id_number": make.id_number()}, headers=headers)
    response = api.post(PERSONS, json={"name": "乙", "id_number": make.id_number()},
                        headers=headers)
    assert response.status_code == 409
    assert response.json["code"] == "idempotency.key_reused"
    assert response.json["message"] == "该幂等键已用于另一项内容不同的请求。"


def test_keys_are_scoped_to_the_user(app, api_as, make):
    one, two = api_as("regulator"), api_as("regulator")
    headers = {"Idempotency-Key": "shared"}
    assert one.post(PERSONS, json={"name": "甲", "id_number": make.id_number()},
                    headers=headers).status_code == 201
    assert two.post(PERSONS, json={"name": "乙", "id_number": make.id_number()},
                    headers=headers).status_code == 201


def test_a_failed_request_is_not_remembered(app, api_as, make):
    api = api_as("regulator")
    headers = {"Idempotency-Key": "k-3"}
    number = make.id_number()
    assert api.post(PERSONS, json={"name": "", "id_number": number}, headers=headers
                    ).status_code == 422
    assert api.post(PERSONS, json={"name": "甲", "id_number": number}, headers=headers
                    ).status_code == 201


FAMILY = "/api/v1/accounts/family"  # another write the same user may make


def test_a_key_reused_on_another_path_is_409_not_a_replay(app, api_as, make):
    """The same key and body sent to another endpoint is another request: replaying the first
    endpoint's answer would tell the client its second request happened when it never ran."""
    api = api_as("regulator")
    headers = {"Idempotency-Key": "k-path"}
    body = {"name": "甲", "id_number": make.id_number()}
    assert api.post(PERSONS, json=body, headers=headers).status_code == 201
    elsewhere = api.post(FAMILY, json=body, headers=headers)
    assert elsewhere.status_code == 409, elsewhere.json
    assert elsewhere.json["code"] == "idempotency.key_reused"
    assert elsewhere.headers.get("Idempotent-Replayed") is None


def _persons_named(name: str) -> int:
    return db.session.execute(
        sa.select(sa.func.count()).select_from(Person).where(Person.name == name)).scalar()


def test_a_key_over_200_characters_is_refused_before_anything_happens(app, api_as, make):
    api = api_as("regulator")
    too_long = api.post(PERSONS, json={"name": "长键", "id_number": make.id_number()},
                        headers={"Idempotency-Key": "k" * 201})
    assert too_long.status_code == 422
    assert too_long.json["code"] == "idempotency.key_too_long"
    assert too_long.json["message"] == "幂等键过长（最多 200 个字符）。"
    assert "Idempotency-Key" in too_long.json["errors"]
    assert _persons_named("长键") == 0
    longest = {"Idempotency-Key": "k" * 200}
    body = {"name": "长键", "id_number": make.id_number()}
    assert api.post(PERSONS, json=body, headers=longest).status_code == 201
    again = api.post(PERSONS, json=body, headers=longest)
    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    assert _persons_named("长键") == 1


# SQLite runs one writer at a time (BEGIN IMMEDIATE, core.db): only PostgreSQL runs twins
# side by side.
postgres_only = pytest.mark.skipif(
    not IS_POSTGRES, reason="needs PostgreSQL (TEST_DATABASE_URL): SQLite serializes writers")


def _slow_person_registration(monkeypatch, reached: threading.Event, seconds: float = 0.8
                              ) -> list[int]:
    """Registration that lingers in its transaction; returns the list its calls land in."""
    original, calls = services.create_person, []

    def create_person(*args, **kwargs):
        calls.append(1)
        person = original(*args, **kwargs)
        reached.set()
        time.sleep(seconds)  # the original lingers inside its transaction
        return person

    monkeypatch.setattr(services, "create_person", create_person)
    return calls


@postgres_only
def test_two_requests_with_one_key_at_once_register_one_person(app, api_as, make,
                                                               monkeypatch):
    """A counter clerk's app sends the same registration twice at once (a retry over a slow
    line): one registration, run once (the repeat waits for the original, it does not run
    the registration again to throw it away); the other answer is the first one replayed."""
    api = api_as("regulator")
    # The retry comes from the clerk's other device (keys belong to the user, not the token):
    # one token's own row lock would otherwise queue the twins before the key is looked at.
    tokens = {"first": api.token,
              "second": services.create_token(None, api.user, "第二台设备").secret}
    body, key = {"name": "并发", "id_number": make.id_number()}, "same-at-once"
    db.session.commit()
    db.session.close()
    reached, answers = threading.Event(), {}
    calls = _slow_person_registration(monkeypatch, reached)

    def send(name):
        headers = {"Authorization": f"Bearer {tokens[name]}", "Idempotency-Key": key}
        answers[name] = FlaskClient(app).post(PERSONS, json=body, headers=headers)

    first = threading.Thread(target=send, args=("first",))
    first.start()
    assert reached.wait(timeout=30), "the first request never reached the registration"
    second = threading.Thread(target=send, args=("second",))
    second.start()
    first.join(timeout=60)
    second.join(timeout=60)
    assert answers["first"].status_code == 201, answers["first"].json
    assert answers["second"].status_code == 201, answers["second"].json
    assert answers["second"].headers.get("Idempotent-Replayed") == "true"
    assert answers["second"].json == answers["first"].json
    assert _persons_named("并发") == 1
    assert len(calls) == 1


@postgres_only
def test_a_twin_that_committed_first_is_replayed_instead_of_failing(app, api_as, make,
                                                                    monkeypatch):
    """The last line of defence: a twin with the same key stores its answer while this request
    is still running (an app server that does not wait on the key, as during a rolling
    upgrade). This request's commit meets the stored key: it undoes its own work and replays
    the twin's answer instead of failing with a 500."""
    api = api_as("regulator")
    user_id, twin_body = api.user.id, b'{"twin": true}'
    original = services.create_person

    def create_person(*args, **kwargs):
        person = original(*args, **kwargs)
        other = sa.create_engine(db.engine.url)  # another connection, committing on its own
        with other.begin() as conn:
            conn.execute(sa.insert(IdempotencyRecord).values(
                user_id=user_id, key="twin", method="POST", path=PERSONS,
                request_hash="0" * 64, status_code=201, content_type="application/json",
                location=None, body=twin_body, created_at=clock.now()))
        other.dispose()
        return person

    monkeypatch.setattr(services, "create_person", create_person)
    response = api.post(PERSONS, json={"name": "孪生", "id_number": make.id_number()},
                        headers={"Idempotency-Key": "twin"})
    assert response.status_code == 201
    assert response.headers.get("Idempotent-Replayed") == "true"
    assert response.get_data() == twin_body
    assert _persons_named("孪生") == 0  # this request's own registration was rolled back


# --- what counts as the same request, what is kept, how it comes back (mutation testing) ---

def test_a_form_repeat_replays_the_redirect_and_a_changed_field_is_409(
        app, client, login_as, make):
    """A page's double tap: the same ``_idem`` and fields replay the first answer (its
    redirect, marked replayed), though the CSRF token was drawn again; the same key with one
    field changed is another request, refused (a page says so and leads back)."""
    from credit.models import CreditFact
    from tests.helpers import csrf_token

    society = make.org(name="常州市晨光助老协会")
    login_as("regulator")
    data = {"subject": society.name, "org_id": str(society.id),
            "kind_subtype": "penalty:warning", "occurred_on": "2026-01-05",
            "source_department": "常州市民政局", "document_number": "常民罚〔2026〕9号",
            "evidence_ref": "卷宗", "_idem": "form-key-1"}
    first_token = csrf_token(client.get("/credit/facts/new").data)
    first = client.post("/credit/facts/new", data={**data, "csrf_token": first_token})
    time.sleep(1.05)  # a token drawn a second later is another string (it carries its time)
    second_token = csrf_token(client.get("/credit/facts/new").data)
    assert second_token != first_token
    again = client.post("/credit/facts/new", data={**data, "csrf_token": second_token})
    assert first.status_code == again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert first.headers.get("Idempotent-Replayed") is None
    changed = client.post("/credit/facts/new", data={
        **data, "document_number": "常民罚〔2026〕10号",
        "csrf_token": csrf_token(client.get("/credit/facts/new").data)})
    # refused: a page answers with its message and a way back, never the first answer
    assert changed.headers.get("Idempotent-Replayed") is None
    assert changed.headers.get("Location") != first.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CreditFact)) == 1


def test_the_header_key_wins_over_the_form_field_and_spaces_around_it_do_not_count(
        app, api_as, make):
    api = api_as("regulator")
    body = {"name": "空格", "id_number": make.id_number()}
    first = api.post(PERSONS, json=body, headers={"Idempotency-Key": "  k-space "})
    again = api.post(PERSONS, json=body, headers={"Idempotency-Key": "k-space"})
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.content_type == first.content_type == "application/json"
    assert _persons_named("空格") == 1
    stored = db.session.scalar(sa.select(IdempotencyRecord))
    assert (stored.key, stored.method, stored.path, stored.status_code) == (
        "k-space", "POST", PERSONS, 201)


def test_a_response_that_shows_a_secret_is_never_stored_for_replay(app, api_as, make):
    """A pay code is shown once: the same key asks again and gets a new code, and no response
    body holding a code rests in the database."""
    api = api_as("volunteer", age=70)
    headers = {"Idempotency-Key": "pay-1"}
    first = api.post("/api/v1/timebank/pay-codes", json={}, headers=headers)
    again = api.post("/api/v1/timebank/pay-codes", json={}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") is None
    assert first.json != again.json
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IdempotencyRecord)) == 0


def test_reads_and_anonymous_requests_are_not_remembered(app, client, api_as):
    api = api_as("regulator")
    assert api.get(PERSONS, headers={"Idempotency-Key": "read-1"}).status_code in (200, 405)
    client.post("/login", data={"username": "nobody", "password": "x", "_idem": "anon-1"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IdempotencyRecord)) == 0


def test_a_request_answered_400_is_not_remembered_so_the_corrected_retry_runs(
        app, api_as, make):
    """Malformed JSON is refused before anything is written (400): the same key with the
    corrected body is the first real request, not a conflicting repeat."""
    api = api_as("regulator")
    headers = {"Idempotency-Key": "k-400", "Content-Type": "application/json"}
    broken = api.post(PERSONS, data=b'{"name": ', headers=headers)
    assert broken.status_code == 400
    fixed = api.post(PERSONS, json={"name": "四百", "id_number": make.id_number()},
                     headers={"Idempotency-Key": "k-400"})
    assert fixed.status_code == 201 and fixed.headers.get("Idempotent-Replayed") is None
    assert _persons_named("四百") == 1
