"""The regulators' workbench: entries listed and removed per month, the punishment lists and
the red list apart; its counts come from the kept tallies (credit.lists.tallies), so the page
reads the same few statements however many entries there are."""

from __future__ import annotations

from datetime import date, timedelta

from core import clock
from core.extensions import db
from credit import dashboard
from credit.lists import entries, scan, tallies
from credit.models import ListEntry
from tests.credit.factories import notified, record
from tests.helpers import Statements


def _entry(make, list_type, decided_on, removed_on=None):
    """An entry written around the services (as a bulk load does), counted by a rebuild."""
    org = make.org()
    row = ListEntry(list_type=list_type, org_id=org.id, district_id=org.district_id,
                    state="removed" if removed_on else "published", origin="manual",
                    rule_code="manual", legal_basis="依据", reason="事由", decided_on=decided_on,
                    removed_on=removed_on)
    db.session.add(row)
    db.session.flush()
    return row


def test_entries_by_month_count_decisions_and_removals_apart_for_each_side(app, make):
    today = date(2026, 6, 15)
    _entry(make, "serious", date(2026, 6, 1))
    _entry(make, "abnormal", date(2026, 7, 1))  # after this month: not yet
    _entry(make, "eldercare", date(2025, 12, 31), removed_on=date(2026, 6, 14))
    _entry(make, "red", date(2025, 7, 1))
    _entry(make, "red", date(2025, 6, 30))  # 12 months back starts in July
    tallies.rebuild()
    months, counts = dashboard.entries_by_month(today)
    assert months[0] == "2025-07" and months[-1] == "2026-06" and len(months) == 12
    assert counts["punishment"]["published"][-1] == 1
    assert counts["punishment"]["published"][months.index("2025-12")] == 1
    assert counts["punishment"]["removed"][-1] == 1
    assert counts["red"]["published"] == [1] + [0] * 11 and sum(counts["red"]["removed"]) == 0


def _published(make, regulator, on: date, district: str = "tianning"):
    org = make.org(district=district)
    record(org, "penalty", "suspension", on)
    (entry,) = scan.run_scan(None, on)
    notified(regulator, entry, on)
    entries.publish(regulator, entry, "常民信决〔2026〕7号", on + timedelta(days=20))
    return entry


def test_the_dashboard_reads_the_same_few_statements_however_many_entries(
        app, client, make, login_as, regulator):
    on = clock.today() - timedelta(days=60)
    _published(make, regulator, on)
    login_as("regulator", user=regulator)
    client.get("/credit/")  # first use: catalogues and the like
    with Statements() as one:
        first = client.get("/credit/")
    for district in ("tianning", "zhonglou", "xinbei", "wujin"):
        _published(make, regulator, on, district)
    db.session.commit()
    with Statements() as five:
        again = client.get("/credit/")
    assert first.status_code == again.status_code == 200
    assert five.count == one.count, "\n\n".join(five.seen)
    # The counts come from the tallies: no statement counts or reads the entries wholesale.
    assert not any("credit_list_entry" in s and ("GROUP BY" in s or "count(" in s)
                   for s in five.seen)
    assert not any("credit_list_entry.decided_on >=" in s for s in five.seen)
    assert dashboard.build(clock.today()).by_list["serious"] == 5
