"""Objections (credit.lists.objections): they freeze what they dispute until a regulator decides."""

from datetime import date

import pytest
import sqlalchemy as sa

from core.errors import Conflict, PermissionDenied
from core.extensions import db
from credit.facts.records import effective_facts
from credit.lists import entries, objections
from credit.models import CreditFact, FeedEvent
from tests.credit.factories import listed, notified, record, scan_lists

D = date



def test_an_objection_freezes_publication_until_it_is_decided(app, society, regulator, make):
    staff = make.user("org_staff", org=society)
    record(society, "penalty", "warning", D(2024, 3, 1))
    (entry,) = scan_lists(D(2024, 3, 1))
    notified(regulator, entry, D(2024, 3, 1))
    objection = objections.file_objection(staff, society.id, "警告已撤销", entry_id=entry.id,
                                          today=D(2024, 3, 5))
    assert entry.state == "objected" and objection.in_window
    with pytest.raises(Conflict):
        entries.publish(regulator, entry, "文号", D(2024, 4, 1))
    objections.decide_objection(regulator, objection, "verified", "经核实警告决定有效",
                                today=D(2024, 3, 20))
    assert entry.state == "notified"
    entries.publish(regulator, entry, "文号", D(2024, 4, 1))
    assert entry.state == "published"


def test_an_upheld_objection_corrects_the_fact_and_the_right_list_follows(
        app, society, regulator, make):
    staff = make.user("org_staff", org=society)
    wrong = record(society, "penalty", "fine", D(2024, 3, 1), amount_yuan=60_000)
    (entry,) = scan_lists(D(2024, 3, 1))
    assert entry.list_type == "serious"
    notified(regulator, entry, D(2024, 3, 1))
    objection = objections.file_objection(staff, society.id, "罚款为 6000 元，录入有误",
                                          fact_id=wrong.id, today=D(2024, 3, 4))
    assert entry.state == "objected"
    assert wrong.id not in {f.id for f in effective_facts([society.id])[society.id]}

    objections.decide_objection(regulator, objection, "upheld", "核对处罚决定书，金额 6000 元",
                                correction={"amount_yuan": 6000}, today=D(2024, 3, 8))
    assert entry.state == "cancelled" and entry.removal_code == "objection_corrected"
    fixed = db.session.get(CreditFact, objection.correction_fact_id)
    assert fixed.supersedes_id == wrong.id and fixed.amount_yuan == 6000
    (again,) = scan_lists(D(2024, 3, 8))
    assert again.list_type == "abnormal" and again.fact_ids == [fixed.id]


def test_an_accepted_late_objection_to_a_published_entry_shows_it_under_objection_in_the_feed(
        app, society, regulator, make):
    staff = make.user("org_staff", org=society)
    entry = listed(society, regulator, D(2024, 3, 1))
    objection = objections.file_objection(staff, society.id, "有异议", entry_id=entry.id,
                                          today=D(2024, 5, 1))
    assert not objection.in_window and not entry.under_objection  # late: recorded only
    objections.accept_late(regulator, objection, "告知书送达有误", today=D(2024, 5, 2))
    assert entry.under_objection
    objections.decide_objection(regulator, objection, "rejected", "理由不成立", today=D(2024, 5, 6))
    assert not entry.under_objection
    assert db.session.scalars(sa.select(FeedEvent.event).order_by(FeedEvent.seq)).all() == [
        "published", "updated", "updated"]


def test_staff_cannot_object_for_another_organization(app, society, regulator, make):
    outsider = make.user("org_staff", org=make.org())
    fact = record(society, "penalty", "warning", D(2024, 3, 1))
    with pytest.raises(PermissionDenied):
        objections.file_objection(outsider, society.id, "不服", fact_id=fact.id)
