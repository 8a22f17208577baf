"""Deduplicate a batch of records end to end: features → model → pairs → clusters.

This is the entry point for the `dedup-csv` command, the benchmark and (later)
the whole-registry task; it touches no database of Himaya's.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from himaya.dedup.clustering import cluster
from himaya.dedup.conflicts import DIRECT_EVIDENCE, contradictions
from himaya.dedup.features import features_table
from himaya.dedup.model import ModelStore, Thresholds, TrainedModel, score, train

# Below this many records EM has too few pairs to learn from; the shipped model
# (trained the same way on a larger file) is used instead when there is one.
TRAIN_MIN_RECORDS = 5_000


@dataclass
class DedupResult:
    clusters: dict[str, str]  # record id → cluster id, every record exactly once
    review: list[tuple[str, str, float]]  # pairs for a human, strongest first
    auto_merged_pairs: int
    model: TrainedModel
    timings: dict[str, float] = field(default_factory=dict)
    # Review pairs at or above the auto-merge weight, and why they were kept
    # apart (`clustering.DECIDED_DIFFERENT` or a kind from `conflicts.py`).
    kept_apart: dict[tuple[str, str], str] = field(default_factory=dict)


def choose_model(
    n_records: int,
    *,
    model: TrainedModel | None,
    store: ModelStore | None,
) -> TrainedModel | None:
    if model is not None:
        return model
    if n_records < TRAIN_MIN_RECORDS and store is not None and store.versions():
        return store.load()
    return None


def deduplicate(
    records: Sequence[Mapping[str, str | None]],
    *,
    model: TrainedModel | None = None,
    store: ModelStore | None = None,
    thresholds: Thresholds | None = None,
    cannot_link: Iterable[tuple[str, str]] = (),
    must_link: Iterable[tuple[str, str]] = (),
    seed: int = 42,
    threads: int | None = None,
    on_phase: Callable[[str], None] | None = None,
) -> DedupResult:
    """Cluster `records` (dicts with the fields of `features.INPUT_FIELDS`).

    With no model given, a model is trained on the records themselves (EM, no
    labels), or the latest stored model is used for small batches. `must_link` pairs
    are one person already (see `clustering.cluster`). `on_phase` is
    called with each phase's name when it ends (progress bars, memory probes).
    """
    def done(phase: str) -> None:
        if on_phase:
            on_phase(phase)

    timings: dict[str, float] = {}
    started = time.perf_counter()
    table = features_table(records)
    timings["features"] = time.perf_counter() - started
    done("features")

    chosen = choose_model(table.num_rows, model=model, store=store)
    if chosen is None:
        began = time.perf_counter()
        chosen = train(table, seed=seed, threads=threads)
        timings["train"] = time.perf_counter() - began
        done("train")
    if thresholds is not None:
        chosen = replace(chosen, thresholds=thresholds)

    # In-batch term frequencies mean little on a small batch (TRAIN_MIN_RECORDS).
    scored = score(table, chosen, threads=threads,
                   term_frequencies=table.num_rows >= TRAIN_MIN_RECORDS)
    timings.update(scored.timings)
    done("predict")

    began = time.perf_counter()
    pairs = list(zip(scored.left, scored.right, scored.weight, strict=True))
    refused: dict[tuple[str, str], str] = {}
    clusters = cluster(
        table.column("unique_id").to_pylist(),
        pairs,
        threshold=chosen.thresholds.auto_merge,
        cannot_link=cannot_link,
        must_link=must_link,
        conflicts=contradictions(table, ((a, b) for a, b, w in pairs if w >= DIRECT_EVIDENCE)),
        refused=refused,
    )
    auto = chosen.thresholds.auto_merge
    # Every scored pair left in two clusters goes to review: those between the
    # thresholds, and those above `auto_merge` that a contradiction kept apart.
    review = sorted(
        ((a, b, w) for a, b, w in pairs if clusters[a] != clusters[b]),
        key=lambda p: -p[2],
    )
    timings["cluster"] = time.perf_counter() - began
    timings["total"] = time.perf_counter() - started
    done("cluster")
    merged = sum(w >= auto and clusters[a] == clusters[b] for a, b, w in pairs)
    kept_apart = {pair: why for pair, why in refused.items()
                  if clusters[pair[0]] != clusters[pair[1]]}
    return DedupResult(clusters, review, merged, chosen, timings, kept_apart)
