"""Volunteer opportunities, profiles, ranking, sign-ups and attendance (charity.opportunities,
charity.signups)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from charity import opportunities, signups
from core import clock, sanctions
from core.errors import Conflict, ValidationFailed


class Captured(list):
    def __call__(self, sender, **payload):
        self.append((sender, payload))


def test_an_opportunity_is_a_volunteer_time_need_counted_in_hours(ch):
    opp = ch.opportunity(headcount=4, hours=3)
    need = opp.need
    assert (need.category, need.unit, need.quantity) == ("volunteer_time", "小时", 12)
    assert need.deadline == opp.start_at  # sign-ups close when it starts


@pytest.mark.parametrize(("over", "field"), [
    ({"start_at": clock.now() - timedelta(hours=1)}, "start_at"),
    ({"end_at": clock.now() + timedelta(days=3) - timedelta(hours=1)}, "end_at"),
    ({"headcount": 0}, "headcount"),
    ({"skills": ["flying"]}, "skills"),
    ({"activity": "party"}, "activity"),
])
def test_bad_opportunities_are_refused_with_the_field_named(ch, over, field):
    with pytest.raises(ValidationFailed) as caught:
        ch.opportunity(**over)
    assert field in caught.value.errors


def test_an_opportunity_longer_than_a_session_may_be_is_refused(ch):
    with pytest.raises(ValidationFailed) as caught:
        ch.opportunity(hours=13)
    assert "12" in caught.value.errors["end_at"][0]


def test_volunteers_see_opportunities_ranked_by_fit_with_reasons(ch):
    volunteer = ch.volunteer()
    opportunities.save_profile(volunteer, ["meal"], ch.district().id,
                               [[d, s] for d in range(7) for s in ("morning", "afternoon")])
    good = ch.opportunity(skills=("meal",))
    poor = ch.opportunity(skills=("legal",), title="法律咨询进社区", activity="counselling")
    ranked = opportunities.ranked_for(volunteer.person)
    assert [opp.id for opp, _fit in ranked] == [good.id, poor.id]
    assert ranked[0][1].score > ranked[1][1].score
    assert {r["kind"] for r in ranked[0][1].reasons} == {"skills", "district", "time"}


def test_a_barred_organizations_opportunities_are_not_offered(ch):
    ch.opportunity()
    sanctions.impose(ch.org.id, [sanctions.NO_MATCHING], "credit.entry:5", clock.today())
    assert opportunities.ranked_for(ch.volunteer().person) == []


def _past_opportunity(ch, volunteer):
    """An opportunity created and signed up for ten days ago, held two days ago."""
    long_ago = clock.now() - timedelta(days=10)
    start = (clock.now() - timedelta(days=2)).replace(second=0, microsecond=0)
    opp = opportunities.create_opportunity(ch.staff, ch.org.id, {
        "title": "社区长者助餐送餐", "activity": "meal", "skills": ["meal"],
        "start_at": start, "end_at": start + timedelta(hours=2), "headcount": 2,
        "district_id": ch.district().id, "address": "天宁区红梅街道长者食堂"}, now=long_ago)
    row = signups.signup(volunteer, opp.id, now=long_ago + timedelta(days=1))
    return opp, row


def test_profile_input_is_checked(ch):
    volunteer = ch.volunteer()
    with pytest.raises(ValidationFailed) as caught:
        opportunities.save_profile(volunteer, ["juggling"], None, [[9, "night"]])
    assert set(caught.value.errors) == {"skills", "availability"}
    profile = opportunities.save_profile(volunteer, ["meal", "meal"], None, [[0, "morning"]])
    assert profile.skills == ["meal"] and profile.availability == [[0, "morning"]]


def test_an_opportunity_is_edited_before_it_starts_within_the_rules(ch):
    opp = ch.opportunity(headcount=3, hours=2)
    opportunities.update_opportunity(ch.staff, opp, {"headcount": 5, "title": "助餐送餐（午餐）"})
    assert (opp.headcount, opp.need.quantity, opp.title) == (5, 10, "助餐送餐（午餐）")
    signups.signup(ch.volunteer(), opp.id)
    signups.signup(ch.volunteer(), opp.id)
    with pytest.raises(ValidationFailed) as caught:
        opportunities.update_opportunity(ch.staff, opp, {"headcount": 1})
    assert caught.value.code == "charity.bad_headcount"
    with pytest.raises(Conflict) as caught:
        opportunities.update_opportunity(ch.staff, opp, {"start_at": opp.start_at
                                                         + timedelta(hours=1)})
    assert caught.value.code == "charity.schedule_fixed"

