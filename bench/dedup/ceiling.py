"""How far any matcher can go: upper bounds on F1 from the evidence itself.

    python -m bench.dedup.ceiling var/bench/dedup/n100000-seed2 var/bench/dedup/n100000-seed3

Every pair that shares a canonical name or a phone, plus every true pair, is put
in an evidence cell (name spelling, name frequency, birth-date relation, phone
and how many records share it, document, sex, nationality, region, and how many
records share the name and birth year). Accepting whole cells, purest first, is
the Bayes-optimal *pairwise* decision on that evidence. Cells are fitted on the
first file and applied to the second (and to the first, in-sample).

Pairwise is not how clusters are scored. A matcher merges records transitively:
A–B and B–C accepted put A and C in one cluster, whatever their own evidence,
and the benchmark counts every pair of a cluster. People are registered up to 8
times, so most true pairs sit in large clusters, and a weak pair is often
carried by two strong ones. The second measure therefore accepts pairs in the
same cell order, closes them transitively (connected components, as Himaya's
clustering does) and scores the clusters like the benchmark does. Recall at
precision 0.99 is the largest recall of a cell prefix whose clusters keep
precision ≥ 0.99.

Both measures are optimistic: the cells are fitted on data, and different people
whose names differ canonically and who share no phone are left out, so every
true pair with a damaged name is free recall. Himaya's normalisation is used only
to say which names are "the same canonical name"; the model is not.
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from pathlib import Path

import duckdb
import pyarrow as pa

from himaya.dedup.contract import read_records
from himaya.dedup.features import features_table
from himaya.dedup.names import fold

Cells = dict[str, tuple[int, int]]  # cell → (pairs, true pairs)

SIGNATURE = {
    "name": "CASE WHEN l.raw_name = r.raw_name THEN 'spelling' "
            "WHEN l.name_key = r.name_key THEN 'canonical' "
            "WHEN l.skel_pair = r.skel_pair THEN 'skeletons' "
            "WHEN jaro_winkler_similarity(l.given, r.given) >= 0.88 "
            "AND jaro_winkler_similarity(l.family, r.family) >= 0.88 THEN 'close' "
            "WHEN l.family_first = r.family_first OR l.given_first = r.given_first "
            "OR l.family_first = r.given_first OR l.given_first = r.family_first THEN 'one part' "
            "ELSE 'other' END",
    "frequency": "CASE WHEN l.name_key = r.name_key THEN least(floor(log2(l.name_n)), 9) "
                 "ELSE -1 END",
    "birth": """CASE WHEN l.birth_year IS NULL OR r.birth_year IS NULL THEN 'null'
        WHEN l.birth_iso = r.birth_iso THEN 'day'
        WHEN l.birth_iso IS NOT NULL AND r.birth_iso IS NOT NULL
             AND l.birth_year = r.birth_year AND l.birth_month = r.birth_day
             AND l.birth_day = r.birth_month THEN 'swap'
        WHEN l.birth_year = r.birth_year AND (l.birth_iso IS NULL OR r.birth_iso IS NULL)
             THEN 'year'
        WHEN l.birth_year = r.birth_year THEN 'year, other day'
        ELSE least(abs(l.birth_year - r.birth_year), 15)::varchar END""",
    "phone": "CASE WHEN l.phone IS NULL OR r.phone IS NULL THEN 'null' "
             "WHEN l.phone = r.phone THEN least(l.phone_n, 3)::varchar ELSE 'diff' END",
    "document": "CASE WHEN l.document IS NULL OR r.document IS NULL THEN 'null' "
                "WHEN l.document = r.document THEN 'eq' "
                "WHEN levenshtein(l.document, r.document) <= 1 THEN 'edit' ELSE 'diff' END",
    **{c: f"CASE WHEN l.{c} IS NULL OR r.{c} IS NULL THEN 'null' "
          f"WHEN l.{c} = r.{c} THEN 'eq' ELSE 'diff' END"
       for c in ("sex", "nationality", "region")},
    # Context: how many records share this name and this birth year.
    "name_year": "CASE WHEN l.name_key = r.name_key AND l.birth_year = r.birth_year "
                 "THEN least(floor(log2(l.name_year_n)), 5) ELSE -1 END",
}
BASE = [k for k in SIGNATURE if k != "name_year"]


def load(data: Path) -> pa.Table:
    records = read_records(data / "records.csv")
    with (data / "truth.csv").open(encoding="utf-8") as handle:
        entity = {r["record_id"]: r["entity_id"] for r in csv.DictReader(handle)}
    table = features_table(records)
    raw = [" ".join(sorted(f"{fold(r['given_name'] or '')} {fold(r['family_name'] or '')}"
                           .split())) for r in records]
    table = table.append_column("entity", pa.array([entity[r["record_id"]] for r in records]))
    return table.append_column("raw_name", pa.array(raw))


class Evidence:
    """The candidate pairs of one file, each with its cell (with and without context)."""

    def __init__(self, table: pa.Table) -> None:
        self.con = con = duckdb.connect(config={"autoinstall_known_extensions": False})
        con.register("records", table)
        con.execute("""CREATE TABLE t AS SELECT *,
            count(*) OVER (PARTITION BY name_key) name_n,
            count(*) OVER (PARTITION BY name_key, birth_year) name_year_n,
            count(*) OVER (PARTITION BY phone) phone_n FROM records""")
        columns = ", ".join(f"({sql})::varchar" for sql in SIGNATURE.values())
        base = ", ".join(f"({SIGNATURE[k]})::varchar" for k in BASE)
        con.execute(f"""CREATE TABLE pairs AS
            WITH p AS (
              SELECT l.unique_id a, r.unique_id b FROM t l JOIN t r
                ON l.name_key = r.name_key AND l.unique_id < r.unique_id
              UNION
              SELECT l.unique_id, r.unique_id FROM t l JOIN t r
                ON l.phone = r.phone AND l.unique_id < r.unique_id
              UNION
              SELECT l.unique_id, r.unique_id FROM t l JOIN t r
                ON l.skel_pair = r.skel_pair AND l.unique_id < r.unique_id
              UNION
              SELECT l.unique_id, r.unique_id FROM t l JOIN t r
                ON l.family_first = r.family_first AND l.birth_year = r.birth_year
                AND l.unique_id < r.unique_id
              UNION
              SELECT l.unique_id, r.unique_id FROM t l JOIN t r
                ON l.given_first = r.given_first AND l.birth_year = r.birth_year
                AND l.unique_id < r.unique_id
              UNION
              SELECT l.unique_id, r.unique_id FROM t l JOIN t r
                ON l.entity = r.entity AND l.unique_id < r.unique_id
            )
            SELECT p.a, p.b, l.entity ea, r.entity eb,
                   concat_ws('|', {columns}) cell, concat_ws('|', {base}) base_cell,
                   (l.entity = r.entity)::int AS same
            FROM p JOIN t l ON l.unique_id = p.a JOIN t r ON r.unique_id = p.b""")  # noqa: S608
        self.true_pairs = int(con.execute(
            "SELECT sum(c * (c - 1) / 2) FROM (SELECT count(*) c FROM t GROUP BY entity)"
        ).fetchall()[0][0])
        self.pairs = int(con.execute("SELECT count(*) FROM pairs").fetchall()[0][0])
        self.entity_sizes = Counter(
            e for (e,) in con.execute("SELECT entity FROM t").fetchall())

    def cells(self, context: bool) -> Cells:
        key = "cell" if context else "base_cell"
        rows = self.con.execute(
            f"SELECT {key}, count(*), sum(same) FROM pairs GROUP BY ALL").fetchall()  # noqa: S608
        return {r[0]: (int(r[1]), int(r[2])) for r in rows}

    def pairs_in_order(self, fit: Cells, context: bool, floor: float) -> list[tuple]:
        """(cell rank, left entity, right entity, left id, right id), purest fitted cell first."""
        ranked = sorted((k for k in fit if fit[k][1] / fit[k][0] >= floor),
                        key=lambda k: -fit[k][1] / fit[k][0])
        order = pa.table({"k": ranked, "rank": list(range(len(ranked)))})
        self.con.register("cell_order", order)
        key = "cell" if context else "base_cell"
        rows = self.con.execute(
            f"SELECT o.rank, p.ea, p.eb, p.a, p.b FROM pairs p "  # noqa: S608
            f"JOIN cell_order o ON o.k = p.{key} ORDER BY o.rank").fetchall()
        self.con.unregister("cell_order")
        return rows


def best(fit: Cells, apply: Cells, true_pairs: int) -> dict[str, float]:
    """Best pairwise F1 accepting `apply`'s cells in the order of `fit`'s purity."""
    tp = fp = 0
    result = {"f1": 0.0, "precision": 0.0, "recall": 0.0, "recall_at_precision_0.99": 0.0}
    for key in sorted(fit, key=lambda k: -fit[k][1] / fit[k][0]):
        if key not in apply:
            continue
        n, t = apply[key]
        tp, fp = tp + t, fp + n - t
        precision, recall = tp / (tp + fp), tp / true_pairs
        f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
        if f1 > result["f1"]:
            result.update(f1=f1, precision=precision, recall=recall)
        if precision >= 0.99:
            result["recall_at_precision_0.99"] = recall
    return {k: round(v, 3) for k, v in result.items()}


def best_clusters(ordered: list[tuple], true_pairs: int) -> dict[str, float]:
    """Best cluster-level F1 accepting pairs cell by cell and closing them transitively.

    Union–find over records; each component keeps a count of its records per
    entity, so a union adds |A|·|B| predicted pairs and Σ A[e]·B[e] true ones.
    Scored at every cell boundary.
    """
    parent: dict[str, str] = {}
    size: dict[str, int] = {}
    entities: dict[str, Counter[str]] = {}

    def find(x: str) -> str:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    tp = predicted = 0
    result = {"f1": 0.0, "precision": 0.0, "recall": 0.0, "recall_at_precision_0.99": 0.0,
              "f1_at_precision_0.99": 0.0}

    def score() -> None:
        precision = tp / predicted if predicted else 1.0
        recall = tp / true_pairs
        f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
        if f1 > result["f1"]:
            result.update(f1=f1, precision=precision, recall=recall)
        if precision >= 0.99 and recall > result["recall_at_precision_0.99"]:
            result["recall_at_precision_0.99"] = recall
            result["f1_at_precision_0.99"] = f1

    last_rank = None
    for rank, ea, eb, a, b in ordered:
        if rank != last_rank and last_rank is not None:
            score()
            if predicted and tp / predicted < 0.5:  # past any useful prefix
                break
        last_rank = rank
        for x, e in ((a, ea), (b, eb)):
            if x not in parent:
                parent[x], size[x], entities[x] = x, 1, Counter({e: 1})
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        if size[ra] < size[rb]:
            ra, rb = rb, ra
        small, large = entities.pop(rb), entities[ra]
        tp += sum(n * large.get(e, 0) for e, n in small.items())
        predicted += size[ra] * size[rb]
        large.update(small)
        parent[rb] = ra
        size[ra] += size.pop(rb)
    score()
    return {k: round(v, 3) for k, v in result.items()}


def main(argv: list[str] | None = None) -> None:
    fit_dir, apply_dir = (Path(a) for a in (argv or sys.argv[1:]))
    fit_ev, held_ev = Evidence(load(fit_dir)), Evidence(load(apply_dir))
    for context in (False, True):
        fit, held = fit_ev.cells(context), held_ev.cells(context)
        mostly_false = sum(t for n, t in fit.values() if t / n < 0.5)
        print(json.dumps({
            "name_and_year_count": context, "pairs": fit_ev.pairs, "cells": len(fit),
            "true_pairs": fit_ev.true_pairs,
            "pairwise": {"in_sample": best(fit, fit, fit_ev.true_pairs),
                         "held_out": best(fit, held, held_ev.true_pairs)},
            "clusters": {
                "in_sample": best_clusters(fit_ev.pairs_in_order(fit, context, 0.3),
                                           fit_ev.true_pairs),
                "held_out": best_clusters(held_ev.pairs_in_order(fit, context, 0.3),
                                          held_ev.true_pairs),
            },
            "true_pairs_in_cells_mostly_different_people": mostly_false,
            "share": round(mostly_false / fit_ev.true_pairs, 3),
        }), flush=True)


if __name__ == "__main__":
    main()
