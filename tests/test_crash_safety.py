"""Crash safety (issue #7, item 4): the real server (gunicorn) is killed with SIGKILL in the
middle of a bulk roster import and of a batch of concurrent redemptions, then restarted.
Each operation either fully happened or not at all (rows, ledger postings and holds, audit
records, the stored idempotent response), and retrying with the same Idempotency-Keys
completes the work exactly once; a second retry only replays.

The server is ``gunicorn tests.crashable_app:app`` over this test's database (the SQLite
file, or the PostgreSQL database when the suite runs with TEST_DATABASE_URL). To kill it at a
known point inside a transaction, ``tests/crashable_app.py`` pauses after each roster row or
after each redemption hold and appends a byte to a marker file; the test kills the whole
process group (master and worker, as the OOM killer or a power cut would) when the marker
shows the work is under way.
"""

from __future__ import annotations

import csv
import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from core import clock
from core.audit import AuditRecord, verify_chain
from core.extensions import db
from core.idempotency import IdempotencyRecord
from core.orgs.models import OrgKind
from tests.conftest import server_environment
from timebank import ledger, redemption
from timebank.models import Hold, Posting, Redemption, ServiceSession
from timebank.vocabulary import HoldStatus, PostingKind

ROOT = Path(__file__).resolve().parents[1]
ROWS = 120  # roster rows: 12 volunteers × 10 slots
BATCH = 10  # concurrent redemptions
PRICE = 60


# --- the server ----------------------------------------------------------------------------

class Server:
    """gunicorn (1 worker, threads) in its own process group, over the test's database."""

    def __init__(self, app, folder: Path):
        self.url_db = app.config["SQLALCHEMY_DATABASE_URI"]
        self.folder = folder
        self.process = None
        self.base = None
        self.starts = 0

    def start(self, pause_at: str | None = None, seconds: float = 0.05) -> Path:
        marker = self.folder / f"marker-{self.starts}"
        env = dict(server_environment(), DATABASE_URL=self.url_db, PYTHONPATH=str(ROOT),
                   CRASH_MARKER=str(marker), CRASH_PAUSE_SECONDS=str(seconds),
                   LOG_LEVEL="WARNING")
        env.pop("CRASH_PAUSE_AT", None)
        if pause_at:
            env["CRASH_PAUSE_AT"] = pause_at
        port = _free_port()
        log = (self.folder / f"server-{self.starts}.log").open("w")
        self.starts += 1
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "tests.crashable_app:app",
             "--bind", f"127.0.0.1:{port}", "--workers", "1", "--worker-class", "gthread",
             "--threads", "12", "--timeout", "120", "--no-control-socket"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log_tail()
            try:
                if requests.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return marker
            except requests.RequestException:
                time.sleep(0.1)
        raise AssertionError("server did not start:\n" + self.log_tail())

    def kill(self) -> None:
        """SIGKILL to master and worker at once: nothing gets to finish or clean up."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self.process = None

    def log_tail(self) -> str:
        logs = sorted(self.folder.glob("server-*.log"))
        return logs[-1].read_text()[-3000:] if logs else ""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(marker: Path, count: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if marker.exists() and marker.stat().st_size >= count:
            return
        time.sleep(0.01)
    raise AssertionError(f"the work never reached step {count}")


@pytest.fixture
def server(app, tmp_path):
    running = Server(app, tmp_path)
    yield running
    running.kill()


def _token(user) -> dict:
    from core.accounts.services import create_token

    return {"Authorization": f"Bearer {create_token(None, user, 'crash test').secret}"}


def _fresh():
    """End the test's own transaction: the next query sees what the server committed, and
    (SQLite) the test holds no lock the server could wait for."""
    db.session.rollback()


def _count(model, *where) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model).where(*where)
                              ).scalar_one()


def _audit(action: str) -> int:
    return _count(AuditRecord, AuditRecord.action == action)


def _ledger_and_audit_intact() -> None:
    report = ledger.verify()
    assert report.ok, report.problems
    assert verify_chain().ok


# --- (a) a roster import killed half-way -------------------------------------------------------

def _roster_csv(volunteers) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["志愿者编号", "姓名", "开始时间", "结束时间", "服务类别", "区县", "服务地址"])
    yesterday = clock.today() - timedelta(days=1)
    for n in range(ROWS):
        person = volunteers[n % len(volunteers)]
        slot = n // len(volunteers)
        day = yesterday - timedelta(days=slot // 8)
        hour = 8 + slot % 8
        writer.writerow([person.volunteer_number, person.name, f"{day} {hour:02d}:00",
                         f"{day} {hour:02d}:50", "助餐", "天宁区", "天宁区红梅新村 12 幢"])
    return ("\ufeff" + buffer.getvalue()).encode()


def _import(server, headers, key, body, org_id):
    return requests.post(f"{server.base}/api/v1/timebank/sessions/import",
                         params={"org_id": org_id, "confirm": "true"},
                         files={"file": ("名单.csv", body, "text/csv")},
                         headers={**headers, "Idempotency-Key": key}, timeout=120)


def test_roster_import_killed_midway_is_all_or_nothing_and_retries_exactly_once(
        app, make, server):
    org = make.org(OrgKind.SOCIAL_GROUP)
    staff = make.user("org_staff", org=org)
    volunteers = [make.person(age=40) for _ in range(12)]
    headers, org_id = _token(staff), org.id
    person_ids = [p.id for p in volunteers]
    body, key = _roster_csv(volunteers), f"roster-{uuid.uuid4()}"
    db.session.commit()
    _fresh()
    imported = (ServiceSession.source == "import")

    marker = server.start(pause_at="roster_row", seconds=0.03)
    outcome = {}

    def upload():
        try:
            outcome["response"] = _import(server, headers, key, body, org_id)
        except requests.RequestException as error:
            outcome["error"] = error

    thread = threading.Thread(target=upload)
    thread.start()
    _wait_for(marker, ROWS // 3)  # a third of the rows are in the transaction
    server.kill()
    thread.join(timeout=30)
    assert "error" in outcome, "the import finished before the kill: nothing was tested"

    # Nothing of it happened: no session, no deposit, no audit record, no stored response.
    _fresh()
    assert _count(ServiceSession, imported) == 0
    assert _count(Posting, Posting.reference.like("session:%")) == 0
    assert _audit("timebank.session.log") == 0
    assert _count(IdempotencyRecord, IdempotencyRecord.key == key) == 0
    _ledger_and_audit_intact()
    _fresh()

    server.start()  # restarted, no pause
    first = _import(server, headers, key, body, org_id)
    assert first.status_code == 201, first.text
    assert first.json()["created"] == ROWS and first.json()["refused"] == 0
    assert "Idempotent-Replayed" not in first.headers
    again = _import(server, headers, key, body, org_id)
    assert again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.content == first.content

    # Exactly once: every row once, confirmed, deposited once, audited once.
    _fresh()
    assert _count(ServiceSession, imported) == ROWS
    assert _count(ServiceSession, imported, ServiceSession.status == "confirmed") == ROWS
    assert _count(Posting, Posting.reference.like("session:%")) == ROWS
    assert _audit("timebank.session.log") == ROWS
    assert _audit("timebank.session.confirm") == ROWS
    for person_id in person_ids:
        assert ledger.balances(person_id) == (500, 0, 500)  # 10 sessions of 50 minutes
    _ledger_and_audit_intact()


# --- (b) a batch of concurrent redemptions killed half-way -----------------------------------

def _redeem(server, headers, key, member_id, item_id):
    return requests.post(f"{server.base}/api/v1/timebank/redemptions",
                         json={"person_id": member_id, "item_id": item_id, "quantity": 1},
                         headers={**headers, "Idempotency-Key": key}, timeout=120)


def _fire(server, headers, keys, member_id, item_id) -> dict:
    """Every key at once, one thread each; key → response (or the connection error)."""
    results: dict = {}

    def one(key):
        try:
            results[key] = _redeem(server, headers, key, member_id, item_id)
        except requests.RequestException as error:
            results[key] = error

    threads = [threading.Thread(target=one, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    return {"threads": threads, "results": results}


def _join(batch) -> dict:
    for thread in batch["threads"]:
        thread.join(timeout=120)
    return batch["results"]


def test_redemption_batch_killed_midway_leaves_whole_redemptions_and_retries_exactly_once(
        app, make, server):
    home = make.org(OrgKind.ELDERCARE)
    counter = make.user("institution_staff", org=home)
    member_login = make.user("volunteer", age=72)  # reserves from their own account
    member = member_login.person
    funder = make.org(OrgKind.SOCIAL_GROUP)
    ledger.transfer(ledger.issuance_account(funder.id), ledger.person_account(member.id), 6000,
                    PostingKind.DEPOSIT, f"crash-test-fund:{member.id}")
    item = redemption.add_item(counter, home.id, {"name": "助浴一次", "service_minutes": PRICE,
                                                  "price_minutes": PRICE})
    headers, member_id, item_id = _token(member_login), member.id, item.id
    user_keys = IdempotencyRecord.user_id == member_login.id
    db.session.commit()
    _fresh()
    keys = [f"redeem-{n}-{uuid.uuid4()}" for n in range(BATCH)]

    marker = server.start(pause_at="redemption_hold", seconds=0.4)
    batch = _fire(server, headers, keys, member_id, item_id)
    _wait_for(marker, 4)  # three redemptions committed, the fourth holds credits right now
    server.kill()
    before_crash = _join(batch)
    answered = {k: r.json()["id"] for k, r in before_crash.items()
                if isinstance(r, requests.Response) and r.status_code == 201}
    assert 0 < len(answered) < BATCH, "the kill was not in the middle of the batch"

    # Each redemption that exists exists whole: its hold, the account's held minutes, its
    # audit record and its stored response (so its key replays); the others left nothing.
    _fresh()
    rows = db.session.execute(sa.select(Redemption).where(
        Redemption.person_id == member_id)).scalars().all()
    survived = len(rows)
    assert len(answered) <= survived < BATCH
    assert {r.id for r in rows} >= set(answered.values())
    for row in rows:
        hold = db.session.get(Hold, row.hold_id)
        assert hold is not None and hold.status == HoldStatus.PENDING and hold.amount == PRICE
    assert _count(Hold) == survived
    assert ledger.balances(member_id) == (6000, survived * PRICE, 6000 - survived * PRICE)
    assert _audit("timebank.redemption.create") == survived
    assert _count(IdempotencyRecord, user_keys) == survived
    _ledger_and_audit_intact()
    _fresh()

    server.start()  # restarted, no pause: every key is sent again, all at once
    retried = _join(_fire(server, headers, keys, member_id, item_id))
    assert all(isinstance(r, requests.Response) and r.status_code == 201
               for r in retried.values()), retried
    replayed = {k for k, r in retried.items() if r.headers.get("Idempotent-Replayed") == "true"}
    assert len(replayed) == survived  # what had happened is replayed, not done again
    for key, redemption_id in answered.items():
        assert retried[key].json()["id"] == redemption_id
    ids = {r.json()["id"] for r in retried.values()}
    assert len(ids) == BATCH  # one redemption per key

    final = _join(_fire(server, headers, keys, member_id, item_id))
    assert all(r.headers.get("Idempotent-Replayed") == "true" for r in final.values())
    assert {k: r.json()["id"] for k, r in final.items()} == \
        {k: r.json()["id"] for k, r in retried.items()}

    _fresh()
    assert _count(Redemption, Redemption.person_id == member_id) == BATCH
    assert _count(Hold) == BATCH
    assert ledger.balances(member_id) == (6000, BATCH * PRICE, 6000 - BATCH * PRICE)
    assert _audit("timebank.redemption.create") == BATCH
    assert _count(IdempotencyRecord, user_keys) == BATCH
    _ledger_and_audit_intact()
