"""Organization register: USCC checks at every entry point, membership, status decisions."""

import pytest
import sqlalchemy as sa

from core import audit, clock
from core.errors import Conflict, PermissionDenied, ValidationFailed
from core.extensions import db
from core.orgs import services
from core.orgs.models import Organization, OrgStatus


def _payload(make, **overrides):
    data = {"name": "常州市天宁区爱心助老协会", "uscc": make.uscc(), "kind": "social_group",
            "is_charity": True, "registering_authority": "常州市天宁区民政局",
            "legal_representative": "陈国平", "district_id": make.district().id,
            "address": "常州市天宁区红梅路8号", "registration_date": "2016-04-01"}
    data.update(overrides)
    return data


def test_staff_registers_an_org_pending_and_manages_it(app, api_as, make):
    api = api_as("org_staff")
    response = api.post("/api/v1/orgs", json=_payload(make))
    assert response.status_code == 201, response.json
    assert response.json["status"] == OrgStatus.PENDING
    org_id = response.json["id"]
    assert org_id in services.user_org_ids(api.user)
    patch = api.patch(f"/api/v1/orgs/{org_id}", json={"address": "常州市天宁区红梅路10号"})
    assert patch.status_code == 200 and patch.json["address"].endswith("10号")


def test_regulator_registration_is_active_at_once(app, api_as, make):
    response = api_as("regulator").post("/api/v1/orgs", json=_payload(make))
    assert response.json["status"] == OrgStatus.ACTIVE


def test_invalid_uscc_is_refused_with_a_field_error_and_nothing_saved(app, api_as, make):
    bad = "91350100M000100Y44"
    response = api_as("org_staff").post("/api/v1/orgs", json=_payload(make, uscc=bad))
    assert response.status_code == 422
    assert response.json["code"] == "orgs.invalid"
    assert "uscc" in response.json["errors"]
    assert db.session.execute(sa.select(sa.func.count()).select_from(Organization)).scalar() == 0


def test_schema_errors_are_json_with_field_errors(app, api_as):
    response = api_as("org_staff").post("/api/v1/orgs", json={"name": "", "unexpected": 1})
    assert response.status_code == 422
    body = response.json
    assert body["code"] == "validation_error"
    assert {"uscc", "kind", "unexpected"} <= set(body["errors"])


def test_duplicate_uscc_is_a_conflict(app, make):
    org = make.org()
    data = _payload(make, uscc=org.uscc)
    data["registration_date"] = org.registration_date
    with pytest.raises(Conflict):
        services.register_org(None, data)


def test_registration_date_in_the_future_is_refused(app, make):
    from datetime import timedelta

    data = _payload(make, registration_date=clock.today() + timedelta(days=3))
    with pytest.raises(ValidationFailed) as err:
        services.register_org(None, data)
    assert "registration_date" in err.value.errors


def test_staff_of_another_org_cannot_edit(app, api_as, make):
    org = make.org()
    api = api_as("org_staff", org=make.org())
    response = api.patch(f"/api/v1/orgs/{org.id}", json={"address": "别处"})
    assert response.status_code == 403


def test_only_managers_edit_their_org_through_the_api_too(app, api_as, client, login_as,
                                                           make):
    """The edit page admits the organization's managers only; the API admitted any member,
    so plain staff changed its name, USCC and legal representative (found by
    tests/security)."""
    org = make.org()
    staff = api_as("org_staff", org=org, org_role="staff")
    refused = staff.patch(f"/api/v1/orgs/{org.id}", json={"legal_representative": "冒名"})
    assert refused.status_code == 403 and refused.json["code"] == "orgs.not_manager"
    assert org.legal_representative != "冒名"
    login_as(user=staff.user)
    assert client.get(f"/orgs/{org.id}/edit").status_code == 403  # the page, as before
    manager = api_as("org_staff", org=org)
    assert manager.patch(f"/api/v1/orgs/{org.id}",
                         json={"address": "常州市天宁区红梅路10号"}).status_code == 200


def test_status_change_needs_a_reason_and_is_audited(app, make):
    regulator = make.user("regulator")
    org = make.org()
    with pytest.raises(ValidationFailed):
        services.set_org_status(regulator, org, OrgStatus.SUSPENDED, " ")
    services.set_org_status(regulator, org, OrgStatus.SUSPENDED, "责令停止活动三个月")
    last = audit.history("organization", org.id)[-1]
    assert last.action == "orgs.status" and last.reason == "责令停止活动三个月"
    assert last.actor_id == regulator.id


def test_members_and_require_member(app, make):
    org = make.org()
    staff = make.user("org_staff", org=org, org_role="staff")
    outsider = make.user("org_staff")
    services.require_member(staff, org.id)
    with pytest.raises(PermissionDenied):
        services.require_member(outsider, org.id)


def test_public_register_search(app, client, make):
    make.org(name="常州市钟楼区阳光志愿者协会", district="zhonglou")
    make.org(name="常州市金坛区老年人协会", district="jintan")
    db.session.commit()
    response = client.get("/api/v1/orgs", query_string={"q": "阳光"})
    assert response.status_code == 200
    assert [o["name"] for o in response.json] == ["常州市钟楼区阳光志愿者协会"]
    assert "X-Pagination" in response.headers


def test_seven_changzhou_districts_are_seeded(app, client):
    names = [d["name"] for d in client.get("/api/v1/districts").json]
    assert names == ["天宁区", "钟楼区", "新北区", "武进区", "金坛区", "溧阳市", "常州经开区"]


def test_org_pages_for_staff(app, client, login_as, make):
    org = make.org()
    login_as("org_staff", org=org)
    assert org.name.encode() in client.get("/orgs/mine").data
    assert client.get(f"/orgs/{org.id}").status_code == 200
    other = make.org()
    assert client.get(f"/orgs/{other.id}").status_code == 403


def test_admin_adds_and_corrects_a_district(app, client, login_as):
    from core.orgs.models import District
    from tests.helpers import form_post

    login_as("admin")
    response = form_post(client, "/admin/districts", {
        "code": "gaoxin", "name": "常州高新区", "name_en": "Changzhou Hi-tech Zone",
        "gb_code": "", "lat": "31.85", "lon": "119.98", "sort_order": "9"})
    assert response.status_code == 302
    added = db.session.execute(sa.select(District).where(District.code == "gaoxin")).scalar_one()
    assert added.lat == 31.85 and audit.history("district", added.id)
    response = form_post(client, f"/admin/districts/{added.id}", {
        "code": "gaoxin", "name": "天宁区", "name_en": "x", "lat": "31.85", "lon": "119.98"})
    assert response.status_code == 422 and "已被使用".encode() in response.data


def test_district_coordinates_must_come_in_pairs_and_in_range(app):
    with pytest.raises(ValidationFailed) as err:
        services.save_district(None, {"code": "a", "name": "甲", "name_en": "A", "lat": 31.0})
    assert "lat" in err.value.errors
    with pytest.raises(ValidationFailed):
        services.save_district(None, {"code": "a", "name": "甲", "name_en": "A", "lat": 95.0,
                                      "lon": 10.0})
