"""Credit repair (credit.lists.repair): never earlier than the rules allow."""

from datetime import date

import pytest

from core.errors import ValidationFailed
from credit.lists import entries, repair
from tests.credit.factories import listed, notified, scan_lists

D = date



def test_repair_removes_a_directory_entry_once_the_report_is_filed(app, society, regulator,
                                                                   make):
    from credit.facts.annual_reports import record_missing_reports, submit_report

    staff = make.user("org_staff", org=society)
    assert record_missing_reports(D(2024, 7, 1)) == 1
    assert record_missing_reports(D(2024, 7, 2)) == 0
    (entry,) = scan_lists(D(2024, 7, 2))
    notified(regulator, entry, D(2024, 7, 2))
    entries.publish(regulator, entry, "文号", D(2024, 7, 20))
    application = repair.apply_for_repair(staff, entry.id, "已补报", "补报回执 2024-88",
                                          D(2024, 8, 1))
    with pytest.raises(ValidationFailed) as refused:
        repair.decide_repair(regulator, application, True, "核实", D(2024, 8, 2))
    assert refused.value.code == "credit.repair_duties"
    figures = {"revenue_yuan": 1, "expenditure_yuan": 1, "staff_count": 1, "volunteer_count": 1,
               "activity_count": 1, "file_ref": "年报.pdf"}
    assert submit_report(staff, society.id, 2023, figures, D(2024, 8, 3)).status == "late"
    repair.decide_repair(regulator, application, True, "已补报，核实无误", D(2024, 8, 5))
    assert entry.state == "removed" and entry.removal_code == "repair"
    assert "第十四条" in entry.removal_reason


def test_serious_repair_is_refused_before_two_years_with_the_date(app, society, regulator,
                                                                  make):
    staff = make.user("org_staff", org=society)
    entry = listed(society, regulator, D(2022, 5, 9), subtype="suspension",
                    publish_on=D(2022, 5, 30))
    with pytest.raises(ValidationFailed) as refused:
        repair.apply_for_repair(staff, entry.id, "已整改", "材料", D(2024, 5, 30))
    assert "2024-05-31" in refused.value.text
    application = repair.apply_for_repair(staff, entry.id, "已整改", "材料", D(2024, 5, 31))
    repair.decide_repair(regulator, application, True, "同意", D(2024, 6, 3))
    assert entry.state == "removed"

