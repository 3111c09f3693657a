"""The two directories: deactivation and reactivation need a reason and are kept as history
and in the audit trail; a deregistered or revoked organization leaves the subject directory by
itself, and a draw never takes one even when that was missed; inspectors taken out are never
sent."""

import pytest
import sqlalchemy as sa

from core import audit
from core.errors import Conflict, ValidationFailed
from core.extensions import db
from core.orgs.models import Organization
from core.orgs.services import set_org_status
from credit.inspections import directories
from credit.inspections import services as inspections
from credit.inspections.models import DirectoryChange


def _actions(directory, member_id):
    return [(c.action, c.reason) for c in directories.history(directory, member_id)][::-1]


def test_a_subject_is_deactivated_and_reactivated_with_a_reason_kept_as_history(
        directory, regulator):
    orgs, _people = directory(subjects=3)
    org = orgs[0]
    directories.set_subject_active(regulator, org.id, False, "正在办理注销清算")
    assert org.id not in [o.id for o in directories.drawable_subjects()]
    directories.set_subject_active(regulator, org.id, True, "清算终止，恢复活动")
    assert org.id in [o.id for o in directories.drawable_subjects()]
    assert _actions(directories.SUBJECTS, org.id) == [
        ("added", "登记在册的信用主体"), ("deactivated", "正在办理注销清算"),
        ("reactivated", "清算终止，恢复活动")]
    trail = [(r.action, r.reason) for r in audit.history("credit_inspection_subject", org.id)]
    assert ("credit.inspection.subjects.deactivated", "正在办理注销清算") in trail


def test_no_reason_no_change_and_no_twice(directory, regulator):
    orgs, people = directory(subjects=1, inspectors=1)
    with pytest.raises(ValidationFailed) as err:
        directories.set_subject_active(regulator, orgs[0].id, False, "  ")
    assert err.value.errors == {"reason": ["必填。"]}
    with pytest.raises(ValidationFailed):
        directories.set_inspector_active(regulator, people[0].id, False, "x" * 201)
    assert directories.get_directory_subject(orgs[0].id).active
    with pytest.raises(Conflict):
        directories.set_subject_active(regulator, orgs[0].id, True, "已经在")
    assert len(directories.history(directories.SUBJECTS, orgs[0].id)) == 1


def test_the_history_is_insert_only(directory, regulator):
    orgs, _people = directory(subjects=1, inspectors=1)
    for statement in (sa.update(DirectoryChange).values(reason="改写"),
                      sa.delete(DirectoryChange)):
        with pytest.raises(sa.exc.DatabaseError), db.session.begin_nested():
            db.session.execute(statement)
    assert _actions(directories.SUBJECTS, orgs[0].id)[0][1] == "登记在册的信用主体"


@pytest.mark.parametrize("status", ["deregistered", "revoked"])
def test_a_deregistered_or_revoked_organization_leaves_the_directory_by_itself(
        directory, regulator, status):
    orgs, _people = directory(subjects=2)
    set_org_status(regulator, orgs[0], status, "民政局决定")
    row = directories.get_directory_subject(orgs[0].id)
    assert not row.active
    assert _actions(directories.SUBJECTS, orgs[0].id)[-1][0] == "left"
    with pytest.raises(Conflict) as err:
        directories.set_subject_active(regulator, orgs[0].id, True, "想恢复")
    assert err.value.code == "credit.subject_gone"
    # a suspension does not take a subject out: suspended ones are still inspected
    set_org_status(regulator, orgs[1], "suspended", "责令停止活动")
    assert directories.get_directory_subject(orgs[1].id).active


def test_a_draw_never_takes_a_deregistered_organization_even_if_the_event_was_missed(
        app, directory, regulator):
    orgs, _people = directory(subjects=3)
    # a status written behind the services' back: no event, the member is still "active"
    db.session.execute(sa.update(Organization).where(Organization.id == orgs[0].id)
                       .values(status="deregistered"))
    db.session.expire_all()
    assert directories.get_directory_subject(orgs[0].id).active
    app.config["POLICY_INSPECTION_RATIOS"] = {"red": 1, "yellow": 1, "blue": 1, "green": 1}
    row = inspections.commit(regulator, "全量抽查")
    assert orgs[0].uscc not in row.snapshot
    assert set(row.members["subjects"].values()) == {orgs[1].id, orgs[2].id}
    assert directories.fill_directory(regulator) == 0  # and it is not put back either


def test_an_inspector_taken_out_is_never_sent_and_can_come_back(app, directory, regulator):
    _orgs, people = directory(subjects=4, inspectors=3)
    directories.set_inspector_active(regulator, people[0].id, False, "借调外单位")
    assert [i.user_id for i in directories.drawable_inspectors()] == [p.id for p in people[1:]]
    app.config["POLICY_INSPECTION_RATIOS"] = {"red": 1, "yellow": 1, "blue": 1, "green": 1}
    row = inspections.commit(regulator, "全量抽查")
    assert "CZ-0001" not in row.snapshot
    directories.set_inspector_active(regulator, people[0].id, True, "借调结束")
    assert _actions(directories.INSPECTORS, people[0].id) == [
        ("added", "加入检查人员名录（执法证号 CZ-0001）"), ("deactivated", "借调外单位"),
        ("reactivated", "借调结束")]


def test_only_regulators_with_a_well_formed_unique_staff_number_join(directory, make, regulator):
    _orgs, _people = directory(subjects=1, inspectors=1)
    with pytest.raises(ValidationFailed):
        directories.add_inspector(regulator, make.user("org_staff"), "CZ-0100")
    with pytest.raises(ValidationFailed):
        directories.add_inspector(regulator, make.user("regulator"), "空格 不行")
    with pytest.raises(Conflict):
        directories.add_inspector(regulator, make.user("regulator"), "cz-0001")


def test_an_inspector_listed_before_staff_numbers_is_drawn_once_numbered(make, regulator):
    from credit.inspections.models import Inspector

    old = make.user("regulator")
    db.session.add(Inspector(user_id=old.id, active=True))  # as the migration left it
    db.session.flush()
    assert directories.drawable_inspectors() == []
    directories.add_inspector(regulator, old, "cz-0042")
    assert [i.staff_number for i in directories.drawable_inspectors()] == ["CZ-0042"]
    with pytest.raises(Conflict):
        directories.add_inspector(regulator, old, "CZ-0043")
