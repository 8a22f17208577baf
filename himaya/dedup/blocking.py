"""Blocking rules: which pairs of records the matcher compares at all.

Blocking is code, not a trained parameter, so a stored model is always scored
with the current rules. The rules read a few columns that are not features:
`with_block_flags` adds them to the features table just before scoring.
"""

from __future__ import annotations

import os

import duckdb
import pyarrow as pa

# Candidate pairs: a pair is scored when any rule holds. Each rule is an
# equality join (DuckDB hashes on every equality, expressions included) and
# together they keep the recall the comparisons need: names in either order, the
# same family or given name and birth year, transliteration variants and typos
# outside the table (skeletons), compound names with an exact date, phone,
# document.
#
# Birth years enter the equality as two overlapping two-year buckets (y // 2 and
# (y + 1) // 2): two years at most one apart share at least one bucket. The
# join then never builds the whole block of a common name: at 1,000,000 records
# "mamadou|diallo" holds about 16,000 records, 128 million pairs before a year
# filter, against a few hundred thousand per bucket.
#
# Block-size cap (decision 0305). A block of n records costs n²/2 pairs, so the
# pairs of a registry grow with the square of its size: at 1,000,000 records the
# name rules made 213 million pairs, 100 times more than at 100,000. In a block
# of more than BLOCK_CAP records (a very common name with only a birth year), a
# pair whose only evidence is that name and year scores far below the review
# weight: the name is worth little because it is common (term frequencies), and
# the prior chance that two records match falls as the registry grows. Such a
# block is therefore only searched for pairs that also share the day and month
# of birth (in either order, which keeps swapped and one-year-shifted dates);
# without a birth year, a common name alone is not searched at all. Pairs that
# share a phone, a document or an exact date are found by their own rules
# whatever the block size. Agreeing on the region was tried as a refinement and
# dropped: at 1,000,000 records it kept 24 million pairs for about 1% of true
# ones, none of which reached the review weight at 100,000.
BLOCK_CAP = int(os.environ.get("HIMAYA_DEDUP_BLOCK_CAP", "100"))

# Block keys (SQL over one record's columns) → the flag column that marks the
# records of a block larger than BLOCK_CAP.
_BLOCKS = {
    "big_name_y0": ("name_pair", "birth_year // 2"),
    "big_name_y1": ("name_pair", "(birth_year + 1) // 2"),
    "big_skel_y0": ("skel_pair", "birth_year // 2"),
    "big_skel_y1": ("skel_pair", "(birth_year + 1) // 2"),
    "big_name": ("name_pair",),
    "big_family_year": ("family_first", "birth_year", "left(skel_given, 1)"),
    "big_given_year": ("given_first", "birth_year", "left(skel_family, 1)"),
    "big_skfamily_year": ("skel_family", "birth_year", "left(skel_given, 1)"),
    "big_skgiven_year": ("skel_given", "birth_year", "left(skel_family, 1)"),
}
# What a pair in a large block must also share (each is one more rule).
_REFINEMENTS = ("l.birth_md = r.birth_md",)


def _capped(condition: str, flag: str, refinements: tuple[str, ...] = _REFINEMENTS) -> list[str]:
    """`condition` in full for small blocks; with one more agreement in large ones."""
    small = f"{condition} AND NOT l.{flag} AND NOT r.{flag}"
    large = [f"{condition} AND l.{flag} AND r.{flag} AND {more}" for more in refinements]
    return [small, *large]


_YEAR_BUCKETS = (
    ("l.birth_year // 2 = r.birth_year // 2", "y0"),
    ("(l.birth_year + 1) // 2 = (r.birth_year + 1) // 2", "y1"),
)
BLOCKING_RULES = [
    *(rule
      for key, block in (("name_pair", "name"), ("skel_pair", "skel"))
      for bucket, suffix in _YEAR_BUCKETS
      for rule in _capped(f"l.{key} = r.{key} AND {bucket}", f"big_{block}_{suffix}")),
    # A missing birth year: the name alone. One rule per side, so that DuckDB
    # filters that side before joining instead of joining the whole name block.
    *_capped("l.name_pair = r.name_pair AND l.birth_year IS NULL", "big_name", ()),
    *_capped("l.name_pair = r.name_pair AND r.birth_year IS NULL", "big_name", ()),
    # A typo or unknown spelling in one name: the other name (or its skeleton),
    # the birth year and the first consonant of the damaged one.
    *_capped("l.family_first = r.family_first AND l.birth_year = r.birth_year "
             "AND left(l.skel_given, 1) = left(r.skel_given, 1)", "big_family_year"),
    *_capped("l.given_first = r.given_first AND l.birth_year = r.birth_year "
             "AND left(l.skel_family, 1) = left(r.skel_family, 1)", "big_given_year"),
    *_capped("l.skel_family = r.skel_family AND l.birth_year = r.birth_year "
             "AND left(l.skel_given, 1) = left(r.skel_given, 1)", "big_skfamily_year"),
    *_capped("l.skel_given = r.skel_given AND l.birth_year = r.birth_year "
             "AND left(l.skel_family, 1) = left(r.skel_family, 1)", "big_skgiven_year"),
    # A dropped or added compound part, or a damaged name, with the exact date.
    "l.family_first = r.family_first AND l.birth_iso = r.birth_iso",
    "l.given_first = r.given_first AND l.birth_iso = r.birth_iso",
    "l.skel_family = r.skel_family AND l.birth_iso = r.birth_iso",
    "l.phone = r.phone",
    "l.document = r.document",
]
BLOCK_COLUMNS = ("birth_md", *_BLOCKS)
_SOURCE_COLUMNS = ("name_pair", "skel_pair", "family_first", "given_first", "skel_family",
                   "skel_given", "birth_year", "birth_month", "birth_day")


def with_block_flags(table: pa.Table, con: duckdb.DuckDBPyConnection,
                     cap: int | None = None) -> pa.Table:
    """`table` plus the columns the rules read besides the features.

    `birth_md`: day and month of a precise birth date, smaller first (a swapped
    day and month give the same value). One boolean per block key: the record's
    block has more than `cap` records. The feature columns are not copied.
    """
    cap = BLOCK_CAP if cap is None else cap
    source = table.select(list(_SOURCE_COLUMNS)).append_column(
        "__row", pa.array(range(table.num_rows), pa.int64()))
    con.register("__block_source", source)
    flags = ", ".join(
        f"coalesce(count(*) OVER (PARTITION BY {', '.join(key)}) > {int(cap)} "
        f"AND {' AND '.join(f'({part}) IS NOT NULL' for part in key)}, false) AS {flag}"
        for flag, key in _BLOCKS.items()
    )
    result = con.sql(
        "SELECT least(birth_month, birth_day) * 100 + greatest(birth_month, birth_day) "  # noqa: S608
        f"AS birth_md, {flags} FROM __block_source ORDER BY __row"
    ).to_arrow_table()
    con.unregister("__block_source")
    for name in BLOCK_COLUMNS:
        table = table.append_column(name, result.column(name))
    return table
