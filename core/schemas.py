"""Shared marshmallow pieces: the base schema, aware datetimes, pagination arguments."""

from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from flask_smorest import Page
from marshmallow import validate

from core.extensions import db


class Schema(ma.Schema):
    """Unknown fields are errors: a typo in a field name must not be silently ignored."""

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
        query = self.collection.offset(params.first_item).limit(params.page_size)
        return db.session.execute(query).scalars().all()
