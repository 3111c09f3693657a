"""The application factory (core.app.create_app), as in the Flask tutorial: settings come in
through the factory, every package plugs in, and every response carries the security headers."""

from __future__ import annotations

from core.app import PACKAGES, create_app
from tests.conftest import BASE_CONFIG


def _config(tmp_path, **over) -> dict:
    return {**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/factory.sqlite3",
            **over}


def test_testing_is_off_unless_the_caller_asks(tmp_path):
    assert not create_app(_config(tmp_path, TESTING=False)).testing
    assert create_app(_config(tmp_path)).testing


def test_the_factory_plugs_in_every_package_and_their_pages_and_api(tmp_path):
    app = create_app(_config(tmp_path))
    prefixes = {rule.rule.split("/")[1] for rule in app.url_map.iter_rules()}
    assert {"timebank", "charity", "credit", "api", "admin", "orgs"} <= prefixes
    apis = {rule.rule.split("/")[3] for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/api/v1/")}
    assert {"timebank", "charity", "credit", "orgs"} <= apis
    assert set(PACKAGES) >= {"timebank", "charity", "credit"}


def test_two_apps_do_not_share_settings(tmp_path):
    one = create_app(_config(tmp_path, ISSUER_NAME="甲"))
    two = create_app(_config(tmp_path, ISSUER_NAME="乙"))
    assert (one.config["ISSUER_NAME"], two.config["ISSUER_NAME"]) == ("甲", "乙")


def test_the_app_answers_its_health_check(client):
    assert client.get("/healthz").json == {"status": "ok"}


def test_security_headers_on_every_response(app, client):
    headers = client.get("/").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Request-ID"]
