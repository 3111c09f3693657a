"""Admin pages of the bureau's catalogues: see each item's version, effective date and
"to verify" flag; add, rename, confirm or retire items (each a new version, audited)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core import catalogues, clock
from core.accounts.models import Role
from core.auth import roles
from core.errors import DomainError
from core.extensions import db

EDITORS = (Role.ADMIN, Role.REGULATOR)

bp = Blueprint("admin_catalogues", __name__, url_prefix="/admin/catalogues",
               template_folder="templates")


@bp.get("/")
@roles(*EDITORS)
def catalogue_list():
    rows = [(c, catalogues.version(c.name)) for c in catalogues.registered()]
    return render_template("admin/catalogues.html", rows=rows)


@bp.get("/<string:name>")
@roles(*EDITORS)
def catalogue_detail(name: str):
    catalogue = catalogues.get_catalogue(name)
    code = request.args.get("code") or ""
    return render_template(
        "admin/catalogue.html", catalogue=catalogue, version=catalogues.version(name),
        items=catalogues.all_items(name, include_retired=True), today=clock.today(),
        editing=catalogues.item(name, code) if code else None,
        history=catalogues.history(name, code) if code else [])


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@bp.post("/<string:name>/save")
@roles(*EDITORS)
def catalogue_save(name: str):
    catalogue = catalogues.get_catalogue(name)
    form = request.form
    fields = {key: form.get(f"field_{key}", "") for key in catalogue.fields}
    try:
        row = catalogues.save(current_user, name, form.get("code", ""), form.get("label", ""),
                              fields, _date(form.get("effective_from")), note=form.get("note"))
    except DomainError as error:
        db.session.rollback()
        flash(f"{error.text} {'；'.join(m for ms in error.errors.values() for m in ms)}",
              "error")
        return redirect(url_for("admin_catalogues.catalogue_detail", name=name,
                                code=form.get("code")))
    flash(_("已保存“%(l)s”第 %(v)s 版，%(d)s 起生效。", l=row.label, v=row.version,
            d=row.effective_from.isoformat()), "success")
    return redirect(url_for("admin_catalogues.catalogue_detail", name=name))


@bp.post("/<string:name>/<string:code>/confirm")
@roles(*EDITORS)
def catalogue_confirm(name: str, code: str):
    catalogues.confirm(current_user, name, code, request.form.get("note"))
    flash(_("已确认核对。"), "success")
    return redirect(url_for("admin_catalogues.catalogue_detail", name=name))


@bp.post("/<string:name>/<string:code>/retire")
@roles(*EDITORS)
def catalogue_retire(name: str, code: str):
    try:
        catalogues.retire(current_user, name, code, _date(request.form.get("effective_from")),
                          request.form.get("note"))
    except DomainError as error:
        db.session.rollback()
        flash(error.text, "error")
    else:
        flash(_("已停用：之后的新记录不再使用，之前的记录不受影响。"), "success")
    return redirect(url_for("admin_catalogues.catalogue_detail", name=name))
