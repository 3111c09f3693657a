"""Identifiers of organizations and persons: validation, masking and (for demo data) generation.

- USCC, 统一社会信用代码, GB 32100-2015: 18 characters from a 31-character set, the last a
  check character over the first 17 (weights 3^i mod 31).
- Resident ID number, 居民身份证号码, GB 11643-1999: 17 digits and a check character
  (ISO 7064 MOD 11-2, 'X' for 10), with a real birth date in positions 7–14.
"""

from __future__ import annotations

import random
import re
from datetime import date

from core import clock

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_RE = re.compile(r"^[0-9A-HJ-NP-RTUWXY]{2}\d{6}[0-9A-HJ-NP-RTUWXY]{10}$")

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^[1-9]\d{16}[\dX]$")
# Anything that looks like a full ID number: used by log filters and tests that scan output.
UNMASKED_ID_PATTERN = re.compile(r"(?<![\dA-Za-z])[1-9]\d{16}[\dXx](?![\dA-Za-z])")
_PHONE_DIGITS = re.compile(r"\d")


def normalize(code: str | None) -> str:
    return (code or "").strip().upper().replace(" ", "")


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def is_valid_uscc(code: str | None) -> bool:
    """True for an 18-character USCC whose check character is right (GB 32100-2015)."""
    code = normalize(code)
    if not _USCC_RE.match(code):
        return False
    return uscc_check_char(code[:17]) == code[17]


def id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def birth_date_from_id(number: str | None) -> date | None:
    number = normalize(number)
    if len(number) != 18 or not number[6:14].isdigit():
        return None
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def is_valid_id_number(number: str | None, today: date | None = None) -> bool:
    """True for an 18-character ID number with a right check digit and a real, past birth date
    (GB 11643-1999)."""
    number = normalize(number)
    if not _ID_RE.match(number):
        return False
    born = birth_date_from_id(number)
    today = today or clock.today()
    if born is None or born.year < 1900 or born > today:
        return False
    return id_check_char(number[:17]) == number[17]


def gender_from_id(number: str) -> str:
    """'M' or 'F' from the sequence digit (odd: male), as printed on the card."""
    return "M" if int(normalize(number)[16]) % 2 else "F"


def mask_id_number(number: str | None) -> str:
    """Show the first 4 and last 4 characters: the birth date is hidden (3204**********123X)."""
    number = normalize(number)
    if not number:
        return ""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_phone(phone: str | None) -> str:
    """Keep the first 3 and last 4 digits of a phone number (138****5678)."""
    phone = (phone or "").strip()
    digits = _PHONE_DIGITS.findall(phone)
    if len(digits) < 7:
        return "*" * len(phone)
    keep_head, keep_tail = 3, 4
    out, seen = [], 0
    for ch in phone:
        if ch.isdigit():
            seen += 1
            hidden = keep_head < seen <= len(digits) - keep_tail
            out.append("*" if hidden else ch)
        else:
            out.append(ch)
    return "".join(out)


def is_valid_mobile(phone: str | None) -> bool:
    return bool(re.fullmatch(r"1[3-9]\d{9}", (phone or "").strip()))


# --- generators (demo data and test factories) --------------------------------------------

def make_id_number(region: str, born: date, rng: random.Random, gender: str | None = None) -> str:
    """A valid ID number for a region code (6 digits) and birth date."""
    seq = rng.randint(0, 99)
    sex_digit = rng.choice("13579" if gender == "M" else "02468" if gender == "F" else
                           "0123456789")
    first17 = f"{region}{born:%Y%m%d}{seq:02d}{sex_digit}"
    return first17 + id_check_char(first17)


def make_uscc(rng: random.Random, region: str = "320400", kind: str = "51") -> str:
    """A valid USCC; ``kind`` is the authority+type prefix (51 social group, 52 social service
    institution, 53 foundation, 91 company)."""
    body = "".join(rng.choice(USCC_CHARSET[:10] + "ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    first17 = f"{kind}{region}{body}"
    return first17 + uscc_check_char(first17)
