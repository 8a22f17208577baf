"""Scored pairs → clusters of records that are the same person.

Clusters are the connected components of the pairs at or above the auto-merge
threshold, built strongest pair first, with one constraint: two records that a
reviewer judged to be different people are never put in one cluster, not even
through a chain of other records (A–B and B–C would otherwise merge A and C).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def cluster(
    record_ids: Iterable[str],
    pairs: Sequence[tuple[str, str, float]],
    *,
    threshold: float,
    cannot_link: Iterable[tuple[str, str]] = (),
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

    for left, right, weight in sorted(pairs, key=lambda p: (-p[2], p[0], p[1])):
        if weight < threshold:
            break
        a, b = find(left), find(right)
        if a == b:
            continue
        if len(members[a]) < len(members[b]):
            a, b = b, a
        if apart and any(apart.get(x, set()).intersection(members[a]) for x in members[b]):
            continue
        parent[b] = a
        members[a].extend(members.pop(b))

    return {
        record: min(group)
        for group in members.values()
        for record in group
    }
