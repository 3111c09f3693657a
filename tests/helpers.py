"""Small helpers for tests: CSRF tokens from rendered forms, spreadsheets as an attacker
would make them."""

from __future__ import annotations

import io
import re
import zipfile

from openpyxl import Workbook

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token(html: bytes | str) -> str:
    text = html.decode() if isinstance(html, bytes) else html
    match = _CSRF.search(text)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


def form_post(client, url: str, data: dict, *, page: str | None = None, **kwargs):
    """GET ``page`` (default ``url``) for its CSRF token, then POST ``data`` to ``url``."""
    token = csrf_token(client.get(page or url).data)
    return client.post(url, data={"csrf_token": token, **data}, **kwargs)


def huge_xlsx(rows: int, header=("姓名", "开始时间", "结束时间"), dimension: str | None = None
              ) -> bytes:
    """An XLSX of ``rows`` identical data rows, written straight as XML (openpyxl would take
    minutes to write it); it compresses to a few hundred kilobytes, as an attacker's file
    would. ``dimension`` is the ``<dimension ref>`` it claims (None: none, as crafted)."""
    book = Workbook()
    book.active.append(list(header))
    seed = io.BytesIO()
    book.save(seed)
    cells = "".join(f'<c t="inlineStr"><is><t>{v}</t></is></c>' for v in header)
    data = "<row><c><v>1</v></c><c><v>2</v></c></row>"  # short rows: quick to build
    sheet_xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                 '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                 + (f'<dimension ref="{dimension}"/>' if dimension else "")
                 + f'<sheetData><row>{cells}</row>{data * rows}</sheetData></worksheet>')
    out = io.BytesIO()
    with zipfile.ZipFile(seed) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = sheet_xml.encode()
            z.writestr(item.filename, content)
    return out.getvalue()


def count_xlsx_rows(monkeypatch) -> dict:
    """Count the rows openpyxl's read-only reader hands out, whoever asks for them:
    ``seen["rows"]``."""
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    seen = {"rows": 0}
    original = ReadOnlyWorksheet._cells_by_row

    def counting(self, *args, **kwargs):
        for row in original(self, *args, **kwargs):
            seen["rows"] += 1
            yield row

    monkeypatch.setattr(ReadOnlyWorksheet, "_cells_by_row", counting)
    return seen


class Statements:
    """Counts the SQL statements sent while it is open: ``with Statements() as sql: …``,
    then ``sql.count`` (a page whose count grows with its lines loads lazily per line)."""

    def __enter__(self):
        from sqlalchemy import event

        from core.extensions import db

        self.count, self.seen, self._engine = 0, [], db.engine
        event.listen(self._engine, "before_cursor_execute", self._seen)
        return self

    def _seen(self, _conn, _cursor, statement, *_args, **_kwargs):
        if statement.split(None, 1)[0].upper() in ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT",
                                                    "RELEASE"):
            return  # transaction control (SQLite's explicit BEGIN), not a read
        self.count += 1
        self.seen.append(statement)

    def __exit__(self, *_exc):
        from sqlalchemy import event

        event.remove(self._engine, "before_cursor_execute", self._seen)
