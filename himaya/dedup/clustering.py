"""Scored pairs → clusters of records that are the same person.

Clusters are the connected components of the pairs at or above the auto-merge
threshold, built strongest pair first, with two constraints. Both are checked
against every record of the two groups about to be joined, not only the pair
that joins them: A–B and B–C would otherwise merge A and C without comparing
them.

- Two records that a reviewer judged to be different people are never put in one
  cluster (`cannot_link`).
- Two records that contradict each other (`conflicts`; see `conflicts.py`: two
  different full birth dates, for instance) are not put in one cluster
  automatically. Their pairs stay for review.

Records listed in `must_link` (a registration merged earlier and the record it was
merged into) start in one group, without checks: a person decided that. Every later
join is then checked against all of them, so a newcomer who contradicts one of a
person's earlier registrations is not merged into that person automatically.

`refused`, when given, receives why each pair at or above the threshold was not
used to join its two groups: `DECIDED_DIFFERENT`, or the kind of contradiction
that `conflicts` returned. The review page shows it (a strong pair in the queue
would otherwise look like a mistake).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, MutableMapping, Sequence

# The reason a pair was refused when a reviewer's "different people" blocked it.
DECIDED_DIFFERENT = "decided_different"


def cluster(
    record_ids: Iterable[str],
    pairs: Sequence[tuple[str, str, float]],
    *,
    threshold: float,
    cannot_link: Iterable[tuple[str, str]] = (),
    must_link: Iterable[tuple[str, str]] = (),
    conflicts: Callable[[str, str], object] | None = None,
    refused: MutableMapping[tuple[str, str], str] | None = None,
) -> dict[str, str]:
    """Map every record id to its cluster id (the smallest record id in the cluster).

    `pairs` are (left, right, match_weight); those below `threshold` are ignored.
    """
    parent: dict[str, str] = {r: r for r in record_ids}
    members: dict[str, list[str]] = {r: [r] for r in parent}
    apart: dict[str, set[str]] = {}
    for a, b in cannot_link:
        apart.setdefault(a, set()).add(b)
        apart.setdefault(b, set()).add(a)

    def find(x: str) -> str:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for left, right in must_link:
        a, b = find(left), find(right)
        if a != b:
            if len(members[a]) < len(members[b]):
                a, b = b, a
            parent[b] = a
            members[a].extend(members.pop(b))

    for left, right, weight in sorted(pairs, key=lambda p: (-p[2], p[0], p[1])):
        if weight < threshold:
            break
        a, b = find(left), find(right)
        if a == b:
            continue
        if len(members[a]) < len(members[b]):
            a, b = b, a
        if apart and any(apart.get(x, set()).intersection(members[a]) for x in members[b]):
            if refused is not None:
                refused[(left, right)] = DECIDED_DIFFERENT
            continue
        if conflicts:
            kind = next((k for x in members[a] for y in members[b] if (k := conflicts(x, y))),
                        None)
            if kind:
                if refused is not None:
                    refused[(left, right)] = str(kind)
                continue
        parent[b] = a
        members[a].extend(members.pop(b))

    return {
        record: min(group)
        for group in members.values()
        for record in group
    }
