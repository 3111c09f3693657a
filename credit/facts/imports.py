"""Importing credit facts from CSV or XLSX: every row is checked like a form entry; the report
names each bad row and field, and nothing is saved unless every row is good."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from core import spreadsheets
from core.errors import DomainError, ValidationFailed
from core.orgs.services import find_org_by_uscc
from credit.facts.records import Recording, build_fact, record_facts

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
COLUMNS = ("uscc", "kind", "subtype", "occurred_on", "source_department", "document_number",
           "evidence_ref", "summary", "amount_yuan", "result", "rectify_deadline", "grade",
           "valid_until", "substantiated", "report_year", "report_status", "responsibility",
           "related_fact_id")
ALIASES = {"统一社会信用代码": "uscc", "类别": "kind", "子类": "subtype", "形成日期": "occurred_on",
           "来源部门": "source_department", "文号": "document_number", "证据": "evidence_ref",
           "摘要": "summary", "金额": "amount_yuan", "检查结论": "result",
           "整改期限": "rectify_deadline", "等级": "grade", "有效期至": "valid_until",
           "是否属实": "substantiated", "报告年度": "report_year", "报送情况": "report_status",
           "事故责任": "responsibility", "所涉信息编号": "related_fact_id"}
DATES, INTS = ("occurred_on", "rectify_deadline", "valid_until"), (
    "amount_yuan", "grade", "report_year", "related_fact_id")


@dataclass
class ImportReport:
    rows: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # row, field, message
    saved: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def template_csv() -> bytes:
    sample = ["51320402MJ1234567X", "penalty", "warning", "2024-03-01", "常州市民政局",
              "常民罚〔2024〕1号", "卷宗 2024-001", "未按章程开展活动", "", "", "", "", "", "", "",
              "", "", ""]
    return spreadsheets.csv_bytes([COLUMNS, sample])


class TooManyRows(Exception):
    """The file has more than MAX_ROWS rows (reading stopped there)."""


def _read(filename: str, content: bytes) -> list[dict]:
    if len(content) > MAX_BYTES:
        raise ValidationFailed("credit.import_too_large", _l("文件过大（最多 5 MB）。"),
                               errors={"file": [str(_l("文件过大。"))]})
    if not filename.lower().endswith(".xlsx"):
        filename = "facts.csv"  # anything else is read as CSV, as the form's hint says
    try:
        rows = spreadsheets.read_table(filename, content, max_rows=MAX_ROWS)
    except spreadsheets.TableError as error:
        if error.kind == "too_many_rows":
            raise TooManyRows() from None
        raise ValidationFailed("credit.import_unreadable", _l("无法读取文件，请使用模板格式。"),
                               errors={"file": [error.detail or error.kind]}) from None
    if not rows:
        return []
    header = [ALIASES.get(str(h or "").strip(), str(h or "").strip()) for h in rows[0]]
    if "uscc" not in header or "kind" not in header:
        raise ValidationFailed("credit.import_header", _l("首行须为列名（见模板）。"),
                               errors={"file": [str(_l("缺少列：uscc、kind 等。"))]})
    return [dict(zip(header, r, strict=False)) for r in rows[1:]]


def _value(key: str, raw):
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if key in DATES:
        if isinstance(raw, datetime):
            return raw.date()
        return raw if isinstance(raw, date) else date.fromisoformat(str(raw).strip())
    if key in INTS:
        return int(float(raw))
    if key == "substantiated":
        return str(raw).strip().lower() in ("1", "true", "是", "属实", "yes")
    return str(raw).strip()


def _convert(n: int, raw: dict, report: ImportReport) -> tuple[int | None, dict]:
    data = {}
    for key in COLUMNS:
        try:
            data[key] = _value(key, raw.get(key))
        except (ValueError, TypeError):
            report.errors.append((n, key, str(_l("格式不对（日期为 YYYY-MM-DD，数字为整数）。"))))
    org = find_org_by_uscc(data.pop("uscc") or "")
    if org is None:
        report.errors.append((n, "uscc", str(_l("没有这个统一社会信用代码的组织。"))))
    return (org.id if org else None), data


def import_facts(actor, filename: str, content: bytes, today: date | None = None) -> ImportReport:
    """Check every row; save all of them (one audit record) only if none is wrong."""
    try:
        rows = _read(filename, content)
    except TooManyRows:
        report = ImportReport(rows=MAX_ROWS + 1)  # "more than": reading stopped there
        report.errors.append((0, "file", str(_l("一次最多导入 5000 行。"))))
        return report
    report = ImportReport(rows=len(rows))
    built = []
    for n, raw in enumerate(rows, start=2):  # row 1 is the header
        org_id, data = _convert(n, raw, report)
        if org_id is None or any(e[0] == n for e in report.errors):
            continue
        try:
            built.append(build_fact(actor, org_id, data,
                                    Recording(origin="import", recorded_on=today)))
        except DomainError as error:
            for key, messages in (error.errors or {"-": [error.text]}).items():
                report.errors.extend((n, key, m) for m in messages)
    if report.ok:
        record_facts(actor, built)
        report.saved = len(built)
    return report
