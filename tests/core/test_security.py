"""Security properties of the running app: cookies, proxy awareness, response headers, CSRF on
every form of the core pages, and revocation of API tokens.

The page walk renders every core page (GET, no URL parameters, plus a few with ids from a small
world) as each role and anonymously, and checks what it serves.
"""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix

from core import workdays
from core.accounts import services as accounts
from core.accounts.models import Role
from core.auth import AUTHENTICATED, PUBLIC, endpoint_roles
from core.extensions import db
from tests.conftest import ApiClient
from tests.factories import PASSWORD
from tests.helpers import csrf_token

ROLES = [None, *[r.value for r in Role]]
STAFF = {Role.ORG_STAFF.value, Role.INSTITUTION_STAFF.value}


def _set_cookies(response, name: str) -> list[str]:
    return [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{name}=")]


def _attrs(cookie: str) -> set[str]:
    return {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}


def _samesite(cookie: str) -> str | None:
    match = re.search(r"SameSite=(\w+)", cookie, re.IGNORECASE)
    return match.group(1) if match else None


# --- cookies and the proxy -----------------------------------------------------------------

def test_session_cookie_is_httponly_and_samesite_lax(app, client):
    (cookie,) = _set_cookies(client.get("/login"), "session")
    assert "httponly" in _attrs(cookie) and _samesite(cookie) == "Lax"
    assert "secure" not in _attrs(cookie)  # plain HTTP on a developer's machine


@pytest.fixture(params=[{"BEHIND_PROXY": True}, {"PREFERRED_URL_SCHEME": "https"}],
                ids=["behind-proxy", "https-scheme"])
def https_site(request, app_config):
    app_config.update(request.param)
    return request.param


def test_cookies_are_secure_when_served_over_https(https_site, app, client, make):
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    headers = {"X-Forwarded-Proto": "https", "Referer": "https://localhost/login"}
    (cookie,) = _set_cookies(client.get("/login", headers=headers), "session")
    assert {"secure", "httponly"} <= _attrs(cookie) and _samesite(cookie) == "Lax"

    make.user("volunteer", username="li")
    db.session.commit()
    token = csrf_token(client.get("/login", headers=headers).data)
    signed_in = client.post("/login", headers=headers, data={
        "csrf_token": token, "username": "li", "password": PASSWORD, "remember": "y"})
    assert signed_in.status_code == 302, signed_in.data[:500]
    (remember,) = _set_cookies(signed_in, "remember_token")
    assert {"secure", "httponly"} <= _attrs(remember) and _samesite(remember) == "Lax"


def test_explicit_setting_wins_over_the_https_default(app_config, app):
    app_config.update(BEHIND_PROXY=True, SESSION_COOKIE_SECURE=False)
    from core.app import create_app
    from tests.conftest import BASE_CONFIG

    other = create_app({**BASE_CONFIG, **app_config,
                        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    assert other.config["SESSION_COOKIE_SECURE"] is False
    assert other.config["REMEMBER_COOKIE_SECURE"] is True


@pytest.fixture
def behind_proxy(app_config):
    app_config.update(BEHIND_PROXY=True)


def test_behind_proxy_trusts_one_hop_of_forwarded_headers(behind_proxy, app, client):
    assert isinstance(app.wsgi_app, ProxyFix)
    seen = {}

    @app.get("/_probe")
    def probe():
        from flask import request

        seen.update(scheme=request.scheme, remote=request.remote_addr)
        return "ok"

    probe.__roles__ = frozenset({PUBLIC})
    client.get("/_probe", headers={"X-Forwarded-Proto": "https",
                                   "X-Forwarded-For": "198.51.100.7, 203.0.113.9"})
    assert seen == {"scheme": "https", "remote": "203.0.113.9"}  # the proxy's own view


def test_login_rate_limit_counts_each_client_behind_the_proxy(behind_proxy, app, client):
    app.config.update(LOGIN_RATE_LIMIT="3 per minute", WTF_CSRF_ENABLED=False)

    def attempt(address):
        return client.post("/login", data={"username": "nobody", "password": "x"},
                           headers={"X-Forwarded-For": address}).status_code

    assert [attempt("203.0.113.1") for _ in range(4)] == [401, 401, 401, 429]
    assert attempt("203.0.113.2") == 401  # another client is not blocked


def test_without_proxy_forwarded_headers_are_ignored(app, client):
    assert not isinstance(app.wsgi_app, ProxyFix)
    response = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    (cookie,) = _set_cookies(response, "session")
    assert "secure" not in _attrs(cookie)


def test_hsts_only_when_configured_and_over_https(app_config, behind_proxy, app, client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    app_config["HSTS_SECONDS"] = 31536000
    from core.app import create_app
    from tests.conftest import BASE_CONFIG

    other = create_app({**BASE_CONFIG, **app_config,
                        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    plain = other.test_client().get("/healthz")
    secure = other.test_client().get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in plain.headers
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    with other.app_context():
        db.engine.dispose()


# --- the page walk -------------------------------------------------------------------------

class FormParser(HTMLParser):
    """Forms of a page: method, action and the names/values of their inputs."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.inline_scripts = 0
        self.event_handlers: list[str] = []
        self._form = None
        self._script_has_src = True

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in attrs:
            if name.startswith("on"):
                self.event_handlers.append(f"<{tag} {name}>")
        if tag == "form":
            self._form = {"method": (attrs.get("method") or "get").lower(),
                          "action": attrs.get("action") or "", "inputs": {}}
            self.forms.append(self._form)
        elif tag in ("input", "button", "select", "textarea") and self._form is not None:
            if attrs.get("name"):
                self._form["inputs"][attrs["name"]] = attrs.get("value") or ""
        elif tag == "script":
            self._script_has_src = bool(attrs.get("src"))

    def handle_data(self, data):
        if self.lasttag == "script" and not self._script_has_src and data.strip():
            self.inline_scripts += 1
            self._script_has_src = True

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def _world(make):
    """A small world whose pages show the forms that matter: an organization with staff, a
    pending family link, an API token, a holiday."""
    org = make.org()
    elder = make.person(age=70, volunteer=False)
    volunteer = make.user("volunteer", username="family-owner")
    accounts.declare_family_link(volunteer, volunteer.person, elder.id_number, elder.name,
                                 "parent")
    workdays.set_day(date(2026, 10, 1), "国庆节", False)
    db.session.commit()
    return org


def _page_urls(app, role: str | None, values: dict[str, int]) -> list[tuple[str, str]]:
    """(endpoint, url) of the core GET pages this role may open: no URL parameters, or only
    parameters the small world has values for."""
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            view = app.view_functions[rule.endpoint]
            if "GET" not in rule.methods or rule.rule.startswith("/api/"):
                continue
            if not view.__module__.startswith("core.") or rule.endpoint == "static":
                continue
            if not set(rule.arguments) <= values.keys():
                continue
            declared = endpoint_roles(rule.endpoint, "GET") or frozenset()
            if not (PUBLIC in declared or (role is not None and (
                    AUTHENTICATED in declared or role in declared))):
                continue
            urls.append((rule.endpoint, rule.build({a: values[a] for a in rule.arguments},
                                                   append_unknown=False)[1]))
    return sorted(set(urls))


def _walk(app, client, login_as, make, role):
    org = _world(make)
    values = {"org_id": org.id}
    if role is not None:
        user = login_as(role, org=org if role in STAFF else None)
        values["user_id"] = user.id
        accounts.create_token(None, user, "walk")
        db.session.commit()
    pages = []
    for endpoint, url in _page_urls(app, role, values):
        response = client.get(url)
        if response.status_code == 200 and response.mimetype == "text/html":
            pages.append((endpoint, url, response))
    assert pages, f"no pages for {role}"
    return pages


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_every_post_form_on_core_pages_carries_a_csrf_token(app, client, login_as, make,
                                                               role):
    pages = _walk(app, client, login_as, make, role)
    problems, posts = [], 0
    for _endpoint, url, response in pages:
        parser = FormParser()
        parser.feed(response.get_data(as_text=True))
        for form in parser.forms:
            if form["method"] != "post":
                continue
            posts += 1
            if not form["inputs"].get("csrf_token"):
                problems.append(f"{url}: form to {form['action'] or url} has no csrf_token")
    assert posts >= len(pages)  # at least the header's switches on each page
    assert not problems, "\n".join(problems)


CSP = re.compile(r"\s*([a-z-]+)\s+([^;]*)")


def _csp(header: str) -> dict[str, set[str]]:
    return {m.group(1): set(m.group(2).split()) for m in CSP.finditer(header)}


def _check_headers(url, response) -> list[str]:
    problems = []
    policy = _csp(response.headers.get("Content-Security-Policy", ""))
    scripts = policy.get("script-src", policy.get("default-src"))
    if not scripts:
        problems.append(f"{url}: no script-src/default-src in the CSP")
    elif scripts & {"'unsafe-inline'", "'unsafe-eval'", "*", "data:"}:
        problems.append(f"{url}: CSP lets scripts in: {sorted(scripts)}")
    if policy.get("frame-ancestors") != {"'none'"}:
        problems.append(f"{url}: frame-ancestors is {policy.get('frame-ancestors')}")
    if policy.get("object-src") != {"'none'"}:
        problems.append(f"{url}: object-src is {policy.get('object-src')}")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"{url}: X-Content-Type-Options missing")
    if response.headers.get("X-Frame-Options") != "DENY":
        problems.append(f"{url}: X-Frame-Options missing")
    if not response.headers.get("X-Request-ID"):
        problems.append(f"{url}: no X-Request-ID")
    return problems


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_core_pages_send_a_strict_csp_and_no_inline_script(app, client, login_as, make, role):
    problems = []
    for _endpoint, url, response in _walk(app, client, login_as, make, role):
        problems += _check_headers(url, response)
        parser = FormParser()
        parser.feed(response.get_data(as_text=True))
        if parser.inline_scripts:
            problems.append(f"{url}: {parser.inline_scripts} inline <script> (CSP blocks it)")
        if parser.event_handlers:
            problems.append(f"{url}: inline event handlers {parser.event_handlers}")
    assert not problems, "\n".join(problems)


def test_other_responses_carry_the_security_headers_too(app, client, api_as):
    api = api_as("volunteer")
    responses = {
        "/api/v1/accounts/me": api.get("/api/v1/accounts/me"),
        "/api/docs": client.get("/api/docs"),
        "/healthz": client.get("/healthz"),
        "/no-such-page": client.get("/no-such-page"),
        "/static/css/app.css": client.get("/static/css/app.css"),
    }
    problems = [p for url, r in responses.items() for p in _check_headers(url, r)]
    assert not problems, "\n".join(problems)


# --- API tokens ----------------------------------------------------------------------------

def test_a_revoked_token_stops_working_on_the_very_next_request(app, api_as):
    api = api_as("volunteer")
    created = accounts.create_token(None, api.user, "phone app")  # as a password session would
    db.session.commit()
    second = ApiClient(app.test_client(), created.secret, api.user)
    assert second.get("/api/v1/accounts/me").status_code == 200

    revoked = api.delete(f"/api/v1/accounts/tokens/{created.token.id}")
    assert revoked.status_code == 200 and revoked.json["revoked_at"]
    assert second.get("/api/v1/accounts/me").status_code == 401
    assert second.post("/api/v1/accounts/tokens", json={"name": "x"}).status_code == 401

    # A token revoking itself: that response is its last.
    mine = next(t for t in api.get("/api/v1/accounts/tokens").json if t["name"] == "test")
    assert api.delete(f"/api/v1/accounts/tokens/{mine['id']}").status_code == 200
    assert api.get("/api/v1/accounts/me").status_code == 401


def test_a_bearer_header_does_not_switch_csrf_off_for_a_cookie_session(app, client, login_as,
                                                                        api_as):
    """API writes by session cookie need the CSRF token; any "Authorization: Bearer …" header
    skipped the check, though Flask-Login signs the cookie's user in first and ignores the
    header: a junk token made a cookie write without CSRF (found by tests/security)."""
    user = login_as("volunteer")
    for header in ("Bearer junk", "Bearer ctb_not-a-real-token"):
        response = client.post("/api/v1/accounts/tokens", json={"name": "csrf"},
                               headers={"Authorization": header})
        assert response.status_code == 400, header
    assert accounts.tokens_of(user) == []
    api = api_as("volunteer")  # a real token, no cookie: no CSRF asked (refused for minting)
    minted = api.post("/api/v1/accounts/tokens", json={"name": "phone"})
    assert minted.status_code == 403
    assert minted.json["code"] == "accounts.password_session_required"
    anonymous = app.test_client()  # a bad token and no cookie: not signed in, 401 as before
    refused = anonymous.post("/api/v1/accounts/tokens", json={"name": "x"},
                             headers={"Authorization": "Bearer junk"})
    assert refused.status_code == 401


def test_a_token_revoked_on_the_page_stops_working_too(app, client, login_as):
    user = login_as("volunteer")
    issued = accounts.create_token(None, user, "page revoke")
    db.session.commit()
    bearer = ApiClient(app.test_client(), issued.secret, user)
    assert bearer.get("/api/v1/accounts/me").status_code == 200
    token = csrf_token(client.get("/account/tokens").data)
    client.post(f"/account/tokens/{issued.token.id}/revoke", data={"csrf_token": token})
    assert bearer.get("/api/v1/accounts/me").status_code == 401


def test_paged_lists_render_their_pager(app, client, login_as):
    """The pager once assigned to ``_`` (gettext) and crashed any list with a second page (found
    by the accessibility scan, which now reports 5xx pages too)."""
    from core import audit
    from core.admin.views import PER_PAGE

    login_as("admin")
    for n in range(2 * PER_PAGE + 1):
        audit.record(None, "test.page", "thing", n)
    db.session.commit()
    middle = client.get("/admin/audit?page=2&action=test.")
    assert middle.status_code == 200
    html = middle.get_data(as_text=True)
    assert 'rel="prev"' in html and 'rel="next"' in html and "page=3" in html
    assert "action=test." in html  # the filter is kept across pages
