"""Rosters: many sessions at once, typed on the roster page or imported from CSV or XLSX
(documented columns and a template), logged and optionally confirmed row by row; good rows go
in together, bad rows come back with their error."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l

from core import spreadsheets
from core.accounts.models import Person
from core.accounts.services import find_person_by_id_number, find_person_by_volunteer_number
from core.errors import DomainError, ValidationFailed
from core.extensions import db
from core.orgs.services import districts, require_member
from core.timeutil import local_tz
from timebank.confirmation import confirm_session
from timebank.models import ServiceSession
from timebank.sessions import log_session
from timebank.vocabulary import category_choices

MAX_ROWS = 2000
MAX_BYTES = 2 * 1024 * 1024

# (key, Chinese header, required, what it holds) — shown on the upload page and in the template.
COLUMNS = [
    ("volunteer_number", "志愿者编号", False, _l("志愿者编号与身份证号码至少填一项")),
    ("id_number", "身份证号码", False, _l("18 位身份证号码")),
    ("name", "姓名", True, _l("与实名登记一致，用于核对")),
    ("start", "开始时间", True, _l("如 2026-05-01 09:00（北京时间）")),
    ("end", "结束时间", True, _l("如 2026-05-01 11:30；不含往返路途时间")),
    ("category", "服务类别", True, _l("如 助餐、助洁、陪伴聊天、社区公益")),
    ("district", "区县", True, _l("如 天宁区")),
    ("address", "服务地址", True, _l("街道、小区、门牌")),
    ("recipient_id_number", "服务对象身份证号码", False, _l("留空则服务对象为本组织")),
    ("description", "服务内容", False, _l("简要说明")),
]
HEADER_TO_KEY = {zh: key for key, zh, _r, _d in COLUMNS} | {key: key for key, *_ in COLUMNS}
EXAMPLE = ["CZ00000001", "", "王秀英", "2026-05-01 09:00", "2026-05-01 11:30", "助餐",
           "天宁区", "天宁区红梅新村 12 幢", "", "为独居老人送餐"]


@dataclass
class RowResult:
    """One row of a roster or an import: the session made, or why it was refused."""

    row: int
    label: str
    session: ServiceSession | None = None
    code: str | None = None
    message: str | None = None
    errors: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.session is not None


def log_many(actor, rows: list[tuple[int, str, dict]], *, source: str, confirm: bool,
             now: datetime | None = None) -> list[RowResult]:
    """Log (and optionally confirm) many sessions; each row is all-or-nothing (a savepoint),
    good rows go in together, bad rows come back with their error."""
    results = []
    for number, label, data in rows:
        result = RowResult(number, label)
        savepoint = db.session.begin_nested()
        try:
            session = log_session(actor, data, source=source, now=now)
            if confirm:
                confirm_session(actor, session.id, now=now)
            savepoint.commit()
            result.session = session
        except DomainError as error:
            savepoint.rollback()
            result.code, result.message, result.errors = error.code, error.text, error.errors
        results.append(result)
    return results


def _template() -> list[list[str]]:
    return [[zh for _k, zh, _r, _d in COLUMNS], EXAMPLE]


def template_csv() -> bytes:
    return spreadsheets.csv_bytes(_template())


def template_xlsx() -> bytes:
    return spreadsheets.xlsx_bytes([spreadsheets.Sheet("名单", _template(), bold_rows=(1,))])


def _bad_file(message) -> ValidationFailed:
    return ValidationFailed("timebank.bad_import_file", message, errors={"file": [str(message)]})


TABLE_ERRORS = {
    "format": _l("只支持 CSV 或 XLSX 文件。"),
    "encoding": _l("无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV。"),
    "unreadable": _l("无法读取文件，请使用模板格式。"),
    "too_many_rows": _l("一次最多导入 2000 行。"),
}


def read_rows(filename: str, data: bytes) -> list[dict]:
    """The rows of the file as {column key: text or datetime}, header names mapped. Reading
    stops at the row limit (core.spreadsheets.read_table)."""
    if not data:
        raise _bad_file(_l("请选择要上传的文件。"))
    if len(data) > MAX_BYTES:
        raise _bad_file(_l("文件过大（最大 2 MB）。"))
    try:
        table = spreadsheets.read_table(filename, data, max_rows=MAX_ROWS)
    except spreadsheets.TableError as error:
        raise _bad_file(TABLE_ERRORS[error.kind]) from None
    if not table:
        raise _bad_file(_l("文件是空的。"))
    header = [HEADER_TO_KEY.get(str(h or "").strip()) for h in table[0]]
    if "start" not in header or "end" not in header or "name" not in header:
        raise _bad_file(_l("缺少必要的列（姓名、开始时间、结束时间…），请使用模板。"))
    rows = [dict(zip(header, row, strict=False)) for row in table[1:]]
    return [{k: v for k, v in row.items() if k} for row in rows]


def _when(value) -> datetime | None:
    if isinstance(value, datetime):
        return value.replace(tzinfo=local_tz()) if value.tzinfo is None else value
    text = str(value or "").strip().replace("/", "-").replace("T", " ")
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=local_tz())
        except ValueError:
            continue
    return None


def _person(row: dict) -> Person | None:
    number = str(row.get("volunteer_number") or "").strip()
    id_number = str(row.get("id_number") or "").strip()
    if number:
        return find_person_by_volunteer_number(number)
    return find_person_by_id_number(id_number) if id_number else None


def _category(value) -> str | None:
    text = str(value or "").strip()
    open_now = category_choices()
    if text in {code for code, _label in open_now}:
        return text
    return next((code for code, label in open_now if str(label) == text), None)


def to_session_data(row: dict, org_id: int, district_ids: dict) -> dict:
    """One import row as ``log_session`` data; a ValidationFailed names what is wrong."""
    errors = {}
    person = _person(row)
    if person is None:
        errors["volunteer_number"] = [str(_l("找不到该志愿者（编号或身份证号码）。"))]
    elif str(row.get("name") or "").strip() != person.name:
        errors["name"] = [str(_l("姓名与实名登记不一致。"))]
    start, end = _when(row.get("start")), _when(row.get("end"))
    if start is None:
        errors["start"] = [str(_l("时间格式应为 2026-05-01 09:00。"))]
    if end is None:
        errors["end"] = [str(_l("时间格式应为 2026-05-01 11:30。"))]
    category = _category(row.get("category"))
    if category is None:
        errors["category"] = [str(_l("服务类别不在目录中。"))]
    district_id = district_ids.get(str(row.get("district") or "").strip())
    if district_id is None:
        errors["district"] = [str(_l("区县名称不正确。"))]
    recipient = None
    if str(row.get("recipient_id_number") or "").strip():
        recipient = find_person_by_id_number(str(row["recipient_id_number"]))
        if recipient is None:
            errors["recipient_id_number"] = [str(_l("找不到该服务对象。"))]
    if errors:
        raise ValidationFailed("timebank.import_bad_row", _l("该行有误。"), errors=errors)
    return {"volunteer_id": person.id, "recipient_person_id": recipient.id if recipient else None,
            "recipient_org_id": None if recipient else org_id, "org_id": org_id,
            "category": category, "district_id": district_id,
            "address": str(row.get("address") or "").strip(), "start": start,
            "end": end, "description": str(row.get("description") or "").strip()}


def import_roster(actor, org_id: int, filename: str, data: bytes,
                  confirm: bool = False) -> list[RowResult]:
    """Import a roster for ``org_id``: every good row is logged (and confirmed when asked),
    every bad row comes back with its line number and error. Nothing half-written."""
    require_member(actor, org_id)
    rows = read_rows(filename, data)
    district_ids = {d.name: d.id for d in districts()}
    prepared, results = [], []
    for number, row in enumerate(rows, start=2):  # line 1 is the header
        label = str(row.get("name") or "").strip() or "-"
        try:
            prepared.append((number, label, to_session_data(row, org_id, district_ids)))
        except ValidationFailed as error:
            results.append(RowResult(number, label, code=error.code, message=error.text,
                                     errors=error.errors))
    results += log_many(actor, prepared, source="import", confirm=confirm)
    db.session.flush()
    return sorted(results, key=lambda r: r.row)
