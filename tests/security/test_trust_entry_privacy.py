"""Issue 12, item 11: least privilege on list entries.

Staff of one organization read another organization's published entries with their whole due
process: every transition with the acting user's id, the ids of the facts and entries behind
them, the rule's internals, objections and repair statements. They now see what the public
sees; the subject's own staff and regulators still see everything.
"""

from __future__ import annotations

from datetime import timedelta

from core import clock, workdays
from core.extensions import db
from credit.lists import entries, scan
from tests.credit.factories import notified, record

API = "/api/v1/credit"


def _published(org, regulator):
    day = clock.today() - timedelta(days=40)
    fact = record(org, "penalty", "warning", day, document_number="常民罚〔2026〕3号")
    (entry,) = scan.run_scan(None, day, ("abnormal",))
    notified(regulator, entry, day)
    entries.publish(regulator, entry, "常民决〔2026〕5号",
                    workdays.add_working_days(entry.objection_due, 1))
    db.session.commit()
    return entry, fact


def test_another_organizations_staff_see_only_the_public_part(app, make, api_as, login_as,
                                                               client):
    listed, other = make.org("social_group"), make.org("social_group")
    regulator = make.user("regulator")
    entry, fact = _published(listed, regulator)
    outsider = make.user("org_staff", org=other)

    seen = api_as(user=outsider).get(f"{API}/entries/{entry.id}")
    assert seen.status_code == 200
    body = seen.json
    assert body["transitions"] == [] and body["fact_ids"] == [] and body["rule_code"] is None
    assert body["source_entry_ids"] == [] and body["notified_on"] is None
    assert regulator.id not in {t.get("actor_id") for t in body["transitions"]}
    assert body["decision_document"] == "常民决〔2026〕5号"  # the published columns stay
    assert [f["document_number"] for f in body["facts"]] == ["常民罚〔2026〕3号"]

    login_as(user=outsider)
    page = client.get(f"/credit/entries/{entry.id}").get_data(as_text=True)
    assert "常民决〔2026〕5号" in page and "常民罚〔2026〕3号" in page
    assert "程序记录" not in page and regulator.display_name not in page
    assert f"#{fact.id} " not in page and entry.rule_code not in page

    own = make.user("org_staff", org=listed)  # the subject's own staff: everything
    mine = api_as(user=own).get(f"{API}/entries/{entry.id}").json
    assert mine["fact_ids"] == [fact.id] and len(mine["transitions"]) == 3
    full = api_as(user=regulator).get(f"{API}/entries/{entry.id}").json
    assert {t["actor_id"] for t in full["transitions"]} >= {regulator.id}
