"""The daily time rules and the scan (credit.lists.scan) on real records, at their edges."""

from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa

from core import workdays
from core.extensions import db
from core.orgs import identity
from core.timeutil import local_datetime
from credit.lists import entries, scan
from credit.models import ListEntry
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


def _red_listed(org, regulator):
    """On the red list from 30 July 2024 (reviewed 15 July), valid until 30 July 2025."""
    record(org, "grade", "evaluation", D(2021, 1, 5), grade=5)
    for year in (2022, 2023, 2024):
        record(org, "annual_report", "annual_report", D(year + 1, 5, 1), report_year=year,
               report_status="on_time")
    scan.red_review(None, D(2024, 7, 15))
    (entry,) = _red(org)
    notified(regulator, entry, D(2024, 7, 15))
    entries.publish(regulator, entry, "红名单公告〔2024〕1号", D(2024, 7, 30))
    assert entry.valid_until == D(2025, 7, 30)
    return entry


def _red(org):
    return db.session.scalars(sa.select(ListEntry).where(
        ListEntry.org_id == org.id, ListEntry.list_type == "red").order_by(ListEntry.id)).all()


@pytest.mark.parametrize("decided", [D(2025, 7, 30), D(2025, 7, 31), D(2025, 8, 1)])
def test_a_subject_that_qualifies_at_every_review_stays_on_the_red_list_without_a_gap(
        app, society, regulator, decided):
    """The review of 15 July 2025 proposes a renewal while last year's entry (valid until
    30 July) is published; decided the day the old entry runs out, or one or two days later,
    the public list shows the subject every day, and the renewal runs a year from 30 July."""
    old = _red_listed(society, regulator)
    assert scan.red_review(None, D(2025, 7, 15))["red_proposed"] == 1
    renewal = _red(society)[-1]
    notified(regulator, renewal, D(2025, 7, 15))
    day = D(2025, 7, 29)
    while day <= D(2025, 8, 2):
        scan.apply_time_rules(None, day)
        if day == decided:
            entries.publish(regulator, renewal, "红名单公告〔2025〕1号", day)
        assert [e.id for e in _red(society) if e.state == "published"] == \
            [old.id if day < decided else renewal.id], day
        day += timedelta(days=1)
    assert old.removal_code == "renewed" and old.replaced_by_id == renewal.id
    assert renewal.valid_until == D(2026, 7, 30) and renewal.listed_since == D(2024, 7, 30)


def test_a_red_entry_past_its_year_runs_out_once_its_renewal_is_declined(app, society, regulator):
    old = _red_listed(society, regulator)
    scan.red_review(None, D(2025, 7, 15))
    renewal = _red(society)[-1]
    scan.apply_time_rules(None, D(2025, 7, 31))
    assert old.state == "published"  # held while its renewal is in due process
    entries.cancel(regulator, renewal, "不予续期", D(2025, 8, 1))
    assert scan.apply_time_rules(None, D(2025, 8, 1)) == {"removed_expired": 1}


@pytest.mark.parametrize("changed, listed", [(D(2024, 3, 9), False), (D(2024, 3, 10), True),
                                             (D(2024, 3, 11), True)])
def test_an_eldercare_rule_applies_to_the_home_as_it_was_when_the_facts_happened(
        app, home, make, changed, listed):
    """The bureau approved dropping the eldercare flag: abuse found on 10 March still lists
    the home when the flag went on 10 March or later (on the day of the change it was both);
    a flag dropped the day before means the home was no longer an eldercare provider."""
    record(home, "eldercare", "elder_abuse", D(2024, 3, 10))
    clerk, chief = make.user("regulator"), make.user("regulator")
    change = identity.file_change(clerk, home, {"is_eldercare": False}, "不再从事养老服务",
                                  "变更登记 2024-17", now=local_datetime(changed, time(9)))
    identity.decide_change(chief, change, True, "核实无误", now=local_datetime(changed, time(16)))
    assert not home.is_eldercare and home.id in scan.subject_ids()  # the daily job's batches
    proposed = scan.run_scan(None, D(2024, 3, 20))
    assert [e.list_type for e in proposed] == (["eldercare"] if listed else [])
    if listed:
        assert "第六条第一款第（二）项" in proposed[0].legal_basis


@pytest.mark.parametrize("changed, allowed", [(D(2024, 3, 9), False), (D(2024, 3, 10), True),
                                              (D(2024, 3, 11), True)])
def test_a_manual_eldercare_proposal_reads_the_home_as_it_was_on_the_facts_day(
        app, home, make, changed, allowed):
    """As the automatic rules: the eldercare list applies to facts of 10 March when the flag
    was dropped on 10 March or later, not when it was dropped the day before; the home's kind
    today (no longer eldercare) decides nothing."""
    from core.errors import ValidationFailed

    fact = record(home, "eldercare", "elder_abuse", D(2024, 3, 10))
    clerk, chief = make.user("regulator"), make.user("regulator")
    change = identity.file_change(clerk, home, {"is_eldercare": False}, "不再从事养老服务",
                                  "变更登记 2024-17", now=local_datetime(changed, time(9)))
    identity.decide_change(chief, change, True, "核实无误", now=local_datetime(changed, time(16)))
    propose = lambda: entries.propose_manual(  # noqa: E731
        chief, home.id, "eldercare", "《养老服务市场失信联合惩戒对象名单管理办法》", "虐待老人",
        [fact.id], today=D(2024, 3, 20))
    if allowed:
        assert propose().list_type == "eldercare"
    else:
        with pytest.raises(ValidationFailed) as refused:
            propose()
        assert list(refused.value.errors) == ["list_type"]


@pytest.mark.parametrize("decision", ["published", "declined"])
def test_red_list_rewards_continue_while_the_renewal_is_in_due_process(
        app, society, regulator, decision):
    """The old entry runs to 30 July 2025; the review of 15 July proposed its renewal. Its
    measures (rewards) stay in force on 29, 30 and 31 July as the entry stays listed; a
    renewal declined on 1 August ends them with the term, one published continues them."""
    from core import sanctions
    from credit import vocabulary

    rewards = set(vocabulary.platform_codes("red"))
    assert rewards
    old = _red_listed(society, regulator)
    assert sanctions.measures_in_force(society.id, D(2025, 7, 31)) == set()  # its term only
    scan.red_review(None, D(2025, 7, 15))
    renewal = _red(society)[-1]
    notified(regulator, renewal, D(2025, 7, 15))
    for day in (D(2025, 7, 29), D(2025, 7, 30), D(2025, 7, 31)):
        scan.apply_time_rules(None, day)
        assert sanctions.measures_in_force(society.id, day) == rewards, day
    if decision == "declined":
        entries.cancel(regulator, renewal, "不予续期", D(2025, 8, 1))
        assert sanctions.measures_in_force(society.id, D(2025, 8, 1)) == set()
        assert sanctions.measures_in_force(society.id, D(2025, 7, 30)) == rewards
        scan.apply_time_rules(None, D(2025, 8, 1))
        assert old.state == "removed"
    else:
        entries.publish(regulator, renewal, "红名单公告〔2025〕1号", D(2025, 8, 1))
        assert sanctions.measures_in_force(society.id, D(2025, 8, 1)) == rewards
        assert sanctions.measures_in_force(society.id, D(2026, 7, 30)) == rewards
        assert sanctions.measures_in_force(society.id, D(2026, 7, 31)) == set()
