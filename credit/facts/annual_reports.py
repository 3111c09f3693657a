"""Annual work reports: organizations file last year's report in the app (a fact, on time or
late by the policy deadline); after the deadline a job records "missing" for those without."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core import clock
from core.accounts.models import Role
from core.config import policy
from core.errors import Conflict, ValidationFailed
from core.extensions import db
from core.orgs.models import Organization, OrgStatus
from core.orgs.services import require_member
from credit.facts.records import (
    Recording,
    audit_fact,
    build_fact,
    get_subject,
    record_once,
    subject_orgs,
)
from credit.models import AnnualReport, CreditFact

FIGURES = ("revenue_yuan", "expenditure_yuan", "staff_count", "volunteer_count",
           "activity_count")


def deadline(year: int) -> date:
    """The filing deadline of the report for ``year``: ``annual_report_deadline`` (MM-DD,
    default 06-30) of the following year. A report filed on that day is on time."""
    month, day = (int(x) for x in policy("annual_report_deadline").split("-"))
    return date(year + 1, month, day)


def must_file(org: Organization, year: int) -> bool:
    """Social organizations and eldercare providers registered by the end of ``year`` and not
    deregistered or revoked file a report for it."""
    return org.registration_date <= date(year, 12, 31) and org.status in (
        OrgStatus.ACTIVE, OrgStatus.SUSPENDED)


def _check(org: Organization, year, data: dict, today: date) -> dict:
    errors = {}
    if not isinstance(year, int) or year >= today.year or year < org.registration_date.year:
        errors["year"] = [str(_l("只能报送登记之后、今年以前的年度。"))]
    for key in FIGURES:
        value = data.get(key)
        if not isinstance(value, int) or value < 0:
            errors[key] = [str(_l("请填写不小于 0 的整数。"))]
    if not (data.get("file_ref") or "").strip():
        errors["file_ref"] = [str(_l("请填写报告文件编号或上传后的文件名。"))]
    if errors:
        raise ValidationFailed("credit.report_invalid", _l("请核对年度报告。"), errors=errors)
    return {k: data[k] for k in FIGURES}


def submit_report(actor, org_id: int, year: int, data: dict, today: date | None = None
                  ) -> AnnualReport:
    """File the annual report of ``year``; its fact is on time up to the deadline, late after."""
    today = today or clock.today()
    org = get_subject(org_id)
    if not actor.has_role(Role.REGULATOR):
        require_member(actor, org_id)
    figures = _check(org, year, data, today)
    if db.session.execute(sa.select(AnnualReport.id).where(
            AnnualReport.org_id == org_id, AnnualReport.year == year)).first():
        raise Conflict("credit.report_exists", _l("该年度报告已经报送。"),
                       errors={"year": [str(_l("已报送。"))]})
    fact = report_fact(actor, org, year, data["file_ref"], today)
    db.session.add(fact)
    db.session.flush()
    audit_fact(actor, fact, reason="app")
    return add_report(actor, fact, figures, data["file_ref"])


def report_fact(actor, org: Organization, year: int, file_ref: str, today: date) -> CreditFact:
    """The (unsaved) fact of a report filed on ``today``: on time up to the deadline."""
    status = "on_time" if today <= deadline(year) else "late"
    return build_fact(actor, org.id, {
        "kind": "annual_report", "subtype": "annual_report", "occurred_on": today,
        "report_year": year, "report_status": status,
        "summary": f"{year} 年度工作报告（{'按时' if status == 'on_time' else '逾期'}报送）",
        "source_department": org.registering_authority,
        "document_number": f"年报 {year}-{org.uscc}", "evidence_ref": file_ref.strip()},
        Recording(origin="app", recorded_on=today, source_ref=f"annual_report:{org.id}:{year}"))


def add_report(actor, fact: CreditFact, figures: dict, file_ref: str,
               flush: bool = True) -> AnnualReport:
    report = AnnualReport(org_id=fact.org_id, year=fact.report_year, status=fact.report_status,
                          submitted_by_id=actor.id, file_ref=file_ref.strip()[:200],
                          fact_id=fact.id, submitted_at=fact.recorded_at, **figures)
    db.session.add(report)
    if flush:
        db.session.flush()
    return report


def latest_year_due(today: date) -> int | None:
    """The latest report year whose deadline has passed on ``today``."""
    for year in (today.year - 1, today.year - 2):
        if today > deadline(year):
            return year
    return None


def record_missing_reports(today: date, year: int | None = None) -> int:
    """After the deadline, record a "missing" fact for every subject that must file and did
    not file by the deadline (idempotent: one per subject and year). The fact forms the day
    after the deadline. Late is late: a report filed after the deadline does not count, so
    whether the subject is listed does not depend on when this job runs (before or after the
    late filing, or days later when the job missed days)."""
    year = year if year is not None else latest_year_due(today)
    if year is None or today <= deadline(year):
        return 0
    filed = set(db.session.execute(sa.select(CreditFact.org_id).where(
        CreditFact.kind == "annual_report", CreditFact.report_year == year,
        CreditFact.report_status.in_(("on_time", "late")),
        CreditFact.occurred_on <= deadline(year))).scalars())
    formed = deadline(year) + timedelta(days=1)
    count = 0
    for org in subject_orgs():
        if org.id in filed or not must_file(org, year) or org.registration_date > formed:
            continue
        fact = record_once(org.id, {
            "kind": "annual_report", "subtype": "annual_report", "occurred_on": formed,
            "report_year": year, "report_status": "missing",
            "summary": f"截至 {deadline(year).isoformat()} 未报送 {year} 年度工作报告",
            "source_department": org.registering_authority,
            "document_number": f"年报截止日 {deadline(year).isoformat()}",
            "evidence_ref": f"年报系统 {year} 年度未报送清单"},
            f"annual_report_missing:{org.id}:{year}", "system", recorded_on=today)
        count += fact is not None
    return count


def reports_of(org_id: int) -> list[AnnualReport]:
    return list(db.session.execute(sa.select(AnnualReport).where(
        AnnualReport.org_id == org_id).order_by(AnnualReport.year.desc())).scalars())
