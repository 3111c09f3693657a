"""Catalogues the bureau runs without a release (joint measures, service categories): items
with versions and effective dates, kept insert-only so every earlier version stays readable.

A package registers a catalogue with its shipped defaults (``register_catalogue``); those
count as version 0 of each item until someone changes or confirms it on the admin page or
the API. Each change is a new row: a new version of the item (renamed, edited, confirmed or
retired) taking effect on its date. ``items(name, on=day)`` is the catalogue in force on a
day; ``version(name)`` grows with every change, so consumers can tell which one they hold."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from core import audit, clock
from core.db import InsertOnly, UTCDateTime, make_insert_only
from core.errors import NotFound, ValidationFailed
from core.extensions import db


class CatalogueEntry(InsertOnly, db.Model):
    """One version of one item of one catalogue."""

    __tablename__ = "catalogue_entry"
    __table_args__ = (sa.UniqueConstraint("catalogue", "code", "version"),
                      sa.Index("ix_catalogue_entry_lookup", "catalogue", "code"))

    id: Mapped[int] = mapped_column(primary_key=True)
    catalogue: Mapped[str] = mapped_column(sa.String(40))
    code: Mapped[str] = mapped_column(sa.String(60))
    version: Mapped[int]
    label: Mapped[str] = mapped_column(sa.String(200))
    fields: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    effective_from: Mapped[date] = mapped_column(sa.Date)
    retired: Mapped[bool] = mapped_column(default=False)
    to_verify: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))


make_insert_only(CatalogueEntry.__table__)


@dataclass(frozen=True)
class Item:
    """An item as in force on a day (``version`` 0: the shipped default, never changed)."""

    code: str
    label: str  # a lazy (translated) string for a shipped default
    fields: dict
    version: int
    effective_from: date | None
    retired: bool
    to_verify: bool


@dataclass(frozen=True)
class Catalogue:
    name: str
    title: object  # lazy string
    fields: dict = field(default_factory=dict)  # field name → label (lazy), shown and edited
    defaults: tuple = ()  # (code, label, fields) shipped with the release
    defaults_to_verify: bool = False  # shipped text not yet checked against the source
    choices: dict = field(default_factory=dict)  # field name → allowed values, when closed


_CATALOGUES: dict[str, Catalogue] = {}


def register_catalogue(catalogue: Catalogue) -> None:
    _CATALOGUES[catalogue.name] = catalogue


def registered() -> list[Catalogue]:
    return sorted(_CATALOGUES.values(), key=lambda c: c.name)


def get_catalogue(name: str) -> Catalogue:
    try:
        return _CATALOGUES[name]
    except KeyError:
        raise NotFound("catalogues.not_found", _l("没有这个目录。")) from None


def _all_rows(name: str) -> list[CatalogueEntry]:
    """Every version of a catalogue, read once per transaction (pages label many rows)."""
    cache = db.session.info.setdefault("catalogue_rows", {})
    if name not in cache:
        cache[name] = _rows(name)
    return cache[name]


def _forget(session=None) -> None:
    (session or db.session).info.pop("catalogue_rows", None)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _transaction_ended(session) -> None:
    _forget(session)


def _rows(name: str, code: str | None = None) -> list[CatalogueEntry]:
    query = sa.select(CatalogueEntry).where(CatalogueEntry.catalogue == name)
    if code is not None:
        query = query.where(CatalogueEntry.code == code)
    return list(db.session.execute(query.order_by(CatalogueEntry.code,
                                                  CatalogueEntry.version)).scalars())


def _default_items(catalogue: Catalogue) -> dict[str, Item]:
    return {code: Item(code, label, dict(fields), 0, None, False, catalogue.defaults_to_verify)
            for code, label, fields in catalogue.defaults}


def _in_force(rows: list[CatalogueEntry], on: date) -> CatalogueEntry | None:
    live = [r for r in rows if r.effective_from <= on]
    return max(live, key=lambda r: (r.effective_from, r.version)) if live else None


def all_items(name: str, on: date | None = None, include_retired: bool = False) -> list[Item]:
    """The catalogue in force on ``on`` (today): defaults overlaid by every change in force."""
    catalogue = get_catalogue(name)
    on = on or clock.today()
    items = _default_items(catalogue)
    by_code: dict[str, list[CatalogueEntry]] = {}
    for row in _all_rows(name):
        by_code.setdefault(row.code, []).append(row)
    for code, rows in by_code.items():
        row = _in_force(rows, on)
        if row is None:
            # Added later than ``on``: it did not exist yet (a default stays as shipped).
            continue
        items[code] = Item(row.code, row.label, dict(row.fields or {}), row.version,
                           row.effective_from, row.retired, row.to_verify)
    order = {code: n for n, (code, _label, _f) in enumerate(catalogue.defaults)}
    result = sorted(items.values(), key=lambda i: (order.get(i.code, len(order)), i.code))
    return result if include_retired else [i for i in result if not i.retired]


def item(name: str, code: str, on: date | None = None) -> Item | None:
    """The item as in force on ``on``, retired or not (records made earlier keep reading)."""
    return next((i for i in all_items(name, on, include_retired=True) if i.code == code), None)


def label(name: str, code: str, on: date | None = None) -> str:
    found = item(name, code, on)
    return str(found.label) if found else code


def is_open(name: str, code: str, on: date | None = None) -> bool:
    """Whether new records may use ``code`` on ``on`` (it exists and is not retired)."""
    found = item(name, code, on)
    return found is not None and not found.retired


def version(name: str) -> int:
    """Grows with every change to the catalogue (0: exactly as shipped). From the rows read
    once per transaction: a list labels every entry with it."""
    return len(_all_rows(name))


def history(name: str, code: str) -> list[CatalogueEntry]:
    return _rows(name, code)


def _next_version(name: str, code: str) -> int:
    last = db.session.execute(sa.select(sa.func.max(CatalogueEntry.version)).where(
        CatalogueEntry.catalogue == name, CatalogueEntry.code == code)).scalar_one()
    return (last or 0) + 1


def _bad(field_name: str, message) -> ValidationFailed:
    return ValidationFailed("catalogues.invalid", message, errors={field_name: [str(message)]})


def save(actor, name: str, code: str, label: str, fields: dict | None = None,
         effective_from: date | None = None, *, retired: bool = False,
         to_verify: bool = False, note: str | None = None) -> CatalogueEntry:
    """Add a new version of an item (new, renamed, edited, confirmed or retired) in force from
    ``effective_from`` (today). Earlier versions stay, and earlier records keep their text."""
    catalogue = get_catalogue(name)
    code, label = (code or "").strip(), (label or "").strip()
    if not code or len(code) > 60 or not code.replace("_", "").replace(".", "").isalnum():
        raise _bad("code", _l("代码必填，只能用字母、数字、点和下划线。"))
    if not label or len(label) > 200:
        raise _bad("label", _l("名称必填（200 字以内）。"))
    fields = {k: (str(v).strip() if v is not None else "") for k, v in (fields or {}).items()}
    unknown = set(fields) - set(catalogue.fields)
    if unknown:
        raise _bad(sorted(unknown)[0], _l("该目录没有这个字段。"))
    for key, allowed in catalogue.choices.items():
        if fields.get(key) not in allowed:
            raise _bad(key, _l("取值无效。"))
    effective_from = effective_from or clock.today()
    if effective_from < clock.today():
        raise _bad("effective_from", _l("生效日期不能早于今天：已经发生的不能改写。"))
    row = CatalogueEntry(catalogue=name, code=code, version=_next_version(name, code),
                         label=label, fields=fields, effective_from=effective_from,
                         retired=retired, to_verify=to_verify, note=(note or "")[:500] or None,
                         created_at=clock.now(), created_by_id=getattr(actor, "id", None))
    db.session.add(row)
    db.session.flush()
    _forget()
    audit.record(actor, f"catalogue.{name}.save", "catalogue_entry", f"{name}:{code}",
                 after={"version": row.version, "label": label, "fields": fields,
                        "effective_from": effective_from, "retired": retired,
                        "to_verify": to_verify}, reason=note)
    return row


def _current_or_404(name: str, code: str) -> Item:
    found = item(name, code)
    if found is None:
        raise NotFound("catalogues.item_not_found", _l("目录中没有这一项。"))
    return found


def confirm(actor, name: str, code: str, note: str | None = None) -> CatalogueEntry:
    """A person checked the item against its source: it is no longer "to verify"."""
    current = _current_or_404(name, code)
    return save(actor, name, code, current.label, current.fields, retired=current.retired,
                to_verify=False, note=note or str(_l("已核对原文")))


def retire(actor, name: str, code: str, on: date | None = None, note: str | None = None
           ) -> CatalogueEntry:
    """Hide the item from new records from ``on``; records made before keep it."""
    current = _current_or_404(name, code)
    return save(actor, name, code, current.label, current.fields, on, retired=True,
                to_verify=current.to_verify, note=note)
