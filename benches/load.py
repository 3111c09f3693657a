"""Load test: the app under gunicorn on loopback, a realistic mix driven by locust, on SQLite
then PostgreSQL, with the post-load consistency checks (issue #7, items 2 and 3).

For each database: a fresh database (SQLite: a file in a temporary folder; PostgreSQL: a
throwaway database on ``--pg-url``), ``flask db upgrade``, ``flask demo seed``, the load
actors and their API tokens (``benches/loadlib/world.py``), then
``gunicorn -k gthread --workers W --threads T`` on 127.0.0.1 (``BEHIND_PROXY=1``, as behind
nginx). Locust (``benches/loadlib/mix.py``, its own process) runs two closed-loop scenarios
with the same number of users and no think time: ``/healthz`` alone (the framework's
ceiling on this machine), then the mix. Then gunicorn stops and the checks run:
``flask timebank verify``, ``flask audit verify``, and the rows the load wrote against the
load tool's own tally of successes (confirmed sessions, logged sessions, redemptions
created/completed/cancelled, idempotency records): nothing lost, nothing doubled.

Run: ``.venv/bin/python benches/load.py [--duration 20] [--db sqlite|postgres|both]
[--users 24] [--workers 2] [--threads 4] [--pg-url URL]``. ``make bench`` runs the 20-second
default; ``--duration 60`` is the issue's run. Results: ``benches/results/load.json`` (one
entry per database) and a table on stdout. Exit status 1 when any request errored or any
check failed: zero errors is the bar. With ``--db both`` an unreachable PostgreSQL is
skipped with a message; with ``--db postgres`` it is an error.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RESULTS = ROOT / "benches" / "results" / "load.json"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:55432/civic_load"
# Keys of the throwaway database, the same in every process of one run (development mode:
# production refuses to start without keys set explicitly).
KEYS = {"SECRET_KEY": "load-test-secret-key",
        "ID_ENCRYPTION_KEYS": "Xfv6Zi6cbbr9QYp8KgrvMEe6RvlEsM0iw8Kv-4Ok0Ac=",
        "ID_HASH_KEY": "load-test-id-hash-key"}

# The tally of successes (load tool) → the row count that must have moved by exactly as much.
TALLY_CHECKS = [
    ("ok:sessions_confirmed", "sessions_confirmed", "confirmed sessions"),
    ("ok:sessions_logged", "sessions", "logged sessions"),
    ("ok:redemptions_created", "redemptions", "redemptions created"),
    ("ok:redemptions_completed", "redemptions_posted", "redemptions completed"),
]


# --- machine -------------------------------------------------------------------------------

def machine() -> dict:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text()
                          .splitlines() if line.startswith("MemTotal")))
    except (OSError, StopIteration, ValueError):
        mem_kb = 0
    return {"cpu_model": cpu, "cores": os.cpu_count(), "ram_gb": round(mem_kb / 1024 / 1024, 1),
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "os": platform.platform()}


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


# --- databases -----------------------------------------------------------------------------

def fresh_database(kind: str, folder: Path, pg_url: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{folder / 'load.sqlite3'}"
    import sqlalchemy as sa

    url = sa.make_url(pg_url)
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{url.database}"')
    admin.dispose()
    return url.render_as_string(hide_password=False)


def postgres_reachable(pg_url: str) -> bool:
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(sa.make_url(pg_url).set(database="postgres"))
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        engine.dispose()
        return True
    except Exception:  # any failure means "not there"
        return False


def app_env(url: str) -> dict:
    env = dict(os.environ)
    env.update({"FLASK_APP": "wsgi.py", "PYTHONPATH": str(ROOT), "DATABASE_URL": url,
                "APP_ENV": "development", **KEYS, "BEHIND_PROXY": "1", "LOG_LEVEL": "INFO"})
    return env


def run(cmd: list[str], env: dict, what: str, check: bool = True) -> tuple[int, str, float]:
    started = time.monotonic()
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True,
                          check=False)
    seconds = time.monotonic() - started
    output = (done.stdout + done.stderr).strip()
    if check and done.returncode != 0:
        raise SystemExit(f"{what} failed ({done.returncode}):\n{output[-3000:]}")
    return done.returncode, output, seconds


def counts(env: dict) -> dict:
    _rc, output, _s = run([sys.executable, "benches/loadlib/world.py", "counts"], env, "counts")
    return json.loads(output.strip().splitlines()[-1])


# --- the server ----------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(env: dict, port: int, workers: int, threads: int, log: Path):
    cmd = [str(BIN / "gunicorn"), "wsgi:app", "--bind", f"127.0.0.1:{port}",
           "--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads),
           "--timeout", "60", "--graceful-timeout", "30",
           "--no-control-socket"]  # several servers on one machine would fight over it
    handle = log.open("w")
    server = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited early; see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                if r.status == 200:
                    return server, " ".join(cmd[1:])
        except OSError:
            pass  # not listening yet: try again until the deadline
        time.sleep(0.3)
    server.kill()
    raise SystemExit("gunicorn did not become ready in 90 s")


def stop_gunicorn(server) -> None:
    server.send_signal(signal.SIGTERM)  # graceful: workers finish their requests
    try:
        server.wait(timeout=45)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


ACCESS = re.compile(r"core\.access: (\S+) (\S+) (\d{3}) ")


def scan_log(log: Path) -> dict:
    """Server-side view: 5xx access lines, tracebacks, errors, worker timeouts."""
    text = log.read_text(errors="replace")
    statuses: dict[str, int] = {}
    for match in ACCESS.finditer(text):
        family = match.group(3)[0] + "xx"
        statuses[family] = statuses.get(family, 0) + 1
    problems = [line for line in text.splitlines()
                if "Traceback" in line or " ERROR " in line or "CRITICAL" in line
                or "WORKER TIMEOUT" in line]
    return {"status_families": statuses, "problem_lines": len(problems),
            "problem_samples": problems[:10]}


# --- one database ----------------------------------------------------------------------------

def locust(scenario: str, host: str, world: Path, args, duration: float, folder: Path,
           server) -> dict:
    """One scenario in its own locust process (it measures the server's CPU too)."""
    out = folder / f"{scenario}.json"
    cmd = [sys.executable, "benches/loadlib/mix.py", "--host", host, "--world", str(world),
           "--scenario", scenario, "--users", str(args.users), "--duration", str(duration),
           "--warmup", str(args.warmup), "--server-pid", str(server.pid), "--out", str(out)]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    (folder / f"{scenario}.locust.log").write_text(done.stdout + done.stderr)
    if done.returncode != 0 or not out.exists():
        raise SystemExit(f"locust ({scenario}) failed:\n{(done.stdout + done.stderr)[-3000:]}")
    return json.loads(out.read_text())


def ratios(mix: dict, health: dict) -> dict:
    top = health["total"]
    out = {"throughput_mix_over_healthz": mix["total"]["rps"] / top["rps"],
           "server_cpu_per_request_mix_over_healthz": _ratio(
               mix["cpu"]["server_cpu_ms_per_request"], health["cpu"]["server_cpu_ms_per_request"]),
           "p50_mix_over_healthz": _ratio(mix["total"]["p50_ms"], top["p50_ms"]),
           "p99_mix_over_healthz": _ratio(mix["total"]["p99_ms"], top["p99_ms"])}
    for row in mix["endpoints"]:
        row["p50_over_healthz"] = _ratio(row["p50_ms"], top["p50_ms"])
        row["p99_over_healthz"] = _ratio(row["p99_ms"], top["p99_ms"])
    return out


def _ratio(a, b):
    return round(a / b, 2) if a is not None and b else None


def consistency(before: dict, after: dict, tally: dict, verify: tuple, audit: tuple) -> dict:
    checks = []
    for key, column, label in TALLY_CHECKS:
        expected, moved = tally.get(key, 0), after[column] - before[column]
        checks.append({"check": f"{label}: rows added == successes counted by the load tool",
                       "expected": expected, "actual": moved, "ok": expected == moved})
    # Completed holds are posted; cancelled ones voided. Nothing else settles a redemption
    # (the scheduler, which voids expired holds, does not run during the load).
    voided = after["redemptions_voided"] - before["redemptions_voided"]
    cancelled = tally.get("ok:redemptions_cancelled", 0)
    checks.append({"check": "redemptions cancelled: voided rows == successes", "ok":
                   voided == cancelled, "expected": cancelled, "actual": voided})
    writes = sum(v for k, v in tally.items() if k.startswith("ok:"))
    records = after["idempotency_records"] - before["idempotency_records"]
    checks.append({"check": "idempotency records stored == successful first writes",
                   "expected": writes, "actual": records, "ok": writes == records})
    checks.append({"check": "flask timebank verify", "ok": verify[0] == 0,
                   "output": verify[1].splitlines()[-1] if verify[1] else ""})
    checks.append({"check": "flask audit verify", "ok": audit[0] == 0,
                   "output": audit[1].splitlines()[-1] if audit[1] else ""})
    return {"ok": all(c["ok"] for c in checks), "checks": checks}


def run_database(kind: str, args) -> dict:
    folder = Path(tempfile.mkdtemp(prefix=f"civic-load-{kind}-"))
    url = fresh_database(kind, folder, args.pg_url)
    env = app_env(url)
    print(f"[{kind}] database {url.split('@')[-1]} (work folder {folder})", flush=True)
    timings = {}
    _rc, _o, timings["migrate_s"] = run([str(BIN / "flask"), "db", "upgrade"], env, "migrate")
    _rc, _o, timings["demo_seed_s"] = run([str(BIN / "flask"), "demo", "seed"], env, "seed")
    world = folder / "world.json"
    _rc, _o, timings["load_actors_s"] = run(
        [sys.executable, "benches/loadlib/world.py", "build", str(world),
         "--volunteers", str(args.users), "--members", "32"], env, "world")
    print(f"[{kind}] seeded in {sum(timings.values()):.0f} s; starting gunicorn", flush=True)
    port = free_port()
    log = folder / "gunicorn.log"
    server, command = start_gunicorn(env, port, args.workers, args.threads, log)
    host = f"http://127.0.0.1:{port}"
    try:
        load_before = load_average()
        health = locust("healthz", host, world, args, args.healthz_duration, folder, server)
        print(f"[{kind}] /healthz alone: {health['total']['rps']:.0f} req/s", flush=True)
        before = counts(env)
        mix = locust("mix", host, world, args, args.duration, folder, server)
        load_after = load_average()
    finally:
        stop_gunicorn(server)
    after = counts(env)
    verify = run([str(BIN / "flask"), "timebank", "verify"], env, "verify", check=False)[:2]
    audit = run([str(BIN / "flask"), "audit", "verify"], env, "audit", check=False)[:2]
    result = {
        "database": kind, "server_version": after.pop("server_version"),
        "at": datetime.now(UTC).isoformat(timespec="seconds"), "gunicorn": command,
        "users": args.users, "duration_s": args.duration,
        "healthz_duration_s": args.healthz_duration, "timings": timings,
        "load_average_1m": {"before": load_before, "after": load_after},
        "healthz": health, "mix": mix, "ratios": ratios(mix, health),
        "consistency": consistency(before, after, mix["counts"], verify, audit),
        "server_log": scan_log(log), "rows_before": before, "rows_after": after,
    }
    result["ok"] = (mix["total"]["errors"] == 0 and health["total"]["errors"] == 0
                    and result["consistency"]["ok"] and not mix["undrained_users"])
    return result


# --- report --------------------------------------------------------------------------------

def _ms(value) -> str:
    return "-" if value is None else f"{value:.0f}"


def _line(name: str, r: dict, over) -> str:
    return (f"{name[:58]:58s} {r['requests']:7d} {r['rps']:7.1f} {_ms(r['p50_ms']):>6s} "
            f"{_ms(r['p95_ms']):>6s} {_ms(r['p99_ms']):>6s} "
            f"{'-' if over is None else f'{over:.1f}':>6s} {r['errors']:4d} "
            f"{r.get('refusals', 0):7d}")


def table(result: dict) -> str:
    lines = [f"\n== {result['database']} {result['server_version']} · {result['users']} users"
             f" · {result['duration_s']:.0f} s · {result['gunicorn']}",
             f"{'endpoint':58s} {'reqs':>7s} {'req/s':>7s} {'p50':>6s} {'p95':>6s} "
             f"{'p99':>6s} {'p50/hz':>6s} {'err':>4s} {'refused':>7s}"]
    for r in result["healthz"]["endpoints"]:
        lines.append(_line(f"{r['name']} (alone)", r, 1.0))
    for r in result["mix"]["endpoints"]:
        lines.append(_line(r["name"], r, r.get("p50_over_healthz")))
    rat = result["ratios"]
    lines.append(_line("mix, all endpoints", result["mix"]["total"],
                       rat["p50_mix_over_healthz"]))
    lines.append(f"mix throughput / /healthz throughput: "
                 f"{rat['throughput_mix_over_healthz']:.3f}; p99 mix / p99 /healthz: "
                 f"{rat['p99_mix_over_healthz']}")
    for label in ("healthz", "mix"):
        cpu = result[label]["cpu"]
        lines.append(f"  {label}: server CPU {cpu['server_cpu_ms_per_request']:.2f} ms/request "
                     f"({cpu['server_cpu_s']:.0f} s), locust CPU {cpu['locust_cpu_s']:.0f} s, "
                     f"machine idle {cpu['machine_idle_share']:.0%}")
    lines.append(f"  server CPU per request, mix / /healthz: "
                 f"{rat['server_cpu_per_request_mix_over_healthz']}; load average 1 min "
                 f"{result['load_average_1m']['before']} → {result['load_average_1m']['after']}")
    for check in result["consistency"]["checks"]:
        detail = check.get("output") or f"expected {check['expected']}, got {check['actual']}"
        lines.append(f"  [{'ok' if check['ok'] else 'FAIL'}] {check['check']}: {detail}")
    log = result["server_log"]
    lines.append(f"  server log: {log['status_families']}, problem lines: "
                 f"{log['problem_lines']}")
    for sample in result["mix"]["error_samples"][:10]:
        lines.append(f"  error: {sample['occurrences']} × {sample['name']}: {sample['error']}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=20, help="seconds of the mix")
    parser.add_argument("--healthz-duration", type=float, default=None,
                        help="seconds of /healthz alone (default: as --duration)")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--users", type=int, default=24, help="concurrent closed-loop users")
    parser.add_argument("--warmup", type=float, default=5,
                        help="seconds of load before each measurement (not measured)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--pg-url", default=os.environ.get("LOAD_PG_URL", DEFAULT_PG))
    parser.add_argument("--no-save", action="store_true", help="do not write load.json")
    args = parser.parse_args()
    args.healthz_duration = args.healthz_duration or args.duration
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    if "postgres" in kinds and not postgres_reachable(args.pg_url):
        if args.db == "postgres":
            print(f"PostgreSQL not reachable at {args.pg_url}", file=sys.stderr)
            return 1
        print(f"NOTE: PostgreSQL not reachable at {args.pg_url}: skipped (--pg-url)")
        kinds.remove("postgres")
    saved = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"runs": {}}
    saved["machine"] = machine()
    ok = True
    for kind in kinds:
        result = run_database(kind, args)
        print(table(result), flush=True)
        saved["runs"][kind] = result
        ok = ok and result["ok"]
    if not args.no_save:
        RESULTS.write_text(json.dumps(saved, ensure_ascii=False, indent=1) + "\n")
        print(f"\nwritten {RESULTS.relative_to(ROOT)}")
    if not ok:
        print("FAILED: errors under load or a post-load check failed (see above)",
              file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
