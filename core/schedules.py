"""What admins change about scheduled jobs: pause, resume, reschedule (kept in ``job_schedule``
and applied by the scheduler process within a minute), and the words that describe schedules
and results to people ("每天 02:10", "已发送 3 条").

The scheduler runs in its own process, so the admin page never touches it: it writes here,
and the scheduler's ``core.schedules.sync`` job reconciles. A paused job also refuses to run
from the scheduler even before that sync (``is_paused``)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from core import audit, clock
from core.db import UTCDateTime
from core.errors import ValidationFailed
from core.extensions import db

SYNC_JOB_ID = "core.schedules.sync"


class JobSchedule(db.Model):
    """An admin's change to one job: paused, and/or a trigger replacing the registered one."""

    __tablename__ = "job_schedule"

    job_id: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    paused: Mapped[bool] = mapped_column(default=False)
    trigger: Mapped[str | None] = mapped_column(sa.String(20))
    trigger_args: Mapped[dict | None] = mapped_column(sa.JSON)
    version: Mapped[int] = mapped_column(default=1)  # the scheduler applies each version once
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))


def _row(job_id: str) -> JobSchedule | None:
    return db.session.get(JobSchedule, job_id)


def effective(spec) -> tuple[str, dict, bool]:
    """(trigger, trigger args, paused) of a registered job, with the admin's changes."""
    row = _row(spec.id)
    if row is None:
        return spec.trigger, dict(spec.trigger_args), False
    if row.trigger:
        return row.trigger, dict(row.trigger_args or {}), row.paused
    return spec.trigger, dict(spec.trigger_args), row.paused


def is_paused(job_id: str) -> bool:
    row = _row(job_id)
    return bool(row and row.paused)


def _change(actor, spec, reason: str, **changes) -> JobSchedule:
    """One admin change to the registered job ``spec`` (its JobSpec)."""
    job_id = spec.id
    row = _row(job_id) or JobSchedule(job_id=job_id, paused=False, version=0)
    before = {"paused": row.paused, "trigger": row.trigger, "args": row.trigger_args}
    for name, value in changes.items():
        setattr(row, name, value)
    row.version = (row.version or 0) + 1
    row.updated_at, row.updated_by_id = clock.now(), getattr(actor, "id", None)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, f"jobs.{reason}", "job", job_id, before=before,
                 after={"paused": row.paused, "trigger": row.trigger, "args": row.trigger_args})
    return row


def pause(actor, spec) -> JobSchedule:
    return _change(actor, spec, "pause", paused=True)


def resume(actor, spec) -> JobSchedule:
    return _change(actor, spec, "resume", paused=False)


def reschedule(actor, spec, kind: str, *, minutes: int | None = None,
               at: str | None = None, weekday: int | None = None, day: int | None = None
               ) -> JobSchedule:
    """Replace the job's schedule: every N minutes, daily/weekly/monthly at HH:MM, or back to
    the registered default (``kind="default"``)."""
    if kind == "default":
        return _change(actor, spec, "reschedule", trigger=None, trigger_args=None)
    if kind == "interval":
        if not minutes or not 1 <= minutes <= 7 * 24 * 60:
            raise _bad("minutes", _l("间隔须为 1 到 10080 分钟。"))
        return _change(actor, spec, "reschedule", trigger="interval",
                       trigger_args={"minutes": int(minutes)})
    hour, minute = _parse_time(at)
    args = {"hour": hour, "minute": minute}
    if kind == "weekly":
        if weekday is None or not 0 <= weekday <= 6:
            raise _bad("weekday", _l("请选择星期几。"))
        args["day_of_week"] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][weekday]
    elif kind == "monthly":
        if day is None or not 1 <= day <= 28:
            raise _bad("day", _l("日期须为 1 到 28 日（每月都有）。"))
        args["day"] = int(day)
    elif kind != "daily":
        raise _bad("kind", _l("请选择计划类型。"))
    return _change(actor, spec, "reschedule", trigger="cron", trigger_args=args)


def _parse_time(value: str | None) -> tuple[int, int]:
    try:
        hour, minute = (int(part) for part in (value or "").strip().split(":"))
    except ValueError:
        raise _bad("at", _l("时间格式为 时:分，例如 02:30。")) from None
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise _bad("at", _l("时间格式为 时:分，例如 02:30。"))
    return hour, minute


def _bad(field: str, message) -> ValidationFailed:
    return ValidationFailed("jobs.bad_schedule", message, errors={field: [str(message)]})


# --- words -------------------------------------------------------------------------------

WEEKDAYS = {"mon": _l("周一"), "tue": _l("周二"), "wed": _l("周三"), "thu": _l("周四"),
            "fri": _l("周五"), "sat": _l("周六"), "sun": _l("周日")}


def describe(trigger: str, args: dict) -> str:
    """A schedule in words: 每 5 分钟 / 每天 02:10 / 每周一 03:00 / 每月 1 日 / 每年 7 月 15 日."""
    if trigger == "interval":
        minutes = args.get("minutes", 0) + 60 * args.get("hours", 0)
        if minutes % 60 == 0 and minutes >= 60:
            return _("每 %(n)s 小时", n=minutes // 60)
        return _("每 %(n)s 分钟", n=minutes)
    at = f"{int(args.get('hour', 0)):02d}:{int(args.get('minute', 0)):02d}"
    if "month" in args:
        return _("每年 %(m)s 月 %(d)s 日 %(t)s", m=args["month"], d=args.get("day", 1), t=at)
    if "day" in args:
        return _("每月 %(d)s 日 %(t)s", d=args["day"], t=at)
    if "day_of_week" in args:
        return _("每%(w)s %(t)s", w=WEEKDAYS.get(str(args["day_of_week"]),
                                                args["day_of_week"]), t=at)
    return _("每天 %(t)s", t=at)


COUNT_LABELS = {
    "sent": _l("已发送"), "failed": _l("发送失败待重试"), "gave_up": _l("放弃发送"),
    "logged": _l("仅记录日志"), "public_notices": _l("转公告送达"),
    "accounts": _l("核对账户"), "postings": _l("核对记账"), "pending": _l("待确认"),
    "reminded": _l("已提醒"), "confirmed": _l("已确认"), "voided": _l("已作废"),
    "expired_accounts": _l("到期账户"), "expired_minutes": _l("到期分钟数"),
    "proposals": _l("新建匹配建议"), "needs": _l("参与的需求"), "offers": _l("参与的供给"),
    "run_id": _l("匹配批次"), "proposals_unanswered": _l("逾期未答复的建议"),
    "missing_reports": _l("未报年报"), "proposed": _l("新提出名单"),
    "caught_up_days": _l("补跑天数"), "caught_up_red_review": _l("补跑年度红名单复核"),
    "as_of": _l("复核日期"),
    "red_proposed": _l("新提出红名单"), "scored": _l("已评分主体"),
    "model_version": _l("模型版本"), "skipped": _l("跳过"),
}


def describe_counts(counts: dict | None) -> str:
    """A job's result in words: "已发送 3 · 放弃发送 1" (zero counts are left out)."""
    parts = []
    for key, value in (counts or {}).items():
        if value in (0, None, ""):
            continue
        label = COUNT_LABELS.get(key) or (_("移出名单") + f"（{key[8:]}）"
                                          if key.startswith("removed_") else key)
        parts.append(f"{label} {value}")
    return " · ".join(parts) or _("无事可做")


STATUS_LABELS = {"ok": _l("成功"), "failed": _l("失败"), "running": _l("运行中")}
TRIGGER_LABELS = {"scheduler": _l("按计划"), "manual": _l("管理员手动"), "cli": _l("命令行"),
                  "catch_up": _l("每日任务补跑")}


def next_run(trigger: str, args: dict, paused: bool, last_start: datetime | None
             ) -> datetime | None:
    """When the job will next run (for intervals: counted from its last run)."""
    if paused:
        return None
    from apscheduler.triggers.cron import CronTrigger

    now = clock.now()
    if trigger == "interval":
        from datetime import timedelta

        step = timedelta(minutes=args.get("minutes", 0), hours=args.get("hours", 0))
        return max(now, (last_start or now) + step) if last_start else now + step
    return CronTrigger(timezone=clock.CITY_TZ, **args).get_next_fire_time(None, now)


# --- the scheduler process -----------------------------------------------------------------

_APPLIED: dict[str, int] = {}


def sync(scheduler, specs) -> int:
    """Apply admins' changes to the running scheduler (pause, resume, new trigger) for the
    registered ``specs``; each change once. Returns how many jobs were changed."""
    changed = 0
    rows = {row.job_id: row for row in db.session.execute(sa.select(JobSchedule)).scalars()}
    for spec in specs:
        row = rows.get(spec.id)
        version = row.version if row else 0
        if _APPLIED.get(spec.id, 0) == version or scheduler.get_job(spec.id) is None:
            continue
        trigger, args, paused = effective(spec)
        scheduler.reschedule_job(spec.id, trigger=trigger, **args)
        if paused:
            scheduler.pause_job(spec.id)
        _APPLIED[spec.id] = version
        changed += 1
    db.session.rollback()
    return changed


def mark_applied() -> None:
    """The scheduler was just built from the current rows: every version is applied."""
    for job_id, version in db.session.execute(sa.select(JobSchedule.job_id,
                                                        JobSchedule.version)).all():
        _APPLIED[job_id] = version
