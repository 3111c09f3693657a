"""Schemathesis fuzzing of the app's own OpenAPI document: every operation, as every role.

Each role gets a fresh copy of one seeded demo world and a bearer token; every operation is
called with generated requests (positive and negative data, a bounded, derandomized number of
examples) and every response must be no 5xx, and match the documented status codes, content
type, headers and schema. All failures of a role are collected and reported together.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections import Counter

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from core.app import create_app
from core.auth import PUBLIC, endpoint_roles
from core.extensions import db
from tests.conftest import BASE_CONFIG, IS_POSTGRES, recreate_postgres_database
from tests.fuzz.world import USERS, WorldCopies, known_values, seed_world

ROLES = ("anonymous", *USERS)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
# Examples per operation: where the role is admitted, and where it is refused at the door.
# API_FUZZ_SCALE=10 (say) runs a deeper search by hand; CI runs the default.
SCALE = float(os.environ.get("API_FUZZ_SCALE", "1"))
ADMITTED = {GenerationMode.POSITIVE: round(8 * SCALE), GenerationMode.NEGATIVE: round(4 * SCALE)}
REFUSED = {GenerationMode.POSITIVE: 1, GenerationMode.NEGATIVE: 1}


@pytest.fixture(scope="session")
def fuzz_world(database, tmp_path_factory):
    """The seeded world, once per worker; ``.fresh(name)`` gives a new copy's URL."""
    url, template = database
    base = sa.make_url(url)
    if template is not None:
        world = tmp_path_factory.mktemp("fuzz") / "world.sqlite3"
        shutil.copyfile(template, world)
        world_url = base.set(database=str(world)).render_as_string(hide_password=False)
    else:
        world_url = recreate_postgres_database(base, f"{base.database}_fuzz")
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": world_url})
    with app.app_context():
        if IS_POSTGRES:
            db.create_all()
        seed_world()
        db.session.remove()
        db.engine.dispose()
    copies = WorldCopies(world_url, IS_POSTGRES)
    yield copies
    copies.drop_all()


def _operation_roles(app) -> dict[tuple[str, str], frozenset[str]]:
    """(METHOD, /path/{param}) → the roles the route admits."""
    found = {}
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.rule.startswith("/api/v1/"):
                continue
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                found[(method, path)] = endpoint_roles(rule.endpoint, method)
    return found


def _sign_in(app, role: str) -> tuple[dict[str, str], int | None]:
    """A bearer token for the role's demo user: (headers, token id)."""
    if role == "anonymous":
        return {}, None
    from core.accounts.models import User
    from core.accounts.services import create_token

    with app.app_context():
        user = db.session.execute(sa.select(User).where(User.username == USERS[role])
                                  ).scalar_one()
        issued = create_token(None, user, "api fuzzing")
        db.session.commit()
        return {"Authorization": f"Bearer {issued.secret}"}, issued.token.id


PAGINATION_KEYS = {"total", "total_pages", "first_page", "last_page", "page", "previous_page",
                   "next_page"}


def _check_pagination_header(response) -> None:
    """X-Pagination is documented as JSON (``content``), which schemathesis does not read."""
    for value in response.headers.get("x-pagination", []):
        data = json.loads(value)
        assert isinstance(data, dict) and set(data) <= PAGINATION_KEYS, value
        assert all(isinstance(number, int) for number in data.values()), value


def _describe(case, response, error) -> str:
    answer = "-" if response is None else \
        f"{response.status_code} {response.content[:400].decode(errors='replace')}"
    return (f"{case.operation.label}: {type(error).__name__}: {str(error).strip()[:1500]}\n"
            f"    request: {case.method} {case.formatted_path} query={case.query} "
            f"body={str(case.body)[:300]}\n    response: {answer}\n")


def _steered(operation, mode, known: dict):
    """The operation's generated cases, where about half of the values named like a known
    id (path, query, body) are replaced by real ones, so requests reach past the 404."""
    prefix = "@timebank" if "/timebank/" in operation.path else ""

    def pool(name):
        return known.get(name + prefix) or known.get(name)

    def steer(case):
        slots = []
        for container in (case.path_parameters, case.query, case.body):
            if not isinstance(container, dict):
                continue
            for name, value in container.items():
                found = pool(name)
                if found is None:
                    continue
                real = st.lists(st.sampled_from(found), min_size=1, max_size=3) \
                    if isinstance(value, list) else st.sampled_from(found)
                slots.append((container, name, st.one_of(st.just(value), real)))
        if not slots:
            return st.just(case)

        def apply(chosen):
            for (container, name, _strategy), value in zip(slots, chosen, strict=True):
                container[name] = value
            return case

        return st.tuples(*(strategy for *_slot, strategy in slots)).map(apply)

    return operation.as_strategy(generation_mode=mode).flatmap(steer)


def _fuzz(operation, mode, examples: int, headers: dict, failures: dict,
          statuses: Counter, known: dict, own_token: int | None) -> int:
    calls = 0

    @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], verbosity=Verbosity.quiet,
              suppress_health_check=list(HealthCheck))
    @given(case=_steered(operation, mode, known))
    def run(case):
        nonlocal calls
        if own_token is not None and (case.path_parameters or {}).get("token_id") == own_token:
            return  # never revoke the token the fuzzer signs in with
        calls += 1
        response = None
        try:
            response = case.call(headers=headers)
            statuses[(operation.label, response.status_code)] += 1
            case.validate_response(response, checks=CHECKS, headers=headers)
            _check_pagination_header(response)
        except (Exception, BaseExceptionGroup) as error:  # every failure is reported at the end
            key = (operation.label, type(error).__name__, getattr(response, "status_code", 0))
            failures.setdefault(key, _describe(case, response, error))

    try:
        run()
    except Unsatisfiable:
        if mode is GenerationMode.POSITIVE:
            raise  # nothing to negate (no parameters, no body) is fine; no valid case is not
    return calls


@pytest.mark.parametrize("role", ROLES)
def test_every_operation_answers_as_documented(role, fuzz_world):
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": fuzz_world.fresh(role)})
    headers, token_id = _sign_in(app, role)
    with app.app_context():
        known = known_values(role)
    # The fuzzer may revoke any token but the one it signs in with.
    known["token_id"] = [t for t in known.get("token_id", []) if t != token_id] or [0]
    admitted = _operation_roles(app)
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    failures: dict = {}
    statuses: Counter = Counter()
    calls = operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        allowed = admitted[(operation.method.upper(), operation.path)]
        door_open = PUBLIC in allowed or (role != "anonymous" and (
            "authenticated" in allowed or role in allowed))
        for mode, examples in (ADMITTED if door_open else REFUSED).items():
            calls += _fuzz(operation, mode, examples, headers, failures, statuses, known,
                           token_id)
    if role != "anonymous":  # still signed in: the run did not lock itself out
        assert app.test_client().get("/api/v1/accounts/me", headers=headers).status_code == 200
    with app.app_context():
        db.engine.dispose()
    by_status = Counter()
    for (_label, status), count in statuses.items():
        by_status[status] += count
    print(f"\n{role}: {operations} operations, {calls} calls, statuses {dict(sorted(by_status.items()))}, "
          f"{len(failures)} failures")
    assert not failures, f"{len(failures)} failures as {role}:\n" + "\n".join(failures.values())
