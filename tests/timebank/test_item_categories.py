"""Redemption catalogue items carry one of the bureau's service categories: chosen from those
open on the day (service, API, page); an item whose category is retired later keeps it, under
its last name; a rename in the admin catalogue shows on the item."""

import pytest

from core import catalogues
from core.errors import ValidationFailed
from core.extensions import db
from core.orgs.models import OrgKind
from tests.helpers import form_post
from timebank import redemption
from timebank.vocabulary import CATEGORY_CATALOGUE

BASE = "/api/v1/timebank"


@pytest.fixture
def home(tb, make):
    org = make.org(OrgKind.ELDERCARE)
    staff = make.user("institution_staff", org=org)
    item = redemption.add_item(staff, org.id, {"name": "助浴服务", "service_minutes": 60,
                                               "category": "bathing"})
    return org, staff, item


def test_an_item_is_filed_under_an_open_category_and_other_by_default(home):
    org, staff, item = home
    assert (item.category, item.category_label) == ("bathing", "助浴")
    plain = redemption.add_item(staff, org.id, {"name": "理发修面", "service_minutes": 30})
    assert (plain.category, plain.category_label) == ("other", "其他")
    for bad in ("haircut", "", 7):
        with pytest.raises(ValidationFailed) as err:
            redemption.add_item(staff, org.id, {"name": f"项目{bad}", "service_minutes": 30,
                                                "category": bad or "nope"})
        assert list(err.value.errors) == ["category"]


def test_retired_category_refused_for_new_items_kept_by_old_ones(home, frozen_clock):
    frozen_clock.local(2026, 6, 10, 15, 0)
    org, staff, item = home
    catalogues.retire(None, CATEGORY_CATALOGUE, "bathing")
    with pytest.raises(ValidationFailed) as err:
        redemption.add_item(staff, org.id, {"name": "上门助浴", "service_minutes": 60,
                                             "category": "bathing"})
    assert list(err.value.errors) == ["category"]
    kept = redemption.update_item(staff, item.id, {"name": "助浴服务（含洗头）",
                                                   "category": "bathing"})
    assert (kept.category, kept.category_label) == ("bathing", "助浴")
    other = redemption.add_item(staff, org.id, {"name": "陪同就医", "service_minutes": 60,
                                                "category": "medical"})
    with pytest.raises(ValidationFailed):  # moving an item into a retired one: refused
        redemption.update_item(staff, other.id, {"category": "bathing"})
    assert redemption.update_item(staff, item.id, {"category": "medical"}).category == "medical"
    with pytest.raises(ValidationFailed):  # once moved away, it cannot go back
        redemption.update_item(staff, item.id, {"category": "bathing"})


def test_api_validates_the_category_and_lists_it_in_words(home, api_as, frozen_clock):
    frozen_clock.local(2026, 6, 10, 15, 0)
    org, staff, item = home
    api = api_as(user=staff)
    unknown = api.post(f"{BASE}/institutions/{org.id}/catalogue", json={
        "name": "理发", "service_minutes": 30, "category": "haircut"})
    assert unknown.status_code == 422 and "category" in unknown.json["errors"]
    catalogues.retire(None, CATEGORY_CATALOGUE, "meal")
    db.session.commit()
    retired = api.post(f"{BASE}/institutions/{org.id}/catalogue", json={
        "name": "助餐配送", "service_minutes": 30, "category": "meal"})
    assert retired.status_code == 422 and "category" in retired.json["errors"]
    added = api.post(f"{BASE}/institutions/{org.id}/catalogue", json={
        "name": "陪同就医", "service_minutes": 90, "category": "medical"})
    assert added.status_code == 201
    assert (added.json["category"], added.json["category_label"]) == ("medical", "助医陪诊")
    moved = api.patch(f"{BASE}/catalogue/{added.json['id']}", json={"category": "meal"})
    assert moved.status_code == 422 and "category" in moved.json["errors"]
    catalogues.retire(None, CATEGORY_CATALOGUE, "bathing")
    db.session.commit()
    kept = api.patch(f"{BASE}/catalogue/{item.id}", json={"price_minutes": 50,
                                                         "category": "bathing"})
    assert kept.status_code == 200 and kept.json["category_label"] == "助浴"  # kept

    member = api_as("volunteer", age=70)
    listed = member.get(f"{BASE}/institutions/{org.id}/catalogue").json
    assert {(i["name"], i["category_label"]) for i in listed} == {
        ("助浴服务", "助浴"), ("陪同就医", "助医陪诊")}
    only = member.get(f"{BASE}/institutions/{org.id}/catalogue?category=medical").json
    assert [i["name"] for i in only] == ["陪同就医"]


def test_pages_offer_open_categories_and_show_renames(home, client, login_as, frozen_clock):
    frozen_clock.local(2026, 6, 10, 15, 0)
    org, staff, item = home
    catalogues.retire(None, CATEGORY_CATALOGUE, "bathing")
    catalogues.save(None, CATEGORY_CATALOGUE, "medical", "医疗陪护")
    login_as(user=staff)
    page = client.get("/timebank/counter/catalogue").get_data(as_text=True)
    assert "医疗陪护" in page and "助医陪诊" not in page  # the rename shows
    assert '<option value="bathing"' not in page  # retired: not offered for new items
    assert "<td>助浴</td>" in page  # the item keeps it, under its last name

    refused = form_post(client, "/timebank/counter/catalogue", {
        "name": "上门助浴", "service_minutes": "60", "category": "bathing"})
    assert refused.status_code == 422
    assert "请选择服务类别" in refused.get_data(as_text=True)
    assert redemption.catalogue(org.id, active_only=False) == [item]

    edit = client.get(f"/timebank/counter/catalogue/{item.id}").get_data(as_text=True)
    assert "助浴（已停用，仅保留原有记录）" in edit  # its own category, marked
    saved = form_post(client, f"/timebank/counter/catalogue/{item.id}", {
        "name": "助浴服务（含洗头）", "category": "bathing", "service_minutes": "60"})
    assert saved.status_code == 302
    db.session.expire_all()
    assert (item.name, item.category) == ("助浴服务（含洗头）", "bathing")
    moved = form_post(client, f"/timebank/counter/catalogue/{item.id}", {
        "name": "助浴服务", "category": "medical", "service_minutes": "60"})
    assert moved.status_code == 302
    db.session.expire_all()
    assert item.category_label == "医疗陪护"


def test_another_institution_cannot_open_the_edit_page(home, client, login_as, make):
    _org, _staff, item = home
    login_as(user=make.user("institution_staff", org=make.org(OrgKind.ELDERCARE)))
    assert client.get(f"/timebank/counter/catalogue/{item.id}").status_code in (403, 404)


def test_members_filter_the_redeem_page_by_category(home, client, login_as, make):
    org, staff, _item = home
    redemption.add_item(staff, org.id, {"name": "陪同就医", "service_minutes": 90,
                                        "category": "medical"})
    login_as(user=make.user("volunteer", age=70))
    everything = client.get("/timebank/redeem").get_data(as_text=True)
    assert "助浴服务（助浴，60 分钟）" in everything and "陪同就医（助医陪诊，90 分钟）" in everything
    assert '<option value="medical">助医陪诊</option>' in everything
    medical = client.get("/timebank/redeem?category=medical").get_data(as_text=True)
    assert "陪同就医" in medical and "助浴服务" not in medical
    unknown = client.get("/timebank/redeem?category=nope").get_data(as_text=True)
    assert "助浴服务" in unknown  # an unknown filter shows everything


def test_a_receipt_names_the_category_as_it_was_that_day(tb, home, client, login_as, make,
                                                          frozen_clock):
    frozen_clock.local(2026, 6, 10, 15, 0)
    _org, _staff, item = home
    member = make.user("volunteer", age=70)
    tb.fund(member.person, 120)
    row = redemption.create_redemption(member, member.person_id, item.id)
    frozen_clock.local(2026, 6, 12, 9, 0)
    catalogues.save(None, CATEGORY_CATALOGUE, "bathing", "助浴（上门）")
    assert item.category_label == "助浴（上门）"
    login_as(user=member)
    receipt = client.get(f"/timebank/redemptions/{row.id}/receipt").get_data(as_text=True)
    assert "<dd>助浴</dd>" in receipt
