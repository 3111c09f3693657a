"""Sign-ups for volunteer opportunities (charity.signups): places, clashes, cancelling,
attendance."""

from __future__ import annotations

from datetime import timedelta

import pytest

from charity import opportunities, signups
from charity.vocabulary import PostStatus, SignupStatus
from core import clock, events
from core.errors import Conflict, PermissionDenied, ValidationFailed


class Captured(list):
    def __call__(self, sender, **payload):
        self.append((sender, payload))


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

