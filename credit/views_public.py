"""Public pages: the published lists (search, filters, CSV/XLSX) and a subject's published
record. Published columns only. (The random-inspection draws are published by
``credit/inspections/views_public.py`` on the same blueprint.)"""

from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from flask import Blueprint, render_template
from marshmallow import validate

from core import clock
from core.auth import PUBLIC, roles
from core.extensions import db
from core.orgs.services import districts
from core.web.pages import QueryArgs, export, paginate, query_args
from credit import profile
from credit.lists import exports
from credit.models import EntryState, ListEntry
from credit.vocabulary import LIST_LABELS, LIST_TYPES

# Twenty lines a page: a public list is read on phones (one short card per line there).
PER_PAGE = 20

public_bp = Blueprint("credit_public", __name__, url_prefix="/credit/public",
                      template_folder="templates")


class ListFilter(QueryArgs):
    """Search, district and current/removed entries of a published list."""

    q = ma.fields.String()
    district_id = ma.fields.Integer()
    status = ma.fields.String(validate=validate.OneOf(["current", "removed"]),
                              load_default="current")

    @ma.post_load
    def _short_search(self, data, **_kwargs):
        data["q"] = (data.get("q") or "")[:100] or None
        return data


def _filters() -> dict:
    return query_args(ListFilter)


@public_bp.get("/lists")
@roles(PUBLIC)
def lists_index():
    counts = dict(db.session.execute(sa.select(ListEntry.list_type, sa.func.count()).where(
        ListEntry.state == EntryState.PUBLISHED).group_by(ListEntry.list_type)).all())
    return render_template("credit/public_lists.html", counts=counts, labels=LIST_LABELS,
                           list_types=LIST_TYPES)


@public_bp.get("/lists/<list_type>")
@roles(PUBLIC)
def published_list(list_type: str):
    args = _filters()
    page = paginate(exports.published_query(exports.check_list_type(list_type), **args),
                    PER_PAGE, count=True)
    return render_template("credit/public_list.html", list_type=list_type,
                           label=LIST_LABELS[list_type],
                           rows=[(e.org_id, exports.feed.entry_payload(e)) for e in page.rows],
                           page=page, args=args, districts=districts())


@public_bp.get("/lists/<list_type>/export.<any(csv, xlsx):fmt>")
@roles(PUBLIC)
def published_export(list_type: str, fmt: str):
    args = _filters()
    rows = db.session.execute(exports.published_query(exports.check_list_type(list_type),
                                                      **args).limit(20000)).scalars().all()
    return export(fmt, f"credit-{list_type}-{clock.today().isoformat()}",
                  {"csv": lambda: exports.to_csv(rows),
                   "xlsx": lambda: exports.to_xlsx(rows, str(LIST_LABELS[list_type]))},
                  code="credit.bad_format")


@public_bp.get("/subjects/<int:org_id>")
@roles(PUBLIC)
def public_subject(org_id: int):
    view = profile.build(None, org_id, clock.today())
    return render_template("credit/public_subject.html", p=view,
                           payloads={e.id: exports.feed.entry_payload(e) for e in view.entries})
