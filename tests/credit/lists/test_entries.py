"""The due process of entries: proposal, notice, the working-day objection window, objections,
publication, measures in force, restarts, moves, expiry and repair."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from core import audit, sanctions, workdays
from core.errors import Conflict, ValidationFailed
from core.extensions import db
from core.outbox import OutboxMessage
from credit.lists import entries, scan
from credit.models import FeedEvent, ListEntry
from tests.credit.factories import listed, notified, record, scan_lists

D = date



def test_a_rule_proposal_goes_through_notice_and_window_to_publication(app, society, regulator):
    record(society, "penalty", "warning", D(2024, 2, 27))
    (entry,) = scan_lists(D(2024, 2, 29))
    assert entry.state == "proposed" and entry.list_type == "abnormal"
    assert entry.fact_ids and "第十条第（五）项" in entry.legal_basis
    assert scan_lists(D(2024, 3, 1)) == []  # idempotent

    entries.notify(regulator, entry, D(2024, 2, 29))
    assert entry.state == "notified" and entry.objection_due is None  # sent, not yet served
    with pytest.raises(Conflict, match="告知书尚未送达"):
        entries.publish(regulator, entry, "常民决〔2024〕1号", D(2024, 3, 20))
    entries.serve_in_person(regulator, entry, D(2024, 3, 1), "送达回证 2024-017")  # a Friday
    assert entry.notified_on == D(2024, 3, 1)
    assert entry.objection_due == D(2024, 3, 15)  # 10 working days, weekends excluded
    with pytest.raises(Conflict):
        entries.publish(regulator, entry, "常民决〔2024〕1号", D(2024, 3, 15))
    entries.publish(regulator, entry, "常民决〔2024〕1号", D(2024, 3, 18))

    assert entry.state == "published" and entry.decided_on == D(2024, 3, 18)
    assert [t.to_state for t in entry.transitions] == ["proposed", "notified", "published"]
    assert all(t.reason for t in entry.transitions)
    assert sanctions.is_barred(society.id, sanctions.NO_GOVERNMENT_PURCHASE, D(2024, 3, 18))
    assert db.session.scalar(sa.select(FeedEvent.event)) == "published"
    topics = db.session.scalars(sa.select(OutboxMessage.subject).where(
        OutboxMessage.org_id == society.id)).all()
    assert len(topics) == 2
    actions = [r.action for r in audit.history("credit_list_entry", entry.id)]
    assert actions == ["credit.entry.proposed", "credit.entry.notified", "credit.entry.served",
                       "credit.entry.published"]


def test_the_objection_window_skips_holidays_from_the_admin_table(app, society, regulator):
    workdays.set_day(D(2024, 4, 4), "清明节", False)
    workdays.set_day(D(2024, 4, 5), "清明节", False)
    workdays.set_day(D(2024, 4, 7), "调休上班", True)
    record(society, "penalty", "warning", D(2024, 4, 1))
    (entry,) = scan_lists(D(2024, 4, 1))
    notified(regulator, entry, D(2024, 4, 1))
    # 2,3 | 7(调休),8,9,10,11,12 | 15,16 → the 10th working day is 16 April.
    assert entry.objection_due == D(2024, 4, 16)


@pytest.fixture
def three_warnings_for_serious(app_config):
    """Policy: three warnings within 3 years (not two) make the serious list."""
    app_config["POLICY_SERIOUS_WARNING_COUNT"] = 3


@pytest.mark.usefixtures("three_warnings_for_serious")
def test_a_new_qualifying_fact_restarts_the_clock_but_not_the_time_on_the_list(
        app, society, regulator):
    first = listed(society, regulator, D(2024, 1, 2))
    second = listed(society, regulator, D(2024, 4, 1))
    assert first.state == "removed" and first.removal_code == "superseded"
    assert first.replaced_by_id == second.id
    assert second.listed_since == first.listed_since and second.clock_start == second.decided_on
    assert set(first.fact_ids) <= set(second.fact_ids)
    assert sanctions.is_barred(society.id, sanctions.NO_GOVERNMENT_PURCHASE, D(2024, 5, 1))
    last_day = D(2024, 10, second.decided_on.day)
    assert scan.apply_time_rules(None, last_day) == {}
    assert scan.apply_time_rules(None, D(2024, 10, second.decided_on.day + 1)) == {
        "removed_auto_expired": 1}
    assert not sanctions.is_barred(society.id, sanctions.NO_GOVERNMENT_PURCHASE, D(2024, 11, 1))


@pytest.mark.usefixtures("three_warnings_for_serious")
def test_a_replacement_is_published_before_the_entry_it_ends_is_removed(
        app, society, regulator):
    """docs/credit-feed.md "Replacement": a consumer applying events in order never holds the
    subject off the list it stays on, and the new entry already carries the old grounds."""
    first = listed(society, regulator, D(2024, 1, 2))
    second = listed(society, regulator, D(2024, 4, 1))
    events = db.session.scalars(sa.select(FeedEvent).order_by(FeedEvent.seq)).all()
    assert [(e.entry_id, e.event) for e in events] == [
        (first.id, "published"), (second.id, "published"), (first.id, "removed")]
    assert [e.seq for e in events] == [1, 2, 3]
    assert [f["date"] for f in events[1].payload["facts"]] == ["2024-01-02", "2024-04-01"]
    assert second.decision_document in events[2].payload["removal_reason"]  # named, not "#id"
    in_force = db.session.scalars(sa.select(sanctions.Sanction).where(
        sanctions.Sanction.org_id == society.id).order_by(sanctions.Sanction.id)).all()
    assert {s.source for s in in_force if s.lifted_at is None} == {f"credit.entry:{second.id}"}


def test_two_years_on_the_directory_moves_the_subject_to_the_serious_list(
        app, society, regulator):
    record(society, "contact", "letter_unsigned", D(2021, 12, 1))
    record(society, "contact", "letter_unsigned", D(2022, 1, 3))
    (entry,) = scan_lists(D(2022, 1, 4))
    notified(regulator, entry, D(2022, 1, 4))
    entries.publish(regulator, entry, "文号", D(2022, 1, 20))
    assert entry.needs_rectification
    assert scan_lists(D(2024, 1, 20)) == []
    (move,) = scan_lists(D(2024, 1, 21))
    assert move.list_type == "serious" and move.origin == "move"
    notified(regulator, move, D(2024, 1, 22))
    entries.publish(regulator, move, "文号2", D(2024, 2, 20))
    assert entry.state == "removed" and entry.removal_code == "moved"
    assert set(entry.fact_ids) <= set(move.fact_ids)
    assert sanctions.is_barred(society.id, sanctions.NO_POSTING, D(2024, 2, 20))


def test_eldercare_entries_name_the_responsible_persons_and_expire(app, home, regulator):
    record(home, "eldercare", "subsidy_fraud", D(2021, 3, 1))
    (entry,) = scan_lists(D(2021, 3, 1))
    assert entry.responsible_persons[0]["name"] == home.legal_representative
    notified(regulator, entry, D(2021, 3, 1))
    entries.publish(regulator, entry, "文号", D(2021, 3, 22))
    assert entry.valid_until == D(2024, 3, 22)
    assert scan.apply_time_rules(None, D(2024, 3, 22)) == {}
    assert scan.apply_time_rules(None, D(2024, 3, 23)) == {"removed_expired": 1}
    assert not sanctions.is_barred(home.id, sanctions.NO_MATCHING, D(2024, 3, 23))


def test_publishing_a_punishment_entry_ends_a_red_one(app, society, regulator):
    record(society, "grade", "evaluation", D(2021, 1, 5), grade=5)
    for year in (2022, 2023):
        record(society, "annual_report", "annual_report", D(year + 1, 5, 1), report_year=year,
               report_status="on_time")
    counts = scan.red_review(None, D(2024, 7, 15))
    red = db.session.scalar(sa.select(ListEntry).where(ListEntry.list_type == "red"))
    assert counts["red_proposed"] == 1 and red.origin == "review"
    notified(regulator, red, D(2024, 7, 15))
    entries.publish(regulator, red, "红名单公告", D(2024, 7, 30))
    assert sanctions.is_barred(society.id, sanctions.PRIORITY_FUNDING, D(2024, 8, 1))
    listed(society, regulator, D(2024, 9, 2), subtype="suspension")
    assert red.state == "removed" and red.removal_code == "red_review"


def test_a_proposal_can_be_declined_with_a_reason_and_is_not_proposed_again(
        app, society, regulator):
    record(society, "penalty", "warning", D(2024, 3, 1))
    (entry,) = scan_lists(D(2024, 3, 1))
    with pytest.raises(ValidationFailed):
        entries.cancel(regulator, entry, " ", D(2024, 3, 2))
    entries.cancel(regulator, entry, "主管单位证明不负直接责任", D(2024, 3, 2))
    assert entry.state == "cancelled" and scan_lists(D(2024, 3, 3)) == []


def test_a_manual_proposal_needs_a_legal_basis_and_the_subjects_own_facts(
        app, society, regulator, make):
    other = record(make.org(), "other", "other", D(2024, 3, 1))
    own = record(society, "other", "other", D(2024, 3, 1))
    with pytest.raises(ValidationFailed) as bad:
        entries.propose_manual(regulator, society.id, "abnormal", "", "x", [own.id])
    assert "legal_basis" in bad.value.errors
    with pytest.raises(ValidationFailed):
        entries.propose_manual(regulator, society.id, "abnormal", "依据", "x", [other.id])
    entry = entries.propose_manual(regulator, society.id, "abnormal", "《某法》第十条", "其他情形",
                                   [own.id], today=D(2024, 3, 2))
    assert entry.origin == "manual" and entry.legal_basis.startswith("《某法》第十条（")
    assert "第十条第（七）项" in entry.legal_basis
    with pytest.raises(Conflict):
        entries.propose_manual(regulator, society.id, "abnormal", "依据", "x", [own.id])
    with pytest.raises(ValidationFailed):
        entries.propose_manual(regulator, society.id, "eldercare", "依据", "x", [own.id])



@pytest.mark.parametrize("first, gap", [("abnormal", 1), ("abnormal", 0), ("serious", 0),
                                        ("serious", 1)])
def test_a_second_warning_on_the_directory_ends_on_the_serious_list_only(
        app, society, regulator, first, gap):
    """第十五条第（五）项: the second warning proposes a directory and a serious entry; the
    subject ends on the serious list only, on both warnings, whichever is decided first, on
    the same day or the next."""
    on_directory = listed(society, regulator, D(2024, 1, 2))
    record(society, "penalty", "warning", D(2024, 4, 1))
    proposed = {e.list_type: e for e in scan_lists(D(2024, 4, 1))}
    assert set(proposed) == {"abnormal", "serious"}
    for entry in proposed.values():
        notified(regulator, entry, D(2024, 4, 1))
    day = workdays.add_working_days(proposed["serious"].objection_due, 1)
    second = "serious" if first == "abnormal" else "abnormal"
    entries.publish(regulator, proposed[first], "常民决〔2024〕5号", day)
    entries.publish(regulator, proposed[second], "常民决〔2024〕6号", day + timedelta(days=gap))

    serious = proposed["serious"]
    on_lists = db.session.scalars(sa.select(ListEntry.list_type).where(
        ListEntry.org_id == society.id, ListEntry.state == "published")).all()
    assert on_lists == ["serious"]
    assert set(on_directory.fact_ids) | set(proposed["abnormal"].fact_ids) <= set(serious.fact_ids)
    in_force = db.session.scalars(sa.select(sanctions.Sanction.source).where(
        sanctions.Sanction.org_id == society.id, sanctions.Sanction.lifted_at.is_(None))).all()
    assert set(in_force) == {f"credit.entry:{serious.id}"}
    assert proposed["abnormal"].removal_code == "moved"
