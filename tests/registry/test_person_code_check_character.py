"""Codes carry a check symbol that catches a wrong symbol or two swapped neighbours."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from himaya.registry import codes


def test_a_new_code_is_valid_speakable_and_shown_in_groups():
    rng = random.Random(1)
    for _ in range(2000):
        code = codes.new_code(rng)
        assert codes.is_valid(code)
        assert code[-1] not in "*~$="
        shown = codes.display(code)
        assert len(shown) == 11 and shown[4] == "-" and shown[9] == "-"
        assert codes.is_valid(shown) and codes.is_valid(shown.lower())


def test_misread_letters_are_understood():
    code = codes.new_code(random.Random(5))
    typed = code.replace("0", "O").replace("1", "l").lower()
    assert codes.normalise(typed) == code


@given(st.integers(min_value=0, max_value=2**40 - 1), st.integers(0, 7), st.integers(1, 31))
def test_one_wrong_symbol_is_caught(bits, position, shift):
    data = "".join(codes.ALPHABET[(bits >> s) & 31] for s in range(35, -1, -5))
    code = data + codes.check_symbol(data)
    wrong = list(code)
    wrong[position] = codes.ALPHABET[(codes.ALPHABET.index(code[position]) + shift) % 32]
    assert not codes.is_valid("".join(wrong))


@given(st.integers(min_value=0, max_value=2**40 - 1), st.integers(0, 6))
def test_two_swapped_neighbours_are_caught(bits, position):
    data = "".join(codes.ALPHABET[(bits >> s) & 31] for s in range(35, -1, -5))
    code = data + codes.check_symbol(data)
    swapped = list(code)
    swapped[position], swapped[position + 1] = swapped[position + 1], swapped[position]
    if swapped != list(code):
        assert not codes.is_valid("".join(swapped))
