"""Voucher codes: 64 random bits and a 36-bit signature, printed in Crockford base32.

A code is ``R || T`` where R is 64 bits from the operating system's CSPRNG and T the
first 36 bits of HMAC-SHA256(signing key, version || R). The 100 bits are written as
20 Crockford base32 symbols in five groups of four (``K7Q2-9XMA-…``). A code whose
signature does not match is refused before the database is touched, so a forged or
mistyped code costs one HMAC, and a guesser needs the key to even reach a look-up
(see docs/decisions/0501-vouchers-codes-and-locking.md).

The database never holds a code: only ``lookup_digest(code)``, a keyed hash under a
second key, which finds the voucher without revealing or enabling a code.

Keys come from ``settings.HIMAYA_VOUCHER_KEY`` when set (so that SECRET_KEY can be
rotated without voiding printed vouchers), otherwise from SECRET_KEY through HKDF.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_BITS = 64
TAG_BITS = 36
SYMBOLS = (RANDOM_BITS + TAG_BITS) // 5  # 20
GROUP = 4
VERSION = b"\x01"
# What people and scanners type that Crockford decoding forgives.
_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})
# After upper-casing, what is not an ASCII letter or digit is dropped.
_DROPPED = re.compile(r"[^0-9A-Z]+")
# A canonical code, and its symbols as the digits Python's int(…, 32) reads.
_CANONICAL = re.compile(f"[{re.escape(ALPHABET)}]{{{SYMBOLS}}}")
_TO_DIGITS = str.maketrans(ALPHABET, "0123456789ABCDEFGHIJKLMNOPQRSTUV")


@functools.cache
def _keys(master: str) -> tuple[bytes, bytes]:
    def derive(info: bytes) -> bytes:
        return HKDF(
            algorithm=hashes.SHA256(), length=32, salt=b"himaya-vouchers", info=info
        ).derive(master.encode())

    return derive(b"voucher code signature v1"), derive(b"voucher code lookup index v1")


def _master() -> str:
    return getattr(settings, "HIMAYA_VOUCHER_KEY", "") or settings.SECRET_KEY


def signing_key() -> bytes:
    return _keys(_master())[0]


def lookup_key() -> bytes:
    return _keys(_master())[1]


def _tag(random_part: int) -> int:
    mac = hmac.digest(signing_key(), VERSION + random_part.to_bytes(8, "big"), "sha256")
    return int.from_bytes(mac, "big") >> (256 - TAG_BITS)


def _encode(value: int) -> str:
    return "".join(
        ALPHABET[(value >> shift) & 31] for shift in range(5 * (SYMBOLS - 1), -1, -5)
    )


def new_code() -> str:
    """A fresh canonical code (20 symbols, no separators); shown once, never stored."""
    random_part = secrets.randbits(RANDOM_BITS)
    return _encode((random_part << TAG_BITS) | _tag(random_part))


def normalise(raw: str) -> str:
    """What was typed or scanned, canonical: upper case, no separators, aliases fixed.

    A QR scanner in keyboard-wedge mode may type a prefix or a trailing newline;
    anything that is not a letter or digit is dropped.
    """
    # One regular expression rather than a test per character: a till's every call.
    return _DROPPED.sub("", raw.upper()).translate(_ALIASES)


def is_authentic(raw: str) -> bool:
    """Whether the code carries a valid signature: no database involved."""
    code = normalise(raw)
    if not _CANONICAL.fullmatch(code):
        return False
    value = int(code.translate(_TO_DIGITS), 32)
    random_part, tag = value >> TAG_BITS, value & ((1 << TAG_BITS) - 1)
    expected = _tag(random_part)
    return hmac.compare_digest(tag.to_bytes(5, "big"), expected.to_bytes(5, "big"))


def lookup_digest(raw: str) -> str:
    """The keyed hash stored on the voucher: finds it, cannot be turned back into a code."""
    return hmac.new(lookup_key(), normalise(raw).encode(), hashlib.sha256).hexdigest()


def display(code: str) -> str:
    code = normalise(code)
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def hint(code: str) -> str:
    """The first group, printed on lists so staff can tell cards apart (20 of the 64 random bits)."""
    return normalise(code)[:GROUP]
