"""Admin pages for the charity catalogue: items (category, unit, active) and their declared
substitutes."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from charity import catalogue, explain
from charity.forms import ItemForm, SubstituteForm
from charity.views import bp, show_error
from core.accounts.models import Role
from core.auth import roles
from core.errors import DomainError


def _substitute_form(item) -> SubstituteForm:
    form = SubstituteForm()
    form.substitute_id.choices = [
        (i.id, f"{explain.item_name(i)}（{i.unit}）") for i in catalogue.items(active_only=False)
        if i.id != item.id and i.category == item.category and i.unit == item.unit]
    return form


@bp.get("/catalogue")
@roles(Role.ADMIN)
def catalogue_page():
    items = catalogue.items(active_only=False)
    subs = {i.id: catalogue.substitutes_of(i) for i in items}
    return render_template("charity/catalogue.html", items=items, subs=subs)


@bp.route("/catalogue/new", methods=["GET", "POST"])
@roles(Role.ADMIN)
def new_item():
    form = ItemForm()
    if form.validate_on_submit():
        try:
            item = catalogue.create_item(current_user, form.item_data())
        except DomainError as error:
            show_error(form, error)
            return render_template("charity/item_form.html", form=form, item=None), error.status
        flash(_("已添加物品。"), "success")
        return redirect(url_for("charity.edit_item", item_id=item.id))
    return render_template("charity/item_form.html", form=form, item=None)


@bp.route("/catalogue/<int:item_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def edit_item(item_id: int):
    item = catalogue.get_item(item_id)
    form = ItemForm(obj=item)
    if form.validate_on_submit():
        try:
            catalogue.update_item(current_user, item, form.item_data())
        except DomainError as error:
            show_error(form, error)
            return _item_page(item, form, error.status)
        flash(_("已保存。"), "success")
        return redirect(url_for("charity.edit_item", item_id=item.id))
    return _item_page(item, form)


def _item_page(item, form, status: int = 200):
    return render_template("charity/item_form.html", form=form, item=item,
                           subs=catalogue.substitutes_of(item),
                           sub_form=_substitute_form(item)), status


@bp.post("/catalogue/<int:item_id>/substitutes")
@roles(Role.ADMIN)
def add_substitute(item_id: int):
    item = catalogue.get_item(item_id)
    form = _substitute_form(item)
    if form.validate_on_submit():
        try:
            substitute = catalogue.get_item(form.substitute_id.data, field="substitute_id")
            catalogue.add_substitute(current_user, item, substitute, form.symmetric.data)
            flash(_("已添加替代关系。"), "success")
        except DomainError as error:
            show_error(form, error)
    return redirect(url_for("charity.edit_item", item_id=item_id))


@bp.post("/catalogue/<int:item_id>/substitutes/<int:substitute_id>/remove")
@roles(Role.ADMIN)
def remove_substitute(item_id: int, substitute_id: int):
    item = catalogue.get_item(item_id)
    if catalogue.remove_substitute(current_user, item, catalogue.get_item(substitute_id)):
        flash(_("已删除替代关系。"), "success")
    return redirect(url_for("charity.edit_item", item_id=item_id))
