"""Draws in two public steps: the commitment and the frozen directories first, the secret
after; nothing the bureau does between them changes the result, a withdrawn commitment stays
published with its secret, and the results become inspection facts."""

from collections import Counter
from datetime import date

import pytest

from core import audit, scores
from core.errors import Conflict, ValidationFailed
from credit.inspections import directories, draw_v1, published
from credit.inspections import services as inspections
from credit.inspections.models import DrawState
from credit.inspections.services import ResultIn

ALL = {"red": 1, "yellow": 1, "blue": 1, "green": 1}


def test_a_commitment_publishes_the_hash_and_the_snapshot_but_not_the_secret(
        directory, regulator, frozen_clock):
    frozen_clock.local(2026, 3, 2, 9, 0)
    directory()
    row = inspections.commit(regulator, "2026 年上半年", "count", 5)
    record = published.record(row)
    assert record["secret"] is None and record["seed"] is None and record["result"] is None
    assert record["commitment"] == draw_v1.sha256(row.secret)
    assert record["snapshot_sha256"] == draw_v1.sha256(published.snapshot_bytes(row))
    assert record["committed_at"] == "2026-03-02T01:00:00Z"
    assert record["earliest_reveal"] == "2026-03-03T01:00:00Z"
    assert row.secret not in published.snapshot_bytes(row).decode()
    trail = audit.history("credit_draw", row.id)
    assert trail[-1].action == "credit.inspection.commit"


def test_the_reveal_waits_the_policy_hours_then_draws_the_fixed_number(
        directory, regulator, frozen_clock):
    frozen_clock.local(2026, 3, 2, 9, 0)
    directory()
    row = inspections.commit(regulator, "固定数量", "count", 5)
    frozen_clock.advance(hours=23, minutes=59)
    with pytest.raises(Conflict) as err:
        inspections.reveal(regulator, row)
    assert err.value.code == "credit.reveal_too_early"
    frozen_clock.advance(minutes=1)
    inspections.reveal(regulator, row)
    assert row.state == DrawState.DRAWN and len(row.assignments) == 5
    assert row.seed == draw_v1.seed_for(row.secret, row.snapshot_hash)
    assert inspections.reproduces(row) is True
    assert draw_v1.check(published.record_bytes(row), published.snapshot_bytes(row))[0] == 0
    with pytest.raises(Conflict):
        inspections.reveal(regulator, row)  # a second reveal never draws again


def test_directory_changes_after_the_commitment_do_not_change_the_draw(
        app, directory, regulator, frozen_clock):
    frozen_clock.local(2026, 3, 2, 9, 0)
    orgs, people = directory(subjects=6)
    app.config["POLICY_INSPECTION_RATIOS"] = ALL
    row = inspections.commit(regulator, "全量")
    directories.set_subject_active(regulator, orgs[0].id, False, "承诺之后停用")
    directories.set_inspector_active(regulator, people[0].id, False, "承诺之后停用")
    frozen_clock.advance(days=1)
    inspections.reveal(regulator, row)
    assert {a.org_id for a in row.assignments} == {o.id for o in orgs}


def test_one_open_commitment_at_a_time_and_a_withdrawn_one_shows_its_secret(
        directory, regulator, frozen_clock):
    frozen_clock.local(2026, 3, 2, 9, 0)
    directory()
    first = inspections.commit(regulator, "第一次")
    with pytest.raises(Conflict) as err:
        inspections.commit(regulator, "再试一次")
    assert err.value.code == "credit.draw_open"
    with pytest.raises(ValidationFailed):
        inspections.cancel(regulator, first, "")
    inspections.cancel(regulator, first, "检查计划调整")
    record = published.record(first)
    assert record["state"] == "cancelled" and record["cancel_reason"] == "检查计划调整"
    assert draw_v1.sha256(record["secret"]) == first.commitment  # anyone sees what it would give
    assert inspections.commit(regulator, "调整后").id != first.id


def test_a_witness_keeps_the_secret_and_only_the_matching_one_reveals(
        directory, regulator, frozen_clock):
    frozen_clock.local(2026, 3, 2, 9, 0)
    directory()
    secret = "公证处保管的随机值-7f3a"
    with pytest.raises(ValidationFailed):
        inspections.commit(regulator, "见证", commitment="not-a-hash")
    row = inspections.commit(regulator, "见证", commitment=draw_v1.sha256(secret).upper())
    assert row.witnessed and row.secret is None
    frozen_clock.advance(days=2)
    with pytest.raises(ValidationFailed) as err:
        inspections.reveal(regulator, row, "猜的")
    assert err.value.code == "credit.secret_mismatch" and row.state == DrawState.COMMITTED
    inspections.reveal(regulator, row, secret)
    assert row.secret == secret and inspections.reproduces(row)


def test_bad_rules_are_refused_with_the_field(directory, regulator):
    directory()
    with pytest.raises(ValidationFailed) as err:
        inspections.commit(regulator, "x", "count", 0)
    assert "count" in err.value.errors
    with pytest.raises(ValidationFailed):
        inspections.commit(regulator, "x", "lottery")
    assert inspections.open_commitment() is None


def test_a_subject_everyone_is_conflicted_with_stops_the_commitment(make, regulator, app):
    org = make.org()
    inspector = make.user("regulator")
    directories.add_inspector(regulator, inspector, "CZ-0001")
    directories.add_inspector(regulator, regulator, "CZ-0002")
    directories.fill_directory(regulator)
    directories.declare_conflict(regulator, inspector.id, org.id, "曾任该组织理事")
    with pytest.raises(Conflict) as err:
        inspections.commit(regulator, "全量抽查")
    assert err.value.code == "credit.not_enough_inspectors"
    assert inspections.open_commitment() is None


def test_ratios_follow_the_tiers_and_results_become_facts(app, directory, regulator,
                                                          frozen_clock):
    frozen_clock.local(2026, 3, 2, 9, 0)
    orgs, _people = directory(subjects=35)
    ids = sorted(o.id for o in orgs)
    scores.register_provider(app, lambda wanted: {
        i: scores.ScoreView(i, 420, "D", "red", "test", date(2024, 1, 1))
        for i in wanted if i in ids[:5]})
    row = inspections.commit(regulator, "按比例")
    frozen_clock.advance(days=1)
    inspections.reveal(regulator, row)
    assert Counter(a.tier for a in row.assignments) == {"red": 2, "blue": 2}  # 30% of 5, 5% of 30
    assignment = row.assignments[0]
    inspections.enter_result(regulator, assignment, ResultIn(
        result="rectify", summary="财务制度不健全", document_number="常民查〔2026〕9号",
        evidence_ref="检查记录表", rectify_deadline=date(2099, 1, 1)))
    assert assignment.result_fact.kind == "inspection"
    assert assignment.result_fact.source_department == f"双随机抽查：{row.title}"
    with pytest.raises(Conflict):
        inspections.enter_result(regulator, assignment, ResultIn("pass", "", "x", "y"))


@pytest.mark.parametrize("when", ["day_before", "after_commit", "after_reveal"])
def test_a_subject_deregistered_after_the_commitment_is_drawn_but_not_inspected(
        app, directory, regulator, frozen_clock, client, login_as, when):
    """Deregistered the day before the commitment: not in the frozen directory. After it
    (the same day, or after the reveal): still in the draw, as the published files recompute
    it, marked not inspected; its result cannot be entered; no one is drawn instead."""
    from core.orgs.services import set_org_status

    frozen_clock.local(2026, 3, 2, 9, 0)
    orgs, _people = directory(subjects=4)
    gone = orgs[0]
    app.config["POLICY_INSPECTION_RATIOS"] = ALL
    if when == "day_before":
        frozen_clock.local(2026, 3, 1, 16, 0)
        set_org_status(regulator, gone, "deregistered", "注销登记")
        frozen_clock.local(2026, 3, 2, 9, 0)
    row = inspections.commit(regulator, "全量")
    if when == "after_commit":
        frozen_clock.local(2026, 3, 2, 15, 0)
        set_org_status(regulator, gone, "deregistered", "注销登记")
    frozen_clock.local(2026, 3, 3, 9, 0)
    inspections.reveal(regulator, row)
    if when == "after_reveal":
        frozen_clock.local(2026, 3, 4, 9, 0)
        set_org_status(regulator, gone, "deregistered", "注销登记")
    drawn = {a.org_id: a for a in row.assignments}
    assert draw_v1.check(published.record_bytes(row), published.snapshot_bytes(row))[0] == 0
    if when == "day_before":
        assert set(drawn) == {o.id for o in orgs[1:]}
        return
    assert set(drawn) == {o.id for o in orgs}
    assert drawn[gone.id].not_inspected == "已注销，不予检查"
    assert [a for a in row.assignments if a.not_inspected] == [drawn[gone.id]]
    with pytest.raises(Conflict) as refused:
        inspections.enter_result(regulator, drawn[gone.id], ResultIn("pass", "", "x", "y"))
    assert refused.value.code == "credit.subject_left_registry"
    login_as(user=regulator)
    page = client.get(f"/credit/inspections/draws/{row.id}").get_data(as_text=True)
    assert "已注销，不予检查" in page
    assert f'<option value="{gone.id}"' not in page
    assert f'<option value="{orgs[1].id}"' in page  # the others wait for their results


def test_a_result_entered_before_the_deregistration_stands(
        app, directory, regulator, frozen_clock):
    from core.orgs.services import set_org_status

    frozen_clock.local(2026, 3, 2, 9, 0)
    orgs, _people = directory(subjects=2)
    app.config["POLICY_INSPECTION_RATIOS"] = ALL
    row = inspections.commit(regulator, "全量")
    frozen_clock.advance(days=1)
    inspections.reveal(regulator, row)
    first = next(a for a in row.assignments if a.org_id == orgs[0].id)
    inspections.enter_result(regulator, first, ResultIn("pass", "", "常民查〔2026〕1号", "记录"))
    set_org_status(regulator, orgs[0], "deregistered", "注销登记")
    assert first.not_inspected is None and first.result_fact.result == "pass"
