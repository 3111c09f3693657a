"""Credit facts: recording them (checked, insert-only, late entries flagged), correcting them
by a new superseding fact, and reading the *effective* facts the rules use."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from core import audit, clock, workdays
from core.accounts.models import Role
from core.config import policy
from core.errors import NotFound, ValidationFailed
from core.extensions import db
from core.orgs.models import Organization, OrgKind
from core.orgs.services import require_member
from core.timeutil import local_date, local_datetime
from credit.dates import period_last_day
from credit.models import CreditFact, Objection
from credit.vocabulary import KINDS, MANUAL_KINDS, REPORT_STATUSES, RESPONSIBILITIES, RESULTS

FIELDS = ("kind", "subtype", "occurred_on", "summary", "source_department", "document_number",
          "evidence_ref", "amount_yuan", "result", "rectify_deadline", "grade", "valid_until",
          "substantiated", "report_year", "report_status", "responsibility", "related_fact_id",
          "details")
TEXT_LIMITS = {"source_department": 100, "document_number": 100, "evidence_ref": 200}


def is_credit_subject(org: Organization) -> bool:
    """Credit subjects are social organizations and eldercare providers (DOMAIN.md)."""
    return org.is_eldercare or OrgKind(org.kind).is_social_organization


SOCIAL_KINDS = [k.value for k in OrgKind if k.is_social_organization]


def subject_orgs(org_ids=None) -> list[Organization]:
    """Every credit subject (or those of ``org_ids``), in id order."""
    query = sa.select(Organization).where(sa.or_(
        Organization.kind.in_(SOCIAL_KINDS), Organization.is_eldercare.is_(True))
    ).order_by(Organization.id)
    if org_ids is not None:
        query = query.where(Organization.id.in_(list(org_ids)))
    return list(db.session.execute(query).scalars())


def get_subject(org_id: int) -> Organization:
    org = db.session.get(Organization, org_id)
    if org is None:
        raise NotFound("credit.subject_not_found", _l("信用主体不存在。"))
    if not is_credit_subject(org):
        raise ValidationFailed("credit.not_a_subject",
                               _l("只有社会组织和养老服务机构是信用主体。"),
                               errors={"org_id": [str(_l("不是信用主体。"))]})
    return org


def require_reader(actor, org_id: int | None) -> None:
    """A subject's record behind login: regulators read any subject's; organization staff
    only their own organization's, and they must say which."""
    if actor.has_role(Role.REGULATOR):
        return
    if org_id is None:
        raise ValidationFailed("credit.org_required", _l("请指明组织（org_id）。"),
                               errors={"org_id": [str(_l("必填。"))]})
    require_member(actor, org_id)


def get_fact_for(actor, fact_id: int) -> CreditFact:
    """A fact, for those who may read its subject's record (``require_reader``)."""
    fact = get_fact(fact_id)
    require_reader(actor, fact.org_id)
    return fact


def get_fact(fact_id: int) -> CreditFact:
    fact = db.session.get(CreditFact, fact_id)
    if fact is None:
        raise NotFound("credit.fact_not_found", _l("信用信息不存在。"))
    return fact


# --- validation ----------------------------------------------------------------------------

def _need(errors: dict, field: str, message) -> None:
    errors.setdefault(field, []).append(str(message))


def _check_common(data: dict, today: date, errors: dict, manual: bool) -> None:
    kind, subtype = data.get("kind"), data.get("subtype")
    allowed = MANUAL_KINDS if manual else tuple(KINDS)
    if kind not in allowed:
        _need(errors, "kind", _l("请选择信息类别。"))
    elif subtype not in KINDS[kind]:
        _need(errors, "subtype", _l("该类别下没有这种信息。"))
    occurred = data.get("occurred_on")
    if not isinstance(occurred, date):
        _need(errors, "occurred_on", _l("请填写信息形成日期。"))
    elif occurred > today:
        _need(errors, "occurred_on", _l("信息形成日期不能晚于今天。"))
    for field, limit in TEXT_LIMITS.items():
        value = (data.get(field) or "").strip()
        if not value:
            _need(errors, field, _l("必填：来源部门、文号或法律依据、证据材料编号都要记录。"))
        elif len(value) > limit:
            _need(errors, field, _l("内容过长。"))


def _check_typed(data: dict, org_id: int, errors: dict) -> None:
    kind, subtype, occurred = data.get("kind"), data.get("subtype"), data.get("occurred_on")
    amount = data.get("amount_yuan")
    if amount is not None and amount < 0:
        _need(errors, "amount_yuan", _l("金额不能为负数。"))
    if subtype == "fine" and not amount:
        _need(errors, "amount_yuan", _l("罚款须填写金额（元）。"))
    if kind == "inspection" and data.get("result") not in RESULTS:
        _need(errors, "result", _l("请选择检查结论。"))
    needs_deadline = (kind == "inspection" and data.get("result") in ("rectify", "fail")) \
        or subtype == "fire_hazard"
    deadline = data.get("rectify_deadline")
    if needs_deadline and deadline is None:
        _need(errors, "rectify_deadline", _l("要求整改的，须填写整改期限。"))
    if deadline is not None and isinstance(occurred, date) and deadline < occurred:
        _need(errors, "rectify_deadline", _l("整改期限不能早于信息形成日期。"))
    if kind == "grade" and data.get("grade") not in range(1, 6):
        _need(errors, "grade", _l("评估等级为 1A 至 5A。"))
    if kind == "complaint" and data.get("substantiated") is None:
        _need(errors, "substantiated", _l("请注明投诉是否属实。"))
    if kind == "annual_report":
        year = data.get("report_year")
        if not isinstance(year, int) or not isinstance(occurred, date) \
                or not 1990 <= year < occurred.year + 1:
            _need(errors, "report_year", _l("请填写报告年度（不晚于形成日期所在年度）。"))
        if data.get("report_status") not in REPORT_STATUSES:
            _need(errors, "report_status", _l("请选择报送情况。"))
    if subtype == "safety_accident" and data.get("responsibility") not in RESPONSIBILITIES:
        _need(errors, "responsibility", _l("请注明对事故承担的责任。"))
    if kind == "certificate":
        related = db.session.get(CreditFact, data.get("related_fact_id") or 0)
        if related is None or related.org_id != org_id:
            _need(errors, "related_fact_id", _l("请注明所证明或整改的那条信用信息（同一主体）。"))


def validate_fact(data: dict, org_id: int, today: date, manual: bool = True) -> dict:
    """The cleaned fact data, or ValidationFailed with field errors."""
    data = {k: data.get(k) for k in FIELDS}
    for key in ("summary", *TEXT_LIMITS):
        data[key] = (data.get(key) or "").strip()
    errors: dict = {}
    _check_common(data, today, errors, manual)
    if not errors.get("kind") and not errors.get("subtype"):
        _check_typed(data, org_id, errors)
    if errors:
        raise ValidationFailed("credit.fact_invalid", _l("请核对信用信息。"), errors=errors)
    if data["kind"] == "grade" and data.get("valid_until") is None:
        years = policy("evaluation_grade_valid_years")  # DOMAIN.md: 1A–5A, valid 5 years
        data["valid_until"] = period_last_day(data["occurred_on"], years=years)
    return data


def is_late(occurred_on: date, recorded_on: date) -> bool:
    """Facts are entered within ``fact_entry_working_days`` of forming (DOMAIN.md; 《社会组织
    信用信息管理办法》第八条); later entries are accepted and flagged."""
    limit = policy("fact_entry_working_days")
    if (recorded_on - occurred_on).days <= limit:  # never more working days than days
        return False
    return workdays.working_days_between(occurred_on, recorded_on) > limit


# --- recording -----------------------------------------------------------------------------

@dataclass
class Recording:
    origin: str = "manual"
    recorded_on: date | None = None  # demo history; defaults to today
    source_ref: str | None = None
    supersedes_id: int | None = None


def build_fact(actor, org_id: int, data: dict, how: Recording | None = None) -> CreditFact:
    """A validated, unsaved fact (the single constructor: forms, import, events, jobs)."""
    how = how or Recording()
    today = how.recorded_on or clock.today()
    get_subject(org_id)
    clean = validate_fact(data, org_id, today, manual=how.origin in ("manual", "import"))
    recorded_at = clock.now() if how.recorded_on is None else \
        local_datetime(how.recorded_on, time(10, 0))
    return CreditFact(org_id=org_id, **clean, origin=how.origin, recorded_at=recorded_at,
                      entered_by_id=getattr(actor, "id", None), source_ref=how.source_ref,
                      supersedes_id=how.supersedes_id,
                      late_entry=is_late(clean["occurred_on"], today))


def audit_fact(actor, fact: CreditFact, reason: str | None = None) -> None:
    audit.record(actor, "credit.fact.record", "credit_fact", fact.id, reason=reason, after={
        "org_id": fact.org_id, "kind": fact.kind, "subtype": fact.subtype,
        "occurred_on": fact.occurred_on, "document_number": fact.document_number,
        "late_entry": fact.late_entry, "supersedes_id": fact.supersedes_id})


def record_fact(actor, org_id: int, data: dict, how: Recording | None = None) -> CreditFact:
    """Record one fact (insert-only), audited."""
    fact = build_fact(actor, org_id, data, how)
    db.session.add(fact)
    db.session.flush()
    audit_fact(actor, fact, reason=(how.origin if how else None))
    return fact


def record_facts(actor, facts: list[CreditFact], action: str = "credit.fact.import") -> None:
    """Insert built facts in one batch with one audit record naming every id (imports, demo)."""
    if not facts:
        return
    db.session.add_all(facts)
    db.session.flush()
    audit.record(actor, action, "credit_fact", facts[0].id,
                 after={"count": len(facts), "ids": [f.id for f in facts]})


def record_once(org_id: int, data: dict, source_ref: str, origin: str,
                recorded_on: date | None = None) -> CreditFact | None:
    """A system fact keyed by ``source_ref``; None when it was already recorded (events and
    jobs may run twice)."""
    exists = db.session.execute(
        sa.select(CreditFact.id).where(CreditFact.source_ref == source_ref)).first()
    if exists:
        return None
    return record_fact(None, org_id, data, Recording(origin=origin, recorded_on=recorded_on,
                                                     source_ref=source_ref))


def correct_fact(actor, fact: CreditFact, changes: dict | None, reason: str,
                 today: date | None = None) -> CreditFact:
    """A wrong fact is corrected by a new fact that supersedes it; ``changes=None`` voids it."""
    if not (reason or "").strip():
        raise ValidationFailed("credit.reason_required", _l("请填写更正理由。"),
                               errors={"reason": [str(_l("必填。"))]})
    if superseded_ids([fact.id]):
        raise ValidationFailed("credit.already_corrected", _l("这条信息已被更正过。"))
    base = {k: getattr(fact, k) for k in FIELDS}
    if changes is None:
        base.update(kind="correction", subtype="void", summary=reason)
    else:
        base.update({k: v for k, v in changes.items() if k in FIELDS})
    base["document_number"] = base.get("document_number") or fact.document_number
    how = Recording(origin="correction", recorded_on=today, supersedes_id=fact.id)
    new = record_fact(actor, fact.org_id, base, how)
    audit.record(actor, "credit.fact.correct", "credit_fact", fact.id, reason=reason,
                 after={"corrected_by": new.id, "void": changes is None})
    return new


# --- reading -------------------------------------------------------------------------------

def superseded_ids(fact_ids=None) -> set[int]:
    query = sa.select(CreditFact.supersedes_id).where(CreditFact.supersedes_id.isnot(None))
    if fact_ids is not None:
        query = query.where(CreditFact.supersedes_id.in_(list(fact_ids)))
    return set(db.session.execute(query).scalars())


def frozen_fact_ids(org_ids=None) -> set[int]:
    """Facts disputed by an open objection that freezes (filed in time, or a late one a
    regulator accepted): the rules ignore them until it is decided."""
    query = sa.select(Objection.fact_id).where(Objection.status == "open",
                                               Objection.freezes.is_(True),
                                               Objection.fact_id.isnot(None))
    if org_ids is not None:
        query = query.where(Objection.org_id.in_(list(org_ids)))
    return set(db.session.execute(query).scalars())


def facts_by_org(org_ids=None, until: date | None = None) -> dict[int, list[CreditFact]]:
    query = sa.select(CreditFact).order_by(CreditFact.occurred_on, CreditFact.id)
    if org_ids is not None:
        query = query.where(CreditFact.org_id.in_(list(org_ids)))
    if until is not None:
        query = query.where(CreditFact.occurred_on <= until)
    grouped: dict[int, list[CreditFact]] = defaultdict(list)
    for fact in db.session.execute(query).scalars():
        grouped[fact.org_id].append(fact)
    return grouped


def effective(facts, superseded: set[int], frozen: set[int]) -> list:
    """Facts the rules may use: not superseded, not frozen, not a void marker."""
    return [f for f in facts if f.id not in superseded and f.id not in frozen
            and f.kind != "correction"]


def effective_facts(org_ids=None, until: date | None = None) -> dict[int, list[CreditFact]]:
    grouped = facts_by_org(org_ids, until)
    superseded, frozen = superseded_ids(), frozen_fact_ids(org_ids)
    return {org: effective(rows, superseded, frozen) for org, rows in grouped.items()}


def fact_status(fact: CreditFact, superseded: set[int], frozen: set[int]) -> str:
    if fact.id in superseded:
        return "superseded"
    if fact.id in frozen:
        return "frozen"
    return "void" if fact.kind == "correction" else "effective"


def search_facts(org_id: int | None = None, kind: str | None = None,
                 since: date | None = None, *, until: date | None = None,
                 subject: str | None = None, source: str | None = None):
    """Facts, newest recorded first: of one subject (``org_id``) or of subjects whose name or
    USCC contains ``subject``; of a kind; from a source department; formed between ``since``
    and ``until``."""
    # Newest first in index order (ix_credit_fact_recorded); each line's subject comes along.
    query = (sa.select(CreditFact).order_by(CreditFact.recorded_at.desc(), CreditFact.id.desc())
             .options(joinedload(CreditFact.organization)))
    if org_id:
        query = query.where(CreditFact.org_id == org_id)
    if subject:
        like = f"%{subject.strip()}%"
        query = query.where(CreditFact.org_id.in_(sa.select(Organization.id).where(
            sa.or_(Organization.name.ilike(like), Organization.uscc.ilike(like)))))
    if kind:
        query = query.where(CreditFact.kind == kind)
    if source:
        query = query.where(CreditFact.source_department.ilike(f"%{source.strip()}%"))
    if since:
        query = query.where(CreditFact.occurred_on >= since)
    if until:
        query = query.where(CreditFact.occurred_on <= until)
    return query


def recorded_on_local(value: datetime) -> date:
    return local_date(value)
