"""The managed items: units, categories and declared substitutes (charity.items)."""

from __future__ import annotations

import pytest

from charity import items
from core.errors import Conflict, ValidationFailed


def test_the_starting_items_are_seeded_once(ch):
    assert items.find_item("rice").unit == "kg"
    assert items.find_item("donation_cny").category == "money"
    assert items.seed_items(None) == 0


def test_substitutes_are_one_way_unless_declared_symmetric(ch):
    noodles, rice, flour = (items.find_item(c) for c in ("noodles", "rice", "flour"))
    assert {i.code for i in items.substitutes_of(noodles)} == {"rice", "flour"}
    assert "noodles" not in {i.code for i in items.substitutes_of(rice)}
    assert "rice" in {i.code for i in items.substitutes_of(flour)}  # symmetric pair


def test_a_substitute_must_share_category_and_unit(ch):
    with pytest.raises(ValidationFailed) as caught:
        items.add_substitute(None, items.find_item("rice"),
                                 items.find_item("cooking_oil"))
    assert caught.value.code == "charity.substitute_incompatible"
    with pytest.raises(ValidationFailed):
        items.add_substitute(None, items.find_item("rice"), items.find_item("rice"))


def test_declaring_a_symmetric_substitute_records_both_directions(ch):
    coat, jacket = items.find_item("wheelchair"), items.find_item("walker")
    items.add_substitute(None, coat, jacket, symmetric=True)
    assert items.substitutes_of(jacket) == [coat]
    assert items.remove_substitute(None, jacket, coat) is True
    assert items.substitutes_of(jacket) == []


def test_new_items_are_validated(ch):
    with pytest.raises(ValidationFailed) as caught:
        items.create_item(None, {"code": "Bad Code", "name": "大米", "name_en": "",
                                     "category": "food", "unit": "", "unit_en": "kg"})
    assert set(caught.value.errors) >= {"code", "name", "name_en", "category", "unit"}
    item = items.create_item(None, {"code": "eggs", "name": "鸡蛋", "name_en": "Eggs",
                                        "category": "goods", "unit": "箱",
                                        "unit_en": "cases"})
    assert item.active and item.category_label == "物资"


def test_the_unit_of_an_item_in_use_cannot_change(ch):
    ch.need(item="milk")
    milk = items.find_item("milk")
    with pytest.raises(Conflict) as caught:
        items.update_item(None, milk, {"unit": "L"})
    assert caught.value.code == "charity.item_in_use"
    items.update_item(None, milk, {"name": "纯牛奶", "active": False})
    assert milk.name == "纯牛奶" and not milk.active
