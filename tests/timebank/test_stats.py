"""Regulators' statistics and their exports (timebank.stats)."""

import io
from datetime import date, time, timedelta

from openpyxl import load_workbook

from core import clock
from core.extensions import db
from core.timeutil import local_datetime
from timebank import stats


def test_statistics_count_confirmed_hours_by_district_category_month_and_org(tb):
    a, b = tb.volunteer(), tb.volunteer()
    year = clock.today().year - 1
    june = local_datetime(date(year, 6, 15), time(9))
    tb.confirmed(a, start=june, end=june + timedelta(hours=2))
    tb.confirmed(b, start=june, end=june + timedelta(hours=1), category="cleaning")
    tb.session(b, start=june + timedelta(days=1), end=june + timedelta(days=1, hours=1))
    data = stats.compute(year)
    assert data.total_minutes == 180 and data.sessions == 2 and data.active_volunteers == 2
    assert dict(data.by_district)["天宁区"] == 180
    assert dict(data.by_month)[f"{year}-06"] == 180
    assert sum(m for _n, m in data.by_month) == 180
    assert data.top_orgs[0][0] == tb.org.name and data.top_orgs[0][2] == 2
    assert {n for n, _m in data.by_category} == {"助餐", "助洁"}
    assert stats.compute(year + 1).total_minutes == 0


def test_csv_export_has_a_bom_for_excel_and_xlsx_opens(tb):
    tb.confirmed(tb.volunteer())
    data = stats.compute(clock.today().year)
    body = stats.to_csv(data)
    assert body.startswith("\ufeff".encode()) and "按区县".encode() in body
    book = load_workbook(io.BytesIO(stats.to_xlsx(data)))
    assert "按区县" in book.sheetnames


def test_exports_neutralize_names_a_spreadsheet_would_run(tb):
    """An organization named like a formula reaches the regulator's Excel as text."""
    tb.org.name = "=cmd|' /C calc'!A0"
    db.session.flush()
    tb.confirmed(tb.volunteer())
    data = stats.compute(clock.today().year)
    text = stats.to_csv(data).decode("utf-8-sig")
    assert "'=cmd|' /C calc'!A0" in text and "\n=cmd" not in text
    sheet = load_workbook(io.BytesIO(stats.to_xlsx(data)))["组织排名"]
    name = sheet.cell(row=2, column=1)
    assert name.value == "'=cmd|' /C calc'!A0" and name.data_type == "s"
    assert sheet.cell(row=2, column=2).value == round(data.top_orgs[0][1] / 60, 1)

