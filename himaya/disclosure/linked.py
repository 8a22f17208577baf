"""Suppression across every table of a release at once (linked tables).

`protect` (suppression.py) guards one table and its margins. Outsiders, though, read many
tables cut from the same records — the dashboard, the 5W, an indicator's breakdowns — and
can subtract a number in one from a number in another. Here every published number is an
*aggregate*: a set of *atoms* (the finest cells of one cube: deliveries of one partner,
type, region, bucket, sex, age group and nationality; or people of one reach signature and
attributes), held as a bit mask, with its value and threshold. One pass decides for all of
them together, and repeats until nothing changes:

1. primary: an aggregate with 0 < n < k is hidden; where a family's atoms have holders
   (vouchers, redemptions: several may belong to one person or household), so is one whose
   distinct holders are 0 < h < k;
2. the same atoms are the same number wherever they are published: hidden in one output,
   hidden in all (aggregates are grouped into classes by family and atoms);
3. lines: when the aggregates of one table partition a published aggregate (its cells by
   one more dimension, found from the atoms, across tables too), either none of them is
   hidden or at least two are — the smallest visible one is hidden as well;
4. differences: for every two visible aggregates A ⊃ B, A − B must be neither a small count
   (0 < A − B < k) nor exactly a hidden aggregate's atoms, nor (families with holders) the
   vouchers of 0 < h < k distinct holders; otherwise B is hidden.

Zeros are shown: a class with no atom reveals no one. The result is a set of hidden
classes; each output reads its numbers through `Release.value`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field


def mask_of(indexes: Iterable[int], size: int) -> int:
    """The bit mask of a set of atom indexes (built as bytes: fast for large sets)."""
    bits = bytearray((size + 8) // 8)
    for i in indexes:
        bits[i >> 3] |= 1 << (i & 7)
    return int.from_bytes(bits, "little")


def _bits(mask: int) -> Iterable[int]:
    text = bin(mask)[:1:-1]  # least significant bit first
    position = text.find("1")
    while position != -1:
        yield position
        position = text.find("1", position + 1)


@dataclass
class Aggregate:
    key: Hashable  # unique: (output, table, cell...)
    family: str  # what the atoms count: "deliveries", "people", "households"
    table: Hashable  # the table it belongs to (for the lines rule)
    atoms: int  # bit mask over the family's atoms
    value: int
    threshold: int


@dataclass
class LinkedRelease:
    """The outcome: hidden aggregates by key, and the figures as published."""

    aggregates: dict[Hashable, Aggregate]
    hidden: set[Hashable] = field(default_factory=set)

    def value(self, key: Hashable) -> int | None:
        aggregate = self.aggregates[key]
        return None if key in self.hidden else aggregate.value

    def __contains__(self, key: Hashable) -> bool:
        return key in self.aggregates


def protect_linked(aggregates: Iterable[Aggregate],
                   holders_of: dict[str, list[frozenset[Hashable]]] | None = None
                   ) -> LinkedRelease:
    """holders_of: per family whose atoms count things rather than people, who holds each
    atom's things (by atom index); its aggregates and differences are also protected by
    their distinct holders."""
    by_key = {a.key: a for a in aggregates}
    holders_of = holders_of or {}

    def few_holders(family: str, atoms: int, limit: int) -> bool:
        if family not in holders_of or not atoms:
            return False
        who: set[Hashable] = set()
        for atom in _bits(atoms):
            who |= holders_of[family][atom]
            if len(who) >= limit:
                return False
        return len(who) > 0

    # Classes: the same family and atoms are one number, however many outputs show it.
    classes: dict[tuple[str, int], list[Hashable]] = defaultdict(list)
    for a in by_key.values():
        classes[(a.family, a.atoms)].append(a.key)
    value = {c: by_key[keys[0]].value for c, keys in classes.items()}
    threshold = {c: max(by_key[k].threshold for k in keys) for c, keys in classes.items()}
    # Which classes contain each atom (one per table at most): the candidates for A ⊇ B.
    holders: dict[tuple[str, int], list[tuple[str, int]]] = defaultdict(list)
    lowest: dict[tuple[str, int], int] = {}
    for c in classes:
        family, atoms = c
        if not atoms:
            continue
        lowest[c] = (atoms & -atoms).bit_length() - 1
        for atom in _bits(atoms):
            holders[(family, atom)].append(c)
    # Lines: a class and, per table, the classes of that table inside it when they tile it.
    children: dict[tuple[tuple[str, int], Hashable], list[tuple[str, int]]] = defaultdict(list)
    tables_of = {c: {by_key[k].table for k in keys} for c, keys in classes.items()}
    for c, atom in lowest.items():
        for parent in holders[(c[0], atom)]:
            if parent != c and c[1] & ~parent[1] == 0:
                for table in tables_of[c]:
                    children[(parent, table)].append(c)
    lines: list[list[tuple[str, int]]] = []
    for (parent, _table), parts in children.items():
        union = 0
        for part in parts:
            union |= part[1]
        if union == parent[1] and len(parts) > 1:
            lines.append([parent, *parts])

    hidden: set[tuple[str, int]] = {c for c in classes if 0 < value[c] < threshold[c]
                                    or few_holders(*c, threshold[c])}
    changed = True
    while changed:
        changed = False
        for line in lines:
            hidden_in_line = [c for c in line if c in hidden]
            if len(hidden_in_line) != 1:
                continue
            candidates = [c for c in line if c not in hidden and value[c] > 0]
            if candidates:
                hidden.add(min(candidates, key=lambda c: (value[c], c[1])))
                changed = True
        hidden_atoms = {c for c in hidden}
        for small, atom in lowest.items():
            if small in hidden:
                continue
            for big in holders[(small[0], atom)]:
                if big == small or big in hidden or small[1] & ~big[1]:
                    continue
                difference = value[big] - value[small]
                rest = (small[0], big[1] & ~small[1])
                limit = max(threshold[big], threshold[small])
                if (0 < difference < limit or rest in hidden_atoms
                        or few_holders(*rest, limit)):
                    hidden.add(small)
                    changed = True
                    break
    return LinkedRelease(by_key, {k for c in hidden for k in classes[c]})
