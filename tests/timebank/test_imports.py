"""Roster import: CSV (UTF-8 with BOM, GBK) and XLSX; good rows go in together, bad rows
come back with the line and the reason, nothing half-written."""

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from core import clock
from core.errors import PermissionDenied, ValidationFailed
from core.extensions import db
from tests.helpers import count_xlsx_rows, huge_xlsx
from timebank import imports, ledger
from timebank.models import ServiceSession
from timebank.vocabulary import SessionStatus

HEADER = "志愿者编号,身份证号码,姓名,开始时间,结束时间,服务类别,区县,服务地址,服务对象身份证号码,服务内容"


@pytest.fixture
def staff_api(tb, api_as):
    return api_as("org_staff", user=tb.staff)


def _day() -> str:
    return (clock.today() - timedelta(days=3)).isoformat()


def _csv(rows, encoding="utf-8-sig") -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode(encoding)


def _row(person, start="09:00", end="11:00", name=None, district="天宁区", category="助餐"):
    return (f"{person.volunteer_number},,{name or person.name},{_day()} {start},{_day()} {end},"
            f"{category},{district},红梅新村 5 幢,,送餐")


def test_good_rows_go_in_and_bad_rows_are_reported(tb):
    a, b, c = (tb.volunteer().person for _ in range(3))
    data = _csv([_row(a), _row(b, name="错名字"), _row(c, start="11:00", end="10:00"),
                 _row(a, start="10:00", end="12:00")])  # overlaps a's first row
    results = imports.import_roster(tb.staff, tb.org.id, "名单.csv", data, confirm=True)
    assert [(r.row, r.ok) for r in results] == [(2, True), (3, False), (4, False), (5, False)]
    assert "name" in results[1].errors
    assert results[2].code == "timebank.end_before_start"
    assert results[3].code == "timebank.overlap"
    assert db.session.execute(sa.select(sa.func.count()).select_from(ServiceSession)
                              ).scalar() == 1
    assert ledger.balances(a.id)[0] == 120
    assert ledger.verify().ok


def test_gbk_csv_from_excel_is_read(tb):
    person = tb.volunteer().person
    results = imports.import_roster(tb.staff, tb.org.id, "roster.csv",
                                    _csv([_row(person)], encoding="gbk"))
    assert [r.ok for r in results] == [True]


def test_xlsx_with_real_datetimes_is_read(tb):
    person = tb.volunteer().person
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    start = __import__("datetime").datetime.fromisoformat(f"{_day()} 14:00")
    sheet.append([person.volunteer_number, "", person.name, start,
                  start + timedelta(minutes=45), "陪伴聊天", "钟楼区", "某小区", "", "聊天"])
    buffer = io.BytesIO()
    book.save(buffer)
    results = imports.import_roster(tb.staff, tb.org.id, "r.xlsx", buffer.getvalue())
    assert results[0].ok and results[0].session.minutes == 45
    assert results[0].session.category == "companionship"


def test_a_file_without_the_required_columns_is_refused_whole(tb):
    with pytest.raises(ValidationFailed) as err:
        imports.import_roster(tb.staff, tb.org.id, "x.csv", b"a,b\n1,2\n")
    assert "file" in err.value.errors
    with pytest.raises(ValidationFailed):
        imports.import_roster(tb.staff, tb.org.id, "x.pdf", b"%PDF")
    with pytest.raises(ValidationFailed):
        imports.import_roster(tb.staff, tb.org.id, "x.xlsx", b"not a zip")


def test_only_the_organizations_staff_import_for_it(tb, make):
    with pytest.raises(PermissionDenied):
        imports.import_roster(make.user("org_staff", org=make.org()), tb.org.id, "r.csv",
                              _csv([]))


def test_templates_have_the_documented_columns(app):
    text = imports.template_csv().decode("utf-8-sig")
    assert text.splitlines()[0] == HEADER
    sheet = load_workbook(io.BytesIO(imports.template_xlsx())).active
    assert [c.value for c in sheet[1]] == HEADER.split(",")


def test_a_600k_row_workbook_is_refused_before_any_row_is_read(tb, staff_api, monkeypatch):
    """Before: openpyxl parsed all 600,000 rows (over a minute of a worker) before the row
    limit was checked. Now the file is refused from its size alone: no row is parsed."""
    parsed = count_xlsx_rows(monkeypatch)
    upload = staff_api.client.post(
        f"/api/v1/timebank/sessions/import?org_id={tb.org.id}",
        data={"file": (io.BytesIO(huge_xlsx(600_000)), "名单.xlsx")},
        headers={"Authorization": f"Bearer {staff_api.token}"},
        content_type="multipart/form-data")
    assert upload.status_code == 422, upload.json
    assert upload.json["errors"]["file"] == ["一次最多导入 2000 行。"]
    assert parsed["rows"] == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ServiceSession)) == 0


def test_a_long_workbook_is_read_only_up_to_the_row_limit(tb, monkeypatch):
    parsed = count_xlsx_rows(monkeypatch)
    with pytest.raises(ValidationFailed) as refused:
        imports.import_roster(tb.staff, tb.org.id, "名单.xlsx",
                              huge_xlsx(5000, dimension="A1:C5001"))
    assert refused.value.errors["file"] == ["一次最多导入 2000 行。"]
    assert parsed["rows"] <= imports.MAX_ROWS + 2


def test_log_many_puts_good_rows_in_and_lists_bad_rows(tb):
    a, b = tb.volunteer(), tb.volunteer()
    good = tb.data(a.person)
    bad = tb.data(b.person, recipient_person_id=424242, recipient_org_id=None)
    results = imports.log_many(tb.staff, [(1, "甲", good), (2, "乙", bad)],
                               source="roster", confirm=True)
    assert [r.ok for r in results] == [True, False]
    assert results[1].code == "timebank.unknown_recipient"
    assert results[0].session.status == SessionStatus.CONFIRMED
    assert ledger.balances(a.person.id)[0] == 120
    assert ledger.verify().ok
