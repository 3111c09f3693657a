"""The regulator's inspection pages: deactivate and reactivate with a reason, commit and reveal
a draw, enter a result; the public page tells the draw in words."""

from core.extensions import db
from credit.inspections import directories
from credit.inspections import services as inspections
from tests.helpers import form_post


def test_a_subject_is_deactivated_on_the_page_only_with_a_reason(
        client, directory, login_as, regulator):
    orgs, _people = directory(subjects=2, inspectors=2)
    login_as("regulator", user=regulator)
    page = "/credit/inspections/subjects"
    url = f"/credit/inspections/subjects/{orgs[0].id}/deactivate"
    refused = form_post(client, url, {"reason": ""}, page=page, follow_redirects=True)
    assert "请说明原因" in refused.get_data(as_text=True)
    assert directories.get_directory_subject(orgs[0].id).active
    done = form_post(client, url, {"reason": "停业整顿"}, page=page, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "已停用" in text and "停业整顿" in text
    db.session.expire_all()
    assert not directories.get_directory_subject(orgs[0].id).active
    people = client.get("/credit/inspections/inspectors").get_data(as_text=True)
    assert "CZ-0001" in people


def test_a_regulator_commits_reveals_and_enters_a_result_on_the_pages(
        client, directory, login_as, regulator, frozen_clock):
    frozen_clock.local(2026, 3, 2, 9, 0)
    directory(subjects=10, inspectors=3)
    login_as("regulator", user=regulator)
    committed = form_post(client, "/credit/inspections/draws",
                          {"title": "测试抽查", "mode": "count", "count": "4"},
                          page="/credit/inspections")
    assert committed.status_code == 302
    url = committed.headers["Location"]
    row = inspections.draws()[0]
    assert row.commitment in client.get(url).get_data(as_text=True)
    early = form_post(client, f"{url}/reveal", {}, page=url, follow_redirects=True)
    assert "小时才能揭晓" in early.get_data(as_text=True)
    frozen_clock.advance(days=1)
    revealed = form_post(client, f"{url}/reveal", {}, page=url, follow_redirects=True)
    assert "按公布的文件复算，结果一致" in revealed.get_data(as_text=True)
    db.session.expire_all()
    row = inspections.get_draw(row.id)
    done = form_post(client, url, {"org_id": row.assignments[0].org_id, "result": "pass",
                                   "document_number": "常民查1号", "evidence_ref": "记录"})
    assert done.status_code == 302
    public = client.get(f"/credit/public/inspections/{row.id}").get_data(as_text=True)
    assert "合格" in public and row.secret in public and "第一步：公布承诺" in public
    assert str(row.id) in client.get("/credit/public/inspections").get_data(as_text=True)
