"""The guided session form (issue 15): organizations and "the person I served" found by name,
only within what a volunteer may see; the chosen mode's fields only; errors next to the field."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from core import clock
from core.extensions import db
from core.orgs.models import OrgStatus
from core.timeutil import to_local
from tests.helpers import form_post
from timebank import confirmation, pickers
from timebank.models import ServiceSession

URL = "/timebank/sessions/new"


@pytest.fixture
def circle(tb, make):
    """A volunteer who served 王秀兰 with tb.org; 王秀珍 was registered by tb.org; 王秀英 was
    served with another organization only, by someone else."""
    volunteer = tb.volunteer()
    served = make.user("volunteer", age=81, person=make.person(age=81, name="王秀兰"))
    registered = make.person(age=79, name="王秀珍")
    registered.registered_org_id = tb.org.id
    other_org = make.org(name="常州市钟楼区助老服务社")
    elsewhere = make.person(age=83, name="王秀英", district="zhonglou")
    tb.confirmed(volunteer, recipient_person_id=served.person.id, recipient_org_id=None)
    theirs = tb.session(tb.volunteer(), recipient_person_id=elsewhere.id, recipient_org_id=None,
                        org_id=other_org.id)
    confirmation.confirm_for_org(None, theirs.id, other_org.id)
    db.session.flush()
    return volunteer, served.person, registered, elsewhere, other_org


def _count() -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(ServiceSession)).scalar()


def _form(tb, end=None, **over):
    end = end or to_local(clock.now().replace(second=0, microsecond=0) - timedelta(hours=3))
    data = {"recipient_kind": "person", "category": "companionship",
            "district_id": str(tb.district.id), "address": "红梅新村 3 幢",
            "start": (end - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "end": end.strftime("%Y-%m-%dT%H:%M"), "description": "陪伴",
            "_idem": "k-" + "-".join(sorted(over))}
    data.update(over)
    return data


def test_a_volunteer_finds_by_name_only_the_elders_of_their_organizations(tb, circle, make):
    volunteer, served, _registered, elsewhere, other_org = circle
    assert {p.name for p in pickers.find_elders(volunteer, "王秀")} == {"王秀兰", "王秀珍"}
    assert pickers.find_elders(volunteer, "王") == []  # two characters at least
    assert pickers.find_elders(volunteer, "王秀", other_org.id) == []  # not their organization
    assert pickers.elder_in_scope(volunteer, elsewhere.id) is None
    assert pickers.elder_in_scope(volunteer, served.id) == served
    assert pickers.find_elders(tb.volunteer(), "王秀") == []  # served with nobody yet
    staff_of_other = make.user("volunteer", org=other_org)
    assert [p.name for p in pickers.find_elders(staff_of_other, "王秀")] == ["王秀英"]


def test_a_person_suggestion_tells_namesakes_apart_without_the_full_id(circle):
    _volunteer, served, *_rest = circle
    shown = pickers.person_suggestion(served)
    assert shown["label"] == "王秀兰" and served.id_number_masked in shown["detail"]
    assert served.id_number not in str(shown) and served.phone not in str(shown)
    assert served.phone_masked in shown["detail"] and "天宁区" in shown["detail"]


def test_the_person_lookup_answers_only_within_scope(tb, circle, client, login_as):
    volunteer, served, *_rest = circle
    login_as(user=volunteer)
    found = client.get("/timebank/lookup/people?q=王秀").get_json()
    assert {r["label"] for r in found["results"]} == {"王秀兰", "王秀珍"}
    assert served.id_number not in client.get("/timebank/lookup/people?q=王秀").get_data(
        as_text=True)
    assert client.get("/timebank/lookup/people?q=王秀英").get_json()["results"] == []
    assert client.get("/timebank/lookup/people?q=王&org=abc").get_json()["results"] == []


def test_the_organization_lookup_lists_active_organizations_by_name_and_district(
        tb, make, client, login_as):
    make.org(name="天宁区红梅街道助老志愿者协会")
    make.org(name="天宁区红梅街道老年协会", status=OrgStatus.SUSPENDED)
    login_as("volunteer")
    found = client.get("/timebank/lookup/orgs?q=红梅街道").get_json()
    assert found == {"results": [{"id": found["results"][0]["id"],
                                  "label": "天宁区红梅街道助老志愿者协会", "detail": "天宁区"}],
                     "more": False}
    assert client.get("/timebank/lookup/orgs?q=红").get_json()["results"] == []


def test_the_other_modes_fields_are_ignored(tb, circle, client, login_as):
    """Without JavaScript both modes show; a stale value in the mode not chosen is neither an
    error nor saved."""
    volunteer, served, *_rest = circle
    login_as(user=volunteer)
    as_org = form_post(client, URL, _form(tb, recipient_kind="org",
                                          recipient_org_name=tb.org.name,
                                          recipient_name="没有这个人",
                                          recipient_number="X" * 45))
    assert as_org.status_code == 302
    row = db.session.execute(sa.select(ServiceSession).order_by(ServiceSession.id.desc())
                             ).scalars().first()
    assert row.recipient_org_id == tb.org.id and row.recipient_person_id is None
    end = to_local(clock.now().replace(second=0, microsecond=0) - timedelta(hours=8))
    as_person = form_post(client, URL, _form(tb, end, recipient_name="王秀兰",
                                             recipient_org_name="不存在的组织" * 40,
                                             recipient_org_id="999999"))
    assert as_person.status_code == 302
    row = db.session.execute(sa.select(ServiceSession).order_by(ServiceSession.id.desc())
                             ).scalars().first()
    assert row.recipient_person_id == served.id and row.recipient_org_id is None


def test_namesakes_are_offered_to_choose_from_then_the_choice_is_saved(tb, circle, client,
                                                                       login_as):
    volunteer, served, registered, *_rest = circle
    login_as(user=volunteer)
    before = _count()
    page = form_post(client, URL, _form(tb, recipient_name="王秀"))
    text = page.get_data(as_text=True)
    assert page.status_code == 422 and 'id="recipient_name-err"' in text
    assert served.id_number_masked in text and served.id_number not in text
    assert f'name="recipient_person_id" value="{registered.id}"' in text
    assert _count() == before
    chosen = form_post(client, URL, _form(tb, recipient_name="王秀",
                                          recipient_person_id=str(registered.id)))
    assert chosen.status_code == 302
    assert db.session.execute(sa.select(ServiceSession.recipient_person_id)
                              .order_by(ServiceSession.id.desc())).scalars().first() == registered.id


@pytest.mark.parametrize(("over", "field"), [
    ({}, "recipient_name"),  # nobody named
    ({"recipient_name": "王秀英"}, "recipient_name"),  # served by another organization only
    ({"recipient_person_id": "ELSEWHERE"}, "recipient_name"),  # picked out of scope
    ({"recipient_number": "CZ99999999"}, "recipient_number"),
    ({"recipient_number": "SERVED", "recipient_name": "李四"}, "recipient_number"),  # not theirs
    ({"recipient_number": "SERVED"}, "recipient_number"),  # a number alone would tell whose it is
    ({"recipient_number": "SERVED", "recipient_name": "兰"}, "recipient_number"),  # one character
    ({"recipient_kind": "org", "recipient_org_name": "根本没有的组织"}, "recipient_org_name"),
    ({"recipient_kind": "org"}, "recipient_org_name"),
    ({"recipient_name": "王秀兰", "org_name": "根本没有的组织"}, "org_name"),
    ({"recipient_kind": "both", "recipient_name": "王秀兰"}, "recipient_kind"),
])
def test_bad_input_is_told_next_to_the_field_and_nothing_is_saved(tb, circle, client,
                                                                   login_as, over, field):
    volunteer, served, _registered, elsewhere, _org = circle
    login_as(user=volunteer)
    before = _count()
    if over.get("recipient_person_id") == "ELSEWHERE":
        over = {"recipient_person_id": str(elsewhere.id)}
    if over.get("recipient_number") == "SERVED":
        over = {**over, "recipient_number": served.volunteer_number}
    page = form_post(client, URL, _form(tb, **over))
    assert page.status_code == 422
    assert f'id="{field}-err"' in page.get_data(as_text=True)
    assert _count() == before


def test_the_member_card_shows_a_qr_and_the_number_that_names_the_member(tb, circle, client,
                                                                        login_as):
    volunteer, served, *_rest = circle
    login_as(user=served.user)
    card = client.get("/timebank/card").get_data(as_text=True)
    assert served.volunteer_number in card and "data:image/svg+xml;base64," in card
    assert served.id_number not in card
    login_as(user=volunteer)
    logged = form_post(client, URL, _form(tb, recipient_number=served.volunteer_number,
                                          recipient_name="王秀兰"))  # the name checks the number
    assert logged.status_code == 302
    assert db.session.execute(sa.select(ServiceSession.recipient_person_id)
                              .order_by(ServiceSession.id.desc())).scalars().first() == served.id


API = "/api/v1/timebank/sessions"


def _api_body(tb, **over):
    end = clock.now().replace(second=0, microsecond=0) - timedelta(hours=3)
    body = {"category": "companionship", "district_id": tb.district.id, "address": "红梅新村",
            "start": (end - timedelta(hours=1)).isoformat(), "end": end.isoformat()}
    body.update(over)
    return body


def test_the_api_names_a_person_within_scope_or_by_number_and_name_never_by_walking_ids(
        tb, circle, api_as, make):
    """A volunteer's API client cannot learn who holds a person id or a member number: an id
    outside their organizations' elders, or a number without the matching name, is refused
    exactly as one that does not exist, and nothing is logged."""
    volunteer, served, _registered, elsewhere, _org = circle
    stranger = make.user("volunteer", person=make.person(age=70, name="赵桂芳"))
    api = api_as(user=volunteer)
    before = _count()
    for over in ({"recipient_person_id": elsewhere.id}, {"recipient_person_id": 99999},
                 {"recipient_number": stranger.person.volunteer_number},
                 {"recipient_number": stranger.person.volunteer_number, "recipient_name": "王秀兰"},
                 {"recipient_number": "CZ99999999", "recipient_name": "赵桂芳"}):
        refused = api.post(API, json=_api_body(tb, **over))
        assert refused.status_code == 422, over
        assert refused.json["code"] == "timebank.unknown_recipient"
        assert "赵桂芳" not in refused.get_data(as_text=True)
        assert "王秀英" not in refused.get_data(as_text=True)
    assert _count() == before
    in_scope = api.post(API, json=_api_body(tb, recipient_person_id=served.id))
    by_number = api.post(API, json=_api_body(
        tb, recipient_number=stranger.person.volunteer_number, recipient_name="赵桂芳",
        start=(clock.now() - timedelta(hours=8)).replace(microsecond=0).isoformat(),
        end=(clock.now() - timedelta(hours=7)).replace(microsecond=0).isoformat()))
    assert in_scope.status_code == by_number.status_code == 201, (in_scope.json, by_number.json)
    assert in_scope.json["recipient"] == "王秀兰" and by_number.json["recipient"] == "赵桂芳"
