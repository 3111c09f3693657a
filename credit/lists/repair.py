"""Credit repair (信用修复): a listed organization applies with evidence; a regulator approves
or refuses with a reason; approval removes the entry, never earlier than the rules allow."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core import audit, clock
from core.accounts.models import Role
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.extensions import db
from core.orgs.services import require_member
from credit.lists import entries as lifecycle
from credit.lists import notices
from credit.lists.removals import RepairCheck, repair_check
from credit.lists.scan import subject_view
from credit.models import EntryState, ListEntry, RepairApplication
from credit.vocabulary import PUNISHMENT_LISTS, article, repair_ref


def get_repair(repair_id: int) -> RepairApplication:
    row = db.session.get(RepairApplication, repair_id)
    if row is None:
        raise NotFound("credit.repair_not_found", _l("信用修复申请不存在。"))
    return row


def check(entry, today: date) -> RepairCheck:
    return repair_check(entry, subject_view(entry.org_id, today), today)


def _too_early(result: RepairCheck, today: date):
    if today < result.earliest:
        return ValidationFailed("credit.repair_too_early",
                                _l("依据%(basis)s，最早可于 %(day)s 申请移出。"),
                                basis=article(result.article).citation,
                                day=result.earliest.isoformat())
    return None


def repairable_entry(actor, entry_id: int) -> ListEntry:
    """One of the actor's organization's entries, published on a punishment list. An entry its
    subject may not see yet (proposed, or cancelled before notice) does not exist for them."""
    entry = lifecycle.get_entry(entry_id)
    require_member(actor, entry.org_id)
    entry = lifecycle.get_visible(actor, entry_id)
    if entry.state != EntryState.PUBLISHED or entry.list_type not in PUNISHMENT_LISTS:
        raise Conflict("credit.repair_not_applicable", _l("只有已公开的惩戒名单记录可以申请信用修复。"))
    return entry


def apply_for_repair(actor, entry_id: int, statement: str, evidence_ref: str,
                     today: date | None = None) -> RepairApplication:
    """The organization applies for early removal of one of its published entries."""
    today = today or clock.today()
    entry = repairable_entry(actor, entry_id)
    errors = {}
    if not (statement or "").strip():
        errors["statement"] = [str(_l("请说明整改或履行义务的情况。"))]
    if not (evidence_ref or "").strip():
        errors["evidence_ref"] = [str(_l("请提供证明材料编号或文件。"))]
    if errors:
        raise ValidationFailed("credit.repair_invalid", _l("请补全信用修复申请。"), errors=errors)
    if db.session.execute(sa.select(RepairApplication.id).where(
            RepairApplication.entry_id == entry.id, RepairApplication.status == "open")).first():
        raise Conflict("credit.repair_open", _l("已有一项待处理的信用修复申请。"))
    if (problem := _too_early(check(entry, today), today)) is not None:
        raise problem
    row = RepairApplication(entry_id=entry.id, org_id=entry.org_id, applied_by_id=actor.id,
                            applied_on=today, statement=statement.strip(),
                            evidence_ref=evidence_ref.strip()[:200])
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "credit.repair.apply", "credit_repair", row.id,
                 after={"entry_id": entry.id}, reason=row.statement)
    return row


def decide_repair(actor, repair: RepairApplication, approve: bool, reason: str,
                  today: date | None = None) -> RepairApplication:
    """Approve (the entry is removed now — within the 5 working days 第十四条 allows after
    verification) or refuse, with a reason. Approval is refused while the rules do not yet
    allow removal or the records show duties outstanding."""
    today = today or clock.today()
    if not actor.has_role(Role.REGULATOR):
        raise PermissionDenied("credit.not_regulator", _l("只有监管人员可以处理信用修复申请。"))
    if repair.status != "open":
        raise Conflict("credit.repair_decided", _l("该申请已经处理。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("credit.reason_required", _l("请写明处理理由。"),
                               errors={"reason": [str(_l("必填。"))]})
    entry = repair.entry
    if approve:
        result = check(entry, today)
        if (problem := _too_early(result, today)) is not None:
            raise problem
        if result.outstanding:
            raise ValidationFailed("credit.repair_duties", _l("尚有未履行的义务：%(what)s"),
                                   what="；".join(result.outstanding))
        lifecycle.remove(actor, entry, "repair",
                         f"{repair_ref(repair)}经核实同意：{reason}"
                         f"（{article(result.article).citation}）", today)
    repair.status = "approved" if approve else "refused"
    repair.decided_by_id, repair.decided_on, repair.decision_reason = actor.id, today, reason
    db.session.flush()
    audit.record(actor, "credit.repair.decide", "credit_repair", repair.id, reason=reason,
                 after={"status": repair.status, "entry_id": entry.id})
    if not approve:  # an approval is told by the removal decision (信用修复决定书)
        notices.repair_refusal(actor, repair, today)
    return repair


def repairs(status: str | None = None, org_id: int | None = None):
    query = sa.select(RepairApplication).order_by(RepairApplication.id.desc())
    if status:
        query = query.where(RepairApplication.status == status)
    if org_id:
        query = query.where(RepairApplication.org_id == org_id)
    return query
