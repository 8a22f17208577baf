"""How far any matcher can go: an upper bound on pairwise F1 from the evidence itself.

    python -m bench.dedup.ceiling var/bench/dedup/n100000-seed2 var/bench/dedup/n100000-seed3

Every pair that shares a canonical name, plus every true pair, is put in an
evidence cell (name spelling, name frequency, birth-date relation, phone and how
many records share it, document, sex, nationality, region, and how many records
share the name and birth year). Accepting whole cells, purest first, is the
Bayes-optimal pairwise decision on that evidence. Cells are fitted on the first
file and applied to the second (and to the first, in-sample).

The bound is optimistic: the cells are fitted on data, and different people whose
names differ canonically are left out, so every true pair with a damaged name is
free recall. Himaya's normalisation is used only to say which names are "the same
canonical name"; the model is not.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import duckdb
import pyarrow as pa

from himaya.dedup.contract import read_records
from himaya.dedup.features import features_table
from himaya.dedup.names import fold

Cells = dict[tuple[object, ...], tuple[int, int]]  # cell → (pairs, true pairs)

SIGNATURE = {
    "name": "CASE WHEN l.raw_name = r.raw_name THEN 'spelling' "
            "WHEN l.name_key = r.name_key THEN 'canonical' ELSE 'other' END",
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


def load(data: Path) -> pa.Table:
    records = read_records(data / "records.csv")
    with (data / "truth.csv").open(encoding="utf-8") as handle:
        entity = {r["record_id"]: r["entity_id"] for r in csv.DictReader(handle)}
    table = features_table(records)
    raw = [" ".join(sorted(f"{fold(r['given_name'] or '')} {fold(r['family_name'] or '')}"
                           .split())) for r in records]
    table = table.append_column("entity", pa.array([entity[r["record_id"]] for r in records]))
    return table.append_column("raw_name", pa.array(raw))


def cells(table: pa.Table) -> tuple[Cells, int, int]:
    con = duckdb.connect(config={"autoinstall_known_extensions": False})
    con.register("records", table)
    con.execute("""CREATE TABLE t AS SELECT *,
        count(*) OVER (PARTITION BY name_key) name_n,
        count(*) OVER (PARTITION BY name_key, birth_year) name_year_n,
        count(*) OVER (PARTITION BY phone) phone_n FROM records""")
    columns = ", ".join(f"{sql} AS {name}" for name, sql in SIGNATURE.items())
    rows = con.execute(f"""
        WITH p AS (
          SELECT l.unique_id a, r.unique_id b FROM t l JOIN t r
            ON l.name_key = r.name_key AND l.unique_id < r.unique_id
          UNION
          SELECT l.unique_id, r.unique_id FROM t l JOIN t r
            ON l.entity = r.entity AND l.unique_id < r.unique_id
        ), s AS (
          SELECT {columns}, (l.entity = r.entity)::int AS same FROM p
          JOIN t l ON l.unique_id = p.a JOIN t r ON r.unique_id = p.b
        )
        SELECT {", ".join(SIGNATURE)}, count(*), sum(same) FROM s GROUP BY ALL""").fetchall()  # noqa: S608
    true_pairs = con.execute(
        "SELECT sum(c * (c - 1) / 2) FROM (SELECT count(*) c FROM t GROUP BY entity)"
    ).fetchall()[0][0]
    con.close()
    return ({tuple(r[:-2]): (r[-2], r[-1]) for r in rows}, int(true_pairs),
            sum(r[-2] for r in rows))


def without_context(found: Cells) -> Cells:
    out: Cells = {}
    for key, (n, t) in found.items():
        n0, t0 = out.get(key[:-1], (0, 0))
        out[key[:-1]] = (n0 + n, t0 + t)
    return out


def best(fit: Cells, apply: Cells, true_pairs: int) -> dict[str, float]:
    """Best F1 accepting `apply`'s cells in the order of `fit`'s purity."""
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


def main(argv: list[str] | None = None) -> None:
    fit_dir, apply_dir = (Path(a) for a in (argv or sys.argv[1:]))
    fit, fit_true, fit_pairs = cells(load(fit_dir))
    held, held_true, _ = cells(load(apply_dir))
    for context in (False, True):
        a, b = (fit, held) if context else (without_context(fit), without_context(held))
        mostly_false = sum(t for n, t in a.values() if t / n < 0.5)
        print(json.dumps({
            "name_and_year_count": context, "pairs": fit_pairs, "cells": len(a),
            "true_pairs": fit_true, "in_sample": best(a, a, fit_true),
            "held_out": best(a, b, held_true),
            "true_pairs_in_cells_mostly_different_people": mostly_false,
            "share": round(mostly_false / fit_true, 3),
        }))


if __name__ == "__main__":
    main()
