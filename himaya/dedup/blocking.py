"""Blocking rules: which pairs of records the matcher compares at all.

Blocking is code, not a trained parameter, so a stored model is always scored
with the current rules.
"""

from __future__ import annotations

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
_YEAR_BUCKETS = (
    "l.birth_year // 2 = r.birth_year // 2",
    "(l.birth_year + 1) // 2 = (r.birth_year + 1) // 2",
)
BLOCKING_RULES = [
    *(f"l.{key} = r.{key} AND {bucket}"
      for key in ("name_pair", "skel_pair") for bucket in _YEAR_BUCKETS),
    # A missing birth year: the name alone. One rule per side, so that DuckDB
    # filters that side before joining instead of joining the whole name block.
    "l.name_pair = r.name_pair AND l.birth_year IS NULL",
    "l.name_pair = r.name_pair AND r.birth_year IS NULL",
    # A typo or unknown spelling in one name: the other name (or its skeleton),
    # the birth year and the first consonant of the damaged one.
    "l.family_first = r.family_first AND l.birth_year = r.birth_year "
    "AND left(l.skel_given, 1) = left(r.skel_given, 1)",
    "l.given_first = r.given_first AND l.birth_year = r.birth_year "
    "AND left(l.skel_family, 1) = left(r.skel_family, 1)",
    "l.skel_family = r.skel_family AND l.birth_year = r.birth_year "
    "AND left(l.skel_given, 1) = left(r.skel_given, 1)",
    "l.skel_given = r.skel_given AND l.birth_year = r.birth_year "
    "AND left(l.skel_family, 1) = left(r.skel_family, 1)",
    # A dropped or added compound part, or a damaged name, with the exact date.
    "l.family_first = r.family_first AND l.birth_iso = r.birth_iso",
    "l.given_first = r.given_first AND l.birth_iso = r.birth_iso",
    "l.skel_family = r.skel_family AND l.birth_iso = r.birth_iso",
    "l.phone = r.phone",
    "l.document = r.document",
]
