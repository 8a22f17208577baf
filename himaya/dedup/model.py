"""The matching model: Splink (Fellegi–Sunter) on DuckDB over Himaya's features.

Splink estimates how much each kind of agreement or disagreement is worth
(m and u probabilities) and scores candidate pairs; Himaya supplies the columns
(`features.py`), the comparison levels that fit this population, the blocking
rules, training, persistence and thresholds.

Thresholds are match weights (log2 of the Bayes factor, Splink's
`match_weight`): a pair at or above `auto_merge` is merged without review, a
pair between `review` and `auto_merge` goes to the review queue.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from himaya.dedup import term_frequencies as people_tf
from himaya.dedup.blocking import BLOCK_COLUMNS, BLOCKING_RULES, with_block_flags
from himaya.dedup.features import FEATURES_VERSION
from himaya.dedup.names import EQUIVALENTS_FILE, local_rows

MODEL_FORMAT = 1
DEFAULT_MODEL_DIR = Path(__file__).with_name("data") / "models"


@dataclass(frozen=True)
class Thresholds:
    """Match-weight thresholds; set per programme."""

    # Calibrated on the synthetic benchmark's seed-2 file (docs/performance.md),
    # with clustering that refuses contradictions (conflicts.py): at 100,000
    # records the auto-merged clusters have pairwise precision 0.992 from weight 4
    # (0.993 on the held-out seed-3 file). Without that refusal weight 4 gives
    # 0.981, which is why the threshold was 6 before (decision 0304). From weight
    # 0 about half the queued pairs are true duplicates; a programme with
    # reviewers to spare lowers `review` to -2 for more recall.
    auto_merge: float = 4.0
    review: float = 0.0

    def __post_init__(self) -> None:
        if self.review > self.auto_merge:
            raise ValueError("the review threshold must not exceed the auto-merge threshold")


def _level(sql: str, label: str, m: float, u: float, **extra: Any) -> dict[str, Any]:
    return {"sql_condition": sql, "label_for_charts": label, "m_probability": m,
            "u_probability": u, **extra}


def _null(sql: str) -> dict[str, Any]:
    return {"sql_condition": sql, "label_for_charts": "null", "is_null_level": True}


def _else(m: float, u: float) -> dict[str, Any]:
    return {"sql_condition": "ELSE", "label_for_charts": "else", "m_probability": m,
            "u_probability": u}


def _either_order(condition: str) -> str:
    """A condition on (given, family) that also holds with one side swapped."""
    swapped = (
        condition.replace("r.given", "r.__tmp").replace("r.family", "r.given")
        .replace("r.__tmp", "r.family")
        .replace("r.skel_given", "r.__tmp").replace("r.skel_family", "r.skel_given")
        .replace("r.__tmp", "r.skel_family")
    )
    return f"(({condition}) OR ({swapped}))"


def _jw(col: str, threshold: float) -> str:
    return f"jaro_winkler_similarity(l.{col}, r.{col}) >= {threshold}"


_FAMILY_AGREES = (
    "(l.family_first = r.family_first OR l.skel_family = r.skel_family "
    f"OR {_jw('family', 0.9)})"
)
# Could the two given names belong to one person? Used to tell a duplicate from
# a relative: in a household, a shared phone, family name and even birth date
# (twins) are common, but siblings' given names differ.
# Two different names that are both in the equivalents table are known to be
# different names, even with one skeleton (Mohamed and Mahmoud are both "mhmd").
SKELETON_GIVEN = (
    "(l.skel_given = r.skel_given "
    "AND NOT (l.given_known AND r.given_known AND l.given_first <> r.given_first))"
)
GIVEN_COMPATIBLE = (
    "(l.given_first IS NULL OR r.given_first IS NULL OR l.given_first = r.given_first "
    f"OR {SKELETON_GIVEN} OR list_has_any(l.given_parts, r.given_parts) "
    f"OR {_jw('given', 0.88)} "
    "OR l.given_first = r.family_first OR l.family_first = r.given_first)"
)


def _fixed(sql: str, label: str, m: float, u: float) -> dict[str, Any]:
    """A level whose m and u are set, not trained (see the module notes below)."""
    return _level(sql, label, m, u, fix_m_probability=True, fix_u_probability=True)


def _prior(sql: str, label: str, m: float, u: float, **extra: Any) -> dict[str, Any]:
    """A level with a prior m (see NAME_COMPARISON)."""
    return _level(sql, label, m, u, **extra)


# Name m probabilities are priors, not trained by EM. The only blockings that
# leave names free to learn are phone and birth date, and those bring whole
# households: EM then learns "same family, other given name" (siblings, twins)
# as what a duplicate looks like. The priors say how a second registration of
# one person spells the name (share of duplicates at each level), from the
# field's experience as encoded in the benchmark's error model; u (chance
# agreement) is still estimated from the data.
NAME_COMPARISON: dict[str, Any] = {
    "output_column_name": "name",
    "comparison_description": "Given and family names, in either order",
    "comparison_levels": [
        _null("l.name_key IS NULL OR r.name_key IS NULL"),
        # The same canonical parts, whatever the order or the split between
        # given and family: Diallo Mamadou = Mamadou Diallo = Mamadou | Diallo.
        # Term frequencies make "mamadou diallo" count for less than a rare name.
        _prior("l.name_key = r.name_key", "same parts", 0.50, 0.0005,
               tf_adjustment_column="name_key", tf_adjustment_weight=1.0),
        _prior(_either_order("l.given_first = r.given_first AND l.family_first = r.family_first"),
               "same first given and family part", 0.10, 0.0003),
        _prior(f"{SKELETON_GIVEN} AND l.skel_family = r.skel_family "
               "OR l.skel_given = r.skel_family AND l.skel_family = r.skel_given",
               "same skeletons", 0.12, 0.0005),
        _prior(_either_order(f"{_jw('given', 0.88)} AND {_jw('family', 0.88)}"),
               "both names close", 0.10, 0.001),
        _prior("list_has_all(l.name_parts, r.name_parts) "
               "OR list_has_all(r.name_parts, l.name_parts)",
               "one name contains the other", 0.06, 0.002),
        _prior(f"{_FAMILY_AGREES} AND (list_contains(l.given_related, r.given_first) "
               "OR list_contains(r.given_related, l.given_first))",
               "family agrees, related given names", 0.0005, 0.0005),
        _prior(f"{_FAMILY_AGREES} AND {_jw('given', 0.85)}",
               "family agrees, given names somewhat close", 0.03, 0.002),
        _prior(_FAMILY_AGREES, "family agrees, given differs", 0.02, 0.02),
        _prior("l.given_first = r.given_first", "given agrees, family differs", 0.02, 0.02),
        _prior("ELSE", "else", 0.03, 0.95),
    ],
}

_BOTH_DAY = "l.birth_precision = 'day' AND r.birth_precision = 'day'"
BIRTH_COMPARISON: dict[str, Any] = {
    "output_column_name": "birth",
    "comparison_description": "Birth date at its precision",
    "comparison_levels": [
        _null("l.birth_year IS NULL OR r.birth_year IS NULL"),
        # Twins share a birthday and a family name: a shared date with given
        # names that cannot be one person's is no evidence either way.
        _fixed(f"{_BOTH_DAY} AND l.birth_iso = r.birth_iso AND NOT {GIVEN_COMPATIBLE}",
               "same day, other given name (twins?)", 0.001, 0.001),
        _level(f"{_BOTH_DAY} AND l.birth_iso = r.birth_iso", "same day", 0.45, 0.0001),
        _level(f"{_BOTH_DAY} AND l.birth_year = r.birth_year "
               "AND l.birth_month = r.birth_day AND l.birth_day = r.birth_month",
               "day and month swapped", 0.03, 0.00002),
        _level("l.birth_year = r.birth_year AND "
               "(l.birth_precision = 'year' OR r.birth_precision = 'year')",
               "same year, one side year only", 0.3, 0.03),
        # Two precise dates in one year that differ: one person only through a
        # typing error, which the benchmark never makes; EM rarely sees this
        # level among its training pairs, so the prior is what scores it.
        _level("l.birth_year = r.birth_year", "same year, other day", 0.005, 0.025),
        _level("abs(l.birth_year - r.birth_year) = 1", "one year apart", 0.1, 0.05),
        _level("abs(l.birth_year - r.birth_year) <= 5", "2 to 5 years apart", 0.05, 0.2),
        _level("abs(l.birth_year - r.birth_year) < 15", "6 to 14 years apart", 0.01, 0.3),
        # A generation apart: parent and child, often with the same name. A
        # registration error this large is rarer than the pair being relatives.
        _fixed("ELSE", "a generation apart", 0.002, 0.5),
    ],
}

PHONE_COMPARISON: dict[str, Any] = {
    "output_column_name": "phone",
    "comparison_description": "Phone (E.164)",
    "comparison_levels": [
        _null("l.phone IS NULL OR r.phone IS NULL"),
        # A household shares one phone: with given names that cannot be one
        # person's, a shared phone says "relative", not "same person".
        _fixed(f"l.phone = r.phone AND NOT {GIVEN_COMPATIBLE}",
               "same phone, other given name (household?)", 0.01, 0.01),
        # Term frequencies still lower a phone that many records share.
        _level("l.phone = r.phone", "same phone", 0.5, 0.0005,
               tf_adjustment_column="phone", tf_adjustment_weight=1.0),
        _else(0.5, 0.9995),
    ],
}


def _exact(column: str, m: float, u: float, *, tf: bool = False,
           description: str = "") -> dict[str, Any]:
    exact = _level(f"l.{column} = r.{column}", "exact", m, u)
    if tf:
        exact |= {"tf_adjustment_column": column, "tf_adjustment_weight": 1.0}
    return {
        "output_column_name": column,
        "comparison_description": description or column,
        "comparison_levels": [
            _null(f"l.{column} IS NULL OR r.{column} IS NULL"),
            exact,
            _else(1 - m, 1 - u),
        ],
    }


DOCUMENT_COMPARISON: dict[str, Any] = {
    "output_column_name": "document",
    "comparison_description": "Document number",
    "comparison_levels": [
        _null("l.document IS NULL OR r.document IS NULL"),
        _level("l.document = r.document", "exact", 0.9, 0.00001),
        _level("levenshtein(l.document, r.document) <= 1", "one edit", 0.05, 0.0001),
        _else(0.05, 0.9999),
    ],
}


_SIDE = re.compile(r"\b([lr])\.(\w+)")


def _splink_columns(comparison: dict[str, Any]) -> dict[str, Any]:
    """Comparison SQL is written `l.col`/`r.col` like the blocking rules; Splink
    wants `col_l`/`col_r` inside comparisons."""
    levels = [
        {**level, "sql_condition": _SIDE.sub(r"\2_\1", level["sql_condition"])}
        for level in comparison["comparison_levels"]
    ]
    return {**comparison, "comparison_levels": levels}


def comparisons() -> list[dict[str, Any]]:
    return [_splink_columns(c) for c in (
        NAME_COMPARISON,
        BIRTH_COMPARISON,
        PHONE_COMPARISON,
        DOCUMENT_COMPARISON,
        _exact("sex", 0.98, 0.5, description="Sex"),
        _exact("nationality", 0.95, 0.3, description="Nationality"),
        _exact("region", 0.7, 0.25, description="Region"),
    )]


def settings(probability_two_random_records_match: float = 0.0001) -> dict[str, Any]:
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "probability_two_random_records_match": probability_two_random_records_match,
        "blocking_rules_to_generate_predictions": BLOCKING_RULES,
        "comparisons": comparisons(),
        "retain_intermediate_calculation_columns": False,
        "retain_matching_columns": False,
    }


# DuckDB's own cap (it spills to `temp_directory` beyond it). The default leaves
# room, within 8 GB, for Python's copy of the features and the scored pairs.
MEMORY_LIMIT = os.environ.get("HIMAYA_DEDUP_MEMORY_LIMIT", "4GB")


def connect(threads: int | None = None, *, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that never fetches an extension from the internet."""
    config: dict[str, Any] = {
        "autoinstall_known_extensions": False,
        "allow_community_extensions": False,
        "memory_limit": memory_limit or MEMORY_LIMIT,
        "temp_directory": str(Path(tempfile.gettempdir()) / f"himaya-duckdb-{os.getpid()}"),
    }
    if threads:
        config["threads"] = threads
    return duckdb.connect(":memory:", config=config)


@dataclass
class TrainedModel:
    """A Splink settings dictionary with trained m/u, plus what produced it."""

    splink_settings: dict[str, Any]
    thresholds: Thresholds = field(default_factory=Thresholds)
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": MODEL_FORMAT,
            "features_version": FEATURES_VERSION,
            "thresholds": asdict(self.thresholds),
            "metadata": self.metadata,
            "splink_settings": self.splink_settings,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TrainedModel:
        if data.get("format") != MODEL_FORMAT:
            raise ValueError(f"unknown model format {data.get('format')!r}")
        if data.get("features_version") != FEATURES_VERSION:
            raise ValueError(
                f"model built for features v{data.get('features_version')}, "
                f"this code computes v{FEATURES_VERSION}: retrain"
            )
        return cls(data["splink_settings"], Thresholds(**data["thresholds"]),
                   data.get("metadata", {}))


def equivalents_digest() -> str:
    """The table a model was trained with: the shipped file, and a programme's own rows."""
    digest = hashlib.sha256(EQUIVALENTS_FILE.read_bytes())
    for row in local_rows():
        digest.update(repr(sorted(row.items())).encode())
    return digest.hexdigest()[:12]


class ModelStore:
    """Trained models as `model-NNNN.json` files in one directory; the highest wins."""

    def __init__(self, directory: Path = DEFAULT_MODEL_DIR) -> None:
        self.directory = directory

    def versions(self) -> list[int]:
        if not self.directory.is_dir():
            return []
        return sorted(int(p.stem.split("-")[1]) for p in self.directory.glob("model-*.json")
                      if p.stem.split("-")[1].isdigit())

    def save(self, model: TrainedModel) -> int:
        self.directory.mkdir(parents=True, exist_ok=True)
        version = (self.versions() or [0])[-1] + 1
        model.metadata["version"] = version
        path = self.directory / f"model-{version:04d}.json"
        path.write_text(json.dumps(model.to_json(), indent=1, ensure_ascii=False), "utf-8")
        return version

    def load(self, version: int | None = None) -> TrainedModel:
        versions = self.versions()
        if not versions:
            raise FileNotFoundError(f"no trained model in {self.directory}")
        chosen = versions[-1] if version is None else version
        path = self.directory / f"model-{chosen:04d}.json"
        return TrainedModel.from_json(json.loads(path.read_text("utf-8")))


@dataclass
class Scored:
    """Candidate pairs at or above the review threshold."""

    left: list[str]
    right: list[str]
    weight: list[float]
    timings: dict[str, float]


def _linker(table: pa.Table, model_settings: dict[str, Any], con: duckdb.DuckDBPyConnection):
    from splink import DuckDBAPI, Linker

    db_api = DuckDBAPI(con)
    frame = db_api.register(table, table_name=f"records_{id(table)}")
    # The prediction blocking rules read the block-size flags, which `score`
    # adds (6 s of CPU at 1,000,000 records). Training never blocks for
    # prediction, so its table goes without them, and Splink's column check,
    # which would report the rules' missing columns, is left to `score`.
    checked = set(BLOCK_COLUMNS) <= set(table.schema.names)
    # Splink warns on every training about levels its sample did not show (their priors
    # are kept: see "Training and persistence" in docs/dedup.md) and about its default u
    # sample size (measured: no gain from 10 times more, decision 0306). Noise in a run's
    # log and the demo's console; its errors still show.
    return Linker(frame, model_settings, log_level=logging.ERROR, validate_settings=checked)


# The batch size on which `Thresholds` were calibrated (docs/performance.md).
CALIBRATION_RECORDS = 100_000


def size_adjusted(thresholds: Thresholds, records: int) -> Thresholds:
    """Raise `auto_merge` by the fall of the prior since the calibration size.

    The weight already carries the prior, log2 λ, and λ falls as 1/N. The
    weight at which merges stay 99% right rose about as fast: at 300,000
    records, weight 4 gave precision 0.986 and weight 4 + log2 3 gave 0.992, as
    weight 4 does at 100,000 (decision 0307). Smaller batches keep the
    calibrated weight: lowering it there was never measured.
    """
    shift = max(0.0, math.log2(records / CALIBRATION_RECORDS))
    if not shift:
        return thresholds
    return Thresholds(auto_merge=thresholds.auto_merge + shift, review=thresholds.review)


def train(
    table: pa.Table,
    *,
    seed: int = 42,
    threads: int | None = None,
    thresholds: Thresholds | None = None,
    max_pairs_u: float = 1e6,
    progress: Callable[[str], None] | None = None,
) -> TrainedModel:
    """Estimate the model on unlabelled records (no ground truth needed).

    u (how often a level happens by chance) comes from random pairs; m (how
    often it happens for the same person) from expectation maximisation on two
    independent blockings, each of which leaves some comparisons free to learn.
    """
    con = connect(threads)
    linker = _linker(table, settings(), con)
    started = time.perf_counter()
    log = logging.getLogger(__name__)
    try:
        linker.training.estimate_probability_two_random_records_match(
            ["l.name_key = r.name_key AND l.birth_iso = r.birth_iso", "l.document = r.document"],
            recall=0.3,
        )
    except (ValueError, ZeroDivisionError) as exc:  # no sure match at all: keep the prior
        log.warning("prior match probability kept: %s", exc)
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs_u, seed=seed)
    if progress:
        progress("u estimated")
    # Each EM blocking rule must let through mostly true matches while leaving
    # some comparisons free to learn. A shared document number does, and it is
    # the only such rule that households do not pollute: blocking on a phone or
    # a birth date brings siblings and twins, and EM then learns "same family,
    # other given name" as what a duplicate looks like. So names learn only
    # from document pairs (their priors stay when there are too few), and the
    # other comparisons also learn from same-name-and-phone pairs.
    for rule in (
        "l.document = r.document",
        "l.given_first = r.given_first AND l.family_first = r.family_first "
        "AND l.phone = r.phone",
        "l.given_first = r.given_first AND l.family_first = r.family_first "
        "AND l.birth_year = r.birth_year",
    ):
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True, max_pairs=1e6,
                record_sample_proportion=min(1.0, 50_000 / max(table.num_rows, 1)),
            )
        except Exception as exc:  # noqa: BLE001 - a small or odd input keeps the priors
            log.warning("EM on %s skipped: %s", rule, exc)
    if progress:
        progress("m estimated")
    trained = linker.misc.save_model_to_json(None)
    _u_among_namesakes(trained, table, con, seed=seed)
    con.close()
    return TrainedModel(
        trained,
        # Thresholds a programme sets are its own; the defaults follow the size.
        thresholds or size_adjusted(Thresholds(), table.num_rows),
        {
            "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "records": table.num_rows,
            "seed": seed,
            "equivalents": equivalents_digest(),
            "training_seconds": round(time.perf_counter() - started, 2),
        },
    )


# Comparisons whose chance agreement depends on the name. Random pairs put a
# Moroccan beside a Guinean, but two different people named Mamadou Diallo come
# from one pool of origins and live where their community lives: a shared
# nationality or region says much less about them. Scoring pairs that already
# share a name with the random-pair u counts the origin twice (once through the
# name, once through nationality), which is how namesakes reached the auto-merge
# weight.
NAMESAKE_COMPARISONS = ("nationality", "region")
NAMESAKE_SAMPLE = 60_000


def _u_among_namesakes(
    model_settings: dict[str, Any], table: pa.Table, con: duckdb.DuckDBPyConnection,
    *, seed: int,
) -> None:
    """Set u of `NAMESAKE_COMPARISONS` from pairs of different people who share a name.

    The pairs: the same canonical name, born 6 to 14 years apart. The gap is too
    large for a registration error (the benchmark shifts years by 5 at most) and
    too small for a parent and a child named after the parent, so the pairs are
    different people, and unrelated ones (siblings have different given names).
    Sampled so that the largest name block stays small at any size.
    """
    columns = ["unique_id", "name_key", "birth_year", *NAMESAKE_COMPARISONS]
    sample = table.select(columns)
    if sample.num_rows > NAMESAKE_SAMPLE:
        import random

        rng = random.Random(seed)  # noqa: S311 - a reproducible sample, not a secret
        picked = sorted(rng.sample(range(sample.num_rows), NAMESAKE_SAMPLE))
        sample = sample.take(picked)
    con.register("namesake_sample", sample)
    agreements = ", ".join(
        f"count(*) FILTER (WHERE l.{c} IS NOT NULL AND r.{c} IS NOT NULL), "
        f"count(*) FILTER (WHERE l.{c} = r.{c})"
        for c in NAMESAKE_COMPARISONS
    )
    row = con.execute(
        f"SELECT {agreements} FROM namesake_sample l JOIN namesake_sample r "  # noqa: S608
        "ON l.name_key = r.name_key AND l.unique_id < r.unique_id "
        "AND abs(l.birth_year - r.birth_year) BETWEEN 6 AND 14"
    ).fetchall()[0]
    con.unregister("namesake_sample")
    for i, column in enumerate(NAMESAKE_COMPARISONS):
        both, agree = row[2 * i], row[2 * i + 1]
        if both < 200:  # too few namesakes to say; keep the random-pair u
            continue
        u = min(max(agree / both, 0.001), 0.999)
        for comparison in model_settings["comparisons"]:
            if comparison["output_column_name"] != column:
                continue
            for level in comparison["comparison_levels"]:
                if level.get("is_null_level"):
                    continue
                level["u_probability"] = u if level["label_for_charts"] == "exact" else 1 - u


def _without_term_frequencies(model_settings: dict[str, Any]) -> dict[str, Any]:
    comparisons = []
    for comparison in model_settings["comparisons"]:
        levels = [
            {k: v for k, v in level.items()
             if k not in {"tf_adjustment_column", "tf_adjustment_weight"}}
            for level in comparison["comparison_levels"]
        ]
        comparisons.append({**comparison, "comparison_levels": levels})
    return {**model_settings, "comparisons": comparisons}


PREDICT_CHUNK_RECORDS = 400_000


def score(
    table: pa.Table,
    model: TrainedModel,
    *,
    threads: int | None = None,
    term_frequencies: bool = True,
) -> Scored:
    """Score every candidate pair; keep those at or above the review threshold.

    Term frequencies come from the batch itself, which misleads on a handful of
    records (one name twice in three records looks "very common"): pass
    `term_frequencies=False` for small batches.
    """
    timings: dict[str, float] = {}
    con = connect(threads)
    # Blocking is code, not a trained parameter: a stored model is scored with
    # the current rules.
    model_settings = {**model.splink_settings,
                      "blocking_rules_to_generate_predictions": BLOCKING_RULES}
    if not term_frequencies:
        model_settings = _without_term_frequencies(model_settings)
    started = time.perf_counter()
    linker = _linker(with_block_flags(table, con), model_settings, con)
    if term_frequencies:
        # The phone's frequency counts people, not records (term_frequencies.py).
        people = people_tf.register(linker, table, con)
        for column in ("name_key", "phone"):
            if column not in people:
                linker.table_management.compute_tf_table(column)
    # Chunks bound the memory of one join at a time on large batches; each chunk
    # pair repeats the blocking on a slice, so small batches run in one piece.
    chunks = max(1, math.ceil(table.num_rows / PREDICT_CHUNK_RECORDS))
    predictions = linker.inference.predict(
        threshold_match_weight=model.thresholds.review, warning_mode="never",
        num_chunks_left=chunks if chunks > 1 else None,
        num_chunks_right=chunks if chunks > 1 else None,
    )
    timings["predict"] = time.perf_counter() - started
    result = predictions.as_duckdbpyrelation().select(
        "unique_id_l, unique_id_r, match_weight"
    ).to_arrow_table()
    con.close()
    return Scored(
        result.column("unique_id_l").to_pylist(),
        result.column("unique_id_r").to_pylist(),
        result.column("match_weight").to_pylist(),
        timings,
    )

