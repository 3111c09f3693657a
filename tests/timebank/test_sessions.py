"""Logging sessions: every check of DOMAIN.md gives its own clear error, and minors earn no
credits."""

from datetime import time, timedelta

import pytest

from core import clock
from core.errors import PermissionDenied, ValidationFailed
from core.timeutil import local_datetime
from timebank import ledger, sessions
from timebank.vocabulary import SessionStatus


def _refused(tb, user, code, **over):
    with pytest.raises((ValidationFailed, PermissionDenied)) as err:
        sessions.log_session(user, tb.data(user.person, **over))
    assert err.value.code == code, err.value
    return err.value


def test_hours_are_computed_from_start_and_end(tb):
    user = tb.volunteer()
    row = tb.session(user, minutes=95)
    assert row.minutes == 95 and row.status == SessionStatus.PENDING
    assert row.credited is True


def test_end_before_start_is_refused_on_the_end_field(tb):
    user = tb.volunteer()
    now = clock.now()
    error = _refused(tb, user, "timebank.end_before_start", start=now - timedelta(hours=1),
                     end=now - timedelta(hours=2))
    assert "end" in error.errors


def test_future_session_is_refused(tb):
    user = tb.volunteer()
    now = clock.now()
    _refused(tb, user, "timebank.future_session", start=now - timedelta(minutes=30),
             end=now + timedelta(minutes=30))


def test_session_longer_than_max_session_hours_is_refused(tb, app):
    user = tb.volunteer()
    limit = app.config["POLICY_MAX_SESSION_HOURS"]
    error = _refused(tb, user, "timebank.session_too_long", minutes=limit * 60 + 1,
                     hours_ago=48)
    assert str(limit) in error.text


def test_overlap_with_own_session_is_refused(tb):
    user = tb.volunteer()
    first = tb.session(user, hours_ago=30, minutes=120)
    error = _refused(tb, user, "timebank.overlap", start=first.start_at + timedelta(minutes=30),
                     end=first.end_at + timedelta(minutes=30))
    assert "start" in error.errors


def test_back_to_back_sessions_do_not_overlap(tb):
    user = tb.volunteer()
    first = tb.session(user, hours_ago=30, minutes=60)
    second = sessions.log_session(user, tb.data(user.person, start=first.end_at,
                                                end=first.end_at + timedelta(minutes=60)))
    assert second.id != first.id


def test_daily_cap_counts_pending_and_confirmed_hours_of_the_local_day(tb, app):
    app.config["POLICY_MAX_DAILY_HOURS"] = 5
    user = tb.volunteer()
    day = (clock.now() - timedelta(days=3)).date()
    at = local_datetime(day, time(8, 0))
    sessions.log_session(user, tb.data(user.person, start=at, end=at + timedelta(hours=3)))
    tb.confirmed(user, start=at + timedelta(hours=3), end=at + timedelta(hours=4))
    error = _refused(tb, user, "timebank.daily_cap_exceeded", start=at + timedelta(hours=5),
                     end=at + timedelta(hours=6, minutes=1))
    assert "5" in error.text
    # exactly at the cap is fine
    sessions.log_session(user, tb.data(user.person, start=at + timedelta(hours=5),
                                       end=at + timedelta(hours=6)))


def test_daily_cap_splits_a_session_across_midnight(tb, app):
    app.config["POLICY_MAX_DAILY_HOURS"] = 4
    user = tb.volunteer()
    day = (clock.now() - timedelta(days=4)).date()
    late = local_datetime(day, time(22, 0))
    sessions.log_session(user, tb.data(user.person, start=late, end=late + timedelta(hours=4)))
    # 2 hours fell on the next day: 2 more are allowed there, 3 are not
    next_morning = late + timedelta(hours=10)
    _refused(tb, user, "timebank.daily_cap_exceeded", start=next_morning,
             end=next_morning + timedelta(hours=3))
    sessions.log_session(user, tb.data(user.person, start=next_morning,
                                       end=next_morning + timedelta(hours=2)))


def test_unknown_recipient_person_is_refused(tb):
    user = tb.volunteer()
    error = _refused(tb, user, "timebank.unknown_recipient", recipient_person_id=999999,
                     recipient_org_id=None)
    assert "recipient_person_id" in error.errors


def test_unknown_recipient_organization_is_refused(tb):
    user = tb.volunteer()
    _refused(tb, user, "timebank.unknown_recipient", recipient_org_id=999999)


def test_a_recipient_is_required(tb):
    user = tb.volunteer()
    _refused(tb, user, "timebank.recipient_required", recipient_org_id=None)


def test_volunteer_cannot_be_their_own_recipient(tb):
    user = tb.volunteer()
    _refused(tb, user, "timebank.self_service", recipient_person_id=user.person.id,
             recipient_org_id=None)


def test_unknown_category_and_district_are_refused(tb):
    user = tb.volunteer()
    _refused(tb, user, "timebank.unknown_category", category="dancing")
    _refused(tb, user, "timebank.unknown_district", district_id=999)


def test_a_volunteer_cannot_log_for_someone_else(tb):
    user, other = tb.volunteer(), tb.volunteer()
    with pytest.raises(PermissionDenied) as err:
        sessions.log_session(user, tb.data(other.person, org_id=None))
    assert err.value.code == "timebank.cannot_log_for_other"


def test_organization_staff_may_log_for_a_volunteer_of_its_activity(tb):
    volunteer = tb.volunteer()
    row = sessions.log_session(tb.staff, tb.data(volunteer.person))
    assert row.recorded_by_id == tb.staff.id


def test_minor_is_recorded_but_earns_no_credits(tb, make):
    minor = tb.volunteer(age=16)
    row = tb.confirmed(minor)
    assert row.status == SessionStatus.CONFIRMED and row.credited is False
    assert row.credit_minutes == 0
    assert ledger.balances(minor.person.id) == (0, 0, 0)
