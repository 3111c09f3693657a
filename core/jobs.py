"""Scheduled jobs: the registry packages add to, the runner that records each run, the scheduler.

A package registers its jobs in its ``init_app``::

    register_job("timebank.verify_ledger", verify_ledger_job, "cron", hour=2, minute=10)

A job function takes no arguments, runs inside an app context with write intent, returns a dict
of counts, and must be idempotent (a second run finds nothing left to do). ``run_job`` commits
its work and writes a ``JobRun`` row either way. ``flask scheduler run`` is the one scheduler
process (APScheduler 3, jobs kept in the database job store); ``flask scheduler run-job ID``
runs one job now; admins see runs at /admin/jobs. Several ``scheduler run`` processes may
run for failover: ``core.leadership`` lets exactly one of them schedule.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.orm import Mapped, mapped_column

from core import clock, schedules
from core.db import UTCDateTime, write_intent
from core.extensions import db

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: Callable[[], dict | None]
    trigger: str  # "cron" or "interval", as APScheduler names them
    trigger_args: dict = field(default_factory=dict)
    description: str = ""


_REGISTRY: dict[str, JobSpec] = {}


def register_job(job_id: str, func, trigger: str, description: str = "", **trigger_args):
    """Declare a scheduled job (idempotent: re-registering the same id replaces it)."""
    _REGISTRY[job_id] = JobSpec(job_id, func, trigger, trigger_args, description)


def registered_jobs() -> list[JobSpec]:
    return sorted(_REGISTRY.values(), key=lambda spec: spec.id)


def get_job(job_id: str) -> JobSpec:
    try:
        return _REGISTRY[job_id]
    except KeyError:
        raise KeyError(f"no job {job_id!r}; known: {', '.join(sorted(_REGISTRY))}") from None


class JobRun(db.Model):
    __tablename__ = "job_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(sa.String(100), index=True)
    trigger: Mapped[str] = mapped_column(sa.String(20))  # scheduler, manual, cli
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(sa.String(10), default="running")  # ok, failed
    counts: Mapped[dict | None] = mapped_column(sa.JSON)
    message: Mapped[str | None] = mapped_column(sa.Text)

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


def run_job(job_id: str, trigger: str = "manual") -> JobRun:
    """Run one registered job now, in its own transaction, and record the run."""
    spec = get_job(job_id)
    run = JobRun(job_id=job_id, trigger=trigger, started_at=clock.now())
    db.session.add(run)
    db.session.commit()
    run_id = run.id
    token = write_intent.set(True)
    started = time.perf_counter()
    try:
        counts = spec.func() or {}
        db.session.commit()
        status, message = "ok", None
    except Exception as exc:
        db.session.rollback()
        log.exception("job %s failed", job_id)
        counts, status, message = {}, "failed", f"{type(exc).__name__}: {exc}"
    finally:
        write_intent.reset(token)
    run = db.session.get(JobRun, run_id)
    run.finished_at, run.status, run.message = clock.now(), status, message
    run.counts = dict(counts)
    db.session.commit()
    log.info("job %s %s in %.2fs %s", job_id, status, time.perf_counter() - started, counts)
    return run


def recent_runs(limit: int = 50, job_id: str | None = None) -> list[JobRun]:
    query = sa.select(JobRun).order_by(JobRun.id.desc()).limit(limit)
    if job_id:
        query = query.where(JobRun.job_id == job_id)
    return list(db.session.execute(query).scalars())


def last_runs() -> dict[str, JobRun]:
    latest = (sa.select(sa.func.max(JobRun.id)).group_by(JobRun.job_id)).scalar_subquery()
    rows = db.session.execute(sa.select(JobRun).where(JobRun.id.in_(latest))).scalars()
    return {row.job_id: row for row in rows}


# --- the scheduler process -----------------------------------------------------------------

_SCHEDULER_APP = None


def run_registered_job(job_id: str) -> None:
    """Entry point the scheduler stores (a textual reference, so the job store can persist it)."""
    from core.schedules import is_paused

    with _SCHEDULER_APP.app_context():
        if not is_paused(job_id):  # paused on the admin page, before the scheduler synced
            run_job(job_id, trigger="scheduler")


def build_scheduler(app, blocking: bool = True, jobstore=None):
    """The scheduler with every registered job; ``jobstore`` replaces the database job store
    (tests use an in-memory one)."""
    from apscheduler.jobstores.memory import MemoryJobStore
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    global _SCHEDULER_APP
    _SCHEDULER_APP = app
    store = jobstore or SQLAlchemyJobStore(url=app.config["SQLALCHEMY_DATABASE_URI"],
                                           tablename="apscheduler_jobs")
    cls = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = cls(jobstores={"default": store, "local": MemoryJobStore()},
                    timezone=clock.CITY_TZ,
                    job_defaults={"coalesce": True, "max_instances": 1,
                                  "misfire_grace_time": 3600})
    for spec in registered_jobs():
        trigger, trigger_args, paused = schedules.effective(spec)  # admins' changes
        extra = {"next_run_time": None} if paused else {}
        scheduler.add_job("core.jobs:run_registered_job", trigger, args=[spec.id],
                          id=spec.id, name=spec.description or spec.id,
                          replace_existing=True, **trigger_args, **extra)
    schedules.mark_applied()
    db.session.rollback()
    scheduler.add_job(_sync_schedules, "interval", args=[scheduler], minutes=1,
                      id=schedules.SYNC_JOB_ID, jobstore="local")
    return scheduler


def _sync_schedules(scheduler) -> None:
    with _SCHEDULER_APP.app_context():
        schedules.sync(scheduler, registered_jobs())


scheduler_cli = AppGroup("scheduler", help="Scheduled jobs.")


@scheduler_cli.command("run")
def scheduler_run_command():
    """Run the scheduler until interrupted. Any number may run: one leads and runs the jobs,
    the others wait to take over (core/leadership.py)."""
    import signal

    from core.leadership import Leadership

    def _stop(_signum, _frame):  # systemctl stop: shut down cleanly, let a follower lead
        raise SystemExit(0)

    app = current_app._get_current_object()
    signal.signal(signal.SIGTERM, _stop)
    leader = Leadership(db.engine, app.instance_path,
                        float(app.config.get("SCHEDULER_LEADER_POLL_SECONDS", 5)))
    scheduler = None
    try:
        leader.acquire(on_wait=lambda: click.echo(
            f"scheduler: another process leads; {leader.identity} waits to take over",
            err=True))
        scheduler = build_scheduler(app, blocking=False)
        click.echo(f"scheduler: leading as {leader.identity}; {len(registered_jobs())} jobs; "
                   "Ctrl-C to stop", err=True)
        for spec in registered_jobs():
            click.echo(f"  {spec.id:40s} {spec.trigger} {spec.trigger_args}", err=True)
        scheduler.start()
        while leader.held():
            time.sleep(leader.poll_seconds)
        scheduler.shutdown(wait=False)  # cannot prove it leads any more: let another lead
        raise click.ClickException("scheduler: lost the leadership lock; exiting")
    except (KeyboardInterrupt, SystemExit):
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=False)
    finally:
        leader.release()


@scheduler_cli.command("list")
def scheduler_list_command():
    """List registered jobs and their last run."""
    last = last_runs()
    for spec in registered_jobs():
        run = last.get(spec.id)
        seen = f"{run.status} at {run.started_at:%Y-%m-%d %H:%M}" if run else "never run"
        click.echo(f"{spec.id:40s} {spec.trigger} {spec.trigger_args}  {seen}")


@scheduler_cli.command("run-job")
@click.argument("job_id")
def scheduler_run_job_command(job_id):
    """Run one job now and print its counts."""
    try:
        run = run_job(job_id, trigger="cli")
    except KeyError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{job_id}: {run.status} {run.counts or {}} {run.message or ''}")
    if run.status != "ok":
        raise SystemExit(1)
