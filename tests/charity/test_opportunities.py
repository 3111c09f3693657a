"""Volunteer opportunities, profiles, ranking, sign-ups and attendance (charity.opportunities,
charity.signups)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from charity import opportunities, signups
from charity.vocabulary import PostStatus, SignupStatus
from core import clock, events, sanctions
from core.errors import Conflict, PermissionDenied, ValidationFailed


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


def test_signing_up_takes_a_place_until_full(ch):
    opp = ch.opportunity(headcount=1)
    first, second = ch.volunteer(), ch.volunteer()
    row = signups.signup(first, opp.id)
    assert row.status == SignupStatus.SIGNED_UP and row.fit["score"] > 0
    assert opp.need.status == PostStatus.MATCHED
    with pytest.raises(Conflict) as caught:
        signups.signup(second, opp.id)
    assert caught.value.code == "charity.opportunity_full"
    with pytest.raises(Conflict):
        signups.signup(first, opp.id)


def test_clashing_sign_ups_are_refused(ch):
    volunteer = ch.volunteer()
    first = ch.opportunity()
    clash = ch.opportunity(start_in=timedelta(days=3, hours=1), title="另一场活动")
    signups.signup(volunteer, first.id)
    with pytest.raises(Conflict) as caught:
        signups.signup(volunteer, clash.id)
    assert caught.value.code == "charity.signup_overlap"


def test_a_sign_up_can_be_cancelled_before_the_start_and_taken_again(ch):
    volunteer = ch.volunteer()
    opp = ch.opportunity(headcount=1)
    row = signups.signup(volunteer, opp.id)
    signups.cancel_signup(volunteer, row.id)
    assert row.status == SignupStatus.CANCELLED and opp.need.status == PostStatus.OPEN
    assert signups.signup(volunteer, opp.id).id == row.id


def test_staff_sign_up_an_elder_volunteer_on_their_behalf(ch, make):
    elder = make.person(age=66)
    opp = ch.opportunity()
    row = signups.signup(ch.staff, opp.id, person=elder)
    assert row.person_id == elder.id
    with pytest.raises(PermissionDenied):
        signups.signup(ch.volunteer(), opp.id, person=make.person())


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


def test_confirmed_attendance_is_published_for_the_time_bank(ch):
    volunteer = ch.volunteer()
    _opp, row = _past_opportunity(ch, volunteer)
    seen = Captured()
    with events.volunteer_service_confirmed.connected_to(seen):
        signups.confirm_attendance(ch.staff, row.id)
    assert row.status == SignupStatus.SERVED and row.minutes == 120
    [(sender, payload)] = seen
    assert sender == "charity"
    assert set(payload) == {"opportunity_id", "signup_id", "org_id", "person_id", "category",
                            "district_id", "address", "start", "end", "description",
                            "actor_id"}
    assert (payload["person_id"], payload["org_id"]) == (volunteer.person_id, ch.org.id)
    assert payload["start"].tzinfo is not None and payload["category"] == "meal"


def test_attendance_is_confirmed_only_after_the_event_by_the_organizer(ch, make):
    volunteer = ch.volunteer()
    opp = ch.opportunity()
    row = signups.signup(volunteer, opp.id)
    with pytest.raises(ValidationFailed):
        signups.confirm_attendance(ch.staff, row.id)
    outsider = make.user("org_staff", org=make.org())
    with pytest.raises(PermissionDenied):
        signups.confirm_attendance(outsider, row.id)


def test_a_no_show_is_recorded_after_the_start(ch):
    volunteer = ch.volunteer()
    _opp, row = _past_opportunity(ch, volunteer)
    signups.mark_no_show(ch.staff, row.id, "未签到")
    assert row.status == SignupStatus.NO_SHOW


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
