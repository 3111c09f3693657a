"""Benchmark of the time-bank ledger: bulk posting, single postings, balance reads.

Bulk posting of confirmed sessions, single postings (one transaction each, as a request
does), and balance reads for a long and a short history.

Run: ``.venv/bin/python benches/timebank.py [--quick] [--database-url URL]``. Default is a
fresh SQLite file in a temporary folder; pass a PostgreSQL URL (an empty database) to measure
there. Prints a table and records the run in ``benches/results/timebank.json`` (one entry per
database backend, so a SQLite and a PostgreSQL run sit side by side).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

import sqlalchemy as sa  # noqa: E402

from core.app import create_app  # noqa: E402
from core.db import write_intent  # noqa: E402
from core.extensions import db  # noqa: E402


def build_app(url: str):
    app = create_app({"APP_ENV": "development", "SQLALCHEMY_DATABASE_URI": url,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        db.create_all()
    return app


def make_people(count: int) -> tuple[list[int], int, int]:
    """Persons, one organization (the issuer) and the district, through core services."""
    from core.accounts.services import create_person
    from core.ids import make_id_number, make_uscc
    from core.orgs.services import districts, register_org, seed_districts

    seed_districts()
    district = districts()[0]
    rng = random.Random(7)
    org = register_org(None, {
        "name": "基准测试志愿者协会", "uscc": make_uscc(rng, "320402", "51"),
        "kind": "social_group", "registering_authority": "常州市民政局",
        "legal_representative": "测试", "district_id": district.id, "address": "天宁区",
        "registration_date": date(2015, 1, 1)}, status="active")
    ids = []
    for n in range(count):
        born = date(1960, 1, 1) + timedelta(days=n * 7)
        person = create_person(None, f"志愿者{n}", make_id_number("320402", born, rng),
                               district_id=district.id, as_volunteer=True)
        ids.append(person.id)
    db.session.commit()
    return ids, org.id, district.id


def insert_sessions(people: list[int], org_id: int, district_id: int, n: int) -> list[tuple]:
    """n confirmed session rows (non-overlapping per volunteer), inserted in bulk."""
    from timebank.models import ServiceSession

    base = datetime(2024, 1, 1, 1, 0, tzinfo=UTC)
    rows, out = [], []
    for i in range(n):
        person = people[i % len(people)]
        start = base + timedelta(hours=3 * (i // len(people)))
        rows.append({"volunteer_id": person, "recipient_org_id": org_id, "org_id": org_id,
                     "category": "meal", "district_id": district_id, "address": "bench",
                     "start_at": start, "end_at": start + timedelta(minutes=60), "minutes": 60,
                     "description": "", "status": "confirmed", "source": "import",
                     "credited": True, "credit_minutes": 60, "created_at": start})
    table = ServiceSession.__table__
    for chunk in range(0, n, 10000):
        db.session.execute(table.insert(), rows[chunk:chunk + 10000])
    db.session.commit()
    ids = db.session.execute(sa.select(table.c.id, table.c.volunteer_id).order_by(table.c.id)
                             ).all()
    for session_id, person in ids:
        out.append((session_id, person))
    return out


def bench_bulk(app, people, org_id, district_id, n) -> dict:
    from timebank import ledger
    from timebank.ledger import Entry
    from timebank.vocabulary import PostingKind

    with app.app_context():
        token = write_intent.set(True)
        sessions = insert_sessions(people, org_id, district_id, n)
        issuer = ledger.issuance_account(org_id).id
        accounts = {p: ledger.person_account(p).id for p in people}
        db.session.commit()
        entries = [Entry(issuer, accounts[person], 60, PostingKind.DEPOSIT, f"session:{sid}")
                   for sid, person in sessions]
        started = time.perf_counter()
        ledger.post_bulk(entries)
        db.session.commit()
        elapsed = time.perf_counter() - started
        report = ledger.verify()
        write_intent.reset(token)
    return {"postings": n, "seconds": elapsed, "postings_per_s": n / elapsed,
            "verify_ok": report.ok, "verify_accounts": report.accounts}


def bench_single(app, people, org_id, n) -> dict:
    """One posting per transaction (lock, check, insert, update, commit), as a request."""
    from timebank import ledger
    from timebank.vocabulary import PostingKind

    with app.app_context():
        token = write_intent.set(True)
        issuer = ledger.issuance_account(org_id)
        targets = [ledger.person_account(p) for p in people]
        db.session.commit()
        started = time.perf_counter()
        for i in range(n):
            ledger.transfer(issuer, targets[i % len(targets)], 30, PostingKind.DEPOSIT,
                            f"single:{i}")
            db.session.commit()
        elapsed = time.perf_counter() - started
        write_intent.reset(token)
    return {"postings": n, "seconds": elapsed, "postings_per_s": n / elapsed}


def _time_reads(person_ids: tuple[int, int], reads: int) -> tuple[float, float]:
    """Median µs of ``ledger.balances`` for each person, reads interleaved (no order bias)."""
    from timebank import ledger

    samples: dict[int, list[float]] = {p: [] for p in person_ids}
    for _ in range(50):  # warm-up: statement caches, connection
        for person in person_ids:
            ledger.balances(person)
    for _ in range(reads):
        for person in person_ids:
            started = time.perf_counter()
            ledger.balances(person)
            samples[person].append(time.perf_counter() - started)
            db.session.rollback()
    heavy, light = (statistics.median(samples[p]) * 1e6 for p in person_ids)
    return heavy, light


def _time_sum(account_id: int, reads: int) -> float:
    from timebank.models import Posting

    samples = []
    for _ in range(reads):
        started = time.perf_counter()
        db.session.execute(sa.select(sa.func.sum(Posting.amount)).where(
            Posting.credit_account_id == account_id)).scalar()
        samples.append(time.perf_counter() - started)
        db.session.rollback()
    return statistics.median(samples) * 1e6


def bench_reads(app, org_id, district_id, reads) -> dict:
    """Two fresh persons: one with 10,000 postings, one with 10."""
    from core.accounts.services import create_person
    from core.ids import make_id_number
    from timebank import ledger
    from timebank.ledger import Entry
    from timebank.vocabulary import PostingKind

    rng = random.Random(11)
    with app.app_context():
        token = write_intent.set(True)
        heavy = create_person(None, "甲", make_id_number("320402", date(1950, 5, 5), rng))
        light = create_person(None, "乙", make_id_number("320402", date(1951, 6, 6), rng))
        issuer = ledger.issuance_account(org_id).id
        accounts = {p.id: ledger.person_account(p.id).id for p in (heavy, light)}
        for person, count in ((heavy.id, 10_000), (light.id, 10)):
            ledger.post_bulk([Entry(issuer, accounts[person], 1, PostingKind.DEPOSIT,
                                    f"read:{person}:{i}") for i in range(count)])
        db.session.commit()
        write_intent.reset(token)
        long_us, short_us = _time_reads((heavy.id, light.id), reads)
        out = {
            "reads": reads,
            "balance_us_10000_postings": long_us,
            "balance_us_10_postings": short_us,
            "sum_over_postings_us_10000": _time_sum(accounts[heavy.id], max(reads // 10, 20)),
            "sum_over_postings_us_10": _time_sum(accounts[light.id], max(reads // 10, 20)),
        }
    out["ratio_long_to_short"] = out["balance_us_10000_postings"] / out["balance_us_10_postings"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10,000 sessions instead of 100,000")
    parser.add_argument("--database-url", default=None, help="an empty database (default: "
                        "a temporary SQLite file)")
    args = parser.parse_args()
    n = 10_000 if args.quick else 100_000
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.sqlite3"
        app = build_app(url)
        with app.app_context():
            token = write_intent.set(True)
            people, org_id, district_id = make_people(500)
            write_intent.reset(token)
        results = {
            "quick": args.quick, "database": sa.make_url(url).get_backend_name(),
            "environment": {"python": platform.python_version(), "machine": platform.machine(),
                            "cpus": os.cpu_count(), "sqlalchemy": sa.__version__,
                            "load_average_1m_at_start": round(os.getloadavg()[0], 2)},
            "bulk": bench_bulk(app, people, org_id, district_id, n),
            "single": bench_single(app, people, org_id, 2000 if not args.quick else 500),
            "balance_read": bench_reads(app, org_id, district_id, 2000),
        }
        with app.app_context():
            db.engine.dispose()
    print_table(results)
    out = ROOT / "benches" / "results" / "timebank.json"
    merged = json.loads(out.read_text()) if out.exists() else {}
    merged = merged if "runs" in merged else {"runs": {}}
    merged["runs"][results["database"]] = results  # one entry per database backend
    out.write_text(json.dumps(merged, indent=2, ensure_ascii=False) + "\n")
    print(f"written: {out.relative_to(ROOT)}")


def print_table(r: dict) -> None:
    bulk, single, reads = r["bulk"], r["single"], r["balance_read"]
    print(f"database: {r['database']} (load average at start: "
          f"{r['environment']['load_average_1m_at_start']} on {r['environment']['cpus']} cpus)")
    print(f"bulk post of {bulk['postings']:,} confirmed sessions: {bulk['seconds']:.2f} s "
          f"= {bulk['postings_per_s']:,.0f} postings/s (verify ok: {bulk['verify_ok']})")
    print(f"single postings, one transaction each: {single['postings_per_s']:,.0f} postings/s")
    print(f"balance read, 10,000 postings: {reads['balance_us_10000_postings']:.0f} µs; "
          f"10 postings: {reads['balance_us_10_postings']:.0f} µs "
          f"(ratio {reads['ratio_long_to_short']:.2f})")
    print(f"for comparison, summing the postings: {reads['sum_over_postings_us_10000']:.0f} µs "
          f"vs {reads['sum_over_postings_us_10']:.0f} µs")


if __name__ == "__main__":
    main()
