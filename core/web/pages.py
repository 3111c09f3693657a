"""The page kit every package's pages use, so that a page reads the same wherever it lives.

- ``query_args(Schema)``: the query string read through a marshmallow schema (``QueryArgs``).
  A value that does not fit is left out, so the page shows its default: a hand-edited or stale
  filter link never turns into an error page.
- ``paginate(select)``: one pager. It returns a ``Page`` (``rows``, ``number``, ``has_next``);
  templates draw it with ``pager(page, endpoint)`` from ``macros.html``.
- ``submit(form, operation)``: a posted form is validated and handed to a service. A refusal
  (``DomainError``) is rolled back, its field messages go next to the form's fields and its
  message is flashed; ``Outcome.status`` is the status to draw the page again with.
- ``refuse(error, form)``: the same for actions that only redirect.
- ``export(fmt, name, makers)``: a table as CSV or XLSX, or a 404 for another format.
- ``back(default)``: after a form, back to the page it came from (local paths only).
- ``form_key()``: the idempotency key a drawn form carries (hidden ``_idem``, checked by
  ``core.idempotency``): new each time the form is drawn, so a double tap is one submission
  and a corrected form after a refusal is a new one.

Who may see an object is not decided here: pages ask the services (``get_visible`` and
``may_*`` functions next to the rule they protect).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from flask import Response, flash, redirect, request
from flask_babel import lazy_gettext as _l
from marshmallow import validate

from core import spreadsheets
from core.errors import DomainError, NotFound
from core.extensions import db
from core.schemas import Schema

PER_PAGE = 20
MAX_PAGE = 100000


class QueryArgs(Schema):
    """Base of a page's query-string schema: unknown arguments and empty values are ignored."""

    class Meta:
        unknown = ma.EXCLUDE

    @ma.pre_load
    def _drop_empty(self, data, **_kwargs):
        return {k: v.strip() if isinstance(v, str) else v for k, v in data.items()
                if not (isinstance(v, str) and not v.strip())}


class PageArgs(QueryArgs):
    page = ma.fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))


def query_args(schema: type[ma.Schema] | ma.Schema) -> dict:
    """``request.args`` loaded through ``schema``; arguments that fail validation are dropped
    (their ``load_default`` applies), every field is present in the result."""
    return _load_lenient(schema, request.args.to_dict(flat=True))


def _load_lenient(schema: type[ma.Schema] | ma.Schema, data: dict) -> dict:
    loader = schema() if isinstance(schema, type) else schema
    try:
        return _with_defaults(loader, loader.load(data))
    except ma.ValidationError as error:
        bad = set(error.messages) if isinstance(error.messages, Mapping) else set(data)
        return _with_defaults(loader, loader.load({k: v for k, v in data.items()
                                                   if k not in bad}))


def form_args(schema: type[ma.Schema] | ma.Schema) -> dict:
    """The same for the posted fields of a small form without a WTForms class (a button)."""
    return _load_lenient(schema, request.form.to_dict(flat=True))


def _with_defaults(loader: ma.Schema, loaded: dict) -> dict:
    return {**dict.fromkeys(loader.load_fields), **loaded}


@dataclass
class Page:
    """One page of rows: ``number`` counts from 1; ``has_next`` when more rows follow;
    ``total`` (rows in all) only where counting is cheap (``paginate(count=True)``)."""

    rows: list
    number: int
    has_next: bool
    per_page: int = PER_PAGE
    total: int | None = None

    @property
    def last(self) -> int | None:
        return None if self.total is None else max(1, -(-self.total // self.per_page))

    def numbers(self, around: int = 2) -> list[int | None]:
        """The page numbers to offer: the first, the last and ``around`` either side of this
        one; None where numbers are left out (drawn as "…")."""
        if self.last is None:
            return []
        keep = {1, self.last, *range(self.number - around, self.number + around + 1)}
        out: list[int | None] = []
        for n in sorted(k for k in keep if 1 <= k <= self.last):
            if out and n - (out[-1] or 0) > 1:
                out.append(None)
            out.append(n)
        return out


def page_number() -> int:
    return query_args(PageArgs)["page"]


def paginate(select, per_page: int = PER_PAGE, *, count: bool = False) -> Page:
    """The requested page (``?page=``, 1 when missing or bad) of a SQLAlchemy select.
    ``count`` also counts the rows in all, for page numbers: only for a select an index
    counts (a published list), never a whole table per request (docs/scale.md)."""
    number = page_number()
    rows = db.session.execute(select.offset((number - 1) * per_page).limit(per_page + 1)
                              ).scalars().all()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(
        select.order_by(None).subquery())) if count else None
    return Page(list(rows[:per_page]), number, len(rows) > per_page, per_page, total)


def refuse(error: DomainError, form=None, fields: Mapping[str, str] | None = None) -> None:
    """A service refused: undo its changes, put its field messages next to the form's fields
    (``fields`` renames a service field to the form's), and flash its message."""
    db.session.rollback()
    if form is not None:
        for name, messages in (error.errors or {}).items():
            name = (fields or {}).get(name, name)
            if name in form:
                form[name].errors = list(form[name].errors) + list(messages)
    flash(error.text, "error")


@dataclass
class Outcome:
    """What became of a form: not sent (``ran`` False, ``invalid`` False), sent but invalid,
    refused by the service (``error``), or done (``result`` is what the service returned)."""

    ran: bool = False
    invalid: bool = False
    result: Any = None
    error: DomainError | None = None

    @property
    def done(self) -> bool:
        return self.ran and self.error is None

    @property
    def status(self) -> int:
        """The status to draw the form again with: the refusal's own, 422 for input that did
        not validate, 200 for a form drawn for the first time."""
        if self.error is not None:
            return self.error.status
        return 422 if self.invalid else 200


def submit(form, operation: Callable[[], Any], *,
           fields: Mapping[str, str] | None = None) -> Outcome:
    """Validate ``form`` when it was posted and run ``operation()`` (a service call): a
    refusal is rolled back and shown on the form (``refuse``)."""
    if not form.validate_on_submit():
        return Outcome(invalid=form.is_submitted())
    try:
        return Outcome(ran=True, result=operation())
    except DomainError as error:
        refuse(error, form, fields)
        return Outcome(ran=True, error=error)


# Browsers drop tabs and newlines anywhere in a URL and read a backslash as a slash, so
# "/\t/evil.example" or "/\\evil.example" lands on another site.
_NOT_IN_LOCAL_PATH = re.compile(r"[\x00-\x1f\x7f\\]")


def local_path(target: str | None) -> str | None:
    """``target`` if it is a path on this site ("/charity/?page=2"), else None: never another
    site, however the browser would read it (open-redirect guard for ``next`` values)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    return None if _NOT_IN_LOCAL_PATH.search(target) else target


def back(default: str, *, referrer: bool = False):
    """Redirect to where the form came from: its hidden ``next`` field or ``?next=`` (a path on
    this site), with ``referrer`` also the Referer of this site; else to ``default`` (a URL)."""
    target = local_path(request.form.get("next") or request.args.get("next"))
    if target is None and referrer and request.referrer:
        ref = request.referrer
        target = local_path(ref) or (ref if ref.startswith(request.host_url) else None)
    return redirect(target or default)


def export(fmt: str, name: str, makers: Mapping[str, Callable[[], bytes]], *,
           code: str) -> Response:
    """A table for download as ``name.<fmt>``, made by ``makers[fmt]`` (``csv``/``xlsx``, each
    written by ``core.spreadsheets``); any other format does not exist (404 with the domain's
    error ``code``)."""
    if fmt not in makers:
        raise NotFound(code, _l("只支持 CSV 或 XLSX 格式。"))
    return spreadsheets.download(makers[fmt](), fmt, name)


def form_key() -> str:
    """The idempotency key for the hidden ``_idem`` field of a drawn form (a Jinja global): a
    new one each time a form is drawn, so a double tap is one submission while a form drawn
    again after a refusal is a new one (a refusal is never replayed: core.idempotency)."""
    return secrets.token_urlsafe(16)
