"""Due process reaches the subject: each step produces a numbered notice (PDF text checked),
delivered to the organization; the entry is notified on the first confirmed delivery (here the
manager's read receipt, or the end of a public notice), and the window runs from that day."""

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader

from core import jobs, workdays
from core.errors import Conflict
from core.extensions import db
from core.notices import delivery, documents
from credit.lists import entries, notices, objections, scan
from tests.credit.factories import notified, record
from tests.helpers import form_post

D = date


def _text(step_key: str) -> str:
    pdf = documents.render_pdf(documents.by_step(step_key))
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))


def _proposed(org, day):
    record(org, "penalty", "warning", day, document_number="常民罚〔2026〕5号")
    (entry,) = scan.run_scan(None, day, ("abnormal",))
    return entry


def test_prior_notice_says_what_why_what_follows_and_how_to_object(app, society, regulator,
                                                                   writing):
    workdays.load_shipped()
    entry = _proposed(society, D(2026, 9, 24))
    entries.notify(regulator, entry, D(2026, 9, 24))
    text = _text(notices.step_key(entry.id, "notified"))
    for expected in ("信用信息告知书", "XYGZ-2026-", society.name, "受到警告",
                     "常民罚〔2026〕5号", "《社会组织信用信息管理办法》", "第十条第（五）项",
                     "社会组织活动异常名录", "不得承接政府购买服务",
                     "自本告知书送达之日起10个工作日内", "我的信用记录", "公告送达", "常州市民政局"):
        assert expected in text, expected
    with pytest.raises(Conflict):  # a step is told once
        entries.notify(regulator, entry, D(2026, 9, 25))
    assert len(documents.NoticeDocument.query.all()) == 1


def test_the_window_runs_from_the_managers_read_receipt_across_national_day(
        app, society, regulator, make, client, login_as, frozen_clock):
    """Served on Tuesday 29 September 2026 by the read receipt: 10 working days skip the
    National Day holiday (1-7 October), count Saturday 10 October (调休上班), end 19 October."""
    workdays.load_shipped()
    manager = make.user("org_staff", org=society)
    frozen_clock.local(2026, 9, 28, 9, 0)
    entry = _proposed(society, D(2026, 9, 28))
    entries.notify(regulator, entry, D(2026, 9, 28))
    db.session.commit()
    assert entry.notified_on is None and entry.objection_due is None
    frozen_clock.local(2026, 9, 29, 20, 0)
    login_as(user=manager)
    (message,) = [m for m in client.get("/inbox").get_data(as_text=True).split('href="/inbox/')
                  [1:] if "信用信息告知书" in m]
    message_id = int(message.split('"')[0])
    form_post(client, f"/inbox/{message_id}/read", {}, page=f"/inbox/{message_id}")
    db.session.refresh(entry)
    assert entry.notified_on == D(2026, 9, 29)
    # 9/30 · (1-7 Oct off) · 10/8, 10/9, Sat 10/10 (调休), 10/12 … 10/16, 10/19: the 10th.
    assert entry.objection_due == D(2026, 10, 19)
    page = client.get(f"/credit/entries/{entry.id}").get_data(as_text=True)
    assert "告知书于 2026-09-29 送达，异议期至 2026-10-19" in page
    assert "已阅读确认（回执）" in page


def test_unconfirmed_notice_goes_to_public_notice_and_the_window_follows(
        app, society, regulator, client, frozen_clock):
    workdays.load_shipped()
    frozen_clock.local(2026, 3, 2, 9, 0)
    entry = _proposed(society, D(2026, 3, 2))
    entries.notify(regulator, entry, D(2026, 3, 2))
    db.session.commit()
    frozen_clock.local(2026, 3, 12, 9, 30)
    assert jobs.run_job("notices.public_notice").counts == {"public_notices": 1}
    db.session.refresh(entry)
    assert entry.notified_on == D(2026, 4, 11)  # 30 days after the public notice
    assert entry.objection_due == workdays.add_working_days(D(2026, 4, 11), 10)
    assert society.name in client.get("/notices/public").get_data(as_text=True)


def test_every_step_has_its_document(app, society, regulator, make, writing):
    workdays.load_shipped()
    staff = make.user("org_staff", org=society)
    entry = _proposed(society, D(2025, 3, 3))
    notified(regulator, entry, D(2025, 3, 3))
    objection = objections.file_objection(staff, society.id, "该警告已被撤销", entry_id=entry.id,
                                          today=D(2025, 3, 5))
    assert "异议受理回执" in _text(f"credit.objection:{objection.id}:received")
    objections.decide_objection(regulator, objection, "rejected", "警告决定有效",
                                today=D(2025, 3, 10))
    decided = _text(f"credit.objection:{objection.id}:decided")
    assert "异议处理决定书" in decided and "异议不成立" in decided and "行政复议" in decided
    entries.publish(regulator, entry, "常民信决〔2025〕3号", D(2025, 3, 20))
    listing = _text(notices.step_key(entry.id, "published"))
    assert "信用名单列入决定书" in listing and "常民信决〔2025〕3号" in listing
    assert "六十日内" in listing and "信用修复" in listing
    entries.remove(regulator, entry, "manual", "整改完毕", D(2025, 10, 9))
    assert "移出信用名单决定书" in _text(notices.step_key(entry.id, "removed"))
    other = _proposed(make.org(), D(2025, 4, 1))
    entries.notify(regulator, other, D(2025, 4, 1))
    entries.cancel(regulator, other, "经复核不负直接责任", D(2025, 4, 3))
    assert "撤销拟列入事项告知书" in _text(notices.step_key(other.id, "cancelled"))
    numbers = [d.number for d in documents.NoticeDocument.query.order_by(
        documents.NoticeDocument.id)]
    assert len(numbers) == len(set(numbers)) == 7
    assert all(delivery.delivery_of(d) for d in documents.NoticeDocument.query.all())
