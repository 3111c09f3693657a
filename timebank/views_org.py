"""Pages for deciding on sessions, and organization staff's sessions, rosters and imports."""

from __future__ import annotations

from flask import flash, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core import clock, spreadsheets
from core.accounts.models import Role
from core.auth import roles
from core.errors import DomainError
from core.inputs import upload_limit
from core.orgs.services import districts, orgs_of, require_member, user_org_ids
from core.web.pages import back, paginate, query_args, submit
from timebank import confirmation, imports, recognition, redemption, sessions
from timebank.forms import ConfirmForm, ImportForm, ReasonForm, RosterForm, aware
from timebank.views import SessionFilter, bp
from timebank.vocabulary import SessionStatus

DECIDERS = (Role.VOLUNTEER, Role.ORG_STAFF, Role.INSTITUTION_STAFF)
STAFF = (Role.ORG_STAFF, Role.INSTITUTION_STAFF)
COLUMN_LABELS = {key: zh for key, zh, _required, _desc in imports.COLUMNS}


@bp.get("/confirm")
@roles(*DECIDERS)
def to_confirm():
    page = paginate(sessions.sessions_query(current_user, "to_confirm"))
    now = clock.now()
    late = {row.id for row in page.rows if sessions.is_late(row, now)}
    return render_template("timebank/to_confirm.html", page=page, late=late,
                           reason_form=ReasonForm(), form=ConfirmForm())


def _back(session_id: int):
    return back(url_for("timebank.session_detail", session_id=session_id))


@bp.post("/sessions/<int:session_id>/confirm")
@roles(*DECIDERS)
def confirm(session_id: int):
    form = ConfirmForm()
    outcome = submit(form, lambda: confirmation.confirm_session(
        current_user, session_id, reason=form.reason.data or None))
    if outcome.done and outcome.result.status == SessionStatus.REVIEW:
        flash(_("已记录您的确认。该记录需经民政部门核查后才存入时间。"), "info")
    elif outcome.done:
        flash(_("已确认，服务时间已存入志愿者账户。"), "success")
    return _back(session_id)


@bp.post("/sessions/<int:session_id>/reject")
@roles(*DECIDERS)
def reject(session_id: int):
    form = ReasonForm()
    outcome = submit(form, lambda: confirmation.reject_session(current_user, session_id,
                                                               form.reason.data))
    if outcome.done:
        flash(_("已退回，志愿者会看到退回原因。"), "success")
    elif not outcome.ran:
        flash(_("请填写退回原因。"), "error")
    return _back(session_id)


@bp.post("/sessions/<int:session_id>/reverse")
@roles(Role.ORG_STAFF, Role.REGULATOR, Role.ADMIN)
def reverse(session_id: int):
    form = ReasonForm()
    outcome = submit(form, lambda: confirmation.reverse_session(current_user, session_id,
                                                                form.reason.data))
    if outcome.done:
        flash(_("已撤销该服务记录，并已冲正时间。"), "success")
    elif not outcome.ran:
        flash(_("请填写撤销原因。"), "error")
    return _back(session_id)


@bp.get("/org/volunteers")
@roles(*STAFF)
def org_volunteers():
    """Our volunteers: who served with us, their hours with us and their star level."""
    org_ids = user_org_ids(current_user)
    page = paginate(recognition.volunteers_of_orgs(org_ids))
    ids = [p.id for p in page.rows]
    return render_template("timebank/org_volunteers.html", page=page,
                           with_us=recognition.minutes_with_orgs(ids, org_ids),
                           stars=recognition.stars_of_many(ids))


@bp.get("/org/sessions")
@roles(*STAFF)
def org_sessions():
    status = query_args(SessionFilter)["status"]
    page = paginate(sessions.sessions_query(current_user, "org", status))
    return render_template("timebank/org_sessions.html", page=page, status=status,
                           statuses=list(SessionStatus), orgs=orgs_of(current_user))


def _roster_form() -> RosterForm:
    form = RosterForm()
    form.district_id.choices = [(d.id, d.name) for d in districts()]
    form.org_id.choices = [(o.id, o.name) for o in orgs_of(current_user)]
    return form


def _roster_rows(form: RosterForm) -> tuple[list, list]:
    common = {"org_id": form.org_id.data, "category": form.category.data,
              "district_id": form.district_id.data, "address": form.address.data,
              "start": aware(form.start.data), "end": aware(form.end.data),
              "description": form.description.data, "recipient_org_id": form.org_id.data}
    rows, unknown = [], []
    lines = [line.strip() for line in (form.volunteers.data or "").splitlines() if line.strip()]
    for number, line in enumerate(lines[:500], start=1):
        try:
            person = redemption.find_member(line)
        except DomainError as error:
            unknown.append(imports.RowResult(number, line, code=error.code,
                                              message=error.text))
            continue
        rows.append((number, f"{person.name}（{person.volunteer_number or '-'}）",
                     {**common, "volunteer_id": person.id}))
    return rows, unknown


@bp.route("/org/roster", methods=["GET", "POST"])
@roles(*STAFF)
def roster():
    form = _roster_form()
    outcome = submit(form, lambda: _log_roster(form))
    if outcome.done:
        results = outcome.result
        ok = sum(1 for r in results if r.ok)
        flash(_("已登记 %(ok)s 人，%(bad)s 行未通过。", ok=ok, bad=len(results) - ok),
              "success" if ok == len(results) else "warning")
    return render_template("timebank/roster.html", form=form, results=outcome.result), \
        outcome.status


def _log_roster(form: RosterForm) -> list:
    require_member(current_user, form.org_id.data)
    rows, unknown = _roster_rows(form)
    return sorted(unknown + imports.log_many(current_user, rows, source="roster",
                                             confirm=form.confirm.data), key=lambda r: r.row)


@bp.route("/org/import", methods=["GET", "POST"])
@roles(*STAFF)
@upload_limit(imports.MAX_BYTES)
def roster_import():
    form = ImportForm()
    form.org_id.choices = [(o.id, o.name) for o in orgs_of(current_user)]
    outcome = submit(form, lambda: imports.import_roster(
        current_user, form.org_id.data, form.file.data.filename if form.file.data else "",
        form.file.data.read() if form.file.data else b"", confirm=form.confirm.data))
    if outcome.done:
        results = outcome.result
        ok = sum(1 for r in results if r.ok)
        flash(_("导入 %(ok)s 行，%(bad)s 行有误未导入（见下表）。", ok=ok,
                bad=len(results) - ok), "success" if ok == len(results) else "warning")
    return render_template("timebank/import.html", form=form, columns=imports.COLUMNS,
                           results=outcome.result, column_labels=COLUMN_LABELS), outcome.status


@bp.get("/org/import/template.<string:fmt>")
@roles(*STAFF)
def import_template(fmt: str):
    if fmt == "xlsx":
        return spreadsheets.download(imports.template_xlsx(), "xlsx", "roster-template")
    return spreadsheets.download(imports.template_csv(), "csv", "roster-template")
