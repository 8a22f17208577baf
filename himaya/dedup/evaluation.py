"""Pairwise precision, recall and F1 of a clustering against the truth.

A pair of records counts as predicted when both are in one predicted cluster,
and as true when both belong to one real person. Counting works on cluster
sizes (n·(n−1)/2 pairs per cluster) so a million records need no pair list.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class PairwiseScore:
    true_positives: int
    predicted_pairs: int
    true_pairs: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _pairs(sizes: Iterable[int]) -> int:
    return sum(n * (n - 1) // 2 for n in sizes)


def pairwise_score(predicted: Mapping[str, str], truth: Mapping[str, str]) -> PairwiseScore:
    """Both arguments map record id → cluster (or entity) id, over the same records."""
    if predicted.keys() != truth.keys():
        missing = len(truth.keys() - predicted.keys())
        extra = len(predicted.keys() - truth.keys())
        raise ValueError(f"record sets differ: {missing} missing, {extra} unexpected")
    joint = Counter((predicted[r], truth[r]) for r in truth)
    return PairwiseScore(
        true_positives=_pairs(joint.values()),
        predicted_pairs=_pairs(Counter(predicted.values()).values()),
        true_pairs=_pairs(Counter(truth.values()).values()),
    )


def pair_recall(predicted: Mapping[str, str], pairs: Iterable[tuple[str, str]]) -> tuple[int, int]:
    """(pairs put together, pairs given): recall on a chosen subset of true pairs,
    or the false-match count on a subset of pairs known to be different people."""
    together = total = 0
    for a, b in pairs:
        total += 1
        together += predicted[a] == predicted[b]
    return together, total
