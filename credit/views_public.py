"""Public pages: the published lists (search, filters, CSV/XLSX) and a subject's published
record. Published columns only. (The random-inspection draws are published by
``credit/inspections/views_public.py`` on the same blueprint.)"""

from __future__ import annotations

from flask import Blueprint, render_template, request

from core import clock, spreadsheets
from core.auth import PUBLIC, roles
from core.extensions import db
from core.orgs.services import districts
from credit import profile
from credit.lists import exports
from credit.models import EntryState, ListEntry
from credit.views import paged
from credit.vocabulary import LIST_LABELS, LIST_TYPES

public_bp = Blueprint("credit_public", __name__, url_prefix="/credit/public",
                      template_folder="templates")


def _filters() -> dict:
    status = request.args.get("status") if request.args.get("status") == "removed" else "current"
    return {"q": (request.args.get("q") or "").strip()[:100] or None,
            "district_id": request.args.get("district_id", type=int), "status": status}


@public_bp.get("/lists")
@roles(PUBLIC)
def lists_index():
    import sqlalchemy as sa

    counts = dict(db.session.execute(sa.select(ListEntry.list_type, sa.func.count()).where(
        ListEntry.state == EntryState.PUBLISHED).group_by(ListEntry.list_type)).all())
    return render_template("credit/public_lists.html", counts=counts, labels=LIST_LABELS,
                           list_types=LIST_TYPES)


@public_bp.get("/lists/<list_type>")
@roles(PUBLIC)
def published_list(list_type: str):
    args = _filters()
    rows, has_next, page = paged(exports.published_query(exports.check_list_type(list_type),
                                                          **args))
    return render_template("credit/public_list.html", list_type=list_type,
                           label=LIST_LABELS[list_type],
                           rows=[(e.org_id, exports.feed.entry_payload(e)) for e in rows],
                           has_next=has_next, page=page, args=args, districts=districts())


@public_bp.get("/lists/<list_type>/export.<any(csv, xlsx):fmt>")
@roles(PUBLIC)
def published_export(list_type: str, fmt: str):
    args = _filters()
    rows = db.session.execute(exports.published_query(exports.check_list_type(list_type),
                                                      **args).limit(20000)).scalars().all()
    body = exports.to_csv(rows) if fmt == "csv" else \
        exports.to_xlsx(rows, str(LIST_LABELS[list_type]))
    return spreadsheets.download(body, fmt, f"credit-{list_type}-{clock.today().isoformat()}")


@public_bp.get("/subjects/<int:org_id>")
@roles(PUBLIC)
def public_subject(org_id: int):
    view = profile.build(None, org_id, clock.today())
    return render_template("credit/public_subject.html", p=view,
                           payloads={e.id: exports.feed.entry_payload(e) for e in view.entries})
