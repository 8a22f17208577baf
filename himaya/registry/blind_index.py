"""Blind indexes: keyed hashes that let us find encrypted identifiers without reading them.

Each searchable value is normalised (case and accents folded, Arabic letters
unified, phones in E.164) and hashed with HMAC-SHA256 under the index key, which
never leaves the key file. Three kinds of key are derived from names:

* ``exact``: the whole normalised value (deduplication, exact look-up);
* ``prefix``: the first 2–8 characters of each name token (search as you type);
* ``sound``: a consonant skeleton of each token (tolerant search).

The skeleton is ours, not Soundex or Metaphone: those were made for English
spellings and miss the variation that matters here — French and English
transcriptions of Wolof, Bambara, Fula, Lingala and Arabic names (Ousmane/Osman,
Diallo/Djalo/Jallow, Chérif/Sharif, Mohamed/Muhammad/محمد). It transliterates
Arabic script, merges the digraphs that spell one sound, and drops vowels, which
are where those spellings differ most (docs/decisions/0201-registry-phonetic-keys.md).
"""

from __future__ import annotations

import hmac
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import phonenumbers

from himaya.registry import encryption

DIGEST_CHARS = 32  # 128 bits of HMAC-SHA256 in hex: collisions are out of reach
PREFIX_MIN, PREFIX_MAX = 2, 8
DEFAULT_PHONE_REGION = "MA"

_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_UNIFY = str.maketrans({
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ئ": "ي", "ؤ": "و", "ة": "ه",
    "ک": "ك", "ی": "ي", "گ": "ك",
})
# Arabic letters to the Latin consonants a French- or English-speaking clerk would write.
_ARABIC_TO_LATIN = str.maketrans({
    "ا": "a", "ب": "b", "ت": "t", "ث": "s", "ج": "j", "ح": "h", "خ": "k", "د": "d",
    "ذ": "d", "ر": "r", "ز": "z", "س": "s", "ش": "s", "ص": "s", "ض": "d", "ط": "t",
    "ظ": "d", "ع": "", "غ": "g", "ف": "f", "ق": "k", "ك": "k", "ل": "l", "م": "m",
    "ن": "n", "ه": "h", "و": "u", "ي": "i", "ء": "", "پ": "b", "ڤ": "v",
})
# Spellings of one sound, longest first; applied left to right on folded Latin text.
_DIGRAPHS = [
    ("tch", "s"), ("tsh", "s"), ("sch", "s"), ("dj", "j"), ("dz", "z"), ("ch", "s"),
    ("sh", "s"), ("kh", "k"), ("gh", "g"), ("ph", "f"), ("th", "t"), ("ck", "k"),
    ("qu", "k"), ("ou", "u"), ("ts", "s"),
]
_SINGLE = str.maketrans({"q": "k", "c": "k", "z": "s", "x": "s", "v": "f", "p": "b"})
_VOWELS = set("aeiouyhw")


def fold(text: str) -> str:
    """Case, accents and Arabic variants folded; separators become single spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = _ARABIC_MARKS.sub("", text).translate(_ARABIC_UNIFY)
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = []
    for ch in decomposed:
        if unicodedata.combining(ch) and not ("\u0600" <= ch <= "\u06ff"):
            continue
        kept.append(ch if ch.isalnum() else " ")
    return " ".join("".join(kept).replace("'", "").split())


def tokens(text: str) -> list[str]:
    # Apostrophes join (N'Diaye → ndiaye); other punctuation separates.
    return fold(text.replace("'", "").replace("’", "")).split()


def sound_key(token: str) -> str:
    """The consonant skeleton of one folded token; empty if nothing is left."""
    latin = token.translate(_ARABIC_TO_LATIN)
    latin = re.sub(r"^d[iy](?=[aeou])", "j", latin)  # Diallo, Dyallo → Jallo
    latin = re.sub(r"(?<=n)d[iy](?=[aeou])", "j", latin)  # Ndiaye → Njaye
    latin = re.sub(r"c(?=[eiy])", "s", latin)
    for digraph, sound in _DIGRAPHS:
        latin = latin.replace(digraph, sound)
    latin = latin.translate(_SINGLE)
    skeleton: list[str] = []
    for ch in latin:
        if ch in _VOWELS or not ch.isalpha():
            continue
        if skeleton and skeleton[-1] == ch:
            continue
        skeleton.append(ch)
    return "".join(skeleton)


def normalise_phone(raw: str, region: str = DEFAULT_PHONE_REGION) -> str:
    """E.164 form of a phone number, or '' if it is not a valid number."""
    text = raw.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def digest(kind: str, value: str, key: bytes | None = None) -> str:
    key = key if key is not None else encryption.keyring().index_key
    # The one-shot C function: same HMAC-SHA256 as hmac.new(...), a third of the cost.
    return hmac.digest(key, f"{kind}\x1f{value}".encode(), "sha256").hex()[:DIGEST_CHARS]


def exact_digest(kind: str, value: str, key: bytes | None = None) -> str:
    """The keyed hash of a whole value ('' stays '': absent values are not indexed)."""
    return digest(kind, value, key) if value else ""


def name_search_digests(names: Iterable[str], key: bytes | None = None) -> set[str]:
    """Every prefix and sound digest stored for a person's names."""
    key = key if key is not None else encryption.keyring().index_key
    result: set[str] = set()
    for name in names:
        for token in tokens(name):
            result.update(_token_digests(token, key))
    return result


@lru_cache(maxsize=8192)
def _token_digests(token: str, key: bytes) -> tuple[str, ...]:
    # Names repeat (Mohamed, Diallo, Aminata…): an import of 100,000 people hashes a few
    # thousand distinct tokens, not a million prefixes. Bounded, so memory stays flat; keyed
    # by the index key too, so a rotated key never serves an old digest.
    found = [digest("prefix", token[:length], key) for length in range(PREFIX_MIN, min(len(token), PREFIX_MAX) + 1)]
    sound = sound_key(token)
    if len(sound) >= 2:
        found.append(digest("sound", sound, key))
    return tuple(found)


def query_digests(token: str, key: bytes | None = None) -> set[str]:
    """The digests any of which a person must hold to match one typed token."""
    key = key if key is not None else encryption.keyring().index_key
    found = set()
    if len(token) >= PREFIX_MIN:
        found.add(digest("prefix", token[:PREFIX_MAX], key))
    sound = sound_key(token)
    # A one-consonant skeleton (Ali → l) would match half the registry: only prefixes then.
    if len(sound) >= 2:
        found.add(digest("sound", sound, key))
    return found
