"""Codes with their words (core.labels.LabelledEnum): stored as the code, shown as the words."""

from __future__ import annotations

import json

from core.labels import LabelledEnum


class Colour(LabelledEnum):
    RED = "red", "红"
    GREEN = "green", "绿"


def test_a_member_is_its_code_wherever_it_is_stored_or_sent():
    assert Colour.RED == "red" and Colour("green") is Colour.GREEN
    assert json.dumps({"c": Colour.RED}) == '{"c": "red"}'


def test_a_member_carries_its_words_for_pages_and_forms():
    assert Colour.GREEN.label == "绿"
    assert Colour.choices() == [("red", "红"), ("green", "绿")]
    assert Colour.labels() == {"red": "红", "green": "绿"}


def test_an_unknown_code_is_shown_as_itself_rather_than_failing():
    assert Colour.label_of("blue") == "blue"
    assert Colour.label_of(None) == ""
