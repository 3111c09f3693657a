"""Shared marshmallow pieces: the base schema, aware datetimes, pagination arguments."""

from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_smorest import Page
from marshmallow import validate

from core.db import INT_MAX, INT_MIN
from core.extensions import db

# Dates and times an input may carry: wide for any real record (no one alive was born before
# 1900), narrow enough that day and year arithmetic and time-zone conversion never overflow.
YEAR_MIN, YEAR_MAX = 1900, 2199


def _within_years(value) -> None:
    if not YEAR_MIN <= value.year <= YEAR_MAX:
        raise ma.ValidationError(str(_l("日期须在 %(low)s 年至 %(high)s 年之间。",
                                        low=YEAR_MIN, high=YEAR_MAX)))


class _SchemaMeta(type(ma.Schema)):
    def __new__(mcs, name, bases, attrs):
        klass = super().__new__(mcs, name, bases, attrs)
        if not name.endswith("Out"):
            for field in klass._declared_fields.values():
                _bound(field)
        return klass


def _bound(field: ma.fields.Field) -> None:
    if not field.dump_only and not getattr(field, "_bounded", False):
        if isinstance(field, ma.fields.Integer):
            field.validators.append(validate.Range(min=INT_MIN, max=INT_MAX))
        elif isinstance(field, ma.fields.Date | ma.fields.DateTime):
            field.validators.append(_within_years)
        field._bounded = True
    inner = getattr(field, "inner", None)  # List(Integer())
    if isinstance(inner, ma.fields.Field):
        _bound(inner)


class Schema(ma.Schema, metaclass=_SchemaMeta):
    """Unknown fields are errors: a typo in a field name must not be silently ignored.

    Every integer an input schema reads (not the ``…Out`` shapes) is bounded to the range the
    database can store, and every date or time to the years 1900–2199, so an out-of-range id,
    quantity or date is a 422 naming the field, never a 500 from the driver or from date
    arithmetic; the integer bound is documented (``minimum``/``maximum``) in the API doc."""

    class Meta:
        unknown = ma.RAISE
        ordered = True


class AwareDateTime(ma.fields.AwareDateTime):
    """ISO 8601 datetimes; a value without offset is read as Asia/Shanghai local time."""

    def __init__(self, **kwargs):
        from zoneinfo import ZoneInfo

        kwargs.setdefault("default_timezone", ZoneInfo("Asia/Shanghai"))
        super().__init__(**kwargs)


class PageArgs(Schema):
    page = ma.fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = ma.fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class SQLPage(Page):
    """flask-smorest pagination over a SQLAlchemy select: ``@blp.paginate(SQLPage)``."""

    @property
    def item_count(self):
        query = sa.select(sa.func.count()).select_from(self.collection.order_by(None).subquery())
        return db.session.execute(query).scalar_one()

    @property
    def items(self):
        params = self.page_params
        if params.first_item >= params.item_count:
            return []  # past the last page (and no OFFSET too large for the database)
        query = self.collection.offset(params.first_item).limit(params.page_size)
        return db.session.execute(query).scalars().all()
