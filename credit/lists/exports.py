"""Published lists for the public page and for download (CSV with BOM, XLSX, written by
``core.spreadsheets``): only the published columns of DOMAIN.md, never ID numbers, phones or
addresses of persons."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from core import spreadsheets
from core.errors import NotFound
from core.orgs.models import Organization
from credit.lists import feed
from credit.models import EntryGround, EntryState, ListEntry
from credit.vocabulary import LIST_TYPES

COLUMNS = [
    ("list_name", _l("名单")), ("name", _l("主体名称")), ("uscc", _l("统一社会信用代码")),
    ("legal_representative", _l("法定代表人")), ("registering_authority", _l("登记管理机关")),
    ("responsible_persons", _l("责任人")), ("reason", _l("列入事由")),
    ("legal_basis", _l("列入依据")), ("facts", _l("相关信息（日期、文号）")),
    ("decision_date", _l("决定日期")), ("decision_document", _l("决定文号")),
    ("decided_by", _l("作出决定机关")), ("valid_until", _l("有效期至")),
    ("removal_date", _l("移出日期")), ("removal_reason", _l("移出原因")),
    ("measures", _l("适用措施")),
    ("current_identity", _l("经批准变更后的名称、代码")),
]


def check_list_type(list_type: str) -> str:
    if list_type not in LIST_TYPES:
        raise NotFound("credit.unknown_list", _l("没有这个名单。"))
    return list_type


def published_query(list_type: str, q: str | None = None, district_id: int | None = None,
                    status: str = "current"):
    """Published entries of one list (``current``) or those since removed (``removed``),
    latest decisions first (in the order of ``ix_credit_entry_list_state_decided``). The
    subject's table is joined only to search or filter by it: the page count then stays an
    index-only count of the list. Each line's subject, district and facts come with the page
    (two or three queries in all, not four per line)."""
    state = EntryState.PUBLISHED if status == "current" else EntryState.REMOVED
    query = (sa.select(ListEntry)
             .where(ListEntry.list_type == check_list_type(list_type), ListEntry.state == state,
                    ListEntry.decided_on.isnot(None))
             .order_by(ListEntry.decided_on.desc(), ListEntry.id.desc())
             .options(selectinload(ListEntry.grounds).joinedload(EntryGround.fact)))
    if not (q or district_id):
        return query.options(joinedload(ListEntry.organization).joinedload(Organization.district))
    query = query.join(Organization, Organization.id == ListEntry.org_id).options(
        contains_eager(ListEntry.organization).joinedload(Organization.district))
    if q:  # the identity the decision named, and the current one after an approved change
        like = f"%{q.strip()}%"
        query = query.where(sa.or_(Organization.name.ilike(like), Organization.uscc.ilike(like),
                                   ListEntry.subject_name.ilike(like),
                                   ListEntry.subject_uscc.ilike(like)))
    if district_id:
        query = query.where(Organization.district_id == district_id)
    return query


def row(entry: ListEntry) -> list[str]:
    data = feed.entry_payload(entry)
    flat = {**data, **data["subject"]}
    flat["responsible_persons"] = "、".join(data["responsible_persons"])
    flat["facts"] = "；".join(f"{f['date']} {f['label']} {f['document_number']}"
                             for f in data["facts"])
    flat["measures"] = "；".join(f"{m['label']}（{m['department'] or ''}）"
                                for m in data["measures"])
    if current := data["current_subject"]:
        flat["current_identity"] = f"{current['name']} {current['uscc']}"
    return [str(flat.get(key) or "") for key, _label in COLUMNS]


def _table(entries):
    yield [str(label) for _k, label in COLUMNS]
    for entry in entries:
        yield row(entry)


def to_csv(entries) -> bytes:
    return spreadsheets.csv_bytes(_table(entries))


def to_xlsx(entries, title: str) -> bytes:
    return spreadsheets.xlsx_bytes([spreadsheets.Sheet(title, _table(entries), bold_rows=(1,))])
