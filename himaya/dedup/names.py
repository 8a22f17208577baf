"""Name normalisation for the people Himaya registers.

A name goes through four steps, each a function here:

1. `fold`: Arabic script is cleaned (diacritics, alef and teh marbuta forms) and
   transliterated to Latin with `anyascii`; accents and case are folded.
2. `tokens`: the folded name is split into parts, and particles are handled:
   articles (el, al-) are dropped, patronymic and compound particles
   (ould, ben/ibn/bin, abd, n', mc) are glued to the part they belong to, so
   "Abdel Rahman", "Abd al-Rahman" and "Abderrahmane" all become one part.
3. `canonical`: each part is looked up in the editable table of equivalents
   (`data/name_equivalents.csv`): Mohamed, Mohammed and محمد become `mohamed`.
4. `skeleton`: a consonant key that survives vowel spelling, doubled letters and
   script (Arabic transliterates without short vowels): mohamed, mouhamed and
   محمد all give `mhmd`. It is a weaker signal than the table because unrelated
   names can share a skeleton (Mahmoud is also `mhmd`), which is why the table is
   consulted first and the skeleton is only a separate, lower comparison level.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from anyascii import anyascii

EQUIVALENTS_FILE = Path(__file__).with_name("data") / "name_equivalents.csv"

# Arabic harakat, tanwin, shadda, sukun, superscript alef and tatweel carry no
# identity: the same name is written with or without them.
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_LETTERS = re.compile("[\u0600-\u06ff]")
_ARABIC_FOLD = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ة": "ه",
        "ؤ": "و",
        "ئ": "ي",
        "ء": "",
    }
)
# Parts that join the next part rather than stand alone. Arabic forms first:
# ابن/بن (son of), ولد (ould), عبد (servant of, the first half of compounds).
_ARABIC_JOINERS = {
    "بن": "ben", "ابن": "ben", "بنت": "bent", "ولد": "ould", "عبد": "abd", "ابو": "abu",
}
_ARTICLES = {"el", "al", "ul", "al-", "el-", "ed", "ad", "ar", "er", "as", "es", "at", "et", "an"}
# Articles above are only dropped when standing alone before another part;
# "Es" or "Et" can be a whole name in other languages, so a single-part name
# never loses its only part.
_JOINERS = {"ben": "ben", "ibn": "ben", "bin": "ben", "ould": "ould", "ould-": "ould",
            "ag": "ag", "mc": "mc", "mac": "mac", "n": "n", "abd": "abd", "abdel": "abd",
            "abdal": "abd", "abdul": "abd", "abdoul": "abd", "abdou": "abd", "abou": "abu",
            "abu": "abu"}
# Glued forms of "abd + article" reduce to "abd": abdel-, abdul-, abdoul- (the
# article), abder-r-, abdes-s- (the article assimilated to a sun letter, seen as
# a doubled consonant), abdou- (a linking vowel).
_ABD_ARTICLE = re.compile(r"^abd(?:[eaou]|ou)?l(?=[a-z]{3,})")
_ABD_SUN_LETTER = re.compile(r"^abd[eaou]([rsndtz])(?=\1[a-z]{2,})")
_ABD_VOWEL = re.compile(r"^abd(?:ou|u|o)(?=[a-z]{3,})")
_NON_ALNUM = re.compile(r"[^a-z0-9 ]+")


def _fold_arabic(text: str) -> str:
    """Transliterate Arabic script word by word, handling its article and joiners."""
    text = _ARABIC_MARKS.sub("", text).translate(_ARABIC_FOLD)
    words: list[str] = []
    for word in text.split():
        if not _ARABIC_LETTERS.search(word):
            words.append(word)
            continue
        if word in _ARABIC_JOINERS:
            words.append(_ARABIC_JOINERS[word])
            continue
        # The article ال is glued in Arabic ("القادر"); drop it as el/al are dropped.
        if word.startswith("ال") and len(word) > 3:
            word = word[2:]
        words.append(anyascii(word))
    return " ".join(words)


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Latin, lower-case, accent-free, punctuation-free form of a name."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not text:
        return ""
    if _ARABIC_LETTERS.search(text):
        text = _fold_arabic(text)
    # Apostrophes and the ʿayn marks that anyascii emits glue letters together
    # (N'Diaye → ndiaye); hyphens and dots separate parts (Abd-el-Kader).
    text = anyascii(text).lower().replace("'", "").replace("`", "")
    text = text.replace("-", " ").replace(".", " ").replace("_", " ")
    return " ".join(_NON_ALNUM.sub(" ", text).split())


def _glue(parts: list[str]) -> list[str]:
    out: list[str] = []
    pending = ""
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part in _ARTICLES and not last and (out or pending or len(parts) > 1):
            # An article after "abd" is the middle of a compound: abd el kader.
            continue
        if part in _JOINERS and not last:
            pending += _JOINERS[part]
            continue
        out.append(pending + part)
        pending = ""
    if pending:
        out.append(pending)
    return out


@lru_cache(maxsize=200_000)
def tokens(text: str) -> tuple[str, ...]:
    """The parts of a name after folding and particle handling."""
    return tuple(_abd_compound(p) for p in _glue(fold(text).split()))


def _abd_compound(part: str) -> str:
    if not part.startswith("abd"):
        return part
    for pattern in (_ABD_ARTICLE, _ABD_SUN_LETTER, _ABD_VOWEL):
        if pattern.match(part):
            part = pattern.sub("abd", part, count=1)
            break
    # abd + rrahmane → abdrahmane
    return re.sub(r"^abd(.)\1", r"abd\1", part)


_DIGRAPHS = (
    ("tch", "c"), ("dj", "j"), ("dz", "j"), ("sh", "s"), ("ch", "s"), ("kh", "k"),
    ("gh", "g"), ("ph", "f"), ("th", "t"), ("dh", "d"), ("ck", "k"), ("ou", "u"),
    ("q", "k"), ("c", "k"), ("x", "ks"), ("z", "s"), ("v", "f"), ("p", "b"),
)
_VOWELS = re.compile(r"[aeiouyw]")


@lru_cache(maxsize=200_000)
def skeleton(part: str) -> str:
    """Consonant key of one folded name part (see the module docstring)."""
    key = part
    for a, b in _DIGRAPHS:
        key = key.replace(a, b)
    # A final h after a vowel is a spelling of teh marbuta or a silent ending
    # (Fatimah, Aichah); an h after a consonant was handled by the digraphs.
    key = re.sub(r"(?<=[aeiouy])h$", "", key)
    # "di"/"dy" before a vowel is the French spelling of the sound English
    # writes j: Diallo/Jallow, Diarra/Jarra, Ndiaye/Njie (as registry/blind_index).
    key = re.sub(r"d[iy](?=[aeou])", "j", key)
    # Doubled letters are one sound (Mohammed = Mohamed) but a consonant repeated
    # across a vowel is not (Mamadou keeps "mmd", apart from Modou's "md").
    key = re.sub(r"(.)\1+", r"\1", key)
    key = _VOWELS.sub("", key)
    return key or part[:1]


@dataclass(frozen=True, eq=False)
class Equivalents:
    """The table of known equivalent names: part → group, group → related groups."""

    group_of: dict[str, str]
    related: dict[str, frozenset[str]]


class EquivalentsError(ValueError):
    """The equivalents table is malformed; the message names the line."""


def _add_row(group_of: dict[str, str], related: dict[str, set[str]],
             row: Mapping[str, str], where: str) -> None:
    """Add one `group,variants,related` row; raise `EquivalentsError` naming `where`."""
    group = "".join(tokens(row["group"]))
    if not group:
        raise EquivalentsError(f"{where}: empty group")
    for variant in [row["group"], *(row.get("variants") or "").split("|")]:
        parts = tokens(variant)
        if not parts:
            continue
        if len(parts) != 1:
            raise EquivalentsError(f"{where}: {variant!r} is more than one name part")
        previous = group_of.setdefault(parts[0], group)
        if previous != group:
            raise EquivalentsError(f"{where}: {variant!r} is already in group {previous!r}")
    for other in filter(None, (row.get("related") or "").split("|")):
        other_key = "".join(tokens(other))
        related.setdefault(group, set()).add(other_key)
        related.setdefault(other_key, set()).add(group)


def load_equivalents(
    path: Path = EQUIVALENTS_FILE, extra: Iterable[Mapping[str, str]] = (),
) -> Equivalents:
    """Read the CSV `group,variants,related` (variants and related separated by |), then
    the `extra` rows (a programme's own additions, same keys).

    Each variant goes through the same `tokens` pipeline as incoming names, so
    the table can be edited with names as people write them, in either script. An
    extra row whose group is already a group adds spellings to it.
    """
    group_of: dict[str, str] = {}
    related: dict[str, set[str]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for line_no, row in enumerate(csv.DictReader(handle), start=2):
            _add_row(group_of, related, row, f"{path.name} line {line_no}")
    for number, row in enumerate(extra, start=1):
        _add_row(group_of, related, row, f"added row {number}")
    return Equivalents(group_of, {k: frozenset(v) for k, v in related.items()})


# A programme's own rows (set by the application, `local_names.py`), after the file's.
_LOCAL_ROWS: tuple[Mapping[str, str], ...] = ()
# Caches of values derived from the table, cleared when the rows change (features.py
# registers its own).
_CLEARERS: list[Callable[[], None]] = []


@cache
def default_equivalents() -> Equivalents:
    return load_equivalents(EQUIVALENTS_FILE, _LOCAL_ROWS)


def local_rows() -> tuple[Mapping[str, str], ...]:
    return _LOCAL_ROWS


def set_local_equivalents(rows: Iterable[Mapping[str, str]]) -> None:
    """Use the shipped table plus `rows` from now on (checked first: a bad row raises
    `EquivalentsError` and changes nothing)."""
    global _LOCAL_ROWS
    checked = tuple(dict(row) for row in rows)
    load_equivalents(EQUIVALENTS_FILE, checked)
    if checked == _LOCAL_ROWS:
        return
    _LOCAL_ROWS = checked
    default_equivalents.cache_clear()
    normalise.cache_clear()
    _groups.cache_clear()
    _members.cache_clear()
    for clear in _CLEARERS:
        clear()


def on_table_change(clear: Callable[[], None]) -> None:
    _CLEARERS.append(clear)


def canonical_part(part: str, table: Equivalents | None = None) -> str:
    table = table or default_equivalents()
    return table.group_of.get(part, part)


@dataclass(frozen=True)
class NormalisedName:
    """One name field (given or family) ready for comparison."""

    parts: tuple[str, ...]  # canonical parts, in written order
    known: bool  # the first part is in the equivalents table
    skeletons: tuple[str, ...]
    related: tuple[str, ...]  # groups weakly linked to any part (Mamadou ~ Mohamed)

    @property
    def text(self) -> str:
        return " ".join(self.parts)

    @property
    def first(self) -> str:
        return self.parts[0] if self.parts else ""


@lru_cache(maxsize=200_000)
def normalise(text: str) -> NormalisedName:
    """Canonical parts, skeletons and related groups of one name field."""
    table = default_equivalents()
    parts = tuple(canonical_part(p, table) for p in tokens(text))
    related = tuple(sorted({r for p in parts for r in table.related.get(p, ())}))
    known = bool(parts) and parts[0] in _groups(table)
    return NormalisedName(parts, known, tuple(skeleton(p) for p in parts), related)


@cache
def _members(table: Equivalents) -> dict[str, tuple[str, ...]]:
    members: dict[str, list[str]] = {}
    for part, group in table.group_of.items():
        members.setdefault(group, []).append(part)
    return {group: tuple(sorted(parts)) for group, parts in members.items()}


def spellings_of(text: str) -> tuple[str, ...]:
    """The other spellings the equivalents table knows for one name part (folded)."""
    parts = tokens(text)
    if len(parts) != 1:
        return ()
    table = default_equivalents()
    group = table.group_of.get(parts[0])
    return tuple(p for p in _members(table).get(group, ()) if p != parts[0]) if group else ()


@cache
def _groups(table: Equivalents) -> frozenset[str]:
    return frozenset(table.group_of.values())


def same_person_name(given_a: str, family_a: str, given_b: str, family_b: str) -> bool:
    """True when two names have the same canonical parts, in either order.

    A convenience for tests and for the registration-time check; the model uses
    the graded comparison in `model.py`.
    """
    a = sorted(normalise(given_a).parts + normalise(family_a).parts)
    b = sorted(normalise(given_b).parts + normalise(family_b).parts)
    return bool(a) and a == b
