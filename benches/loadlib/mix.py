"""The locust side of ``benches/load.py``: the users, the mix, and the statistics it reports.

Runs in its own process (locust patches the standard library with gevent):
``python benches/loadlib/mix.py --host URL --world world.json --scenario mix|healthz
--users N --duration S --out stats.json``.

Users are closed loops with no think time, so both scenarios measure capacity: ``healthz``
(the trivial endpoint alone: the framework's ceiling on this machine) and ``mix``:

- volunteers log sessions and read their balance, history and sessions;
- organization staff list what awaits them and confirm it (one staff member per
  organization: their queues are disjoint, so no two confirm the same session);
- institution counters look a member up, create a redemption, then complete it with the
  member's code (paced under the code limiter, 10 per minute per terminal), cancel it, or
  leave it pending;
- the public reads the published credit lists and the charity board (API and pages);
- feed consumers pull the credit feed with a cursor and ``If-None-Match``.

Every write carries a fresh ``Idempotency-Key``; one write in twenty is sent again with the
same key and body (a phone retrying) and must come back replayed, byte for byte.

Each response is classified: success (2xx, 304), business refusal (a 4xx whose ``code`` is a
legitimate rule of the domain — counted apart, and designed out of the mix), or error
(anything else, including 5xx, timeouts, a replay that does not replay). At the end the
users stop at a request boundary (no write is abandoned in flight), then the statistics are
written as JSON.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections import Counter  # noqa: E402
from datetime import date, datetime, timedelta, timezone  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
import psutil  # noqa: E402
from gevent.event import Event  # noqa: E402
from locust import FastHttpUser, events, task  # noqa: E402
from locust.env import Environment  # noqa: E402
from locust.exception import StopUser  # noqa: E402

SHANGHAI = timezone(timedelta(hours=8))
REFUSALS = {  # legitimate "no" of the domain: counted apart from errors
    "timebank.insufficient_credits", "timebank.overlap", "timebank.daily_cap_exceeded",
    "timebank.not_pending", "timebank.redemption_settled",
}
RETRY_SHARE = 0.05
COMPLETE_EVERY_S = 7.0  # the code limiter allows 10 per minute per terminal (address)
LIST_TYPES = ("red", "abnormal", "serious", "eldercare")

WORLD: dict = {}
STOP = Event()
COUNTS: Counter = Counter()  # "kind:detail" → count (refusals, replays, confirmations…)
SPAWNED: Counter = Counter()  # user class → instances started
_ids = {name: itertools.count() for name in ("vol", "staff", "counter", "feed", "address")}


class Result:
    __slots__ = ("body", "headers", "raw", "replayed", "status")

    def __init__(self, status, body, raw, replayed, headers):
        self.status, self.body, self.raw = status, body, raw
        self.replayed, self.headers = replayed, headers


class Base(FastHttpUser):
    abstract = True
    network_timeout = 60.0
    connection_timeout = 60.0
    token: str | None = None

    def on_start(self):
        """Each simulated client has its own address (X-Forwarded-For through the proxy
        gunicorn sits behind, BEHIND_PROXY=1): counter terminals are rate-limited apart."""
        SPAWNED[type(self).__name__] += 1
        self.rng = random.Random()
        n = next(_ids["address"])
        self.address = f"10.0.{n // 250}.{n % 250 + 1}"

    def headers(self, extra=None):
        out = {"X-Forwarded-For": self.address, "Accept": "application/json"}
        if self.token:
            out["Authorization"] = f"Bearer {self.token}"
        out.update(extra or {})
        return out

    def call(self, method, path, name, json_body=None, extra_headers=None, expect=(200,),
             write=False):
        """One request, classified; a write carries a fresh key and is sometimes retried."""
        if STOP.is_set():
            raise StopUser()
        headers = self.headers(extra_headers)
        key = None
        if write:
            key = uuid.uuid4().hex
            headers["Idempotency-Key"] = key
        result = self._send(method, path, name, json_body, headers, expect)
        if write and result.status in expect and self.rng.random() < RETRY_SHARE \
                and not STOP.is_set():
            again = self._send(method, path, f"{name} (retry, same key)", json_body, headers,
                               expect, replay_of=result.raw)
            if again.replayed:
                COUNTS[f"replayed:{name}"] += 1
        return result

    def _send(self, method, path, name, json_body, headers, expect, replay_of=None):
        with self.client.request(method, path, name=name, json=json_body, headers=headers,
                                 catch_response=True) as response:
            status = response.status_code
            raw = response.content or b""
            got = response.headers or {}
            replayed = got.get("Idempotent-Replayed") == "true"
            body = None
            if raw and "json" in (got.get("Content-Type") or ""):
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
            if replay_of is not None:
                if status in expect and replayed and raw == replay_of:
                    response.success()
                else:
                    response.failure(f"retry did not replay: {status} replayed={replayed}")
                    COUNTS[f"error:{name}"] += 1
            elif status in expect:
                response.success()
            elif 400 <= status < 500 and isinstance(body, dict) and body.get("code") in REFUSALS:
                response.success()
                COUNTS[f"refusal:{name}:{body['code']}"] += 1
            else:
                detail = body.get("code") if isinstance(body, dict) else raw[:120]
                response.failure(f"{status} {detail}")
                COUNTS[f"error:{name}"] += 1
            return Result(status, body, raw, replayed, got)


class HealthUser(Base):
    @task
    def healthz(self):
        self.call("GET", "/healthz", "GET /healthz")


class ReadUser(Base):
    """One hot read alone (``benches/scale.py``: its throughput beside ``/healthz``'s)."""

    abstract = True
    path = ""

    def on_start(self):
        super().on_start()
        volunteers = WORLD["volunteers"]
        self.token = volunteers[next(_ids["vol"]) % len(volunteers)]["token"]

    @task
    def read(self):
        self.call("GET", self.path, f"GET {self.path}")


class AccountUser(ReadUser):
    path = "/api/v1/timebank/account"


class HistoryUser(ReadUser):
    path = "/api/v1/timebank/history?page_size=20"


class BoardUser(ReadUser):
    path = "/api/v1/charity/board?page_size=20"


SINGLE = {"healthz": HealthUser, "account": AccountUser, "history": HistoryUser,
          "board": BoardUser}


class VolunteerUser(Base):
    weight = 6

    def on_start(self):
        super().on_start()
        me = WORLD["volunteers"][next(_ids["vol"])]  # IndexError: more users than volunteers
        self.token, self.me, self.slot = me["token"], me, 0
        self.first_day = date.fromisoformat(WORLD["today"]) - timedelta(days=1)

    def next_slot(self):
        """Distinct 50-minute slots, 8 a day, going back from yesterday: never overlapping,
        never over the daily cap."""
        day = self.first_day - timedelta(days=self.slot // 8)
        start = datetime(day.year, day.month, day.day, 8 + self.slot % 8, 0, tzinfo=SHANGHAI)
        self.slot += 1
        return start, start + timedelta(minutes=50)

    @task(2)
    def log_session(self):
        start, end = self.next_slot()
        me = self.me
        result = self.call(
            "POST", "/api/v1/timebank/sessions", "POST /api/v1/timebank/sessions",
            {"org_id": me["org_id"], "recipient_org_id": me["org_id"], "category": "meal",
             "district_id": me["district_id"], "address": "常州市负载测试路 1 号",
             "start": start.isoformat(), "end": end.isoformat(), "description": "送餐"},
            expect=(201,), write=True)
        if result.status == 201 and not result.replayed:
            COUNTS["ok:sessions_logged"] += 1

    @task(4)
    def account(self):
        self.call("GET", "/api/v1/timebank/account", "GET /api/v1/timebank/account")

    @task(2)
    def history(self):
        self.call("GET", "/api/v1/timebank/history?page_size=20",
                  "GET /api/v1/timebank/history")

    @task(1)
    def my_sessions(self):
        self.call("GET", "/api/v1/timebank/sessions?scope=mine&page_size=20",
                  "GET /api/v1/timebank/sessions?scope=mine")


class StaffUser(Base):
    fixed_count = 4

    def on_start(self):
        super().on_start()
        self.token = WORLD["staff"][next(_ids["staff"])]["token"]

    @task
    def confirm_pending(self):
        listed = self.call(
            "GET", "/api/v1/timebank/sessions?scope=to_confirm&status=pending&page_size=20",
            "GET /api/v1/timebank/sessions?scope=to_confirm")
        pending = listed.body if listed.status == 200 and isinstance(listed.body, list) else []
        if not pending:
            self.call("GET", "/api/v1/timebank/sessions?scope=org&page_size=20",
                      "GET /api/v1/timebank/sessions?scope=org")
            return
        for row in pending:
            result = self.call("POST", f"/api/v1/timebank/sessions/{row['id']}/confirm",
                               "POST /api/v1/timebank/sessions/[id]/confirm", {}, write=True)
            if result.status == 200 and not result.replayed:
                COUNTS["ok:sessions_confirmed"] += 1


class CounterUser(Base):
    fixed_count = 4

    def on_start(self):
        super().on_start()
        self.me = WORLD["counters"][next(_ids["counter"])]
        self.token = self.me["token"]
        self.last_complete = 0.0

    @task
    def redeem(self):
        member = self.rng.choice(WORLD["members"])
        item = self.rng.choice(self.me["items"])
        # The member shows a pay code from their phone; the counter enters it.
        shown = self.call("POST", "/api/v1/timebank/pay-codes", "POST /api/v1/timebank/pay-codes",
                          {}, extra_headers={"Authorization": f"Bearer {member['token']}"},
                          expect=(201,))
        if shown.status != 201:
            return
        made = self.call(
            "POST", "/api/v1/timebank/redemptions", "POST /api/v1/timebank/redemptions",
            {"pay_code": shown.body["code"], "item_id": item["id"], "quantity": 1},
            expect=(201,), write=True)
        if made.status != 201:
            return
        if not made.replayed:
            COUNTS["ok:redemptions_created"] += 1
        rid = made.body["id"]
        now = time.monotonic()
        if now - self.last_complete >= COMPLETE_EVERY_S:
            self.last_complete = now
            done = self.call("POST", f"/api/v1/timebank/redemptions/{rid}/complete",
                             "POST /api/v1/timebank/redemptions/[id]/complete",
                             {}, write=True)  # paid with the member's code: no code needed
            if done.status == 200 and not done.replayed:
                COUNTS["ok:redemptions_completed"] += 1
        elif self.rng.random() < 0.5:
            done = self.call("POST", f"/api/v1/timebank/redemptions/{rid}/cancel",
                             "POST /api/v1/timebank/redemptions/[id]/cancel",
                             {"reason": "会员改约"}, write=True)
            if done.status == 200 and not done.replayed:
                COUNTS["ok:redemptions_cancelled"] += 1
        else:  # left pending: the member comes back later (the hold stays)
            self.call("GET", f"/api/v1/timebank/redemptions?org_id={self.me['org_id']}"
                      "&page_size=20", "GET /api/v1/timebank/redemptions?org_id")


class PublicUser(Base):
    weight = 2

    @task(3)
    def list_api(self):
        kind = self.rng.choice(LIST_TYPES)
        self.call("GET", f"/api/v1/credit/lists/{kind}?page_size=20",
                  "GET /api/v1/credit/lists/[type]")

    @task(2)
    def list_page(self):
        kind = self.rng.choice(LIST_TYPES)
        self.call("GET", f"/credit/public/lists/{kind}",
                  "GET /credit/public/lists/[type] (page)", extra_headers={"Accept": "text/html"})

    @task(2)
    def board_api(self):
        self.call("GET", "/api/v1/charity/board?page_size=20", "GET /api/v1/charity/board")

    @task(1)
    def board_page(self):
        self.call("GET", "/charity/", "GET /charity/ (page)",
                  extra_headers={"Accept": "text/html"})

    @task(1)
    def opportunities(self):
        self.call("GET", "/api/v1/charity/opportunities", "GET /api/v1/charity/opportunities")


class FeedUser(Base):
    fixed_count = 2

    def on_start(self):
        super().on_start()
        self.token = WORLD["feeds"][next(_ids["feed"])]["token"]
        self.since, self.etag = 0, None

    @task
    def pull(self):
        if self.rng.random() < 0.05:
            self.since, self.etag = 0, None  # a new consumer starts from the beginning
        conditional = self.etag is not None
        page = self.call(
            "GET", f"/api/v1/credit/feed?since={self.since}&limit=100",
            "GET /api/v1/credit/feed (If-None-Match)" if conditional else
            "GET /api/v1/credit/feed",
            extra_headers={"If-None-Match": self.etag} if conditional else None,
            expect=(200, 304))
        if page.status == 200 and isinstance(page.body, dict):
            if page.body.get("has_more"):
                self.since, self.etag = page.body["next_since"], None
            else:  # caught up: poll this page with its ETag until something changes
                self.etag = page.headers.get("ETag")


@events.request.add_listener
def _count_exceptions(name=None, exception=None, context=None, **_kw):
    """Failures that never produced a response (refused connection, timeout) are errors too;
    the ones marked by ``_send`` are already counted."""
    if exception is not None and not isinstance(exception, _Marked):
        COUNTS[f"error:{name}"] += 1


try:
    from locust.exception import CatchResponseError as _Marked
except ImportError:  # pragma: no cover
    _Marked = Exception


def _percentile(entry, p):
    return entry.get_response_time_percentile(p) if entry.num_requests else None


def collect(env, seconds: float) -> dict:
    rows = []
    for entry in env.stats.entries.values():
        refused = sum(v for k, v in COUNTS.items() if k.startswith(f"refusal:{entry.name}:"))
        rows.append({
            "name": entry.name, "requests": entry.num_requests,
            "errors": COUNTS[f"error:{entry.name}"], "errors_in_window": entry.num_failures,
            "refusals": refused,
            "rps": entry.num_requests / seconds,
            "p50_ms": _percentile(entry, 0.50), "p95_ms": _percentile(entry, 0.95),
            "p99_ms": _percentile(entry, 0.99), "avg_ms": entry.avg_response_time,
            "max_ms": entry.max_response_time,
        })
    rows.sort(key=lambda r: r["name"])
    total = env.stats.total
    errors = [{"name": e.name, "method": e.method, "error": str(e.error),
               "occurrences": e.occurrences} for e in env.stats.errors.values()]
    return {
        "seconds": seconds, "endpoints": rows,
        "total": {"requests": total.num_requests,
                  "errors": sum(v for k, v in COUNTS.items() if k.startswith("error:")),
                  "errors_in_window": total.num_failures,
                  "refusals": sum(v for k, v in COUNTS.items() if k.startswith("refusal:")),
                  "rps": total.num_requests / seconds,
                  "p50_ms": _percentile(total, 0.50), "p95_ms": _percentile(total, 0.95),
                  "p99_ms": _percentile(total, 0.99)},
        "counts": dict(COUNTS), "error_samples": errors[:50],
    }


class CpuWindow:
    """CPU used by the server (gunicorn master and workers), by this process, and the
    machine's idle share over the measured window: other work on the machine shows there."""

    def __init__(self, server_pid: int | None):
        self.server = psutil.Process(server_pid) if server_pid else None
        self.start = self._sample()

    def _server_cpu(self) -> float:
        if self.server is None:
            return 0.0
        total = 0.0
        for proc in [self.server, *self.server.children(recursive=True)]:
            try:
                times = proc.cpu_times()
                total += times.user + times.system
            except psutil.NoSuchProcess:
                pass  # a worker that exited meanwhile: its time is no longer counted
        return total

    def _sample(self):
        own = psutil.Process().cpu_times()
        return self._server_cpu(), own.user + own.system, psutil.cpu_times()

    def result(self, requests: int) -> dict:
        server, own, machine = self._sample()
        server -= self.start[0]
        total = sum(machine) - sum(self.start[2])
        idle = (machine.idle - self.start[2].idle) / total if total else None
        return {"server_cpu_s": round(server, 2),
                "server_cpu_ms_per_request": round(server * 1000 / max(requests, 1), 3),
                "locust_cpu_s": round(own - self.start[1], 2),
                "machine_idle_share": None if idle is None else round(idle, 3)}


def run(host: str, scenario: str, users: int, duration: float, warmup: float,
        server_pid: int | None, drain_s: float = 60.0) -> dict:
    """Spawn every user at once, warm up (every worker compiles its queries and templates;
    not measured, though its errors and writes count), measure ``duration`` seconds, then
    drain: users stop at their next request, so no write is abandoned mid-flight."""
    classes = [SINGLE[scenario]] if scenario in SINGLE else \
        [VolunteerUser, StaffUser, CounterUser, PublicUser, FeedUser]
    env = Environment(user_classes=classes, host=host, events=events)
    runner = env.create_local_runner()
    started = Event()
    env.events.spawning_complete.add_listener(lambda user_count: started.set())
    runner.start(users, spawn_rate=users)
    started.wait(timeout=60)
    gevent.sleep(warmup)
    env.stats.reset_all()
    cpu = CpuWindow(server_pid)
    t0 = time.monotonic()
    gevent.sleep(duration)
    STOP.set()
    deadline = time.monotonic() + drain_s
    while runner.user_count and time.monotonic() < deadline:
        gevent.sleep(0.05)
    seconds = time.monotonic() - t0
    undrained = runner.user_count
    out = collect(env, seconds)
    out["cpu"] = cpu.result(env.stats.total.num_requests)
    runner.quit()
    out.update({"scenario": scenario, "users": users, "warmup_s": warmup,
                "undrained_users": undrained, "user_classes": dict(SPAWNED)})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", required=True)
    parser.add_argument("--world", required=True)
    parser.add_argument("--scenario", choices=("mix", *SINGLE), default="mix")
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--server-pid", type=int, default=None)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    WORLD.update(json.loads(Path(args.world).read_text()))
    result = run(args.host.rstrip("/"), args.scenario, args.users, args.duration, args.warmup,
                 args.server_pid)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
