"""Admin pages. Thin: every change goes through the accounts/orgs/jobs operations."""

from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import validate

from core import audit, jobs, schedules, workdays
from core.accounts import services as accounts
from core.accounts.models import Role, User
from core.admin.forms import (
    CalendarImportForm,
    DistrictForm,
    HolidayForm,
    OrgStatusForm,
    RolesForm,
    ScheduleForm,
    UserForm,
)
from core.auth import roles
from core.errors import DomainError, NotFound
from core.extensions import db
from core.orgs import services as orgs
from core.orgs.models import District, OrgStatus
from core.web.pages import QueryArgs, back, paginate, query_args, refuse, submit

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")

PER_PAGE = 50


class SearchArgs(QueryArgs):
    q = ma.fields.String()


class OrgFilter(SearchArgs):
    status = ma.fields.String(validate=validate.OneOf([s.value for s in OrgStatus]))


class AuditArgs(QueryArgs):
    action = ma.fields.String()  # an action, or the start of one ("credit.entry")
    verify = ma.fields.Boolean(load_default=False)  # ?verify=1: check the whole chain


@bp.get("/")
@roles(Role.ADMIN)
def index():
    counts = {
        "users": db.session.scalar(sa.select(sa.func.count()).select_from(User)),
        "pending_orgs": db.session.scalar(
            orgs.search_orgs(status=OrgStatus.PENDING).with_only_columns(sa.func.count())
            .order_by(None)),
    }
    return render_template("admin/index.html", counts=counts, last_runs=jobs.last_runs(),
                           specs=jobs.registered_jobs())


@bp.route("/users", methods=["GET", "POST"])
@roles(Role.ADMIN)
def users():
    form = UserForm()
    outcome = submit(form, lambda: accounts.create_user(
        current_user, form.username.data, form.password.data, form.display_name.data,
        form.roles.data))
    if outcome.done:
        flash(_("已创建用户 %(u)s。", u=outcome.result.username), "success")
        return redirect(url_for("admin.user_detail", user_id=outcome.result.id))
    q = query_args(SearchArgs)["q"]
    return render_template("admin/users.html", page=paginate(accounts.search_users(q), PER_PAGE),
                           q=q or "", form=form, role_labels=Role.labels()), outcome.status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def user_detail(user_id: int):
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("accounts.user_not_found", _("用户不存在。"))
    form = RolesForm(data={"roles": sorted(user.roles), "active": user.active})
    outcome = submit(form, lambda: _save_roles(user, form))
    if outcome.ran:
        if outcome.done:
            flash(_("已保存。"), "success")
        return redirect(url_for("admin.user_detail", user_id=user_id))
    return render_template("admin/user_detail.html", user=user, form=form,
                           orgs=orgs.orgs_of(user), role_labels=Role.labels())


def _save_roles(user: User, form: RolesForm) -> None:
    accounts.set_roles(current_user, user, form.roles.data)
    if form.active.data != user.active:
        accounts.set_active(current_user, user, form.active.data)


@bp.get("/orgs")
@roles(Role.ADMIN, Role.REGULATOR)
def org_list():
    args = query_args(OrgFilter)
    page = paginate(orgs.search_orgs(q=args["q"], status=args["status"]), PER_PAGE)
    return render_template("admin/orgs.html", page=page, q=args["q"] or "",
                           status=args["status"], statuses=list(OrgStatus), form=OrgStatusForm())


@bp.post("/orgs/<int:org_id>/status")
@roles(Role.ADMIN, Role.REGULATOR)
def org_status(org_id: int):
    form = OrgStatusForm()
    org = orgs.get_org(org_id)
    outcome = submit(form, lambda: orgs.set_org_status(current_user, org, form.status.data,
                                                       form.reason.data))
    if outcome.done:
        flash(_("已更新 %(n)s 的状态。", n=org.name), "success")
    elif not outcome.ran:
        flash(_("请填写原因。"), "error")
    return back(url_for("admin.org_list"), referrer=True)


@bp.get("/jobs")
@roles(Role.ADMIN)
def job_list():
    """Each job's schedule and last result in words; pause, resume, reschedule, run now."""
    last = jobs.last_runs()
    rows = []
    for spec in jobs.registered_jobs():
        trigger, args, paused = schedules.effective(spec)
        run = last.get(spec.id)
        rows.append({"spec": spec, "paused": paused, "run": run,
                     "schedule": schedules.describe(trigger, args),
                     "default": schedules.describe(spec.trigger, spec.trigger_args),
                     "next": schedules.next_run(trigger, args, paused,
                                                run.started_at if run else None)})
    return render_template("admin/jobs.html", rows=rows, runs=jobs.recent_runs(100),
                           form=ScheduleForm(), words=schedules.describe_counts,
                           status_labels=schedules.STATUS_LABELS,
                           trigger_labels=schedules.TRIGGER_LABELS)


def _spec(job_id: str):
    try:
        return jobs.get_job(job_id)
    except KeyError:
        raise NotFound("jobs.not_found", _("任务不存在。")) from None


@bp.post("/jobs/<job_id>/pause")
@roles(Role.ADMIN)
def job_pause(job_id: str):
    schedules.pause(current_user, _spec(job_id))
    flash(_("已暂停任务 %(j)s；调度进程将在一分钟内停止安排它。", j=job_id), "success")
    return redirect(url_for("admin.job_list"))


@bp.post("/jobs/<job_id>/resume")
@roles(Role.ADMIN)
def job_resume(job_id: str):
    schedules.resume(current_user, _spec(job_id))
    flash(_("已恢复任务 %(j)s。", j=job_id), "success")
    return redirect(url_for("admin.job_list"))


@bp.post("/jobs/<job_id>/schedule")
@roles(Role.ADMIN)
def job_schedule(job_id: str):
    form = ScheduleForm()
    outcome = submit(form, lambda: schedules.reschedule(
        current_user, _spec(job_id), form.kind.data, minutes=form.minutes.data, at=form.at.data,
        weekday=form.weekday.data, day=form.day.data))
    if not outcome.done:
        if not outcome.ran:
            flash(_("请检查计划的填写。"), "error")
        return redirect(url_for("admin.job_list"))
    row = outcome.result
    spec = jobs.get_job(job_id)
    trigger, args, _paused = schedules.effective(spec)
    flash(_("任务 %(j)s 的计划已改为：%(w)s。", j=row.job_id,
            w=schedules.describe(trigger, args)), "success")
    return redirect(url_for("admin.job_list"))


@bp.post("/jobs/<job_id>/run")
@roles(Role.ADMIN)
def job_run(job_id: str):
    try:
        jobs.get_job(job_id)
    except KeyError:
        raise NotFound("jobs.not_found", _("任务不存在。")) from None
    db.session.commit()  # the job runs in its own transactions
    run = jobs.run_job(job_id, trigger="manual")
    category = "success" if run.status == "ok" else "error"
    flash(_("任务 %(j)s：%(s)s（%(c)s）", j=job_id, s=schedules.STATUS_LABELS[run.status],
            c=schedules.describe_counts(run.counts)), category)
    return redirect(url_for("admin.job_list"))


@bp.route("/holidays", methods=["GET", "POST"])
@roles(Role.ADMIN)
def holidays():
    form = HolidayForm()
    if form.validate_on_submit():
        workdays.set_day(form.day.data, form.name.data, form.is_working_day.data)
        flash(_("已保存。"), "success")
        return redirect(url_for("admin.holidays"))
    return _holidays_page(form, CalendarImportForm())


def _holidays_page(form, import_form, status: int = 200):
    days = workdays.calendar_days()
    years = db.session.execute(
        sa.select(workdays.CalendarYear).order_by(workdays.CalendarYear.year.desc())
    ).scalars().all()
    return render_template("admin/holidays.html", form=form, import_form=import_form,
                           days=days, years=years, shipped=workdays.shipped_years(),
                           warning=workdays.calendar_warning()), status


@bp.post("/holidays/import")
@roles(Role.ADMIN)
def holidays_import():
    """Import one year's State Council schedule from a CSV file (all or nothing)."""
    import_form = CalendarImportForm()
    if import_form.validate_on_submit():
        raw = import_form.file.data.read(256 * 1024)
        try:
            entry = workdays.import_csv(current_user, raw.decode("utf-8-sig"),
                                        import_form.source.data)
        except UnicodeDecodeError:
            import_form.file.errors = [_("文件须为 UTF-8 编码的 CSV。")]
        except DomainError as error:
            refuse(error, import_form)
        else:
            flash(_("已导入 %(y)s 年的节假日安排（%(n)s 天）。", y=entry.year, n=entry.days),
                  "success")
            return redirect(url_for("admin.holidays"))
    return _holidays_page(HolidayForm(), import_form, 422)


@bp.post("/holidays/shipped")
@roles(Role.ADMIN)
def holidays_shipped():
    """Import the State Council schedules that ship with the platform, for missing years."""
    loaded = workdays.load_shipped(current_user)
    flash(_("已导入：%(y)s", y="、".join(map(str, loaded))) if loaded else
          _("随附的年度均已导入。"), "success")
    return redirect(url_for("admin.holidays"))


@bp.post("/holidays/<day>/delete")
@roles(Role.ADMIN)
def holiday_delete(day: str):
    from datetime import date

    try:
        workdays.remove_day(date.fromisoformat(day))
    except ValueError:
        raise NotFound("calendar.bad_day", _("日期无效。")) from None
    flash(_("已删除。"), "success")
    return redirect(url_for("admin.holidays"))


@bp.get("/audit")
@roles(Role.ADMIN, Role.REGULATOR)
def audit_log():
    args = query_args(AuditArgs)
    report = audit.verify_chain() if args["verify"] else None
    return render_template("admin/audit.html",
                           page=paginate(audit.records_query(args["action"]), PER_PAGE),
                           action=args["action"] or "", report=report,
                           subject_words=AUDIT_SUBJECT_WORDS,
                           action_label=audit.action_label, action_choices=audit.action_choices())


# What an audited record is, in words (the table name stays beside it, as code, for the
# administrator who searches the database).
AUDIT_SUBJECT_WORDS = {
    "user_account": _l("账号"), "api_token": _l("接口令牌"), "person": _l("个人"),
    "organization": _l("组织"), "district": _l("区县"), "credit_fact": _l("信用信息"),
    "credit_list_entry": _l("名单记录"), "credit_objection": _l("异议"),
    "credit_repair": _l("信用修复申请"), "notice_document": _l("告知书或决定书"),
    "timebank_session": _l("服务记录"), "timebank_posting": _l("时间账户记账"),
    "timebank_certificate": _l("志愿服务证明"), "timebank_redemption": _l("兑换"),
    "timebank_catalogue_item": _l("兑换服务项目"), "charity_need": _l("慈善需求"),
    "charity_offer": _l("慈善供给"), "charity_proposal": _l("对接建议"),
}


@bp.route("/districts", methods=["GET", "POST"])
@roles(Role.ADMIN)
def districts():
    """Districts: add one, or open one to correct it."""
    form = DistrictForm()
    outcome = submit(form, lambda: orgs.save_district(current_user, form.data))
    if outcome.done:
        flash(_("已保存。"), "success")
        return redirect(url_for("admin.districts"))
    return render_template("admin/districts.html", form=form, districts=orgs.districts()), \
        outcome.status


@bp.route("/districts/<int:district_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def district_edit(district_id: int):
    district = db.session.get(District, district_id)
    if district is None:
        raise NotFound("orgs.unknown_district", _("区县不存在。"))
    form = DistrictForm(obj=district)
    outcome = submit(form, lambda: orgs.save_district(current_user, form.data, district))
    if outcome.done:
        flash(_("已保存。"), "success")
        return redirect(url_for("admin.districts"))
    return render_template("admin/district_edit.html", form=form, district=district), \
        outcome.status
