"""CSRF on every form of every package (issue #7, item 5).

1. Every POST form drawn on every page the demo crawl reaches (as every role, anonymously too)
   carries a non-empty ``csrf_token``.
2. Every POST route of the page blueprints (and every API write, when authenticated by the
   session cookie) refuses a request without the token with 400, as a signed-in user the route
   admits — before anything is written: the database is byte-for-byte the same afterwards.
"""

from __future__ import annotations

import hashlib

import pytest

from core.auth import AUTHENTICATED, PUBLIC, endpoint_roles
from core.extensions import db
from tests.security.conftest import DEMO_GROUP
from tests.security.routes import sample_ids
from tests.security.site import ROLE_LOGINS, raw_select

pytestmark = pytest.mark.xdist_group(DEMO_GROUP)

WRITES = ("POST", "PUT", "PATCH", "DELETE")


@pytest.mark.parametrize("role", list(ROLE_LOGINS), ids=lambda r: r or "anonymous")
def test_every_post_form_on_every_crawled_page_carries_a_csrf_token(demo_site, role):
    crawl = demo_site.crawl(role)
    problems, posts = [], 0
    for fetched in crawl.fetched:
        for form in fetched.forms:
            if form["method"] != "post":
                continue
            posts += 1
            if not form["inputs"].get("csrf_token"):
                problems.append(f"{fetched.url}: form to {form['action'] or fetched.url} "
                                f"({sorted(form['inputs'])}) has no csrf_token")
    pages = crawl.count("text/html")
    assert posts >= pages, f"{posts} POST forms on {pages} pages: the header's switches?"
    assert not problems, "\n".join(sorted(set(problems)))


def _digest(site) -> str:
    digest = hashlib.sha256()
    with site.app.app_context():
        for table in db.metadata.sorted_tables:
            rows = db.session.execute(raw_select(table)).all()
            digest.update(f"{table.name}:{sorted(map(repr, rows))}".encode())
        db.session.rollback()
    return digest.hexdigest()


def _login_for(declared: frozenset) -> str | None:
    """A demo login the route admits (None: anonymous, for public routes)."""
    if PUBLIC in declared:
        return None
    if AUTHENTICATED in declared:
        return "volunteer"
    for role in ("admin", "regulator", "org_staff", "institution_staff", "volunteer", "feed"):
        if role in declared:
            return ROLE_LOGINS[role]
    raise AssertionError(f"no demo login for {sorted(declared)}")


def _write_routes(app):
    with app.test_request_context():
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            for method in sorted(set(rule.methods) & set(WRITES)):
                yield rule, method, endpoint_roles(rule.endpoint, method) or frozenset()


# A generous body: every field name the forms use, so a missing token is the only thing wrong.
FORM = {"reason": "测试", "name": "测试", "username": "volunteer", "password": "demo12345",
        "q": "CZ00000001", "code": "000000", "note": "测试", "on": "1", "lang": "en",
        "statement": "测试", "evidence_ref": "测试", "decision_document": "测试"}


def test_page_posts_without_a_token_are_refused_and_change_nothing(demo_site):
    app = demo_site.app
    assert app.config.get("WTF_CSRF_ENABLED", True)
    before = _digest(demo_site)
    problems, tried = [], 0
    clients = {}
    for rule, method, declared in _write_routes(app):
        if rule.rule.startswith("/api/"):
            continue
        values = sample_ids(demo_site, rule, 1)
        if rule.arguments and not values:
            problems.append(f"{rule.rule}: no ids in the demo to try it with")
            continue
        url = rule.build(values[0] if values else {}, append_unknown=False)[1]
        login = _login_for(declared)
        client = clients.get(login) or clients.setdefault(login, _client(demo_site, login))
        with app.app_context():
            response = client.open(url, method=method, data=FORM)
        tried += 1
        if response.status_code != 400:
            problems.append(f"{method} {url} as {login or 'anonymous'}: "
                            f"{response.status_code}, expected 400 (CSRF)")
    assert tried >= 50, f"only {tried} page writes tried"
    assert not problems, "\n".join(problems)
    assert _digest(demo_site) == before, "a refused request changed the database"


def test_api_writes_by_session_cookie_without_a_token_are_refused(demo_site):
    app = demo_site.app
    before = _digest(demo_site)
    problems, tried, clients = [], 0, {}
    for rule, method, declared in _write_routes(app):
        if not rule.rule.startswith("/api/"):
            continue
        values = sample_ids(demo_site, rule, 1)
        if rule.arguments and not values:
            continue
        url = rule.build(values[0] if values else {}, append_unknown=False)[1]
        login = _login_for(declared) or "volunteer"
        client = clients.get(login) or clients.setdefault(login, _client(demo_site, login))
        with app.app_context():
            response = client.open(url, method=method, json={})
        tried += 1
        if response.status_code != 400:
            problems.append(f"{method} {url} as {login}: {response.status_code}, expected 400")
    assert tried >= 40
    assert not problems, "\n".join(problems)
    assert _digest(demo_site) == before


def _client(site, username: str | None):
    client = site.app.test_client()
    if username is not None:
        with site.app.app_context(), client.session_transaction() as session:
            session["_user_id"] = site.users[username].get_id()
            session["_fresh"] = True
    return client
