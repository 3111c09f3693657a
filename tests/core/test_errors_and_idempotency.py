"""One error format for the API, friendly pages for people, idempotent writes."""

import logging

import sqlalchemy as sa

from core.accounts.models import Person
from core.auth import AUTHENTICATED, roles
from core.extensions import db


def test_unknown_api_path_is_json_404(app, client):
    response = client.get("/api/v1/does-not-exist")
    assert response.status_code == 404
    assert set(response.json) == {"code", "message", "errors"}
    assert response.json["code"] == "not_found"


def test_wrong_method_is_405_json(app, client):
    response = client.delete("/api/v1/districts")
    assert response.status_code == 405 and response.json["code"] == "method_not_allowed"


def test_unknown_page_is_a_friendly_page(app, client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "找不到您要的内容".encode() in response.data


def test_malformed_json_is_a_4xx(app, api_as):
    api = api_as("regulator")
    response = api.client.post("/api/v1/accounts/tokens", data="{not json",
                               headers={"Authorization": f"Bearer {api.token}",
                                        "Content-Type": "application/json"})
    assert 400 <= response.status_code < 500


def test_unexpected_error_is_500_with_request_id_in_log(app, client, caplog):
    @app.get("/boom")
    @roles(AUTHENTICATED)
    def boom():
        raise RuntimeError("kaput")

    app.view_functions["boom"].__roles__ = frozenset({"public"})
    with caplog.at_level(logging.ERROR):
        response = client.get("/boom", headers={"X-Request-ID": "req-123"})
    assert response.status_code == 500
    assert b"req-123" in response.data
    assert any("req-123" in r.getMessage() for r in caplog.records)


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


def test_security_headers_on_every_response(app, client):
    headers = client.get("/").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Request-ID"]
