"""Phone numbers in E.164, read as Moroccan when no country code is written."""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

DEFAULT_REGION = "MA"
_DIGITS = re.compile(r"\d")


@lru_cache(maxsize=200_000)
def to_e164(raw: str | None, region: str = DEFAULT_REGION) -> str:
    """`+212612345678` for 0612345678, +212 6 12 34 56 78 or 00212612345678.

    Returns "" for an empty or unusable number: a phone is one signal among
    several, so a bad one is treated as missing rather than rejecting the record.
    """
    text = (raw or "").strip()
    if len(_DIGITS.findall(text)) < 6:
        return ""
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
