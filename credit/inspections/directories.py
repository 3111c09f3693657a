"""The two directories of random inspections (检查对象名录, 执法检查人员名录): who is in
them, deactivation and reactivation with a reason (audited, kept as history), declared
conflicts, and who a draw may take from them today.

A deregistered or revoked organization leaves the subject directory by itself
(``on_org_status_changed``, a ``core.events`` subscriber); the draw filters on the
organization's status as well, so a missed event never puts one in a draw.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core import audit, clock, events
from core.accounts.models import Role, User, UserRole
from core.errors import Conflict, NotFound, ValidationFailed
from core.extensions import db
from core.orgs.models import Organization, OrgStatus
from credit.facts.records import get_subject, is_credit_subject, subject_orgs
from credit.inspections.models import (
    DirectoryChange,
    InspectionSubject,
    Inspector,
    InspectorConflict,
)

SUBJECTS, INSPECTORS = "subjects", "inspectors"
# Organizations a draw may pick: registered and not gone (suspended ones are still inspected).
DRAWABLE_STATUSES = (OrgStatus.ACTIVE.value, OrgStatus.SUSPENDED.value)
LEAVING_STATUSES = {OrgStatus.DEREGISTERED.value: _l("组织已注销登记，自动移出检查对象名录"),
                    OrgStatus.REVOKED.value: _l("组织已被撤销登记，自动移出检查对象名录")}
CHANGE_LABELS = {"added": _l("加入名录"), "deactivated": _l("停用"), "reactivated": _l("恢复"),
                 "left": _l("自动移出")}
STAFF_NUMBER = re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]{0,31}$")


def require_reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationFailed("credit.reason_required", _l("请说明原因。"),
                               errors={"reason": [str(_l("必填。"))]})
    if len(text) > 200:
        raise ValidationFailed("credit.reason_too_long", _l("原因最多 200 个字。"),
                               errors={"reason": [str(_l("最多 200 个字。"))]})
    return text


def _log(actor, directory: str, member_id: int, action: str, reason: str) -> None:
    db.session.add(DirectoryChange(directory=directory, member_id=member_id, action=action,
                                   reason=reason, actor_id=getattr(actor, "id", None),
                                   at=clock.now()))
    db.session.flush()
    table = "credit_inspection_subject" if directory == SUBJECTS else "credit_inspector"
    audit.record(actor, f"credit.inspection.{directory}.{action}", table, member_id,
                 after={"active": action in ("added", "reactivated")}, reason=reason)


# --- the subject directory ------------------------------------------------------------------

def fill_directory(actor) -> int:
    """Put every registered credit subject not yet listed into the inspection directory (a
    subject taken out stays out until reactivated with a reason)."""
    have = set(db.session.execute(sa.select(InspectionSubject.org_id)).scalars())
    added = [o for o in subject_orgs() if o.id not in have and o.status in DRAWABLE_STATUSES]
    db.session.add_all([InspectionSubject(org_id=o.id) for o in added])
    db.session.flush()
    now = clock.now()
    db.session.add_all([DirectoryChange(directory=SUBJECTS, member_id=o.id, action="added",
                                        reason=str(_l("登记在册的信用主体")),
                                        actor_id=getattr(actor, "id", None), at=now)
                        for o in added])
    db.session.flush()
    if added:
        audit.record(actor, "credit.inspection.directory", "credit_inspection_subject", "all",
                     after={"added": len(added)})
    return len(added)


def get_directory_subject(org_id: int) -> InspectionSubject:
    row = db.session.get(InspectionSubject, org_id)
    if row is None:
        raise NotFound("credit.not_in_directory", _l("该主体不在检查对象名录中。"))
    return row


def set_subject_active(actor, org_id: int, active: bool, reason: str) -> InspectionSubject:
    """Take a subject out of the draws, or put it back, saying why."""
    reason = require_reason(reason)
    row = get_directory_subject(org_id)
    if row.active == active:
        raise Conflict("credit.directory_unchanged",
                       _l("该主体已在名录中。") if active else _l("该主体已停用。"))
    if active and row.organization.status not in DRAWABLE_STATUSES:
        raise Conflict("credit.subject_gone", _l("已注销或被撤销登记的组织不能恢复到名录中。"))
    row.active = active
    _log(actor, SUBJECTS, org_id, "reactivated" if active else "deactivated", reason)
    return row


def on_org_status_changed(sender, org_id=None, after=None, **_kw) -> None:
    """A deregistered or revoked organization leaves the subject directory (system act)."""
    if after not in LEAVING_STATUSES:
        return
    row = db.session.get(InspectionSubject, org_id)
    if row is not None and row.active:
        row.active = False
        _log(None, SUBJECTS, org_id, "left", str(LEAVING_STATUSES[after]))


def connect(app) -> None:
    events.org_status_changed.connect(on_org_status_changed)
    app.jinja_env.filters["inspection_change"] = lambda code: str(CHANGE_LABELS.get(code, code))


def subject_query(active: bool | None = None, q: str | None = None):
    """The subject directory for a page: name or USCC search, active or not."""
    query = (sa.select(InspectionSubject).join(Organization)
             .order_by(InspectionSubject.active.desc(), Organization.name))
    if active is not None:
        query = query.where(InspectionSubject.active.is_(active))
    if q:
        query = query.where(sa.or_(Organization.name.contains(q, autoescape=True),
                                   Organization.uscc == q.upper()))
    return query


def directory_counts() -> dict[str, int]:
    rows = db.session.execute(sa.select(InspectionSubject.active, sa.func.count())
                              .group_by(InspectionSubject.active)).all()
    counts = {bool(active): n for active, n in rows}
    return {"active": counts.get(True, 0), "inactive": counts.get(False, 0)}


# --- the inspector directory ----------------------------------------------------------------

def _staff_number(value: str | None) -> str:
    number = (value or "").strip().upper()
    if not STAFF_NUMBER.match(number):
        raise ValidationFailed("credit.bad_staff_number",
                               _l("执法证号须为 1 至 32 位字母、数字或连字符。"),
                               errors={"staff_number": [str(_l("格式不正确。"))]})
    return number


def add_inspector(actor, user: User, staff_number: str) -> Inspector:
    """A regulator joins the inspector directory under their staff number (执法证号)."""
    number = _staff_number(staff_number)
    if not user.has_role(Role.REGULATOR):
        raise ValidationFailed("credit.not_an_inspector", _l("检查人员须为监管人员账号。"),
                               errors={"username": [str(_l("不是监管人员。"))]})
    row = db.session.get(Inspector, user.id)
    # Inspectors listed before staff numbers existed are not drawn until they get one.
    if row is not None and row.staff_number is not None:
        raise Conflict("credit.inspector_exists",
                       _l("该人员已在检查人员名录中；停用的人员请说明原因后恢复。"))
    taken = db.session.execute(sa.select(Inspector).where(Inspector.staff_number == number)
                               ).scalar_one_or_none()
    if taken is not None:
        raise Conflict("credit.staff_number_taken", _l("该执法证号已被其他检查人员使用。"),
                       errors={"staff_number": [str(_l("已被使用。"))]})
    if row is None:
        row = Inspector(user_id=user.id, active=True)
        db.session.add(row)
    row.staff_number = number
    db.session.flush()
    _log(actor, INSPECTORS, user.id, "added",
         str(_l("加入检查人员名录（执法证号 %(n)s）", n=number)))
    return row


def get_inspector(user_id: int) -> Inspector:
    row = db.session.get(Inspector, user_id)
    if row is None:
        raise NotFound("credit.inspector_not_found", _l("检查人员不在名录中。"))
    return row


def set_inspector_active(actor, user_id: int, active: bool, reason: str) -> Inspector:
    """Take an inspector out of the draws (leave, transfer, …), or put them back."""
    reason = require_reason(reason)
    row = get_inspector(user_id)
    if row.active == active:
        raise Conflict("credit.directory_unchanged",
                       _l("该检查人员已在名录中。") if active else _l("该检查人员已停用。"))
    if active and not (row.user.active and row.user.has_role(Role.REGULATOR)):
        raise Conflict("credit.inspector_not_eligible",
                       _l("该账号已停用或不再是监管人员，不能恢复。"))
    row.active = active
    _log(actor, INSPECTORS, user_id, "reactivated" if active else "deactivated", reason)
    return row


def inspector_list() -> list[Inspector]:
    return list(db.session.execute(sa.select(Inspector).order_by(
        Inspector.active.desc(), Inspector.staff_number)).scalars())


# --- history and conflicts ------------------------------------------------------------------

def history(directory: str, member_id: int) -> list[DirectoryChange]:
    return list(db.session.execute(sa.select(DirectoryChange).where(
        DirectoryChange.directory == directory, DirectoryChange.member_id == member_id)
        .order_by(DirectoryChange.id.desc())).scalars())


def latest_changes(directory: str, member_ids) -> dict[int, DirectoryChange]:
    """The last change of each member (what the directory page shows next to it)."""
    ids = list(member_ids)
    if not ids:
        return {}
    last = (sa.select(sa.func.max(DirectoryChange.id))
            .where(DirectoryChange.directory == directory, DirectoryChange.member_id.in_(ids))
            .group_by(DirectoryChange.member_id))
    rows = db.session.execute(sa.select(DirectoryChange).where(DirectoryChange.id.in_(last)))
    return {row.member_id: row for row in rows.scalars()}


def declare_conflict(actor, inspector_id: int, org_id: int, reason: str) -> InspectorConflict:
    """A declared conflict: the draw never sends this inspector to this subject."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("credit.reason_required", _l("请说明利害关系。"),
                               errors={"reason": [str(_l("必填。"))]})
    get_inspector(inspector_id)
    get_subject(org_id)
    row = db.session.execute(sa.select(InspectorConflict).where(
        InspectorConflict.inspector_id == inspector_id, InspectorConflict.org_id == org_id)
    ).scalar_one_or_none()
    if row is None:
        row = InspectorConflict(inspector_id=inspector_id, org_id=org_id, reason=reason[:200],
                                declared_by_id=actor.id)
        db.session.add(row)
        db.session.flush()
        audit.record(actor, "credit.inspector.conflict", "credit_inspector", inspector_id,
                     after={"org_id": org_id}, reason=reason)
    return row


def conflicts() -> list[InspectorConflict]:
    return list(db.session.execute(sa.select(InspectorConflict).order_by(
        InspectorConflict.id.desc())).scalars())


# --- who a draw may take today --------------------------------------------------------------

def drawable_subjects() -> list[Organization]:
    """Active members whose organization is still registered and still a credit subject."""
    rows = db.session.execute(
        sa.select(Organization).join(InspectionSubject)
        .where(InspectionSubject.active.is_(True), Organization.status.in_(DRAWABLE_STATUSES))
        .order_by(Organization.uscc)).scalars()
    return [org for org in rows if is_credit_subject(org)]


def drawable_inspectors() -> list[Inspector]:
    """Active members whose account is active and still a regulator's."""
    return list(db.session.execute(
        sa.select(Inspector).join(User, User.id == Inspector.user_id)
        .join(UserRole, sa.and_(UserRole.user_id == User.id, UserRole.role == Role.REGULATOR))
        .where(Inspector.active.is_(True), User.active.is_(True),
               Inspector.staff_number.is_not(None))
        .order_by(Inspector.staff_number)).scalars())


def conflicts_by_inspector(user_ids) -> dict[int, set[int]]:
    ids = list(user_ids)
    found: dict[int, set[int]] = {u: set() for u in ids}
    if ids:
        for inspector_id, org_id in db.session.execute(sa.select(
                InspectorConflict.inspector_id, InspectorConflict.org_id).where(
                InspectorConflict.inspector_id.in_(ids))):
            found[inspector_id].add(org_id)
    return found
