"""JSON API of the bureau's catalogues (measures, service categories): read by anyone, with
the version; changed by regulators and admins, each change a new version."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import validate

from core import catalogues
from core.accounts.models import Role
from core.auth import PUBLIC, roles
from core.schemas import Schema

blp = Blueprint("catalogues_api", __name__, url_prefix="/api/v1",
                description="The bureau's catalogues, with versions and effective dates")

EDITORS = (Role.REGULATOR, Role.ADMIN)


class BureauListItemOut(Schema):
    code = ma.fields.String()
    label = ma.fields.String()
    fields = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())
    version = ma.fields.Integer(metadata={"description": "0: the shipped default, unchanged"})
    effective_from = ma.fields.Date(allow_none=True)
    retired = ma.fields.Boolean()
    to_verify = ma.fields.Boolean(metadata={
        "description": "shipped text not yet checked against its source by a person"})


class BureauCatalogueOut(Schema):
    name = ma.fields.String()
    version = ma.fields.Integer(metadata={"description": "grows with every change"})
    on = ma.fields.Date()
    items = ma.fields.List(ma.fields.Nested(BureauListItemOut))


class CatalogueArgs(Schema):
    on = ma.fields.Date(load_default=None, metadata={"description": "in force on (default today)"})
    include_retired = ma.fields.Boolean(load_default=False)


class BureauListItemIn(Schema):
    code = ma.fields.String(required=True, validate=validate.Length(min=1, max=60))
    label = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    fields = ma.fields.Dict(keys=ma.fields.String(validate=validate.Length(max=40)),
                            values=ma.fields.String(validate=validate.Length(max=500)),
                            load_default=dict)
    effective_from = ma.fields.Date(load_default=None)
    note = ma.fields.String(load_default=None, validate=validate.Length(max=500))


class CatalogueChangeIn(Schema):
    effective_from = ma.fields.Date(load_default=None)
    note = ma.fields.String(load_default=None, validate=validate.Length(max=500))


def _out(name: str, on=None, include_retired: bool = False) -> dict:
    from core import clock

    catalogues.get_catalogue(name)
    on = on or clock.today()
    return {"name": name, "version": catalogues.version(name), "on": on,
            "items": catalogues.all_items(name, on, include_retired)}


@blp.route("/catalogues/<string:name>")
class CatalogueView(MethodView):
    @roles(PUBLIC)
    @blp.arguments(CatalogueArgs, location="query")
    @blp.response(200, BureauCatalogueOut)
    def get(self, args, name):
        """A catalogue as in force on a day, with its version"""
        return _out(name, args["on"], args["include_retired"])


@blp.route("/catalogues/<string:name>/items")
class CatalogueItems(MethodView):
    @roles(*EDITORS)
    @blp.arguments(BureauListItemIn)
    @blp.response(201, BureauCatalogueOut)
    def post(self, data, name):
        """Add or change an item (a new version from its effective date)"""
        catalogues.save(current_user, name, data["code"], data["label"], data["fields"],
                        data["effective_from"], note=data["note"])
        return _out(name)


@blp.route("/catalogues/<string:name>/items/<string:code>/confirm")
class CatalogueConfirm(MethodView):
    @roles(*EDITORS)
    @blp.arguments(CatalogueChangeIn)
    @blp.response(200, BureauCatalogueOut)
    def post(self, data, name, code):
        """Confirm an item against its source: it is no longer "to verify\""""
        catalogues.confirm(current_user, name, code, data["note"])
        return _out(name)


@blp.route("/catalogues/<string:name>/items/<string:code>/retire")
class CatalogueRetire(MethodView):
    @roles(*EDITORS)
    @blp.arguments(CatalogueChangeIn)
    @blp.response(200, BureauCatalogueOut)
    def post(self, data, name, code):
        """Retire an item from a date: hidden from new records, kept by earlier ones"""
        catalogues.retire(current_user, name, code, data["effective_from"], data["note"])
        return _out(name, include_retired=True)
