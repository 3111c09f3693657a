"""Objections (异议): an organization disputes a fact or an entry; while open, the disputed fact
is ignored by the rules and the entry is not published (or is shown "under objection"); a
regulator decides: upheld (entry cancelled/removed, the wrong fact corrected by a new fact),
verified correct, or rejected.

One open objection per entry (however it is reached: the entry or one of its grounds). An
objection filed after an affected entry's window is recorded as late and freezes nothing —
otherwise a subject could stop any publication, at any time, by objecting again — unless a
regulator accepts it (``accept_late``)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core import audit, clock
from core.accounts.models import Role
from core.db import advisory_lock
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.extensions import db
from core.orgs.services import require_member
from credit.facts.records import correct_fact, get_fact, superseded_ids
from credit.lists import entries as lifecycle
from credit.lists import notices
from credit.models import EntryState, ListEntry, Objection
from credit.vocabulary import objection_ref

S = EntryState
OUTCOMES = ("upheld", "verified", "rejected")


def get_objection(objection_id: int) -> Objection:
    row = db.session.get(Objection, objection_id)
    if row is None:
        raise NotFound("credit.objection_not_found", _l("异议不存在。"))
    return row


def _target(org_id: int, entry_id: int | None, fact_id: int | None):
    if bool(entry_id) == bool(fact_id):
        raise ValidationFailed("credit.objection_target", _l("请指明对哪条名单记录或哪条信用信息提出异议。"),
                               errors={"entry_id": [str(_l("二选一。"))]})
    if entry_id:
        entry = db.session.get(ListEntry, entry_id)
        if entry is None or entry.org_id != org_id or entry.state not in S.VISIBLE_TO_SUBJECT \
                or entry.state == S.REMOVED:
            raise NotFound("credit.entry_not_found", _l("名单记录不存在。"))
        return entry, None
    fact = get_fact(fact_id)
    if fact.org_id != org_id or superseded_ids([fact.id]):
        raise NotFound("credit.fact_not_found", _l("信用信息不存在或已被更正。"))
    return None, fact


def grounds_of(objection: Objection) -> list:
    """The facts an objection to an entry may find wrong (the entry's grounds), oldest first;
    none for an objection to a single fact."""
    if objection.entry is None or not objection.entry.fact_ids:
        return []
    return sorted((get_fact(i) for i in objection.entry.fact_ids), key=lambda f: f.occurred_on)


def file_objection(actor, org_id: int, reason: str, *, entry_id: int | None = None,
                   fact_id: int | None = None, evidence_ref: str | None = None,
                   today: date | None = None) -> Objection:
    """The organization's staff dispute one of its entries or facts."""
    today = today or clock.today()
    require_member(actor, org_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("credit.reason_required", _l("请写明异议理由。"),
                               errors={"reason": [str(_l("必填。"))]})
    entry, fact = _target(org_id, entry_id, fact_id)
    advisory_lock(f"credit.objections:{org_id}")  # one filing at a time per subject
    affected = [entry] if entry else lifecycle.entries_resting_on(fact.id)
    clash = Objection.entry_id == entry.id if entry else Objection.fact_id == fact.id
    if db.session.execute(sa.select(Objection.id).where(clash, Objection.status == "open")
                          ).first() or any(lifecycle.open_objections(e, freezing_only=False)
                                           for e in affected):
        raise Conflict("credit.objection_open", _l("已有一项未决异议，请等待处理结果。"))
    in_window = all(e.objection_due is None or today <= e.objection_due for e in affected)
    row = Objection(org_id=org_id, entry_id=entry.id if entry else None,
                    fact_id=fact.id if fact else None, filed_by_id=actor.id, filed_on=today,
                    reason=reason, evidence_ref=(evidence_ref or "").strip() or None,
                    in_window=in_window, freezes=in_window)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "credit.objection.file", "credit_objection", row.id, reason=reason,
                 after={"entry_id": row.entry_id, "fact_id": row.fact_id, "in_window": in_window})
    if in_window:
        for affected_entry in _affected(row):
            _freeze(actor, affected_entry, row, today)
    notices.objection_receipt(actor, row, today)
    return row


def accept_late(actor, objection: Objection, reason: str, today: date | None = None
                ) -> Objection:
    """A regulator lets a late objection freeze what it disputes until it is decided."""
    today = today or clock.today()
    if not actor.has_role(Role.REGULATOR):
        raise PermissionDenied("credit.not_regulator", _l("只有监管人员可以处理异议。"))
    if not objection.is_open or objection.freezes:
        raise Conflict("credit.objection_not_late", _l("该异议不是待受理的逾期异议。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("credit.reason_required", _l("请写明受理理由。"),
                               errors={"reason": [str(_l("必填。"))]})
    objection.freezes, objection.accepted_by_id = True, actor.id
    objection.accepted_at = clock.now()
    db.session.flush()
    audit.record(actor, "credit.objection.accept_late", "credit_objection", objection.id,
                 reason=reason)
    for entry in _affected(objection):
        _freeze(actor, entry, objection, today)
    return objection


def _affected(objection: Objection) -> list[ListEntry]:
    if objection.entry_id:
        return [objection.entry]
    return lifecycle.entries_resting_on(objection.fact_id)


def _freeze(actor, entry: ListEntry, objection: Objection, today: date) -> None:
    if entry.state == S.NOTIFIED:
        lifecycle.transition(entry, S.OBJECTED, actor, f"收到{objection_ref(objection)}", today)
    elif entry.state == S.PUBLISHED:
        lifecycle.refresh_objection_flag(actor, entry)


def _unfreeze(actor, entry: ListEntry, objection: Objection, today: date) -> None:
    if lifecycle.open_objections(entry):
        return
    if entry.state == S.OBJECTED:
        lifecycle.transition(entry, S.NOTIFIED, actor,
                              f"{objection_ref(objection)}未成立，程序继续", today)
    elif entry.state == S.PUBLISHED:
        lifecycle.refresh_objection_flag(actor, entry)


def decide_objection(actor, objection: Objection, outcome: str, reason: str, *,
                     correction: dict | None = None, fact_id: int | None = None,
                     today: date | None = None) -> Objection:
    """Decide an open objection. ``upheld`` cancels (or removes) the entries it concerns and
    corrects the disputed fact: ``correction`` holds the corrected fields, or None to void the
    fact. For an objection to an entry, ``fact_id`` names the ground fact that was wrong."""
    today = today or clock.today()
    if not actor.has_role(Role.REGULATOR):
        raise PermissionDenied("credit.not_regulator", _l("只有监管人员可以处理异议。"))
    if not objection.is_open:
        raise Conflict("credit.objection_decided", _l("该异议已经处理。"))
    if outcome not in OUTCOMES:
        raise ValidationFailed("credit.bad_outcome", _l("请选择处理结果。"),
                               errors={"outcome": [str(_l("请选择处理结果。"))]})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("credit.reason_required", _l("请写明处理理由。"),
                               errors={"reason": [str(_l("必填。"))]})
    affected = _affected(objection)
    froze = objection.freezes
    objection.status, objection.decision_reason = outcome, reason
    objection.decided_by_id, objection.decided_at = actor.id, clock.now()
    db.session.flush()
    if outcome == "upheld":
        _uphold(actor, objection, affected, reason, correction, fact_id, today)
    elif froze:
        for entry in affected:
            _unfreeze(actor, entry, objection, today)
    audit.record(actor, "credit.objection.decide", "credit_objection", objection.id,
                 reason=reason, after={"outcome": outcome,
                                       "correction_fact_id": objection.correction_fact_id})
    notices.objection_decision(actor, objection, today)
    return objection


def _uphold(actor, objection, affected, reason, correction, fact_id, today) -> None:
    wrong = objection.fact if objection.fact_id else None
    if wrong is None and fact_id:
        wrong = get_fact(fact_id)
        if objection.entry is None or wrong.id not in objection.entry.fact_ids:
            raise ValidationFailed("credit.fact_not_ground", _l("所更正的信息不是该记录的列入依据。"),
                                   errors={"fact_id": [str(_l("不是该记录的列入依据。"))]})
    if wrong is not None:
        fixed = correct_fact(actor, wrong, correction, f"{objection_ref(objection)}成立：{reason}", today)
        objection.correction_fact_id = fixed.id
        affected = list({e.id: e for e in affected + lifecycle.entries_resting_on(wrong.id)
                         }.values())
    # A corrected fact frees the entry's other grounds for a new proposal on the right facts.
    code = "objection_corrected" if wrong is not None else "objection_upheld"
    for entry in affected:
        text = f"{objection_ref(objection)}成立：{reason}"
        if entry.state == S.PUBLISHED:
            lifecycle.remove(actor, entry, code, text, today)
        elif entry.state in S.OPEN:
            lifecycle.cancel(actor, entry, text, today, code=code)


def objections_of(org_id: int | None = None, status: str | None = None):
    query = sa.select(Objection).order_by(Objection.id.desc())
    if org_id:
        query = query.where(Objection.org_id == org_id)
    if status:
        query = query.where(Objection.status == status)
    return query
