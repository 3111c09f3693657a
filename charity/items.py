"""The items that can be needed or offered: categories, units and declared
substitutes; admins manage it, everything else reads it.

Substitutes are one-way, as in the matcher: "a need for 挂面 also accepts 大米" does not make
a need for 大米 accept 挂面. Declaring a pair *symmetric* simply records both directions. A
substitute must be in the same category and counted in the same unit, so that quantities stay
comparable (5 kg of flour instead of 5 kg of rice, never 5 bags).
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from charity.models import Item, ItemSubstitute, Need, Offer
from charity.vocabulary import CATEGORIES
from core import audit
from core.errors import Conflict, NotFound, ValidationFailed
from core.extensions import db

CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
ITEM_FIELDS = ("code", "name", "name_en", "category", "unit", "unit_en", "active", "sort_order")
VOLUNTEER_HOURS = "volunteer_hours"  # the item volunteer opportunities are counted in

# A realistic starting set of items for Changzhou: (code, name, English, category, unit, unit_en).
SEED_ITEMS = [
    ("rice", "大米", "Rice", "goods", "kg", "kg"),
    ("flour", "面粉", "Flour", "goods", "kg", "kg"),
    ("noodles", "挂面", "Dried noodles", "goods", "kg", "kg"),
    ("cooking_oil", "食用油", "Cooking oil", "goods", "L", "L"),
    ("milk", "牛奶", "Milk", "goods", "箱", "cases"),
    ("quilt", "棉被", "Quilt", "goods", "条", "pcs"),
    ("blanket", "毛毯", "Blanket", "goods", "条", "pcs"),
    ("winter_coat", "棉衣", "Winter coat", "goods", "件", "pcs"),
    ("down_jacket", "羽绒服", "Down jacket", "goods", "件", "pcs"),
    ("wheelchair", "轮椅", "Wheelchair", "goods", "台", "units"),
    ("walker", "助行器", "Walking frame", "goods", "台", "units"),
    ("adult_diapers", "成人纸尿裤", "Adult diapers", "goods", "包", "packs"),
    ("school_bag", "书包", "School bag", "goods", "个", "pcs"),
    ("books", "图书", "Books", "goods", "册", "vols"),
    ("meal_service", "助餐服务", "Meal service", "service", "次", "times"),
    ("bath_service", "助浴服务", "Bathing service", "service", "次", "times"),
    ("escort_service", "陪诊服务", "Medical escort", "service", "次", "times"),
    ("cleaning_service", "助洁服务", "Home cleaning", "service", "次", "times"),
    ("haircut_service", "理发服务", "Haircut", "service", "次", "times"),
    ("home_nursing", "上门护理", "Home nursing visit", "service", "次", "times"),
    ("legal_advice", "法律咨询", "Legal advice", "service", "次", "times"),
    (VOLUNTEER_HOURS, "志愿服务", "Volunteer time", "volunteer_time", "小时", "hours"),
    ("donation_cny", "善款", "Money donation (pledge)", "money", "元", "CNY"),
]
# (item, substitute, symmetric)
SEED_SUBSTITUTES = [
    ("rice", "flour", True),
    ("noodles", "rice", False),
    ("noodles", "flour", False),
    ("quilt", "blanket", True),
    ("winter_coat", "down_jacket", True),
]


def items(active_only: bool = True, category: str | None = None) -> list[Item]:
    query = sa.select(Item).order_by(Item.category, Item.sort_order, Item.id)
    if active_only:
        query = query.where(Item.active.is_(True))
    if category:
        query = query.where(Item.category == category)
    return list(db.session.execute(query).scalars())


def get_item(item_id: int | None, field: str = "item_id") -> Item:
    item = db.session.get(Item, item_id) if item_id else None
    if item is None:
        message = _l("目录中没有这个物品。")
        raise NotFound("charity.unknown_item", message, errors={field: [str(message)]})
    return item


def find_item(code: str) -> Item | None:
    return db.session.execute(sa.select(Item).where(Item.code == code)).scalar_one_or_none()


def _check(data: dict, item: Item | None = None) -> None:
    errors = {}
    if not CODE_RE.match(data.get("code") or ""):
        errors["code"] = [str(_l("代码为 2–40 位小写字母、数字或下划线，以字母开头。"))]
    for key, limit in (("name", 50), ("name_en", 80), ("unit", 10), ("unit_en", 20)):
        value = (data.get(key) or "").strip()
        if not value or len(value) > limit:
            errors[key] = [str(_l("必填，且不超过 %(n)s 个字符。", n=limit))]
        data[key] = value
    if data.get("category") not in CATEGORIES:
        errors["category"] = [str(_l("请选择类别。"))]
    for key in ("code", "name"):
        other = db.session.execute(sa.select(Item).where(getattr(Item, key) == data.get(key))
                                   ).scalar_one_or_none()
        if other is not None and other is not item:
            errors[key] = [str(_l("已被其他物品使用。"))]
    if errors:
        raise ValidationFailed("charity.bad_item", _l("请核对物品信息。"), errors=errors)


def _in_use(item: Item) -> bool:
    for model in (Need, Offer):
        if db.session.execute(sa.select(model.id).where(model.item_id == item.id).limit(1)
                              ).first():
            return True
    return False


def create_item(actor, data: dict) -> Item:
    data = {k: data.get(k) for k in ITEM_FIELDS}
    data["active"] = True if data["active"] is None else bool(data["active"])
    data["sort_order"] = data["sort_order"] if data["sort_order"] is not None else 100
    _check(data)
    item = Item(**data)
    db.session.add(item)
    db.session.flush()
    audit.record(actor, "charity.item.create", "charity_item", item.id,
                 after={k: getattr(item, k) for k in ITEM_FIELDS})
    return item


def update_item(actor, item: Item, changes: dict) -> Item:
    """Rename, re-order or retire an item. Its unit and category are fixed once needs or
    offers use it: a quantity posted in kg must never silently become litres."""
    merged = {k: getattr(item, k) for k in ITEM_FIELDS}
    merged.update({k: v for k, v in changes.items() if k in ITEM_FIELDS and v is not None})
    _check(merged, item)
    fixed = [k for k in ("code", "unit", "category") if merged[k] != getattr(item, k)]
    if fixed and _in_use(item):
        raise Conflict("charity.item_in_use", _l("该物品已有需求或供给使用，不能修改代码、单位或类别；"
                                                 "请停用它并新建物品。"),
                       errors={k: [str(_l("已在使用，不能修改。"))] for k in fixed})
    if ({"unit", "category"} & set(fixed)) and _has_substitutes(item):
        raise Conflict("charity.item_has_substitutes", _l("请先删除该物品的替代关系，再修改单位或类别。"))
    before = {k: getattr(item, k) for k in ITEM_FIELDS}
    for key, value in merged.items():
        setattr(item, key, value)
    db.session.flush()
    diff = {k: v for k, v in before.items() if v != merged[k]}
    if diff:
        audit.record(actor, "charity.item.update", "charity_item", item.id, before=diff,
                     after={k: merged[k] for k in diff})
    return item


def _has_substitutes(item: Item) -> bool:
    return db.session.execute(sa.select(ItemSubstitute.id).where(sa.or_(
        ItemSubstitute.item_id == item.id, ItemSubstitute.substitute_id == item.id)).limit(1)
    ).first() is not None


def substitutes_of(item: Item) -> list[Item]:
    return list(db.session.execute(
        sa.select(Item).join(ItemSubstitute, ItemSubstitute.substitute_id == Item.id)
        .where(ItemSubstitute.item_id == item.id).order_by(Item.sort_order, Item.id)
    ).scalars())


def substitute_codes() -> dict[int, frozenset[str]]:
    """item id → codes of the items its needs also accept (one query, for the matcher)."""
    rows = db.session.execute(
        sa.select(ItemSubstitute.item_id, Item.code)
        .join(Item, Item.id == ItemSubstitute.substitute_id).where(Item.active.is_(True))
    ).all()
    found: dict[int, set[str]] = {}
    for item_id, code in rows:
        found.setdefault(item_id, set()).add(code)
    return {k: frozenset(v) for k, v in found.items()}


def add_substitute(actor, item: Item, substitute: Item, symmetric: bool = False
                   ) -> list[ItemSubstitute]:
    """Declare that needs for ``item`` accept ``substitute`` (and the reverse if symmetric)."""
    if item.id == substitute.id:
        raise ValidationFailed("charity.substitute_self", _l("物品不能替代它自己。"),
                               errors={"substitute_id": [str(_l("请选择另一个物品。"))]})
    if item.category != substitute.category or item.unit != substitute.unit:
        raise ValidationFailed(
            "charity.substitute_incompatible",
            _l("替代品必须与原物品同一类别、同一计量单位（%(unit)s）。", unit=item.unit),
            errors={"substitute_id": [str(_l("类别或单位不一致。"))]})
    pairs = [(item, substitute)] + ([(substitute, item)] if symmetric else [])
    made = []
    for left, right in pairs:
        exists = db.session.execute(sa.select(ItemSubstitute).where(
            ItemSubstitute.item_id == left.id, ItemSubstitute.substitute_id == right.id)
        ).scalar_one_or_none()
        if exists is None:
            exists = ItemSubstitute(item_id=left.id, substitute_id=right.id)
            db.session.add(exists)
            db.session.flush()
            audit.record(actor, "charity.item.substitute.add", "charity_item", left.id,
                         after={"substitute": right.code})
        made.append(exists)
    return made


def remove_substitute(actor, item: Item, substitute: Item) -> bool:
    row = db.session.execute(sa.select(ItemSubstitute).where(
        ItemSubstitute.item_id == item.id, ItemSubstitute.substitute_id == substitute.id)
    ).scalar_one_or_none()
    if row is None:
        return False
    db.session.delete(row)
    db.session.flush()
    audit.record(actor, "charity.item.substitute.remove", "charity_item", item.id,
                 before={"substitute": substitute.code})
    return True


def seed_items(actor=None) -> int:
    """Add the starting items and substitutes that are missing (one audit record for the
    whole batch); returns how many items were added. Running it again adds nothing."""
    have = dict(db.session.execute(
        sa.select(Item.code, Item.id)).all())
    added = []
    for order, (code, name, name_en, category, unit, unit_en) in enumerate(SEED_ITEMS):
        if code not in have:
            added.append(Item(code=code, name=name, name_en=name_en, category=category,
                              unit=unit, unit_en=unit_en, sort_order=order * 10, active=True))
    db.session.add_all(added)
    db.session.flush()
    have.update({item.code: item.id for item in added})
    pairs = {(a, b) for a, b in db.session.execute(
        sa.select(ItemSubstitute.item_id, ItemSubstitute.substitute_id)).all()}
    new_pairs = []
    for code, sub, symmetric in SEED_SUBSTITUTES:
        for left, right in [(code, sub)] + ([(sub, code)] if symmetric else []):
            key = (have[left], have[right])
            if key not in pairs:
                pairs.add(key)
                new_pairs.append(ItemSubstitute(item_id=key[0], substitute_id=key[1]))
    db.session.add_all(new_pairs)
    db.session.flush()
    if added or new_pairs:
        audit.record(actor, "charity.catalogue.seed", "charity_item", "*", after={
            "items": [i.code for i in added], "substitutes": len(new_pairs)})
    return len(added)
