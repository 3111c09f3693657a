"""The joint reward and punishment measures are the bureau's catalogue: shipped "to verify",
confirmed and edited by a regulator without a release, audited, and the feed carries the
version its consumers hold."""

from datetime import date

from core import audit, catalogues, workdays
from credit import vocabulary as catalogue
from credit.lists import entries, scan
from credit.vocabulary import MEASURE_CATALOGUE
from tests.credit.factories import notified, record

D = date


def test_shipped_measures_are_marked_to_verify_at_version_zero(app):
    items = catalogues.all_items(MEASURE_CATALOGUE)
    assert items and all(i.to_verify and i.version == 0 for i in items)
    assert catalogues.version(MEASURE_CATALOGUE) == 0
    assert "charity.no_posting" in catalogue.platform_codes("serious")


def test_regulator_confirms_and_rewords_a_measure_and_the_feed_follows(
        app, make, regulator, api_as, frozen_clock):
    frozen_clock.local(2024, 3, 1, 10, 0)
    workdays.load_shipped()
    bureau = api_as("regulator")
    consumer = api_as("feed")
    etag = consumer.get("/api/v1/credit/feed").headers["ETag"]
    confirmed = bureau.post(f"/api/v1/catalogues/{MEASURE_CATALOGUE}/items/"
                            "serious.ext.no_honours/confirm", json={"note": "已对照备忘录原文"})
    assert confirmed.status_code == 200 and confirmed.json["version"] == 1
    (honours,) = [i for i in confirmed.json["items"] if i["code"] == "serious.ext.no_honours"]
    assert honours["to_verify"] is False and honours["version"] == 1
    fields = dict(honours["fields"], department="各有关部门（含文明委）")
    edited = bureau.post(f"/api/v1/catalogues/{MEASURE_CATALOGUE}/items", json={
        "code": "serious.ext.no_honours", "label": "不得参加评比表彰、不得授予荣誉称号",
        "fields": fields})
    assert edited.status_code == 201 and edited.json["version"] == 2
    assert [r.action for r in audit.history("catalogue_entry",
                                            f"{MEASURE_CATALOGUE}:serious.ext.no_honours")] == [
        f"catalogue.{MEASURE_CATALOGUE}.save"] * 2

    org = make.org()
    record(org, "penalty", "suspension", D(2024, 3, 1))
    (entry,) = scan.run_scan(None, D(2024, 3, 1))
    notified(regulator, entry, D(2024, 3, 1))
    entries.publish(regulator, entry, "常民信决〔2024〕9号",
                    workdays.add_working_days(entry.objection_due, 1))
    page = consumer.get("/api/v1/credit/feed", headers={"If-None-Match": etag})
    assert page.status_code == 200 and page.json["measures_version"] == 2
    published = page.json["events"][0]["entry"]
    assert published["measures_version"] == 2
    labels = {m["code"]: m for m in published["measures"]}
    assert labels["ext.no_honours"]["label"] == "不得参加评比表彰、不得授予荣誉称号"
    assert labels["ext.no_honours"]["department"] == "各有关部门（含文明委）"


def test_only_the_bureau_changes_measures_and_bad_input_is_refused(app, api_as):
    staff = api_as("org_staff")
    url = f"/api/v1/catalogues/{MEASURE_CATALOGUE}/items"
    body = {"code": "serious.ext.new", "label": "新措施", "fields": {"list_type": "serious"}}
    assert staff.post(url, json=body).status_code == 403
    bureau = api_as("regulator")
    bad_list = bureau.post(url, json={**body, "fields": {"list_type": "nonsense"}})
    assert bad_list.status_code == 422 and "list_type" in bad_list.json["errors"]
    unknown = bureau.post(url, json={**body, "fields": {"colour": "red"}})
    assert unknown.status_code == 422
    backdated = bureau.post(url, json={**body, "effective_from": "2000-01-01"})
    assert backdated.status_code == 422
    assert catalogues.version(MEASURE_CATALOGUE) == 0
    assert bureau.get("/api/v1/catalogues/nothing-here").status_code == 404
