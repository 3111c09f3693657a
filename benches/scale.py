"""Scale-flat reads (issue 16, item 2): the same operations on the demo data and on the city
data, in one run, and the ratio city / demo of their single-client p50 and p95.

Part 1, latency: one process, two apps (``--demo-url``, ``--city-url``; both PostgreSQL, the
city one made by ``flask demo seed --scale city``). Every API operation and page of the load
mix (``benches/loadlib/mix.py``) plus the regulator's subjects, facts, entries and dashboard
pages, each called ``--repeat`` times per database, the two databases alternating call by
call so both see the same machine. Writes (log, confirm, pay code, redeem, complete, cancel)
are real: a fresh volunteer per run logs sessions the demo's ``orgstaff`` confirms; a funded
member pays at the demo's ``counter``. Target: city p50 and p95 ≤ 1.5 × demo.

Part 2, throughput (``--throughput S``; 0 skips): per database, gunicorn (2 workers × 4
threads, as ``benches/load.py``) and 8 keep-alive closed-loop clients (locust) on
``/healthz`` alone, then on the balance, the history and the board alone, S seconds each:
each read's req/s as a share of ``/healthz``'s. Target ≥ 0.5.

Run: ``.venv/bin/python benches/scale.py --demo-url URL --city-url URL [--repeat 30]
[--throughput 15]``, or ``make bench-city`` with ``SCALE_DEMO_URL`` and ``SCALE_CITY_URL`` set
(``make bench`` skips it without them). Results: ``benches/results/scale.json`` and a
table on stdout.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "benches"))  # load.py, loadlib (after the packages: benches/timebank.py)

import sqlalchemy as sa  # noqa: E402
from load import KEYS, app_env, free_port, locust, start_gunicorn, stop_gunicorn  # noqa: E402

RESULTS = ROOT / "benches" / "results" / "scale.json"
SHANGHAI = timezone(timedelta(hours=8))
TARGET_LATENCY, TARGET_THROUGHPUT = 1.5, 0.5
LIST_TYPES = ("red", "abnormal", "serious", "eldercare")


# --- actors ----------------------------------------------------------------------------------

def _token(username: str) -> str:
    from core.accounts.models import User
    from core.accounts.services import create_token
    from core.extensions import db

    user = db.session.execute(sa.select(User).where(User.username == username)).scalar_one()
    return create_token(None, user, "scale bench").secret


def _fund(member, org, district, today) -> None:
    """Ten days of 8-hour service, confirmed by the organization: the member's credits."""
    from core.timeutil import local_tz
    from timebank.confirmation import confirm_for_org
    from timebank.sessions import log_session

    for n in range(10):
        start = datetime.combine(today - timedelta(days=2 + n), datetime.min.time().replace(
            hour=8), tzinfo=local_tz())
        row = log_session(None, {"volunteer_id": member.id, "recipient_org_id": org.id,
                                 "org_id": org.id, "category": "companionship",
                                 "district_id": district.id, "address": "规模测试预置",
                                 "start": start, "end": start + timedelta(hours=8),
                                 "description": ""}, source="self")
        confirm_for_org(None, row.id, org.id, reason="规模测试预置")


def actors(run_id: str) -> dict:
    """Tokens of the demo's users, a fresh volunteer, a funded member (made once)."""
    import random

    from loadlib.world import _person, _user

    from core import clock
    from core.accounts.models import Role, User
    from core.extensions import db
    from core.orgs.services import user_org_ids

    today = clock.today()
    rng = random.Random(run_id)
    staff = db.session.execute(sa.select(User).where(User.username == "orgstaff")).scalar_one()
    org_id = sorted(user_org_ids(staff))[0]
    counter = db.session.execute(sa.select(User).where(User.username == "counter")).scalar_one()
    counter_org = sorted(user_org_ids(counter))[0]
    from core.orgs.models import Organization

    org = db.session.get(Organization, org_id)
    from core.orgs.services import districts

    district = districts()[0]
    volunteer = _person(rng, "规模测试志愿者", today - timedelta(days=40 * 365), district, True)
    _vuser, vtoken = _user(f"scale-vol-{run_id}", [Role.VOLUNTEER], person=volunteer)
    member = db.session.execute(sa.select(User).where(User.username == "scale-member")
                                ).scalar_one_or_none()
    if member is None:
        person = _person(rng, "规模测试会员", today - timedelta(days=70 * 365), district, True)
        _fund(person, org, district, today)
        member, mtoken = _user("scale-member", [Role.VOLUNTEER], person=person)
    else:
        mtoken = _token("scale-member")
    from timebank.models import CatalogueItem

    item = db.session.execute(sa.select(CatalogueItem).where(
        CatalogueItem.org_id == counter_org, CatalogueItem.active.is_(True))
        .order_by(CatalogueItem.price_minutes, CatalogueItem.id)).scalars().first()
    regulator = db.session.execute(sa.select(User).where(User.username == "regulator")
                                   ).scalar_one()
    out = {"volunteer": _token("volunteer"), "logger": vtoken, "staff": _token("orgstaff"),
           "counter": _token("counter"), "member": mtoken, "feed": _token("feed-market"),
           "org_id": org_id, "district_id": district.id, "counter_org": counter_org,
           "item_id": item.id, "regulator_id": regulator.get_id()}
    db.session.commit()
    return out


# --- the operations --------------------------------------------------------------------------

class Runner:
    """One database: its app, a test client, the actors, and what the writes left behind."""

    def __init__(self, url: str, run_id: str):
        from core.app import create_app
        from core.db import write_intent

        self.app = create_app({"DATABASE_URL": url, "SQLALCHEMY_DATABASE_URI": url,
                               "APP_ENV": "development", **KEYS, "RATELIMIT_ENABLED": False,
                               "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
        logging.getLogger("core.access").setLevel(logging.WARNING)  # one line per call: noise
        with self.app.app_context():
            token = write_intent.set(True)
            try:
                self.who = actors(run_id)
            finally:
                write_intent.reset(token)
        self.client = self.app.test_client(use_cookies=False)  # bearer tokens only
        self.regulator = self.app.test_client()
        with self.regulator.session_transaction() as session:
            session["_user_id"] = self.who["regulator_id"]
            session["_fresh"] = True
        self.slot, self.logged, self.redemption, self.pay_code = 0, [], None, None

    def call(self, method: str, path: str, token: str | None, body=None, page=False):
        headers = {"Accept": "text/html" if page else "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if method == "POST":
            headers["Idempotency-Key"] = uuid.uuid4().hex
        client = self.regulator if token is None and page else self.client
        return client.open(path, method=method, json=body, headers=headers)

    def next_slot(self):
        from core import clock

        day = clock.today() - timedelta(days=1 + self.slot // 8)
        start = datetime(day.year, day.month, day.day, 8 + self.slot % 8, 0, tzinfo=SHANGHAI)
        self.slot += 1
        return start, start + timedelta(minutes=50)


def _ops() -> list[tuple[str, callable, callable | None, tuple[int, ...]]]:
    """(name, prepare (not timed), call, accepted statuses): the load mix's operations and
    the regulator's pages."""

    def log(r: Runner):
        start, end = r.next_slot()
        w = r.who
        resp = r.call("POST", "/api/v1/timebank/sessions", w["logger"], {
            "org_id": w["org_id"], "recipient_org_id": w["org_id"], "category": "meal",
            "district_id": w["district_id"], "address": "常州市规模测试路 1 号",
            "start": start.isoformat(), "end": end.isoformat(), "description": "送餐"})
        if resp.status_code == 201:
            r.logged.append(resp.get_json()["id"])
        return resp

    def confirm(r: Runner):
        return r.call("POST", f"/api/v1/timebank/sessions/{r.logged.pop()}/confirm",
                      r.who["staff"], {})

    def pay_code(r: Runner):
        resp = r.call("POST", "/api/v1/timebank/pay-codes", r.who["member"], {})
        r.pay_code = resp.get_json().get("code") if resp.status_code == 201 else None
        return resp

    def redeem(r: Runner):
        resp = r.call("POST", "/api/v1/timebank/redemptions", r.who["counter"],
                      {"pay_code": r.pay_code, "item_id": r.who["item_id"], "quantity": 1})
        r.redemption = resp.get_json().get("id") if resp.status_code == 201 else None
        return resp

    def pay_and_redeem(r: Runner):
        pay_code(r)
        return redeem(r)

    def settle(kind: str):
        def run(r: Runner):
            body = {"reason": "会员改约"} if kind == "cancel" else {}
            return r.call("POST", f"/api/v1/timebank/redemptions/{r.redemption}/{kind}",
                          r.who["counter"], body)
        return run

    def get(path: str, actor: str | None, page: bool = False):
        def run(r: Runner):
            return r.call("GET", path.format(**r.who), r.who.get(actor) if actor else None,
                          page=page)
        return run

    ops = [
        ("GET /api/v1/timebank/account", None, get("/api/v1/timebank/account", "volunteer"),
         (200,)),
        ("GET /api/v1/timebank/history", None,
         get("/api/v1/timebank/history?page_size=20", "volunteer"), (200,)),
        ("GET /api/v1/timebank/sessions?scope=mine", None,
         get("/api/v1/timebank/sessions?scope=mine&page_size=20", "volunteer"), (200,)),
        ("POST /api/v1/timebank/sessions", None, log, (201,)),
        ("GET /api/v1/timebank/sessions?scope=to_confirm", None,
         get("/api/v1/timebank/sessions?scope=to_confirm&status=pending&page_size=20",
             "staff"), (200,)),
        ("GET /api/v1/timebank/sessions?scope=org", None,
         get("/api/v1/timebank/sessions?scope=org&page_size=20", "staff"), (200,)),
        ("POST /api/v1/timebank/sessions/[id]/confirm", log, confirm, (200,)),
        ("POST /api/v1/timebank/pay-codes", None, pay_code, (201,)),
        ("POST /api/v1/timebank/redemptions", pay_code, redeem, (201,)),
        ("POST /api/v1/timebank/redemptions/[id]/cancel", pay_and_redeem, settle("cancel"),
         (200,)),
        ("POST /api/v1/timebank/redemptions/[id]/complete", pay_and_redeem,
         settle("complete"), (200,)),
        ("GET /api/v1/timebank/redemptions?org_id", None,
         get("/api/v1/timebank/redemptions?org_id={counter_org}&page_size=20", "counter"),
         (200,)),
    ]
    for kind in LIST_TYPES:
        ops.append((f"GET /api/v1/credit/lists/{kind}", None,
                    get(f"/api/v1/credit/lists/{kind}?page_size=20", None), (200,)))
        ops.append((f"GET /credit/public/lists/{kind} (page)", None,
                    get(f"/credit/public/lists/{kind}", None, page=True), (200,)))
    ops += [
        ("GET /api/v1/charity/board", None, get("/api/v1/charity/board?page_size=20", None),
         (200,)),
        ("GET /charity/ (page)", None, get("/charity/", None, page=True), (200,)),
        ("GET /api/v1/charity/opportunities", None,
         get("/api/v1/charity/opportunities", None), (200,)),
        ("GET /api/v1/credit/feed", None, get("/api/v1/credit/feed?since=0&limit=100", "feed"),
         (200,)),
        ("GET /credit/subjects (regulator page)", None,
         get("/credit/subjects", None, page=True), (200,)),
        ("GET /credit/facts (regulator page)", None, get("/credit/facts", None, page=True),
         (200,)),
        ("GET /credit/entries (regulator page)", None,
         get("/credit/entries", None, page=True), (200,)),
        ("GET /credit/ (regulator dashboard)", None, get("/credit/", None, page=True),
         (200,)),
    ]
    return ops


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def latency(runners: dict[str, Runner], repeat: int, warmup: int) -> list[dict]:
    ops, rows = _ops(), []
    for name, prepare, call, accepted in ops:
        times = {label: [] for label in runners}
        errors = {label: [] for label in runners}
        for n in range(warmup + repeat):
            for label, runner in runners.items():
                # No app context around the calls: each request pushes its own (a shared
                # one would carry the signed-in user of one request into the next).
                if prepare is not None:
                    prepare(runner)
                started = time.perf_counter()
                resp = call(runner)
                took = (time.perf_counter() - started) * 1000
                if resp.status_code not in accepted:
                    errors[label].append(f"{resp.status_code} {resp.get_data(as_text=True)[:160]}")
                elif n >= warmup:
                    times[label].append(took)
        row = {"operation": name}
        for label in runners:
            got = times[label]
            row[label] = {"p50_ms": round(statistics.median(got), 2) if got else None,
                          "p95_ms": round(_pct(got, 0.95), 2) if got else None,
                          "n": len(got), "errors": len(errors[label]),
                          "error_sample": errors[label][:2]}
        for p in ("p50_ms", "p95_ms"):
            a, b = row["demo"][p], row["city"][p]
            row[f"ratio_{p[:3]}"] = round(b / a, 2) if a and b else None
        row["flat"] = all(row[f"ratio_{p}"] is not None and row[f"ratio_{p}"] <= TARGET_LATENCY
                          for p in ("p50", "p95"))
        rows.append(row)
        failed = row["demo"]["error_sample"] + row["city"]["error_sample"]
        print(f"{name[:52]:52s} demo {row['demo']['p50_ms'] or 0:7.1f}/"
              f"{row['demo']['p95_ms'] or 0:7.1f} city {row['city']['p50_ms'] or 0:7.1f}/"
              f"{row['city']['p95_ms'] or 0:7.1f} ms  ×{row['ratio_p50']} ×{row['ratio_p95']}"
              f"{'' if row['flat'] else '  NOT FLAT'}{'  ERRORS ' + str(failed) if failed else ''}",
              flush=True)
    return rows


# --- throughput ------------------------------------------------------------------------------

def throughput(label: str, url: str, world: dict, seconds: float, folder: Path) -> dict:
    env = app_env(url)
    env["RATELIMIT_ENABLED"] = "0"  # one client address: the limits are not what is measured
    world_file = folder / f"world-{label}.json"
    world_file.write_text(json.dumps(world))
    port = free_port()
    server, _command = start_gunicorn(env, port, 2, 4, folder / f"gunicorn-{label}.log")
    args = argparse.Namespace(users=8, warmup=3)
    out = {}
    try:
        for scenario in ("healthz", "account", "history", "board", "healthz"):
            result = locust(scenario, f"http://127.0.0.1:{port}", world_file, args, seconds,
                            folder, server)
            key = scenario if scenario not in out else f"{scenario}_after"
            out[key] = {"rps": round(result["total"]["rps"], 1),
                        "p50_ms": result["total"]["p50_ms"], "p99_ms": result["total"]["p99_ms"],
                        "errors": result["total"]["errors"]}
            print(f"[{label}] {key:14s} {out[key]['rps']:8.1f} req/s p50 {out[key]['p50_ms']} "
                  f"ms p99 {out[key]['p99_ms']} ms errors {out[key]['errors']}", flush=True)
    finally:
        stop_gunicorn(server)
    base = (out["healthz"]["rps"] + out["healthz_after"]["rps"]) / 2
    for scenario in ("account", "history", "board"):
        out[scenario]["share_of_healthz"] = round(out[scenario]["rps"] / base, 3)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--demo-url", default=os.environ.get("SCALE_DEMO_URL"))
    parser.add_argument("--city-url", default=os.environ.get("SCALE_CITY_URL"))
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--throughput", type=float, default=15,
                        help="seconds per throughput scenario (0: skip part 2)")
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args()
    if not (args.demo_url and args.city_url):  # make bench runs every bench without arguments
        print("scale: skipped (it needs a demo and a city database: --demo-url/--city-url or "
              "SCALE_DEMO_URL/SCALE_CITY_URL; make bench-city)")
        return 0
    run_id = uuid.uuid4().hex[:8]
    runners = {"demo": Runner(args.demo_url, run_id), "city": Runner(args.city_url, run_id)}
    sizes = {}
    for label, runner in runners.items():
        with runner.app.app_context():
            from core.extensions import db

            sizes[label] = {t: db.session.execute(sa.text(
                "SELECT reltuples::bigint FROM pg_class WHERE relname = :t"), {"t": t}).scalar()
                for t in ("person", "timebank_session", "timebank_posting", "credit_fact",
                          "credit_list_entry", "charity_need")}
    print(f"rows (estimates): {sizes}", flush=True)
    rows = latency(runners, args.repeat, args.warmup)
    result = {"at": datetime.now(UTC).isoformat(timespec="seconds"),
              "repeat": args.repeat, "sizes": sizes, "latency": rows,
              "not_flat": [r["operation"] for r in rows if not r["flat"]]}
    if args.throughput > 0:
        folder = Path(tempfile.mkdtemp(prefix="civic-scale-"))
        result["throughput"] = {}
        for label, runner in runners.items():
            world = {"volunteers": [{"token": runner.who["volunteer"]} for _ in range(8)]}
            url = args.demo_url if label == "demo" else args.city_url
            result["throughput"][label] = throughput(label, url, world, args.throughput, folder)
    print(f"\nnot flat (> {TARGET_LATENCY}×): {result['not_flat'] or 'none'}")
    for label, out in result.get("throughput", {}).items():
        print(f"throughput {label}: " + ", ".join(
            f"{s} {out[s]['share_of_healthz']:.2f} of /healthz" for s in
            ("account", "history", "board")))
    if not args.no_save:
        RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
        print(f"written {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
