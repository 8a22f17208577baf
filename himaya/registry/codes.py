"""Pseudonymous codes for people and households: printed on cards, said aloud on the phone.

Eight Crockford base32 symbols (40 random bits) followed by Crockford's mod-37 check
symbol, shown as ``XXXX-XXXX-C``. Crockford's alphabet has no I, L, O or U, and a
reader who types ``O`` for ``0`` or ``l`` for ``1`` is understood. The mod-37 check
catches every single wrong symbol and every swap of two neighbours. Of its five
extra check symbols (``* ~ $ = U``) only ``U`` can be said aloud easily, so codes
whose check would be one of the other four are never issued (see
docs/decisions/0201-registry-pseudonymous-codes.md).
"""

from __future__ import annotations

import random
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_ALPHABET = ALPHABET + "*~$=U"
DATA_LENGTH = 8
# Readers' slips that Crockford's decoding forgives.
_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def check_symbol(data: str) -> str:
    value = 0
    for symbol in data:
        value = value * 32 + ALPHABET.index(symbol)
    return CHECK_ALPHABET[value % 37]


def new_code(rng: random.Random | None = None) -> str:
    """A fresh canonical code (9 symbols, no hyphen) whose check symbol is speakable."""
    while True:
        bits = rng.getrandbits(40) if rng is not None else secrets.randbits(40)
        data = "".join(ALPHABET[(bits >> shift) & 31] for shift in range(35, -1, -5))
        check = check_symbol(data)
        if check in ALPHABET or check == "U":
            return data + check


def normalise(raw: str) -> str:
    """What a person typed or said, in canonical form: upper case, no separators, aliases fixed."""
    text = "".join(ch for ch in raw.upper() if ch.isalnum()).translate(_ALIASES)
    return text


def is_valid(raw: str) -> bool:
    code = normalise(raw)
    if len(code) != DATA_LENGTH + 1 or any(ch not in ALPHABET for ch in code[:-1]):
        return False
    return check_symbol(code[:-1]) == code[-1]


def display(code: str) -> str:
    return f"{code[:4]}-{code[4:8]}-{code[8:]}" if len(code) == DATA_LENGTH + 1 else code
