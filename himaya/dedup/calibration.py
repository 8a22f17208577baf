"""How the match weights hold up against reviewers' decisions, and the thresholds they support.

The benchmark calibrates the default thresholds on synthetic data (docs/performance.md);
a programme's own reviewed pairs say whether they hold on its people. Pairs merged in
bulk from a run's strong band are not reviewers' judgements and are left out by the
caller (decision 0310). No Django here: the page and the tests feed plain tuples.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Band edges in match weight (log2 of the odds); the last band is open-ended.
EDGES: tuple[float, ...] = (-4.0, -2.0, 0.0, 2.0, 4.0, 6.0, 8.0, 12.0)
TARGET_PRECISION = 0.99
# Below this many decisions at or above a weight, no threshold is suggested from them.
MIN_DECISIONS = 50
Z_95 = 1.959964  # two-sided 95%


def wilson_lower(same: int, decided: int, z: float = Z_95) -> float:
    """Lower bound of the Wilson score interval for the share `same / decided`."""
    if decided == 0:
        return 0.0
    p = same / decided
    centre = p + z * z / (2 * decided)
    spread = z * math.sqrt(p * (1 - p) / decided + z * z / (4 * decided * decided))
    return max(0.0, (centre - spread) / (1 + z * z / decided))


@dataclass(frozen=True)
class Band:
    low: float | None  # None: below the first edge
    high: float | None  # None: open-ended above
    same: int
    different: int
    waiting: int

    @property
    def decided(self) -> int:
        return self.same + self.different

    @property
    def share_same(self) -> float | None:
        return self.same / self.decided if self.decided else None

    @property
    def lower_bound(self) -> float | None:
        return wilson_lower(self.same, self.decided) if self.decided else None


def _band_of(weight: float, edges: Sequence[float]) -> int:
    for i, edge in enumerate(edges):
        if weight < edge:
            return i
    return len(edges)


def bands(
    decisions: Iterable[tuple[float, bool]], waiting: Iterable[float] = (),
    edges: Sequence[float] = EDGES,
) -> list[Band]:
    """Decisions (weight, judged the same person) and waiting pairs' weights, by band."""
    same = [0] * (len(edges) + 1)
    different = [0] * (len(edges) + 1)
    queued = [0] * (len(edges) + 1)
    for weight, is_same in decisions:
        (same if is_same else different)[_band_of(weight, edges)] += 1
    for weight in waiting:
        queued[_band_of(weight, edges)] += 1
    lows: list[float | None] = [None, *edges]
    highs: list[float | None] = [*edges, None]
    return [Band(lows[i], highs[i], same[i], different[i], queued[i])
            for i in range(len(edges) + 1)]


@dataclass(frozen=True)
class Suggestion:
    auto_merge: float | None  # None: not enough decisions to say
    same: int  # decisions at or above it judged the same person
    decided: int
    lower_bound: float


def suggest_auto_merge(
    decisions: Sequence[tuple[float, bool]], *, edges: Sequence[float] = EDGES,
    target: float = TARGET_PRECISION, minimum: int = MIN_DECISIONS,
) -> Suggestion:
    """The lowest band edge from which the decisions at or above it, and at or above every
    higher edge, are the same person with 95% confidence of a share ≥ `target`.

    Precision at a threshold is that of all pairs above it, so the decisions are pooled
    upwards; requiring every higher edge too keeps one lucky band from lowering the
    threshold past a bad one.
    """
    best = Suggestion(None, 0, 0, 0.0)
    for edge in sorted(edges, reverse=True):
        above = [is_same for weight, is_same in decisions if weight >= edge]
        same, decided = sum(above), len(above)
        if decided < minimum:
            continue  # too few yet: a lower edge pools more
        bound = wilson_lower(same, decided)
        if bound < target:
            break
        best = Suggestion(edge, same, decided, bound)
    return best
