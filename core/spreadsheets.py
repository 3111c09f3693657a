"""CSV and XLSX files in and out, the one way every package writes and reads them.

Exports: a cell whose text starts with ``= + - @``, a tab or a carriage return is a formula to
Excel, LibreOffice and WPS ("CSV injection": a name like ``=HYPERLINK(...)`` typed into a form
runs when a regulator opens the download). Every text cell is neutralized with a leading
apostrophe, in CSV and XLSX alike (OWASP's advice; the apostrophe also survives a conversion
from one format to the other), and XLSX cells are never formulas. Numbers stay numbers.
CSV is UTF-8 with a BOM so Excel reads Chinese text.

Imports: ``read_table`` reads at most ``max_rows`` rows and stops there (XLSX in openpyxl's
read-only streaming mode, CSV row by row), so a 600,000-row file costs what the limit costs.
Read-only mode alone is not enough: openpyxl first looks for the sheet's ``<dimension>`` and,
in a file crafted without one, parses the whole sheet to find it; and a dimension that
understates the rows would make it stop early and drop rows silently. So an XLSX whose
uncompressed parts exceed a budget proportional to the row limit is refused before openpyxl
opens it (a zip bomb too), and the dimension is never trusted for where to stop.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from flask import Response

CSV_MIME = "text/csv; charset=utf-8"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_COLUMNS = 64  # imports: columns past this are not read
EMPTY_ROWS_PER_ROW = 5  # imports: empty rows tolerated per allowed row
# imports: uncompressed XLSX bytes allowed (a real 10-column row is under 1 KB of XML).
XLSX_FIXED_BYTES, XLSX_BYTES_PER_ROW = 1024 * 1024, 2048
# XML 1.0 cannot carry these; openpyxl refuses them (a 500 on export otherwise).
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_TITLE_BAD = re.compile(r"[\[\]:*?/\\]")


# --- export --------------------------------------------------------------------------------

def safe_cell(value):
    """The value as a spreadsheet should hold it: text that a spreadsheet would run as a
    formula gets a leading apostrophe; numbers, dates and None pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(rows: Iterable[Sequence]) -> bytes:
    """Rows as CSV (UTF-8 with BOM), every cell neutralized."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@dataclass
class Sheet:
    """One worksheet: a title, rows, the 1-based numbers of rows drawn bold, column widths."""

    title: str
    rows: Iterable[Sequence]
    bold_rows: tuple[int, ...] = ()
    widths: dict[str, float] = field(default_factory=dict)


def xlsx_bytes(sheets: Iterable[Sheet]) -> bytes:
    """Sheets as one XLSX workbook, every text cell neutralized and stored as text."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet in sheets:
        ws = book.create_sheet(sheet_title(sheet.title))
        for column, width in sheet.widths.items():
            ws.column_dimensions[column].width = width
        for number, row in enumerate(sheet.rows, start=1):
            cells = []
            for value in row:
                cell = WriteOnlyCell(ws, value=_xlsx_value(value))
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text, never a formula
                if number in sheet.bold_rows:
                    cell.font = bold
                cells.append(cell)
            ws.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_value(value):
    value = safe_cell(value)
    if isinstance(value, str):
        return _ILLEGAL_XML.sub("", value)
    return value


def sheet_title(title) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of ``[]:*?/\\``."""
    return (_SHEET_TITLE_BAD.sub(" ", str(title)).strip() or "Sheet")[:31]


def download(body: bytes, fmt: str, filename: str) -> Response:
    """A CSV or XLSX download (``fmt`` "csv" or "xlsx"); ``filename`` without extension."""
    mime = XLSX_MIME if fmt == "xlsx" else CSV_MIME
    response = Response(body, mimetype=mime)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


# --- import --------------------------------------------------------------------------------

class TableError(Exception):
    """A spreadsheet that cannot be read; ``kind`` is ``unreadable``, ``encoding``,
    ``format`` or ``too_many_rows``, for the caller to turn into its own message."""

    def __init__(self, kind: str, detail: str = ""):
        super().__init__(kind)
        self.kind, self.detail = kind, detail


def read_table(filename: str, data: bytes, *, max_rows: int,
               encodings: Sequence[str] = ("utf-8-sig", "gb18030")) -> list[list]:
    """The header row and up to ``max_rows`` non-empty rows of a CSV or XLSX file.

    Reading stops with ``too_many_rows`` at the first non-empty row past ``max_rows``, or
    past ``EMPTY_ROWS_PER_ROW × max_rows`` empty rows (formatted but empty rows of a
    spreadsheet are common; a million of them is not a roster), so the work is bounded by the
    limit, not by the file. Nothing past the limit is ever dropped silently."""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(data, XLSX_FIXED_BYTES + XLSX_BYTES_PER_ROW * max_rows)
    elif name.endswith((".csv", ".txt")):
        rows = _csv_rows(_decode(data, encodings))
    else:
        raise TableError("format")
    table: list[list] = []
    empty = 0
    try:
        for row in rows:
            if not any(str(c).strip() for c in row if c is not None):
                empty += 1
                if empty > EMPTY_ROWS_PER_ROW * max_rows:
                    raise TableError("too_many_rows", "empty rows")
                continue
            if len(table) > max_rows:  # header + max_rows already taken
                raise TableError("too_many_rows")
            table.append(list(row))
    except csv.Error as exc:
        raise TableError("unreadable", str(exc)[:200]) from None
    return table


def _decode(data: bytes, encodings: Sequence[str]) -> str:
    for encoding in encodings:  # UTF-8 (with or without BOM), GBK as Excel saves it
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError("encoding")


def _csv_rows(text: str):
    for row in csv.reader(io.StringIO(text)):
        yield row[:MAX_COLUMNS]


def _xlsx_rows(data: bytes, budget: int):
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:  # the central directory only
            unpacked = sum(item.file_size for item in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise TableError("unreadable", type(exc).__name__) from None
    if unpacked > budget:  # zipfile never inflates a part past its declared size
        raise TableError("too_many_rows", f"{unpacked} bytes unpacked")
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise TableError("unreadable", type(exc).__name__) from None
    sheet.reset_dimensions()  # read the rows that are there, not the ones it claims
    return _xlsx_stream(book, sheet)


def _xlsx_stream(book, sheet):
    try:
        yield from sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
    except Exception as exc:  # damage found while streaming
        raise TableError("unreadable", type(exc).__name__) from None
    finally:
        book.close()  # read-only mode keeps the archive open until closed
