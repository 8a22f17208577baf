"""Score given pairs of records, field by field, with a trained model.

The engine (`model.score`) finds and scores pairs in bulk but returns only the
weight. The review page must say which fields agree and by how much, and the
registration check must score a few dozen candidates in milliseconds. Both are
done here by evaluating the model's own comparison levels (the SQL conditions
stored in the trained Splink settings) on an in-memory DuckDB table of pairs, so
the levels stay exactly the engine's whatever it learns next. Term-frequency
adjustments are left out, as the engine does for small batches.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import pyarrow as pa

from himaya.dedup.features import SCHEMA, record_features
from himaya.dedup.model import ModelStore, TrainedModel, connect

# How a level reads to a reviewer, from the evidence it carries (log2 of m/u):
# strong (≥ 2, four times likelier for one person than for two), weak, none
# (levels fixed at m = u: a shared household phone, twins' birthday), against.
AGREE, WEAK, NEUTRAL, DISAGREE, MISSING = "agree", "weak", "neutral", "disagree", "missing"
STRONG_EVIDENCE = 2.0


@dataclass(frozen=True)
class FieldComparison:
    field: str  # the comparison's output column: name, birth, phone, document, sex...
    level: str  # the level's label, as the model names it
    agreement: str  # AGREE, PARTIAL, DISAGREE or MISSING
    weight: float  # log2(m/u): what this field adds to (or takes from) the match weight

    def as_json(self) -> dict[str, Any]:
        return {"field": self.field, "level": self.level, "agreement": self.agreement,
                "weight": round(self.weight, 2)}


@dataclass(frozen=True)
class PairScore:
    left: str
    right: str
    weight: float
    fields: tuple[FieldComparison, ...]

    def detail(self) -> list[dict[str, Any]]:
        return [f.as_json() for f in self.fields]


@cache
def shipped_model() -> TrainedModel:
    """The model stored with the code (or the latest one trained in the store)."""
    return ModelStore().load()


def _level_weight(level: Mapping[str, Any]) -> float | None:
    m, u = level.get("m_probability"), level.get("u_probability")
    if level.get("is_null_level") or not m or not u:
        return None
    return math.log2(m / u)


def _agreement(level: Mapping[str, Any], weight: float | None) -> str:
    if level.get("is_null_level") or weight is None:
        return MISSING
    if weight >= STRONG_EVIDENCE:
        return AGREE
    if weight > 0.01:
        return WEAK
    if weight >= -0.01:
        return NEUTRAL
    return DISAGREE


def _pairs_table(pairs: Sequence[tuple[dict[str, Any], dict[str, Any]]]) -> pa.Table:
    columns: dict[str, list[Any]] = {}
    fields = []
    for schema_field in SCHEMA:
        for side, index in (("l", 0), ("r", 1)):
            name = f"{schema_field.name}_{side}"
            fields.append(pa.field(name, schema_field.type))
            columns[name] = [pair[index].get(schema_field.name) for pair in pairs]
    return pa.table(columns, schema=pa.schema(fields))


_local = threading.local()


def _connection():  # noqa: ANN202 - a DuckDB connection
    # One connection per thread: opening one costs more than scoring 50 pairs.
    if getattr(_local, "con", None) is None:
        _local.con = connect(threads=1)
    return _local.con


def score_feature_pairs(
    pairs: Sequence[tuple[dict[str, Any], dict[str, Any]]], model: TrainedModel | None = None,
) -> list[PairScore]:
    """Score pairs of feature rows (`features.record_features` output)."""
    if not pairs:
        return []
    model = model or shipped_model()
    comparisons = model.splink_settings["comparisons"]
    prior = model.splink_settings["probability_two_random_records_match"]
    base = math.log2(prior / (1 - prior))
    cases = []
    for n, comparison in enumerate(comparisons):
        whens = " ".join(
            f"WHEN {level['sql_condition']} THEN {i}"
            for i, level in enumerate(comparison["comparison_levels"])
            if level["sql_condition"].strip().upper() != "ELSE"
        )
        last = len(comparison["comparison_levels"]) - 1
        cases.append(f"CASE {whens} ELSE {last} END AS c{n}")
    # The thread's own connection: a cursor per call would cost a connection each time.
    con = _connection()
    con.register("pairs_in", _pairs_table(pairs))
    try:
        rows = con.execute(f"SELECT {', '.join(cases)} FROM pairs_in").fetchall()  # noqa: S608
    finally:
        con.unregister("pairs_in")
    scores = []
    for pair, row in zip(pairs, rows, strict=True):
        fields = []
        total = base
        for comparison, index in zip(comparisons, row, strict=True):
            levels = comparison["comparison_levels"]
            weight = _level_weight(levels[index])
            total += weight or 0.0
            fields.append(FieldComparison(
                comparison["output_column_name"], levels[index].get("label_for_charts", ""),
                _agreement(levels[index], weight), weight or 0.0,
            ))
        scores.append(PairScore(str(pair[0]["unique_id"]), str(pair[1]["unique_id"]), total,
                                tuple(fields)))
    return scores


def score_records(
    pairs: Sequence[tuple[Mapping[str, str | None], Mapping[str, str | None]]],
    model: TrainedModel | None = None,
) -> list[PairScore]:
    """Score pairs of contract records (dicts with `features.INPUT_FIELDS`)."""
    return score_feature_pairs([(record_features(a), record_features(b)) for a, b in pairs], model)
