"""More than one app server (issue #16, item 4): two gunicorn instances on two loopback ports
against one PostgreSQL database and one Redis, as behind a load balancer. A client that moves
between them keeps its session, meets the same rate limits and gets its idempotent replays.
(The scheduler's leadership: tests/core/test_leadership.py.)

Needs TEST_DATABASE_URL (PostgreSQL) and TEST_REDIS_URL (``.ci/run`` starts both); skipped
with a message otherwise.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from core.accounts.models import Person
from core.extensions import db
from tests.conftest import IS_POSTGRES, server_environment
from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[1]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "").strip()
pytestmark = [
    pytest.mark.skipif(not IS_POSTGRES, reason="several app servers share PostgreSQL only "
                                                "(set TEST_DATABASE_URL; .ci/run does)"),
    pytest.mark.skipif(not REDIS_URL, reason="shared rate limits need Redis (set "
                                             "TEST_REDIS_URL=redis://…; .ci/run starts one)"),
    pytest.mark.xdist_group("servers"),
]
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


@pytest.fixture(scope="module")
def instances(database, tmp_path_factory):
    """Two gunicorn servers (A and B) over the suite's PostgreSQL database and one Redis."""
    _flush_redis()
    url, _template = database
    folder = tmp_path_factory.mktemp("instances")
    env = dict(server_environment(), DATABASE_URL=url, PYTHONPATH=str(ROOT),
               RATELIMIT_STORAGE_URI=REDIS_URL, LOGIN_RATE_LIMIT="10 per minute",
               INSTANCE_PATH=str(folder), LOG_LEVEL="WARNING")
    servers = []
    for name in ("a", "b"):
        port = _free_port()
        log = (folder / f"{name}.log").open("w")
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "wsgi:app", "--bind",
             f"127.0.0.1:{port}", "--workers", "1", "--worker-class", "gthread", "--threads",
             "4", "--no-control-socket"],  # two on one machine: no shared control socket
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        servers.append((process, f"http://127.0.0.1:{port}", folder / f"{name}.log"))
    try:
        for process, base, log in servers:
            _wait_ready(process, base, log)
        yield [base for _p, base, _l in servers]
    finally:
        for process, _base, _log in servers:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=60)


def _wait_ready(process, base: str, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()[-3000:]
        try:
            if requests.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{base} did not start:\n{log.read_text()[-3000:]}")


def _token(browser: requests.Session, base: str, path: str = "/login") -> str:
    return CSRF.search(browser.get(base + path, timeout=30).text).group(1)


def _sign_in(browser, base, username, password=PASSWORD):
    return browser.post(f"{base}/login", data={
        "csrf_token": _token(browser, base), "username": username, "password": password},
        allow_redirects=False, timeout=30)


def test_a_session_moves_between_instances_and_signing_out_on_one_ends_it_on_both(
        app, make, instances):
    a, b = instances
    make.user("volunteer", username="li")
    db.session.commit()
    browser = requests.Session()
    assert _sign_in(browser, a, "li").status_code == 302
    stolen = browser.cookies.get("session")
    on_b = browser.get(f"{b}/account", allow_redirects=False, timeout=30)
    assert on_b.status_code == 200 and "li" in on_b.text  # signed in on B by A's cookie
    signed_out = browser.post(f"{b}/logout", data={"csrf_token": _token(browser, b, "/account")},
                              allow_redirects=False, timeout=30)
    assert signed_out.status_code == 302
    replay = requests.Session()
    replay.cookies.set("session", stolen)
    assert replay.get(f"{a}/account", allow_redirects=False, timeout=30).status_code == 302


def test_rate_limits_are_shared_by_the_instances(app, instances):
    """10 sign-in attempts per minute per address, counted in Redis: the 11th is refused on
    whichever instance it lands (with per-process memory each would allow 10)."""
    a, b = instances
    _flush_redis()
    browser = requests.Session()
    statuses = []
    for n in range(11):
        base = (a, b)[n % 2]
        statuses.append(_sign_in(browser, base, f"nobody-{uuid.uuid4().hex[:8]}").status_code)
    assert statuses == [401] * 10 + [429]
    assert _sign_in(browser, a, "someone-else").status_code == 429  # and on A too


def test_sign_in_throttling_is_shared_by_the_instances(app, make, instances):
    a, b = instances
    _flush_redis()
    make.user("volunteer", username="zhang")
    db.session.commit()
    browser = requests.Session()
    assert [_sign_in(browser, (a, b)[n % 2], "zhang", "wrong").status_code
            for n in range(5)] == [401] * 5
    assert _sign_in(browser, b, "zhang").status_code == 429  # the backoff started on A and B


def test_an_idempotent_write_sent_to_a_replays_on_b(app, make, api_as, instances):
    a, b = instances
    api = api_as("regulator")
    body = {"name": "王秀英", "id_number": make.id_number(age=72)}
    headers = {"Authorization": f"Bearer {api.token}", "Idempotency-Key": str(uuid.uuid4())}
    first = requests.post(f"{a}/api/v1/accounts/persons", json=body, headers=headers,
                          timeout=30)
    assert first.status_code == 201, first.text
    again = requests.post(f"{b}/api/v1/accounts/persons", json=body, headers=headers,
                          timeout=30)
    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 1
