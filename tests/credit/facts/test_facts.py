"""Credit facts: checked on entry, insert-only, corrected only by superseding facts, late
entries flagged; platform facts from events; annual reports; imports with a row report."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from core import clock, events
from core.db import InsertOnlyViolation
from core.errors import Conflict, PermissionDenied, ValidationFailed
from core.extensions import db
from credit.facts import annual_reports
from credit.facts import imports as fact_import
from credit.facts.records import correct_fact, effective_facts, record_fact
from credit.models import AnnualReport, CreditFact
from tests.credit.factories import DEFAULTS, record

D = date


def test_a_fact_records_who_entered_it_its_source_and_evidence(app, society, regulator):
    fact = record(society, "penalty", "fine", D(2024, 3, 1), actor=regulator, amount_yuan=8000)
    assert fact.entered_by_id == regulator.id and fact.evidence_ref and fact.source_department
    assert fact.amount_yuan == 8000 and not fact.late_entry


def test_facts_dated_in_the_future_are_refused(app, society):
    tomorrow = clock.today() + timedelta(days=2)
    with pytest.raises(ValidationFailed) as err:
        record_fact(None, society.id, {**DEFAULTS, "kind": "penalty", "subtype": "warning",
                                       "occurred_on": tomorrow})
    assert "occurred_on" in err.value.errors


def test_a_fact_entered_after_five_working_days_is_accepted_but_flagged(app, society):
    on_time = record(society, "penalty", "warning", D(2024, 3, 1), recorded_on=D(2024, 3, 8))
    late = record(society, "penalty", "warning", D(2024, 3, 1), recorded_on=D(2024, 3, 11))
    assert not on_time.late_entry and late.late_entry  # 5 vs 6 working days


@pytest.mark.parametrize("data, field", [
    ({"kind": "penalty", "subtype": "fine"}, "amount_yuan"),
    ({"kind": "inspection", "subtype": "inspection"}, "result"),
    ({"kind": "inspection", "subtype": "inspection", "result": "rectify"}, "rectify_deadline"),
    ({"kind": "grade", "subtype": "evaluation", "grade": 6}, "grade"),
    ({"kind": "complaint", "subtype": "complaint"}, "substantiated"),
    ({"kind": "eldercare", "subtype": "safety_accident"}, "responsibility"),
    ({"kind": "certificate", "subtype": "rectified"}, "related_fact_id"),
    ({"kind": "annual_report", "subtype": "annual_report", "report_status": "late"}, "report_year"),
    ({"kind": "penalty", "subtype": "bribe"}, "subtype"),
    ({"kind": "platform", "subtype": "false_hours"}, "kind"),
    ({"kind": "penalty", "subtype": "warning", "evidence_ref": " "}, "evidence_ref"),
])
def test_each_kind_asks_for_what_its_rules_need(app, society, data, field):
    with pytest.raises(ValidationFailed) as err:
        record_fact(None, society.id, {**DEFAULTS, "occurred_on": D(2024, 3, 1), **data})
    assert field in err.value.errors


def test_facts_cannot_be_recorded_for_organizations_that_are_not_credit_subjects(app, make):
    company = make.org("company")
    with pytest.raises(ValidationFailed) as err:
        record(company, "penalty", "warning", D(2024, 3, 1))
    assert err.value.code == "credit.not_a_subject"


def test_facts_are_insert_only_in_the_orm_and_in_the_database(app, society):
    fact = record(society, "penalty", "warning", D(2024, 3, 1))
    db.session.commit()
    fact.summary = "改写"
    with pytest.raises(InsertOnlyViolation):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(sa.exc.DBAPIError):
        db.session.execute(sa.text("UPDATE credit_fact SET summary = 'x'"))
    db.session.rollback()
    with pytest.raises(sa.exc.DBAPIError):
        db.session.execute(sa.text("DELETE FROM credit_fact"))
    db.session.rollback()


def test_a_correction_supersedes_the_wrong_fact_once(app, society, regulator):
    wrong = record(society, "penalty", "fine", D(2024, 3, 1), amount_yuan=80_000)
    fixed = correct_fact(regulator, wrong, {"amount_yuan": 8000}, "金额录入错误")
    live = effective_facts([society.id])[society.id]
    assert [f.id for f in live] == [fixed.id] and fixed.supersedes_id == wrong.id
    with pytest.raises(ValidationFailed):
        correct_fact(regulator, wrong, None, "再改一次")
    void = correct_fact(regulator, fixed, None, "处罚决定已被撤销")
    assert void.kind == "correction" and effective_facts([society.id]).get(society.id) == []


def test_grades_are_valid_for_five_years_by_default(app, society):
    fact = record(society, "grade", "evaluation", D(2021, 3, 1), grade=4)
    assert fact.valid_until == D(2026, 3, 1)


# --- platform facts from events ------------------------------------------------------------

def test_a_session_found_false_becomes_a_platform_fact_once(app, society):
    when = datetime(2024, 5, 5, 20, 0, tzinfo=UTC)  # 6 May, 04:00 in Changzhou
    for _ in range(2):
        events.publish(events.session_found_false, "timebank", session_id=7, org_id=society.id,
                       minutes=120, reason="服务对象否认接受过服务", actor_id=None, occurred_at=when)
    facts = db.session.scalars(sa.select(CreditFact).where(CreditFact.kind == "platform")).all()
    assert len(facts) == 1 and facts[0].subtype == "false_hours"
    assert facts[0].occurred_on == D(2024, 5, 6) and facts[0].origin == "platform"


def test_matches_fulfilled_and_abandoned_become_facts_for_credit_subjects_only(app, society,
                                                                               make):
    company = make.org("company")
    events.publish(events.match_fulfilled, "charity", proposal_id=3, need_org_id=society.id,
                   offer_org_id=company.id, quantity=10, delivered_quantity=10,
                   occurred_at=D(2024, 5, 6))
    events.publish(events.match_abandoned, "charity", proposal_id=4, org_id=society.id,
                   reason="未按约定送达", occurred_at=D(2024, 5, 7))
    subtypes = db.session.scalars(sa.select(CreditFact.subtype).order_by(CreditFact.id)).all()
    assert subtypes == ["match_fulfilled", "match_abandoned"]


# --- annual reports ----------------------------------------------------------------------------

FIGURES = {"revenue_yuan": 100_000, "expenditure_yuan": 90_000, "staff_count": 3,
           "volunteer_count": 40, "activity_count": 12, "file_ref": "年报.pdf"}


@pytest.mark.parametrize("filed, status", [(D(2024, 6, 30), "on_time"), (D(2024, 7, 1), "late")])
def test_a_report_filed_on_the_deadline_is_on_time_and_the_next_day_late(
        app, society, make, filed, status):
    staff = make.user("org_staff", org=society)
    report = annual_reports.submit_report(staff, society.id, 2023, FIGURES, today=filed)
    assert report.status == status
    assert db.session.get(CreditFact, report.fact_id).report_status == status
    with pytest.raises(Conflict):
        annual_reports.submit_report(staff, society.id, 2023, FIGURES, today=filed)


def test_only_the_organizations_staff_file_its_report(app, society, make):
    outsider = make.user("org_staff", org=make.org())
    with pytest.raises(PermissionDenied):
        annual_reports.submit_report(outsider, society.id, 2023, FIGURES, today=D(2024, 5, 1))


def test_missing_reports_are_recorded_after_the_deadline_once(app, society, make):
    make.org(registration_date=D(2024, 1, 5))  # registered after 2023: nothing to file
    filed = make.org()
    annual_reports.submit_report(make.user("regulator"), filed.id, 2023, FIGURES,
                                 today=D(2024, 4, 1))
    assert annual_reports.record_missing_reports(D(2024, 6, 30), year=2023) == 0
    assert annual_reports.latest_year_due(D(2024, 7, 1)) == 2023
    assert annual_reports.record_missing_reports(D(2024, 7, 1)) == 1
    assert annual_reports.record_missing_reports(D(2024, 7, 2)) == 0
    missing = db.session.scalars(sa.select(CreditFact).where(
        CreditFact.report_status == "missing")).one()
    assert missing.org_id == society.id and missing.occurred_on == D(2024, 7, 1)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AnnualReport)) == 1


# --- import --------------------------------------------------------------------------------

def _csv(rows) -> bytes:
    header = "uscc,kind,subtype,occurred_on,source_department,document_number,evidence_ref,amount_yuan"
    return ("\n".join([header, *rows]) + "\n").encode()


def test_an_import_with_one_bad_row_saves_nothing_and_names_every_problem(app, society,
                                                                         regulator):
    content = _csv([f"{society.uscc},penalty,warning,2024-03-01,民政局,文号1,卷宗1,",
                    f"{society.uscc},penalty,fine,2024-13-01,民政局,文号2,卷宗2,5000",
                    "91320402MA1XXXXX00,penalty,warning,2024-03-01,民政局,文号3,卷宗3,"])
    report = fact_import.import_facts(regulator, "facts.csv", content)
    assert not report.ok and report.saved == 0
    assert {(row, col) for row, col, _m in report.errors} == {(3, "occurred_on"), (4, "uscc")}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CreditFact)) == 0


def test_a_clean_import_saves_every_row_with_one_audit_record(app, society, regulator):
    from core import audit

    content = _csv([f"{society.uscc},penalty,warning,2024-03-01,民政局,文号1,卷宗1,",
                    f"{society.uscc},penalty,fine,2024-03-02,民政局,文号2,卷宗2,5000"])
    report = fact_import.import_facts(regulator, "facts.csv", content)
    assert report.ok and report.saved == 2
    first = db.session.scalar(sa.select(sa.func.min(CreditFact.id)))
    assert [r.action for r in audit.history("credit_fact", first)] == ["credit.fact.import"]


def test_an_xlsx_import_reads_chinese_headers(app, society, regulator):
    import io

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["统一社会信用代码", "类别", "子类", "形成日期", "来源部门", "文号", "证据"])
    book.active.append([society.uscc, "penalty", "warning", D(2024, 3, 1), "民政局", "文号", "卷宗"])
    out = io.BytesIO()
    book.save(out)
    report = fact_import.import_facts(regulator, "facts.xlsx", out.getvalue())
    assert report.ok and report.saved == 1
