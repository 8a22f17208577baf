"""Review threshold against queue size: what each setting of `review` costs and gives.

    python -m bench.dedup.review_band var/bench/dedup/n100000-seed2 [--reviews 2 1 0 -2]

Runs Himaya once with the review threshold at the lowest setting asked, then,
for each setting, counts the pairs the queue would hold (scored at or above it
and left in two clusters) and how many are true, and scores the clusters an
oracle reviewer would give: the automatic merges plus exactly the true pairs of
the queue. An upper bound for automatic merges plus review, not a matcher.

It also counts the decisions that reviewer makes when working the queue
strongest first as the application lets it: a pair whose records are already one
person (through earlier merges) is not asked, nor a pair between two groups
already judged different people. That is the work left once the strong band is
merged together (decision 0309).
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from himaya.dedup.clustering import cluster
from himaya.dedup.contract import read_records
from himaya.dedup.evaluation import pairwise_score
from himaya.dedup.matching import deduplicate
from himaya.dedup.model import Thresholds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--reviews", type=float, nargs="*", default=[2, 1, 0, -2])
    parser.add_argument("--auto-merge", type=float, default=Thresholds().auto_merge)
    args = parser.parse_args(argv)
    with (args.data / "truth.csv").open(encoding="utf-8") as handle:
        truth = {r["record_id"]: r["entity_id"] for r in csv.DictReader(handle)}
    result = deduplicate(read_records(args.data / "records.csv"), thresholds=Thresholds(
        auto_merge=args.auto_merge, review=min(args.reviews)))
    base = result.clusters
    print("| review from weight | pairs in the queue (true) | F1 if decided correctly "
          "| decisions asked |")
    print("|---|---|---|---|")
    for review in sorted(args.reviews, reverse=True):
        queue = [(a, b) for a, b, w in result.review if w >= review]
        true = [(base[a], base[b], 1.0) for a, b in queue if truth[a] == truth[b]]
        merged = cluster(set(base.values()), true, threshold=0.0)
        score = pairwise_score({r: merged[c] for r, c in base.items()}, truth)
        asked = decisions_asked(queue, base, truth)
        print(f"| {review:g} | {len(queue):,} ({len(true):,}) | {score.f1:.3f} | {asked:,} |",
              flush=True)


def decisions_asked(queue: list[tuple[str, str]], base: dict[str, str],
                    truth: dict[str, str]) -> int:
    """Decisions of a reviewer working `queue` (strongest first) who is never asked about
    records already one person, or about two groups already judged different."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    different: set[tuple[str, str]] = set()
    asked = 0
    for a, b in queue:
        left, right = find(base[a]), find(base[b])
        if left == right or (min(left, right), max(left, right)) in different:
            continue
        asked += 1
        if truth[a] == truth[b]:
            parent[right] = left
            # "Different" judgements follow the groups they were made between.
            different = {(min(find(x), find(y)), max(find(x), find(y))) for x, y in different}
        else:
            different.add((min(left, right), max(left, right)))
    return asked


if __name__ == "__main__":
    main()
