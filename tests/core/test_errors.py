"""One error format (core.errors): JSON for the API, a friendly page for people, never a bare
500."""

import logging

from core.auth import AUTHENTICATED, roles


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

