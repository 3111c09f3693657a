"""Recording credit facts (credit.facts.records): checked, insert-only, late entries flagged,
corrected by a new fact."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from core import clock
from core.db import InsertOnlyViolation
from core.errors import ValidationFailed
from core.extensions import db
from credit.facts.records import correct_fact, effective_facts, record_fact
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

