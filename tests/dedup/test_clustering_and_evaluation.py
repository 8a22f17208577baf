"""Clustering with cannot-link constraints, and the pairwise evaluator."""

from __future__ import annotations

from himaya.dedup.clustering import cluster
from himaya.dedup.evaluation import pair_recall, pairwise_score


def test_connected_components_above_threshold() -> None:
    clusters = cluster(["a", "b", "c", "d"], [("a", "b", 12.0), ("b", "c", 11.0), ("c", "d", 3.0)],
                       threshold=10.0)
    assert clusters == {"a": "a", "b": "a", "c": "a", "d": "d"}


def test_a_pair_judged_different_is_never_joined_even_through_a_chain() -> None:
    clusters = cluster(["a", "b", "c"], [("a", "b", 12.0), ("b", "c", 11.0)], threshold=10.0,
                       cannot_link=[("a", "c")])
    assert clusters["a"] != clusters["c"]
    assert clusters["a"] == clusters["b"]  # the stronger link wins


def test_pairwise_scores() -> None:
    truth = {"a": "1", "b": "1", "c": "1", "d": "2"}
    predicted = {"a": "x", "b": "x", "c": "y", "d": "y"}
    score = pairwise_score(predicted, truth)
    assert (score.true_positives, score.predicted_pairs, score.true_pairs) == (1, 2, 3)
    assert score.precision == 0.5 and round(score.recall, 3) == 0.333
    assert pair_recall(predicted, [("c", "d"), ("a", "d")]) == (1, 2)
