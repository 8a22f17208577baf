"""Registrations merged into a person still speak for that person.

A merge keeps the absorbed record (decision 0204). Its spelling, birth date, phone
and document are what the person gave another day, in another office: exactly what
a later registration may repeat. So a run, and the check at registration, compare
new records with a person's earlier registrations too, and report what they find
against the person that stands for them now (the end of the merge chain).

Only registrations the caller may use are taken: a partner's own run reads its own
caseload's merged records, never another partner's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from himaya.registry.models import Person


def survivors(absorbed_to: dict[int, int]) -> dict[int, int]:
    """Each absorbed id → the end of its chain (a survivor may be absorbed later)."""
    resolved: dict[int, int] = {}
    for start in absorbed_to:
        current, seen = start, {start}
        while current in absorbed_to and absorbed_to[current] not in seen:
            current = absorbed_to[current]
            seen.add(current)
        resolved[start] = current
    return resolved


def absorbed_of(survivor_ids: Iterable[int], *, organisation_id: int | None = None) -> dict[int, int]:
    """Absorbed records whose current survivor is in `survivor_ids`: {absorbed: survivor}.

    With `organisation_id`, only that partner's own absorbed registrations.
    """
    wanted = set(survivor_ids)
    if not wanted:
        return {}
    links = dict(Person.objects.filter(merged_into__isnull=False)
                 .values_list("pk", "merged_into_id"))
    resolved = {a: s for a, s in survivors(links).items() if s in wanted}
    if organisation_id is not None and resolved:
        own = set(Person.objects.filter(pk__in=list(resolved), organisation_id=organisation_id)
                  .values_list("pk", flat=True))
        resolved = {a: s for a, s in resolved.items() if a in own}
    return resolved


@dataclass
class AliasMap:
    """Record ids (engine strings) of absorbed registrations → their survivor's id."""

    to_survivor: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, absorbed: dict[int, int]) -> AliasMap:
        return cls({str(a): str(s) for a, s in absorbed.items()})

    def person(self, record_id: str) -> str:
        return self.to_survivor.get(record_id, record_id)

    def is_alias(self, record_id: str) -> bool:
        return record_id in self.to_survivor

    def must_link(self) -> list[tuple[str, str]]:
        return list(self.to_survivor.items())

    def records_of(self, person_id: str) -> list[str]:
        """The person's own record first, then the registrations merged into it."""
        return [person_id] + sorted(a for a, s in self.to_survivor.items() if s == person_id)

    def people_pairs(self, pairs: Iterable[tuple[str, str, float]]) -> list[tuple[str, str, float]]:
        """Pairs of records → pairs of people, strongest first: the strongest weight is
        kept, and a pair inside one person (a registration and its survivor) is dropped."""
        best: dict[tuple[str, str], float] = {}
        for a, b, weight in pairs:
            pa, pb = self.person(a), self.person(b)
            if pa == pb:
                continue
            key = (pa, pb) if int(pa) < int(pb) else (pb, pa)
            if weight > best.get(key, float("-inf")):
                best[key] = weight
        return sorted(((a, b, w) for (a, b), w in best.items()), key=lambda p: -p[2])

    def people_key(self, a: str, b: str) -> tuple[str, str]:
        pa, pb = self.person(a), self.person(b)
        return (pa, pb) if int(pa) < int(pb) else (pb, pa)
