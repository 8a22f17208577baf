"""The three peers the benchmark runs beside Himaya, on the same records.

- `splink_tutorial`: Splink as its tutorial configures it — raw names, dates
  compared as dates (a year alone is not a date, so it is missing), library
  comparisons, the tutorial's training recipe. What a team gets out of the box.
- `splink_features`: the same library comparisons, fed Himaya's normalised
  features (canonical names, skeletons, birth year, E.164 phones) and blocking.
  It separates "better features" from "a better model".
- `hope_emulation`: an emulation (not HOPE itself) of the scoring UNICEF HOPE
  documents for its Elasticsearch deduplication: per name part, a fuzzy match
  (AUTO:3,6 edits) or a double-metaphone match; both names 8 points, one name 1;
  birth date 2, phone 2, sex 1, region 1, document 4; duplicate at 6.0.

Each returns record id → cluster id and its phase timings.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa
from doublemetaphone import doublemetaphone
from rapidfuzz.distance import Levenshtein

from himaya.dedup.blocking import BLOCKING_RULES, with_block_flags
from himaya.dedup.clustering import cluster
from himaya.dedup.features import features_table
from himaya.dedup.model import connect
from himaya.dedup.phones import to_e164

Records = Sequence[Mapping[str, str]]
Result = tuple[dict[str, str], dict[str, float], int]  # clusters, timings, review size
# HOPE flags pairs; it does not merge transitively. Its flagged pairs are kept
# here so the benchmark can also report pair-level figures for it.
HOPE_PAIRS: list[tuple[str, str, float]] = []


def _splink_run(
    table: pa.Table, settings: Any, *, training: Any, threshold: float, seed: int,
    threads: int | None,
) -> tuple[dict[str, str], dict[str, float]]:
    from splink import DuckDBAPI, Linker

    timings: dict[str, float] = {}
    con = connect(threads)
    db_api = DuckDBAPI(con)
    linker = Linker(db_api.register(table, table_name="records"), settings,
                    log_level=logging.WARNING)
    started = time.perf_counter()
    training(linker, seed)
    timings["train"] = time.perf_counter() - started
    started = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=0.5,
                                           warning_mode="never")
    timings["predict"] = time.perf_counter() - started
    started = time.perf_counter()
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=threshold
    ).as_duckdbpyrelation().select("unique_id, cluster_id").fetchall()
    timings["cluster"] = time.perf_counter() - started
    con.close()
    return {str(u): str(c) for u, c in clusters}, timings


def splink_tutorial(records: Records, *, seed: int = 42, threads: int | None = None) -> Result:
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    started = time.perf_counter()
    table = pa.Table.from_pylist([
        {
            "unique_id": r["record_id"],
            "first_name": r["given_name"] or None,
            "surname": r["family_name"] or None,
            "dob": r["birth_date"] or None,
            "phone": r["phone"] or None,
            "sex": r["sex"] or None,
            "doc_number": r["document_number"] or None,
        }
        for r in records
    ])
    prep = time.perf_counter() - started
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("first_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.ExactMatch("phone"),
            cl.ExactMatch("sex"),
            cl.ExactMatch("doc_number"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "surname"),
            block_on("surname", "dob"),
            block_on("phone"),
            block_on("doc_number"),
        ],
    )

    def training(linker: Any, seed: int) -> None:
        linker.training.estimate_probability_two_random_records_match(
            [block_on("first_name", "surname", "dob")], recall=0.7
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=seed)
        for rule in (block_on("first_name", "surname"), block_on("dob")):
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, max_pairs=1e6, record_sample_proportion=1.0
            )

    clusters, timings = _splink_run(table, settings, training=training, threshold=0.9,
                                    seed=seed, threads=threads)
    return clusters, {"features": prep, **timings}, 0


def splink_features(records: Records, *, seed: int = 42, threads: int | None = None) -> Result:
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    started = time.perf_counter()
    # The blocking rules also read the block-size flags (blocking.py).
    table = with_block_flags(features_table(records), connect(threads))
    prep = time.perf_counter() - started
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.ForenameSurnameComparison("given", "family",
                                         forename_surname_concat_col_name="name_key"),
            cl.DateOfBirthComparison("birth_iso", input_is_string=True),
            cl.ExactMatch("birth_year"),
            cl.ExactMatch("phone").configure(term_frequency_adjustments=True),
            cl.ExactMatch("document"),
            cl.ExactMatch("sex"),
            cl.ExactMatch("nationality"),
            cl.ExactMatch("region"),
        ],
        blocking_rules_to_generate_predictions=BLOCKING_RULES,
    )

    def training(linker: Any, seed: int) -> None:
        linker.training.estimate_probability_two_random_records_match(
            ["l.name_key = r.name_key AND l.birth_iso = r.birth_iso"], recall=0.7
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=seed)
        for rule in (block_on("given", "family"), block_on("birth_year", "phone")):
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, max_pairs=1e6, record_sample_proportion=1.0
            )

    clusters, timings = _splink_run(table, settings, training=training, threshold=0.9,
                                    seed=seed, threads=threads)
    return clusters, {"features": prep, **timings}, 0


# --- HOPE emulation -----------------------------------------------------------

HOPE_THRESHOLD = 6.0


def _fuzziness(token: str) -> int:
    # Elasticsearch "AUTO:3,6": exact under 3 characters, 1 edit under 6, else 2.
    return 0 if len(token) < 3 else 1 if len(token) < 6 else 2


def _name_matches(a: list[tuple[str, set[str]]], b: list[tuple[str, set[str]]]) -> bool:
    for token_a, codes_a in a:
        for token_b, codes_b in b:
            if codes_a & codes_b:
                return True
            limit = min(_fuzziness(token_a), _fuzziness(token_b))
            if Levenshtein.distance(token_a, token_b, score_cutoff=limit) <= limit:
                return True
    return False


def _analyse(text: str) -> list[tuple[str, set[str]]]:
    # The standard analyzer lower-cases and splits; the phonetic sub-field adds
    # double-metaphone codes.
    tokens = [t for t in "".join(c if c.isalnum() else " " for c in text.lower()).split() if t]
    return [(t, {c for c in doublemetaphone(t) if c}) for t in tokens]


def hope_emulation(records: Records, *, seed: int = 42, threads: int | None = None) -> Result:
    started = time.perf_counter()
    rows = []
    for r in records:
        given, family = _analyse(r["given_name"]), _analyse(r["family_name"])
        rows.append({
            "id": r["record_id"], "given": given, "family": family,
            "birth": r["birth_date"], "phone": to_e164(r["phone"]), "sex": r["sex"],
            "region": r["region"], "document": r["document_number"].strip().upper(),
        })
    timings = {"features": time.perf_counter() - started}

    # Candidates: what a fuzzy/phonetic Elasticsearch query can return — records
    # sharing a phonetic code of a given-name and of a family-name token, a
    # phone, or a document.
    started = time.perf_counter()
    blocks: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        given_codes = {c for _, codes in row["given"] for c in codes}
        family_codes = {c for _, codes in row["family"] for c in codes}
        for g in given_codes:
            for f in family_codes:
                blocks[("n", g, f)].append(i)
        if row["phone"]:
            blocks[("p", row["phone"])].append(i)
        if row["document"]:
            blocks[("d", row["document"])].append(i)
    candidates: set[tuple[int, int]] = set()
    for members in blocks.values():
        if len(members) > 2000:
            members = members[:2000]  # ES returns the top 100 per query; keep it bounded
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                candidates.add((members[x], members[y]))
    timings["block"] = time.perf_counter() - started

    started = time.perf_counter()
    pairs: list[tuple[str, str, float]] = []
    for i, j in candidates:
        a, b = rows[i], rows[j]
        given = bool(a["given"] and b["given"]) and _name_matches(a["given"], b["given"])
        family = bool(a["family"] and b["family"]) and _name_matches(a["family"], b["family"])
        score = 8.0 if given and family else 1.0 if given or family else 0.0
        score += 2.0 * bool(a["birth"] and a["birth"] == b["birth"])
        score += 2.0 * bool(a["phone"] and a["phone"] == b["phone"])
        score += 1.0 * bool(a["sex"] and a["sex"] == b["sex"])
        score += 1.0 * bool(a["region"] and a["region"] == b["region"])
        score += 4.0 * bool(a["document"] and a["document"] == b["document"])
        if score >= HOPE_THRESHOLD:
            pairs.append((a["id"], b["id"], score))
    HOPE_PAIRS[:] = pairs
    timings["predict"] = time.perf_counter() - started
    started = time.perf_counter()
    clusters = cluster([r["id"] for r in rows], pairs, threshold=HOPE_THRESHOLD)
    timings["cluster"] = time.perf_counter() - started
    return clusters, timings, 0
