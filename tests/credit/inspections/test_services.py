"""Random inspections: reproducible from the published seed, stratified by tier, never sending
an inspector with a declared conflict, work spread evenly, results recorded as facts."""

from collections import Counter
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import scores
from core.errors import Conflict
from credit.inspections import services as inspections
from credit.inspections.services import ResultIn, draw, tier_counts

RATIOS = {"red": 0.30, "yellow": 0.15, "blue": 0.05, "green": 0.03}


def _subjects(n_red=10, n_yellow=20, n_blue=100, n_green=40):
    tiers = ["red"] * n_red + ["yellow"] * n_yellow + ["blue"] * n_blue + ["green"] * n_green
    return [(i + 1, t) for i, t in enumerate(tiers)]


def test_each_tier_is_drawn_at_its_ratio_rounded_half_up():
    assert tier_counts(_subjects(), RATIOS) == {"red": 3, "yellow": 3, "blue": 5, "green": 1}
    assert tier_counts([(1, "blue")] * 10, RATIOS)["blue"] == 1  # 0.5 rounds up


def test_the_same_seed_and_snapshot_give_the_same_draw_and_another_seed_does_not():
    inspectors = [(u, []) for u in range(100, 106)]
    first = draw("seed-2024-q3", _subjects(), RATIOS, inspectors, 2)
    assert draw("seed-2024-q3", _subjects(), RATIOS, inspectors, 2) == first
    assert draw("another-seed", _subjects(), RATIOS, inspectors, 2) != first
    assert draw("seed-2024-q3", list(reversed(_subjects())), RATIOS,
                list(reversed(inspectors)), 2) == first


@settings(max_examples=60, deadline=None)
@given(seed=st.text(min_size=1, max_size=20), conflicts=st.lists(
    st.tuples(st.integers(100, 105), st.integers(1, 170)), max_size=60))
def test_no_inspector_is_ever_sent_to_a_subject_they_declared_a_conflict_with(seed, conflicts):
    declared = {u: sorted({o for i, o in conflicts if i == u}) for u in range(100, 106)}
    inspectors = list(declared.items())
    for org_id, _tier, chosen in draw(seed, _subjects(), RATIOS, inspectors, 2):
        assert len(chosen) == 2 == len(set(chosen))
        assert all(org_id not in declared[u] for u in chosen)


def test_work_is_spread_as_evenly_as_possible():
    inspectors = [(u, []) for u in range(100, 106)]
    result = draw("even", _subjects(), RATIOS, inspectors, 2)
    load = Counter(u for _o, _t, chosen in result for u in chosen)
    assert max(load.values()) - min(load.values()) <= 1


def test_a_subject_everyone_is_conflicted_with_stops_the_draw(app, make, regulator):
    org = make.org()
    inspections.fill_directory(regulator)
    inspector = make.user("regulator")
    inspections.add_inspector(regulator, inspector)
    inspections.add_inspector(regulator, regulator)
    inspections.declare_conflict(regulator, inspector.id, org.id, "曾任该组织理事")
    app.config["POLICY_INSPECTION_RATIOS"] = {"red": 1, "yellow": 1, "blue": 1, "green": 1}
    with pytest.raises(Conflict) as err:
        inspections.make_draw(regulator, "全量抽查", seed="s")
    assert err.value.code == "credit.not_enough_inspectors"


def test_a_stored_draw_reruns_to_the_same_result_and_results_become_facts(app, make, regulator):
    orgs = [make.org() for _ in range(25)] + [make.org("eldercare") for _ in range(10)]
    for n in range(4):
        inspections.add_inspector(regulator, make.user("regulator", username=f"insp{n}"))
    assert inspections.fill_directory(regulator) == len(orgs)
    scores.register_provider(app, lambda ids: {
        i: scores.ScoreView(i, 420, "D", "red", "test", date(2024, 1, 1)) for i in ids[:5]})
    row = inspections.make_draw(regulator, "2024 年第三季度", seed="abc123")
    assert row.result == inspections.rerun(row)
    assert Counter(t for _o, t, _i in row.result) == {"red": 2, "blue": 2}  # 30% of 5, 5% of 30
    assignment = row.assignments[0]
    inspections.enter_result(regulator, assignment, ResultIn(
        result="rectify", summary="财务制度不健全", document_number="常民查〔2024〕9号",
        evidence_ref="检查记录表", rectify_deadline=date(2099, 1, 1)))
    assert assignment.result_fact.kind == "inspection"
    assert assignment.result_fact.source_department == f"双随机抽查 #{row.id}"
    with pytest.raises(Conflict):
        inspections.enter_result(regulator, assignment, ResultIn("pass", "", "x", "y"))
