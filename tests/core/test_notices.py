"""Numbered notice documents and the inbox: numbers per year, insert-only with the hash in the
audit chain, PDF text, public verification, read receipt as the confirmed delivery."""

import io
import re

import pytest
from pypdf import PdfReader

from core import audit, events
from core.db import InsertOnlyViolation
from core.extensions import db
from core.notices import delivery, documents
from core.notices.models import DeliveryStatus
from tests.helpers import form_post


def _issue(org, step="credit.entry:1:notified", actor=None):
    return documents.issue(
        actor, kind="credit.prior_notice", series="XYGZ", title="信用信息告知书",
        step_key=step, recipient_name=org.name, org_id=org.id,
        paragraphs=["经查，你单位未按期报送2025年度工作报告。", "如有异议，请于2026年6月24日前提出。"],
        items=[("法律依据", "《社会组织信用信息管理办法》第十条第一项"), ("异议期限", "10个工作日")])


def test_numbers_run_per_series_and_restart_each_year(app, make, writing, frozen_clock):
    org = make.org()
    frozen_clock.local(2026, 12, 31, 23, 50)
    first, second = _issue(org, "s:1"), _issue(org, "s:2")
    frozen_clock.local(2027, 1, 1, 0, 10)
    new_year = _issue(org, "s:3")
    assert [first.number, second.number, new_year.number] == [
        "XYGZ-2026-00001", "XYGZ-2026-00002", "XYGZ-2027-00001"]


def test_one_step_gets_one_document_however_often_it_is_issued(app, make, writing):
    org = make.org()
    assert _issue(org).id == _issue(org).id
    assert db.session.query(documents.NoticeDocument).count() == 1


def test_document_is_insert_only_and_its_hash_is_in_the_audit_chain(app, make, writing):
    org = make.org()
    doc = _issue(org)
    (rec,) = audit.history("notice_document", doc.id)
    assert rec.after_dict()["hash"] == doc.content_hash
    assert audit.verify_chain().ok
    doc.content = doc.content.replace("未按期", "按期")
    with pytest.raises(InsertOnlyViolation):
        db.session.flush()
    db.session.rollback()


def test_pdf_carries_the_text_number_and_verification(app, make, writing):
    org = make.org(name="常州市夕阳红养老服务中心")
    doc = _issue(org)
    text = "".join(page.extract_text() for page in PdfReader(
        io.BytesIO(documents.render_pdf(doc))).pages)
    compact = re.sub(r"\s+", "", text)
    for expected in ("信用信息告知书", "XYGZ-2026", "常州市夕阳红养老服务中心", "未按期报送2025年度工作报告",
                     "《社会组织信用信息管理办法》第十条第一项", "常州市民政局", doc.verification_code):
        assert re.sub(r"\s+", "", expected) in compact, expected


def test_public_verification_page_tells_genuine_from_altered(app, make, writing, client):
    org = make.org()
    doc = _issue(org)
    db.session.commit()
    page = client.get(f"/notices/verify/{doc.number}?code={doc.verification_code}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "真实有效" in html and "验证码一致" in html and "未按期" not in html  # no content
    wrong = client.get(f"/notices/verify/{doc.number}?code=0000").get_data(as_text=True)
    assert "验证码不一致" in wrong and "真实有效" not in wrong  # a wrong code is never green
    no_code = client.get(f"/notices/verify/{doc.number}").get_data(as_text=True)
    assert "请输入文书上印的验证码" in no_code and "真实有效" not in no_code
    assert client.get("/notices/verify/XYGZ-2026-99999").status_code == 404


def test_the_public_verification_page_sends_a_typed_number_to_its_issuer(app, make, writing,
                                                                         client):
    doc = _issue(make.org())
    db.session.commit()
    assert "证明与文书核验" in client.get("/").get_data(as_text=True)  # linked from the home page
    typed = client.get("/verify", query_string={"number": f" {doc.number.lower()} ",
                                                "code": doc.verification_code})
    assert typed.status_code == 302
    shown = client.get(typed.headers["Location"]).get_data(as_text=True)
    assert "真实有效" in shown
    unknown = client.get("/verify", query_string={"number": "not a number"})
    assert unknown.status_code == 404 and "查无此编号" in unknown.get_data(as_text=True)


def test_reading_the_inbox_message_is_the_receipt_and_confirms_delivery(
        app, make, writing, client, login_as, frozen_clock):
    frozen_clock.local(2026, 6, 10, 9, 0)
    org = make.org()
    manager = make.user("org_staff", org=org)
    outsider = make.user("org_staff", org=make.org())
    heard = []
    events.notice_delivered.connect(lambda sender, **kw: heard.append(kw), weak=False)
    doc = _issue(org)
    sent = delivery.deliver(None, doc)
    assert delivery.deliver(None, doc).id == sent.id  # never a second delivery of a step
    db.session.commit()
    message_id = sent.routes[0].outbox_message_id

    login_as(user=outsider)
    assert client.get(f"/inbox/{message_id}").status_code == 403
    refused = form_post(client, f"/inbox/{message_id}/read", {}, page="/inbox",
                        follow_redirects=True)
    assert "这不是您的消息" in refused.get_data(as_text=True)
    assert delivery.delivery_of(doc).status == DeliveryStatus.PENDING  # no receipt by others

    login_as(user=manager)
    assert "您有 1 条未读消息" in client.get("/").get_data(as_text=True)
    page = client.get(f"/inbox/{message_id}").get_data(as_text=True)
    assert "信用信息告知书" in page and "确认收悉" in page
    pdf = client.get(f"/notices/{doc.id}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    frozen_clock.local(2026, 6, 12, 16, 0)
    form_post(client, f"/inbox/{message_id}/read", {}, page=f"/inbox/{message_id}")
    state = delivery.delivery_of(doc)
    assert (state.status, state.delivered_on.isoformat(), state.delivered_by) == (
        "confirmed", "2026-06-12", "inbox")
    assert [h["delivered_on"].isoformat() for h in heard if h["document_id"] == doc.id] == [
        "2026-06-12"]
    assert "没有未读消息" in client.get("/").get_data(as_text=True)
    timeline = client.get(f"/inbox/{message_id}").get_data(as_text=True)
    assert "已送至消息箱" in timeline and "已阅读确认（回执）" in timeline
    form_post(client, f"/inbox/{message_id}/read", {}, page="/inbox")  # twice: still one receipt
    assert [a.outcome for a in delivery.timeline(doc)] == ["sent", "read"]


def test_pdf_is_refused_to_other_organizations(app, make, writing, client, login_as):
    doc = _issue(make.org())
    login_as(user=make.user("org_staff", org=make.org()))
    assert client.get(f"/notices/{doc.id}.pdf").status_code == 403
    login_as("regulator")
    assert client.get(f"/notices/{doc.id}.pdf").status_code == 200


def test_a_manager_confirms_the_organization_s_addresses_and_others_cannot(
        app, make, writing, client, login_as):
    org = make.org()
    manager = make.user("org_staff", org=org)
    staff = make.user("org_staff", org=org, org_role="staff")
    login_as(user=manager)
    page = form_post(client, "/inbox/addresses", {"owner": f"org:{org.id}",
                                                   "email": "office@org.example", "sms": ""},
                     follow_redirects=True).get_data(as_text=True)
    assert "送达地址已保存" in page and "o*****@org.example" in page
    assert [(c.channel, c.address) for c in delivery.contacts_of(org_id=org.id)] == [
        ("email", "office@org.example")]
    bad = form_post(client, "/inbox/addresses", {"owner": f"org:{org.id}", "sms": "12345"},
                    follow_redirects=True).get_data(as_text=True)
    assert "请填写 11 位手机号码" in bad and not [
        c for c in delivery.contacts_of(org_id=org.id) if c.channel == "sms"]
    login_as(user=staff)
    refused = form_post(client, "/inbox/addresses", {"owner": f"org:{org.id}",
                                                      "email": "evil@x.example"},
                        follow_redirects=True)
    assert "只有组织的管理员" in refused.get_data(as_text=True)
    assert delivery.contacts_of(org_id=org.id)[0].address == "office@org.example"
