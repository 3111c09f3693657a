"""The inspections API: the directories run by regulators only, with reasons and history; bad
input answers with field errors and changes nothing; draws are public, secrets only after the
reveal."""

from credit.inspections import directories


def test_a_regulator_deactivates_and_reactivates_a_subject_and_an_inspector(
        api_as, directory):
    orgs, people = directory(subjects=2, inspectors=2)
    bureau = api_as("regulator")
    base = "/api/v1/credit/inspections"
    off = bureau.post(f"{base}/subjects/{orgs[0].id}/deactivate", json={"reason": "停业整顿"})
    assert off.status_code == 200 and off.json["active"] is False
    assert [h["action"] for h in off.json["history"]] == ["deactivated", "added"]
    assert off.json["history"][0]["reason"] == "停业整顿"
    listed = bureau.get(f"{base}/subjects?active=false").json
    assert [s["org_id"] for s in listed] == [orgs[0].id]
    on = bureau.post(f"{base}/subjects/{orgs[0].id}/reactivate", json={"reason": "整顿结束"})
    assert on.status_code == 200 and on.json["active"] is True
    person = bureau.post(f"{base}/inspectors/{people[1].id}/deactivate", json={"reason": "退休"})
    assert person.status_code == 200 and person.json["staff_number"] == "CZ-0002"
    assert bureau.get(f"{base}/inspectors/{people[1].id}").json["history"][0]["reason"] == "退休"


def test_bad_input_gets_field_errors_and_changes_nothing(api_as, directory):
    orgs, people = directory(subjects=1, inspectors=1)
    bureau = api_as("regulator")
    base = "/api/v1/credit/inspections"
    missing = bureau.post(f"{base}/subjects/{orgs[0].id}/deactivate", json={})
    assert missing.status_code == 422 and "reason" in missing.json["errors"]
    assert bureau.post(f"{base}/subjects/999999/deactivate",
                       json={"reason": "x"}).status_code == 404
    twice = bureau.post(f"{base}/inspectors/{people[0].id}/reactivate", json={"reason": "x"})
    assert twice.status_code == 409
    no_count = bureau.post(f"{base}/draws", json={"mode": "count"})
    assert no_count.status_code == 422 and "count" in no_count.json["errors"]
    bad_hash = bureau.post(f"{base}/draws", json={"commitment": "abc"})
    assert bad_hash.status_code == 422
    taken = bureau.post(f"{base}/inspectors", json={"username": "nobody", "staff_number": "X-1"})
    assert taken.status_code == 404
    assert directories.get_directory_subject(orgs[0].id).active
    assert bureau.get(f"{base}/draws").json == []


def test_only_regulators_run_the_directories(api_as, directory, client):
    orgs, _people = directory(subjects=1, inspectors=1)
    staff = api_as("org_staff", org=orgs[0])
    base = "/api/v1/credit/inspections"
    refused = staff.post(f"{base}/subjects/{orgs[0].id}/deactivate", json={"reason": "自己停用"})
    assert refused.status_code == 403
    assert client.get(f"{base}/subjects").status_code == 401
    assert staff.post(f"{base}/draws", json={}).status_code == 403
    assert directories.get_directory_subject(orgs[0].id).active
