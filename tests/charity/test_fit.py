"""The pure volunteer–opportunity fit and ranking (charity.fit): no app, no database."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from charity.fit import (
    NO_SKILL_NEEDED_POINTS,
    OpportunityFacts,
    VolunteerFacts,
    fit,
    rank,
    slot_cells,
)

SH = ZoneInfo("Asia/Shanghai")
MONDAY_9 = datetime(2026, 3, 2, 9, 0, tzinfo=SH)  # a Monday morning in Changzhou
SKILLS = ["meal", "escort", "driving", "digital", "haircut"]


def opp(oid=1, skills=("meal",), district="天宁区", start=MONDAY_9, hours=3, places=3):
    return OpportunityFacts(id=oid, skills=frozenset(skills), district=district, start=start,
                            end=start + timedelta(hours=hours), places_left=places)


def test_slot_cells_follow_local_wall_clock_hours():
    assert slot_cells(MONDAY_9, MONDAY_9 + timedelta(hours=2)) == ((0, "morning"),)
    assert slot_cells(MONDAY_9.replace(hour=11), MONDAY_9.replace(hour=19)) == (
        (0, "morning"), (0, "afternoon"), (0, "evening"))
    late = MONDAY_9.replace(hour=23)
    assert slot_cells(late, late + timedelta(hours=1)) == ()


def test_a_perfect_fit_scores_full_marks_with_reasons():
    v = VolunteerFacts(skills=frozenset({"meal"}), district="天宁区",
                       availability=frozenset({(0, "morning")}))
    result = fit(v, opp())
    assert result.score == 100
    skills, place, time = result.reasons
    assert skills == {"kind": "skills", "required": ["meal"], "matched": ["meal"],
                      "missing": []}
    assert place["same"] is True and time["fits"] == "all"


def test_missing_skills_distance_and_busy_time_each_lower_the_score():
    v = VolunteerFacts(skills=frozenset({"meal"}), district="天宁区",
                       availability=frozenset({(0, "morning")}))
    base = fit(v, opp()).score
    assert fit(v, opp(skills=("meal", "driving"))).score < base
    assert fit(v, opp(district="溧阳市")).score < fit(v, opp(district="钟楼区")).score < base
    assert fit(v, opp(start=MONDAY_9 + timedelta(days=1))).reasons[2]["fits"] == "none"


def test_no_required_skills_is_a_fair_but_not_perfect_skill_fit():
    v = VolunteerFacts(district="天宁区")
    result = fit(v, opp(skills=()))
    assert result.reasons[0]["required"] == []
    assert result.score == NO_SKILL_NEEDED_POINTS + 25 + 10


def test_unknown_district_and_time_are_neutral_not_zero():
    result = fit(VolunteerFacts(skills=frozenset({"meal"})), opp())
    assert result.score == 50 + 10 + 10
    assert result.reasons[1]["km"] is None and result.reasons[2]["fits"] == "unknown"


def test_ranking_leaves_out_full_opportunities_and_breaks_ties_by_start_then_id():
    v = VolunteerFacts(skills=frozenset({"meal"}), district="天宁区")
    later = opp(oid=2, start=MONDAY_9 + timedelta(days=7))
    full = opp(oid=3, places=0)
    same_start = opp(oid=4)
    assert [f.opportunity_id for f in rank(v, [later, full, same_start, opp(oid=1)])] == [
        1, 4, 2]


volunteers = st.builds(
    VolunteerFacts,
    skills=st.frozensets(st.sampled_from(SKILLS)),
    district=st.none() | st.sampled_from(["天宁区", "钟楼区", "溧阳市", "金坛区"]),
    availability=st.frozensets(st.tuples(st.integers(0, 6),
                                         st.sampled_from(["morning", "afternoon", "evening"]))),
)
opportunities_ = st.builds(
    opp, oid=st.integers(1, 50), skills=st.frozensets(st.sampled_from(SKILLS), max_size=3),
    district=st.sampled_from(["天宁区", "钟楼区", "溧阳市", "常州经开区"]),
    start=st.integers(0, 24 * 14).map(lambda h: MONDAY_9 + timedelta(hours=h)),
    hours=st.integers(1, 8), places=st.integers(0, 5))


@settings(max_examples=200, deadline=None)
@given(volunteers, st.lists(opportunities_, max_size=8, unique_by=lambda o: o.id))
def test_ranking_is_sorted_bounded_and_order_independent(volunteer, opps):
    ranked = rank(volunteer, opps)
    assert all(0 <= f.score <= 100 for f in ranked)
    assert [f.score for f in ranked] == sorted((f.score for f in ranked), reverse=True)
    assert {f.opportunity_id for f in ranked} == {o.id for o in opps if o.places_left > 0}
    assert rank(volunteer, list(reversed(opps))) == ranked


@settings(max_examples=200, deadline=None)
@given(volunteers, opportunities_, st.sampled_from(SKILLS))
def test_learning_a_required_skill_never_lowers_the_score(volunteer, opportunity, skill):
    better = VolunteerFacts(skills=volunteer.skills | {skill}, district=volunteer.district,
                            availability=volunteer.availability)
    assert fit(better, opportunity).score >= fit(volunteer, opportunity).score
