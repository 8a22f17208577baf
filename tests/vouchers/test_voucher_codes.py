"""Codes: a CSPRNG value and a signature, checked without the database; only a keyed hash stored."""

from __future__ import annotations

import secrets

import pytest
from django.db import connection

from himaya.vouchers import codes
from tests.vouchers.factories import issue


def test_a_fresh_code_is_authentic_and_printed_in_five_groups():
    code = codes.new_code()
    assert len(code) == 20 and set(code) <= set(codes.ALPHABET)
    assert codes.is_authentic(code)
    shown = codes.display(code)
    assert len(shown.split("-")) == 5 and codes.is_authentic(shown)


def test_every_single_symbol_altered_is_refused():
    code = codes.new_code()
    for position in range(len(code)):
        for symbol in "0Z":
            if code[position] == symbol:
                continue
            altered = code[:position] + symbol + code[position + 1 :]
            assert not codes.is_authentic(altered), (position, symbol)


def test_random_codes_are_refused():
    forged = ["".join(secrets.choice(codes.ALPHABET) for _ in range(20)) for _ in range(2000)]
    assert not any(codes.is_authentic(code) for code in forged)


@pytest.mark.parametrize("typing", [str.lower, lambda c: f" {c}\n", lambda c: "HMY:" + c if False else c])
def test_what_people_and_scanners_type_is_understood(typing):
    code = codes.new_code()
    assert codes.is_authentic(typing(codes.display(code)))


def test_confusable_letters_are_read_as_digits():
    code = codes.new_code()
    typed = code.replace("0", "O").replace("1", "I")
    assert codes.is_authentic(typed)


def test_signature_does_not_verify_under_another_key(settings):
    code = codes.new_code()
    settings.HIMAYA_VOUCHER_KEY = "another key for another deployment"
    assert not codes.is_authentic(code)


@pytest.mark.django_db
def test_the_database_holds_a_keyed_hash_never_the_code(world):
    issued = issue(world.partner_a)
    stored = issued.voucher
    stored.refresh_from_db()
    assert stored.code_digest == codes.lookup_digest(issued.code) != issued.code
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM vouchers_voucher")
        rows = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert issued.code not in rows and codes.display(issued.code) not in rows
    assert issued.code[4:] not in rows  # only the first group is kept, as a hint


def test_normalising_and_decoding_match_the_plain_definitions():
    """The regular expressions and int(…, 32) read exactly what a character-by-character
    reading does (upper case, ASCII letters and digits, aliases; Crockford's digits)."""
    import random

    def plain_normalise(raw: str) -> str:
        return "".join(ch for ch in raw.upper() if ch.isascii() and ch.isalnum()).translate(codes._ALIASES)

    rng = random.Random(6)
    sample = codes.ALPHABET + "ilouIOLU-_ \n\tßſıéٍ٣²ⅷﬀ" + "abcxyz"
    for _ in range(3000):
        raw = "".join(rng.choice(sample) for _ in range(rng.randint(0, 30)))
        assert codes.normalise(raw) == plain_normalise(raw), raw
    for _ in range(200):
        code = codes.new_code()
        value = 0
        for ch in code:
            value = value * 32 + codes.ALPHABET.index(ch)
        assert int(code.translate(codes._TO_DIGITS), 32) == value
        assert codes.is_authentic(code.lower()) and not codes.is_authentic(code[:-1] + "U")
