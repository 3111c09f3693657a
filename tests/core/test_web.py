"""The web shell: Chinese first with an English switch, elder mode that sticks, local assets."""

import re
from pathlib import Path

from core.config import PROJECT_ROOT
from core.extensions import db
from tests.helpers import csrf_token


def test_pages_are_chinese_by_default(app, client):
    page = client.get("/").data.decode()
    assert '<html lang="zh-CN"' in page
    assert "时间银行" in page


def test_english_switch_is_kept_in_a_cookie_and_on_the_account(app, client, login_as):
    user = login_as("volunteer")
    token = csrf_token(client.get("/").data)
    client.post("/language", data={"csrf_token": token, "lang": "en"})
    page = client.get("/").data.decode()
    assert '<html lang="en"' in page
    assert "Hello," in page and "My account" in page and "您好" not in page
    db.session.refresh(user)
    assert user.locale == "en"


def test_unknown_language_falls_back_to_chinese(app, client):
    token = csrf_token(client.get("/").data)
    client.post("/language", data={"csrf_token": token, "lang": "xx"})
    assert '<html lang="zh-CN"' in client.get("/").data.decode()


def test_elder_mode_switches_on_and_persists_for_the_user(app, client, login_as):
    user = login_as("volunteer")
    token = csrf_token(client.get("/").data)
    client.post("/elder-mode", data={"csrf_token": token, "on": "1"})
    assert 'class="elder"' in client.get("/").data.decode()
    db.session.refresh(user)
    assert user.elder_mode is True
    other_device = app.test_client()
    login = other_device.session_transaction()
    with login as session:
        session["_user_id"] = user.get_id()
    assert 'class="elder"' in other_device.get("/").data.decode()


def test_elder_mode_works_without_an_account(app, client):
    token = csrf_token(client.get("/").data)
    client.post("/elder-mode", data={"csrf_token": token, "on": "1"})
    assert 'class="elder"' in client.get("/login").data.decode()


def test_home_page_shows_each_role_its_panels(app, client, login_as, make):
    org = make.org()
    login_as("org_staff", org=org)
    page = client.get("/").data.decode()
    assert "我的组织" in page and org.name in page
    assert "系统管理" not in page


def test_admin_home_has_admin_panel(app, client, login_as):
    login_as("admin")
    assert "系统管理" in client.get("/").data.decode()


def test_no_template_or_stylesheet_loads_anything_from_the_internet():
    offenders = []
    templates = [p for pkg in ("core", "timebank", "charity", "credit")
                 for p in (PROJECT_ROOT / pkg).glob("**/templates/**/*.html")]
    assert len(templates) > 10
    for path in templates:
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r'(?:src|href)\s*=\s*"(https?:)?//', text):
            offenders.append(f"{path}: {match.group(0)}")
    for path in (PROJECT_ROOT / "core/web/static/css").glob("*.css"):
        if re.search(r"url\(\s*['\"]?(https?:)?//", path.read_text(encoding="utf-8")):
            offenders.append(str(path))
    assert not offenders, offenders


def test_api_docs_are_served_from_local_assets(app, client):
    page = client.get("/api/docs").data.decode()
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page
    assert "<script>" not in page  # the CSP forbids inline scripts
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
    spec = client.get("/api/openapi.json").json
    assert spec["info"]["title"] and spec["paths"]


def test_health_and_readiness(app, client):
    assert client.get("/healthz").json == {"status": "ok"}
    assert client.get("/readyz").json == {"status": "ok"}


def test_the_bundled_font_and_swagger_licence_ship_with_the_code():
    assert Path(PROJECT_ROOT / "core/fonts/wqy-microhei.ttc").stat().st_size > 1_000_000
    assert (PROJECT_ROOT / "core/fonts/wqy-microhei.COPYRIGHT").exists()


def test_the_switches_go_back_only_to_this_site(app, client):
    """The language and elder-mode switches return to ``next`` (or the referrer); a path with a
    tab, newline or backslash after its first slash left the site (found by tests/security)."""
    token = csrf_token(client.get("/").data)
    for target in ("/\t/evil.example", "/\n/evil.example", "/\\evil.example", "//evil.example",
                   "https://evil.example/"):
        for url, data in (("/language", {"lang": "en"}), ("/elder-mode", {"on": "1"})):
            response = client.post(url, data={"csrf_token": token, "next": target, **data})
            location = response.headers["Location"]
            assert location.startswith("/") and not location.startswith("//"), (url, target)
            assert "evil" not in location, (url, target, location)
    kept = client.post("/language", data={"csrf_token": token, "next": "/charity/?page=2",
                                          "lang": "zh_CN"})
    assert kept.headers["Location"] == "/charity/?page=2"
