"""Annual work reports (credit.facts.annual_reports): on time, late, missing."""

from datetime import date

import pytest
import sqlalchemy as sa

from core.errors import Conflict, PermissionDenied
from core.extensions import db
from credit.facts import annual_reports
from credit.models import AnnualReport, CreditFact

D = date


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



def _missing_count(org_id, year):
    return db.session.scalar(sa.select(sa.func.count()).select_from(CreditFact).where(
        CreditFact.org_id == org_id, CreditFact.report_year == year,
        CreditFact.report_status == "missing"))


@pytest.mark.parametrize("filed, late", [(D(2024, 6, 30), False), (D(2024, 7, 1), True),
                                         (D(2024, 7, 2), True), (D(2024, 9, 5), True)])
@pytest.mark.parametrize("job", ["before_filing", "after_filing"])
def test_late_is_late_whenever_the_job_runs(app, society, make, filed, late, job):
    """The deadline (30 June) decides, not whether the job ran before or after the filing, nor
    that it missed days: a report filed in September is as missing as one filed on 1 July."""
    staff = make.user("org_staff", org=society)
    if job == "before_filing":
        annual_reports.record_missing_reports(filed)
    annual_reports.submit_report(staff, society.id, 2023, FIGURES, today=filed)
    annual_reports.record_missing_reports(filed)
    annual_reports.record_missing_reports(D(2024, 9, 10))
    assert _missing_count(society.id, 2023) == (1 if late else 0)
