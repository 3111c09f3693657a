"""Identifier rules: USCC (GB 32100-2015) and resident ID numbers (GB 11643-1999)."""

import random
from datetime import date

import pytest

from core.ids import (
    UNMASKED_ID_PATTERN,
    birth_date_from_id,
    is_valid_id_number,
    is_valid_uscc,
    make_id_number,
    make_uscc,
    mask_id_number,
    mask_phone,
)


def test_the_standards_example_uscc_is_valid():
    assert is_valid_uscc("91350100M000100Y43")


def test_uscc_with_wrong_check_character_is_refused():
    good = "91350100M000100Y43"
    assert is_valid_uscc(good)
    assert not is_valid_uscc(good[:-1] + "4")


@pytest.mark.parametrize("bad", ["", None, "91350100M000100Y4", "91350100M000100Y433",
                                 "9135010OM000100Y43", "91350100I000100Y43", "abc"])
def test_malformed_usccs_are_refused(bad):
    assert not is_valid_uscc(bad)


def test_uscc_is_case_and_space_insensitive():
    assert is_valid_uscc(" 91350100m000100y43 ")


def test_generated_usccs_are_valid():
    rng = random.Random(7)
    assert all(is_valid_uscc(make_uscc(rng)) for _ in range(200))


def test_standard_example_id_number_is_valid():
    assert is_valid_id_number("11010519491231002X")
    assert birth_date_from_id("11010519491231002X") == date(1949, 12, 31)


def test_id_number_with_wrong_check_digit_is_refused():
    assert not is_valid_id_number("110105194912310021")


def test_id_number_with_impossible_birth_date_is_refused():
    # 1949-02-30 does not exist; recompute the check digit so only the date is wrong.
    from core.ids import id_check_char

    first17 = "11010519490230002"
    assert not is_valid_id_number(first17 + id_check_char(first17))


def test_id_number_born_in_the_future_is_refused():
    from core.ids import id_check_char

    first17 = "32040220991231001"
    assert not is_valid_id_number(first17 + id_check_char(first17), today=date(2026, 11, 29))


def test_generated_id_numbers_are_valid_and_carry_the_birth_date():
    rng = random.Random(3)
    number = make_id_number("320402", date(1958, 7, 1), rng)
    assert is_valid_id_number(number)
    assert birth_date_from_id(number) == date(1958, 7, 1)


def test_masking_hides_the_birth_date_and_most_digits():
    masked = mask_id_number("11010519491231002X")
    assert masked == "1101**********002X"
    assert "19491231" not in masked
    assert not UNMASKED_ID_PATTERN.search(masked)
    assert UNMASKED_ID_PATTERN.search("id 11010519491231002X here")


def test_phone_masking_keeps_only_head_and_tail():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0519-86601234") == "051*-****1234"
    assert mask_phone("") == ""
