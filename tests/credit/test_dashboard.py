"""The regulators' workbench: entries listed and removed per month, the punishment lists and
the red list apart."""

from __future__ import annotations

from datetime import date

from credit import dashboard
from credit.models import ListEntry


def _entry(make, list_type, decided_on, removed_on=None):
    org = make.org()
    row = ListEntry(list_type=list_type, org_id=org.id, state="published", origin="manual",
                    rule_code="manual", legal_basis="依据", reason="事由", decided_on=decided_on,
                    removed_on=removed_on)
    from core.extensions import db

    db.session.add(row)
    db.session.flush()
    return row


def test_entries_by_month_count_decisions_and_removals_apart_for_each_side(app, make):
    today = date(2026, 6, 15)
    _entry(make, "serious", date(2026, 6, 1))
    _entry(make, "abnormal", date(2026, 6, 30))  # after today: not yet
    _entry(make, "eldercare", date(2025, 12, 31), removed_on=date(2026, 6, 14))
    _entry(make, "red", date(2025, 7, 1))
    _entry(make, "red", date(2025, 6, 30))  # 12 months back starts in July
    months, counts = dashboard.entries_by_month(today)
    assert months[0] == "2025-07" and months[-1] == "2026-06" and len(months) == 12
    assert counts["punishment"]["published"][-1] == 1
    assert counts["punishment"]["published"][months.index("2025-12")] == 1
    assert counts["punishment"]["removed"][-1] == 1
    assert counts["red"]["published"] == [1] + [0] * 11 and sum(counts["red"]["removed"]) == 0
