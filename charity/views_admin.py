"""Admin pages for the charity items (category, unit, active) and their declared
substitutes."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from charity import explain, items
from charity.forms import ItemForm, SubstituteForm
from charity.views import bp
from core.accounts.models import Role
from core.auth import roles
from core.web.pages import submit


def _substitute_form(item) -> SubstituteForm:
    form = SubstituteForm()
    form.substitute_id.choices = [
        (i.id, f"{explain.item_name(i)}（{i.unit}）") for i in items.items(active_only=False)
        if i.id != item.id and i.category == item.category and i.unit == item.unit]
    return form


@bp.get("/catalogue")
@roles(Role.ADMIN)
def items_page():
    rows = items.items(active_only=False)
    subs = {i.id: items.substitutes_of(i) for i in rows}
    return render_template("charity/items.html", items=rows, subs=subs)


@bp.route("/catalogue/new", methods=["GET", "POST"])
@roles(Role.ADMIN)
def new_item():
    form = ItemForm()
    outcome = submit(form, lambda: items.create_item(current_user, form.item_data()))
    if outcome.done:
        flash(_("已添加物品。"), "success")
        return redirect(url_for("charity.edit_item", item_id=outcome.result.id))
    return render_template("charity/item_form.html", form=form, item=None), outcome.status


@bp.route("/catalogue/<int:item_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def edit_item(item_id: int):
    item = items.get_item(item_id)
    form = ItemForm(obj=item)
    outcome = submit(form, lambda: items.update_item(current_user, item, form.item_data()))
    if outcome.done:
        flash(_("已保存。"), "success")
        return redirect(url_for("charity.edit_item", item_id=item.id))
    return render_template("charity/item_form.html", form=form, item=item,
                           subs=items.substitutes_of(item),
                           sub_form=_substitute_form(item)), outcome.status


@bp.post("/catalogue/<int:item_id>/substitutes")
@roles(Role.ADMIN)
def add_substitute(item_id: int):
    item = items.get_item(item_id)
    form = _substitute_form(item)
    if submit(form, lambda: items.add_substitute(
            current_user, item, items.get_item(form.substitute_id.data, field="substitute_id"),
            form.symmetric.data)).done:
        flash(_("已添加替代关系。"), "success")
    return redirect(url_for("charity.edit_item", item_id=item_id))


@bp.post("/catalogue/<int:item_id>/substitutes/<int:substitute_id>/remove")
@roles(Role.ADMIN)
def remove_substitute(item_id: int, substitute_id: int):
    item = items.get_item(item_id)
    if items.remove_substitute(current_user, item, items.get_item(substitute_id)):
        flash(_("已删除替代关系。"), "success")
    return redirect(url_for("charity.edit_item", item_id=item_id))
