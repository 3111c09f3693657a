"""Every route declares who may call it, and everyone else is refused.

Walks every rule of the URL map with every role and anonymously. A route without a
declaration fails the first test; a declaration that differs from the table of expected roles
(tests/core/route_roles.py, written by hand) fails the second; a route that lets through a
role the table does not admit fails the walk. Allowed callers may still be refused by
object-level checks (403/404) or by validation (400/422), but never get a 5xx.
"""

from __future__ import annotations

import pytest

from core.accounts.models import Role
from core.auth import AUTHENTICATED, LIBRARY_PUBLIC_ENDPOINTS, PUBLIC, endpoint_roles
from tests.core.route_roles import SIGNED_IN, expected_roles, table_line

ROLES = [r.value for r in Role]
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
SAMPLE = {"int": "1", "string": "x", "path": "x", "default": "x", "uuid":
          "00000000-0000-0000-0000-000000000001"}


def _rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in LIBRARY_PUBLIC_ENDPOINTS:
            continue
        for method in sorted(set(rule.methods) & set(METHODS)):
            yield rule, method


def _url(rule) -> str:
    parts = {}
    for name, converter in rule._converters.items():
        kind = type(converter).__name__.replace("Converter", "").lower()
        parts[name] = SAMPLE.get(kind, "1" if "int" in kind else "x")
    url = rule.rule
    for name, value in parts.items():
        url = _replace_arg(url, name, value)
    return url


def _replace_arg(url: str, name: str, value: str) -> str:
    import re

    return re.sub(r"<(?:[^:<>]+:)?" + re.escape(name) + r">", value, url)


def test_every_route_declares_its_roles(app):
    undeclared = []
    with app.test_request_context():
        for rule, method in _rules(app):
            if endpoint_roles(rule.endpoint, method) is None:
                undeclared.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert not undeclared, "routes without @roles:\n" + "\n".join(undeclared)


def test_the_declared_roles_are_the_expected_ones(app):
    """A route added, removed, widened or narrowed without deciding who should reach it."""
    table = expected_roles()
    wrong, missing = [], []
    with app.test_request_context():
        for rule, method in _rules(app):
            declared = endpoint_roles(rule.endpoint, method) or frozenset()
            declared = frozenset(SIGNED_IN if r == AUTHENTICATED else r for r in declared)
            expected = table.pop((method, rule.rule), None)
            if expected is None:
                missing.append(table_line(method, rule.rule, declared))
            elif declared != expected:
                wrong.append(f"{method} {rule.rule}: declares {sorted(declared)}, "
                             f"expected {sorted(expected)}")
    gone = [f"{method} {rule}" for method, rule in table]
    assert not (wrong or missing or gone), (
        "declared roles differ from tests/core/route_roles.py:\n" + "\n".join(wrong)
        + "\nroutes missing from the table (decide their roles, then add):\n"
        + "\n".join(missing) + "\nlisted routes that no longer exist:\n" + "\n".join(gone))


def _allowed(expected: frozenset[str], role: str | None) -> bool:
    if PUBLIC in expected:
        return True
    if role is None:
        return False
    return SIGNED_IN in expected or role in expected


@pytest.mark.parametrize("role", [None, *ROLES])
def test_routes_refuse_undeclared_roles(app, app_config, client, login_as, role):
    app.config["WTF_CSRF_ENABLED"] = False  # this walk checks roles, not CSRF
    app.config["RATELIMIT_ENABLED"] = False
    if role is not None:
        login_as(role)
    problems = []
    table = expected_roles()
    rules = [(rule, method, table.get((method, rule.rule), frozenset())) for rule, method in
             _rules(app)]  # a route missing from the table is walked as closed to everyone
    for rule, method, expected in rules:
        if rule.endpoint in ("accounts.logout",):
            continue  # would end this walk's session
        url = _url(rule)
        response = client.open(url, method=method, json={} if rule.rule.startswith("/api/")
                               else None)
        status = response.status_code
        allowed = _allowed(expected, role)
        if status >= 500:
            problems.append(f"{method} {url} as {role}: {status}")
        elif not allowed:
            refused = status in (401, 403) or (
                status == 302 and "/login" in response.headers.get("Location", ""))
            if not refused:
                problems.append(f"{method} {url} as {role}: {status}, expected refusal")
        elif status == 401:
            problems.append(f"{method} {url} as {role}: 401 though allowed")
    assert not problems, "\n".join(problems)
