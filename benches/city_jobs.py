"""Jobs at city scale (issue 16, item 3): each nightly job's wall time on the city data.

Runs every job below once through ``core.jobs.run_job`` (its own transaction, recorded as a
job run) against ``--url``, a throwaway copy of the city database (the jobs write: proposals,
scores, expiries, reminders, proposals of the matcher), and prints the time of each next to
the bound (``BOUND_S``, 5 minutes on a 2-core machine). Credit expiry is off by default
(``credit_expiry_years``); the bench turns it on at ``--expiry-years`` (2) so it has work.

Run: ``createdb -T civic_city civic_city_jobs`` then ``.venv/bin/python benches/city_jobs.py
--url postgresql+psycopg://…/civic_city_jobs``. Results: ``benches/results/city_jobs.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "benches" / "results" / "city_jobs.json"
BOUND_S = 300
JOBS = ["credit.daily", "credit.score_nightly", "timebank.expire_credits",
        "timebank.remind_pending", "charity.match"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=os.environ.get("SCALE_JOBS_URL"))
    parser.add_argument("--jobs", nargs="*", default=JOBS)
    parser.add_argument("--expiry-years", default="2")
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args()
    if not args.url:
        print("city_jobs: skipped (it needs a throwaway copy of the city: --url or "
              "SCALE_JOBS_URL)")
        return 0
    os.environ["POLICY_CREDIT_EXPIRY_YEARS"] = args.expiry_years
    from core.app import create_app
    from core.jobs import run_job

    app = create_app({"DATABASE_URL": args.url, "SQLALCHEMY_DATABASE_URI": args.url,
                      "APP_ENV": "development"})
    out = []
    with app.app_context():
        for job_id in args.jobs:
            started = time.perf_counter()
            run = run_job(job_id, trigger="bench")
            seconds = round(time.perf_counter() - started, 1)
            row = {"job": job_id, "seconds": seconds, "status": run.status,
                   "within_bound": run.status == "ok" and seconds <= BOUND_S,
                   "counts": run.counts, "message": run.message}
            out.append(row)
            print(f"{job_id:28s} {seconds:8.1f} s  {run.status:6s} "
                  f"{'ok' if row['within_bound'] else 'OVER ' + str(BOUND_S) + ' s'}  "
                  f"{json.dumps(run.counts, ensure_ascii=False)[:160]}", flush=True)
    if not args.no_save:
        RESULTS.write_text(json.dumps({"at": datetime.now(UTC).isoformat(timespec="seconds"),
                                       "bound_s": BOUND_S, "jobs": out},
                                      ensure_ascii=False, indent=1) + "\n")
    return 0 if all(r["within_bound"] for r in out) else 1


if __name__ == "__main__":
    sys.exit(main())
