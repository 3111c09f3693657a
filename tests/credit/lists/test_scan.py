"""The daily time rules and the scan (credit.lists.scan) on real records, at their edges."""

from datetime import date

import pytest

from core import workdays
from credit.lists import entries, scan
from tests.credit.factories import notified, record

D = date


def _published_for_revocation(org, regulator):
    record(org, "penalty", "revocation", D(2024, 3, 1))
    (entry,) = scan.run_scan(None, D(2024, 3, 1))
    notified(regulator, entry, D(2024, 3, 1))
    entries.publish(regulator, entry, "常民决〔2024〕9号",
                    workdays.add_working_days(entry.objection_due, 1))
    return entry


@pytest.mark.parametrize("today, removed", [(D(2024, 6, 9), False), (D(2024, 6, 10), True),
                                            (D(2024, 6, 11), True)])
def test_a_recorded_deregistration_removes_a_serious_entry_for_revocation(
        app, society, regulator, today, removed):
    """第十七条: recording the deregistration is enough; the registry's status may lag behind."""
    entry = _published_for_revocation(society, regulator)
    record(society, "basic", "deregistration", D(2024, 6, 10), recorded_on=D(2024, 6, 10))
    assert society.status != "deregistered"
    counts = scan.apply_time_rules(None, today)
    assert (entry.state == "removed") is removed
    assert counts == ({"removed_deregistered": 1} if removed else {})
    if removed:
        assert entry.removal_code == "deregistered" and entry.removed_on == today
