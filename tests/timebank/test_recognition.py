"""Star levels (志愿服务激励褒奖): confirmed hours only, the policy's thresholds at their edges,
the volunteer's home, certificates, an organization's volunteers, the district report."""

from __future__ import annotations

import json

import pytest

from core.extensions import db
from timebank import certificates, confirmation, recognition


@pytest.fixture
def small_stars(app):
    """Stars at 1 to 5 hours, so a few sessions reach them."""
    app.config["POLICY_VOLUNTEER_STAR_HOURS"] = [1, 2, 3, 4, 5]
    yield
    app.config["POLICY_VOLUNTEER_STAR_HOURS"] = [100, 300, 600, 1000, 1500]


@pytest.mark.parametrize(("hours", "minutes", "level"), [
    (99, 59, 0), (100, 0, 1), (299, 59, 1), (300, 0, 2), (1499, 59, 4), (1500, 0, 5),
    (4000, 0, 5)])
def test_the_city_plans_thresholds_at_their_edges(app, hours, minutes, level):
    stars = recognition.stars_for(hours * 60 + minutes)
    assert stars.level == level
    if level < 5:
        assert stars.next_level == level + 1 and stars.minutes_to_next > 0
    else:
        assert stars.next_level is None


def test_only_confirmed_service_counts(tb, small_stars):
    volunteer = tb.volunteer()
    tb.confirmed(volunteer, hours_ago=30, minutes=60)
    pending = tb.session(volunteer, hours_ago=50, minutes=120)
    assert recognition.stars_of(volunteer.person.id).level == 1
    confirmation.reject_session(tb.staff, pending.id, "没有签到记录")
    assert recognition.stars_of(volunteer.person.id).level == 1  # rejected hours never count
    again = tb.confirmed(volunteer, hours_ago=80, minutes=120)
    assert recognition.stars_of(volunteer.person.id).level == 3
    confirmation.reverse_session(tb.staff, again.id, "经核查不实")
    assert recognition.stars_of(volunteer.person.id).level == 1  # a reversal takes them back


def test_the_volunteer_sees_their_stars_and_what_is_left(tb, small_stars, client, login_as):
    user = login_as("volunteer")
    tb.confirmed(user, hours_ago=30, minutes=90)
    db.session.commit()
    home = client.get("/").get_data(as_text=True)
    assert "一星志愿者" in home and "再服务 30 分钟 可成为二星志愿者" in home


def test_a_certificate_names_the_stars_only_when_it_covers_all_service(tb, small_stars):
    volunteer = tb.volunteer()
    tb.confirmed(volunteer, hours_ago=30, minutes=130)
    own = certificates.issue(volunteer, volunteer.person.id)
    assert json.loads(own.content)["stars"]["name"] == "二星志愿者"
    by_org = certificates.issue(tb.staff, volunteer.person.id)
    assert "stars" not in json.loads(by_org.content)  # an organization certifies its own only


def test_an_organization_lists_its_volunteers_with_hours_and_stars_but_not_others(
        tb, small_stars, make, client, login_as):
    ours, theirs = tb.volunteer(), tb.volunteer()
    tb.confirmed(ours, hours_ago=30, minutes=75)
    other_org = make.org()
    elsewhere = make.user("org_staff", org=other_org)
    row = tb.session(theirs, org_id=other_org.id, recipient_org_id=other_org.id)
    confirmation.confirm_session(elsewhere, row.id, reason="补录")
    staff = tb.staff
    db.session.commit()
    login_as(user=staff)
    page = client.get("/timebank/org/volunteers").get_data(as_text=True)
    assert ours.person.name in page and "1 小时 15 分钟" in page and "一星志愿者" in page
    assert theirs.person.name not in page


def test_regulators_see_star_holders_by_district(tb, small_stars, client, login_as):
    volunteer = tb.volunteer()
    tb.confirmed(volunteer, hours_ago=30, minutes=60)
    tb.session(tb.volunteer(), hours_ago=30)  # pending: no stars
    rows = recognition.report_by_district()
    assert sum(r.total for r in rows) == 1 and rows[0].counts[0] == 1
    db.session.commit()
    login_as("regulator")
    assert "志愿者星级" in client.get("/timebank/stats").get_data(as_text=True)
