"""Contradictions: two records that cannot be one person, whatever the path between them.

Clustering is transitive: A–B and B–C merged put A and C together without ever
comparing them. Among namesakes this is how chains form: a record with a birth
year only matches two "Mamadou Diallo" born that year on different days, and
the three end up as one person. A contradiction stops such a chain: two groups
are not merged automatically when any record of one contradicts any record of
the other. The pairs concerned stay in the review queue, where a person decides.

What counts as a contradiction is what a second registration of one person does
not produce, in the field as in the benchmark's error model:

- two full birth dates that differ in at least two of year, month and day, and
  not as a day/month swap (a year alone, 1 January and 31 December are not full
  dates: see `dates.py`; one field wrong is a slip the model weighs);
- birth years more than five years apart;
- two document numbers more than one edit apart (one edit is a typing error).

A phone, a region or a nationality that differs is not one: people change
phones and move, and a nationality is sometimes entered wrong. Sex is not one
either: it is entered wrong about once in a hundred registrations, and a person
registered eight times would be split by it too often.

A pair of records that the model scores at `DIRECT_EVIDENCE` or more on its own
is never a conflict: its evidence, the contradiction included, was weighed
directly and is overwhelming. Files with heavier corruption than the
benchmark's (FEBRL3 replaces whole dates and identifiers) need that escape. At
the auto-merge weight itself it would let namesakes through: on the benchmark,
precision falls from 0.992 to 0.989 with the escape at 4, and does not move with
it at 12.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pyarrow as pa

YEARS_APART = 5
# log2 odds: 12 bits is 4096 to 1 for one person, after the prior.
DIRECT_EVIDENCE = 12.0

Record = tuple[tuple[int, int, int] | None, int | None, str | None]


def _one_edit(a: str, b: str) -> bool:
    """At most one substitution, insertion, deletion or swap of neighbours."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2 and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def _dates_differ(a: tuple[int, int, int], b: tuple[int, int, int]) -> bool:
    """Two full dates that no single slip explains: at least two of year, month and
    day differ, and not as a day/month swap. One field wrong (a typing error, a
    year off) is left to the model's weights."""
    if a == (b[0], b[2], b[1]):
        return False
    return sum(x != y for x, y in zip(a, b, strict=True)) >= 2


# What kind of contradiction keeps two records apart (shown to the reviewer).
BIRTH_DATES = "birth_dates"
BIRTH_YEARS = "birth_years"
DOCUMENTS = "documents"


def contradiction(a: Record, b: Record) -> str:
    """The kind of contradiction between two records, or "" if there is none."""
    (date_a, year_a, doc_a), (date_b, year_b, doc_b) = a, b
    if date_a and date_b and _dates_differ(date_a, date_b):
        return BIRTH_DATES
    if year_a is not None and year_b is not None and abs(year_a - year_b) > YEARS_APART:
        return BIRTH_YEARS
    if doc_a and doc_b and not _one_edit(doc_a, doc_b):
        return DOCUMENTS
    return ""


def contradict(a: Record, b: Record) -> bool:
    return bool(contradiction(a, b))


def contradictions(
    table: pa.Table, strong: Iterable[tuple[str, str]] = (),
) -> Callable[[str, str], str]:
    """`conflict(id_a, id_b)` over a features table (`features.SCHEMA`).

    `strong`: pairs whose own weight reaches `DIRECT_EVIDENCE`. Their evidence
    was weighed directly, contradiction included (a birth date entered wrong on
    a record whose name, phone and document agree), so they never conflict. The
    rule is for records that only a chain of other records joins.
    """
    columns = table.select(["unique_id", "birth_precision", "birth_year", "birth_month",
                            "birth_day", "document"]).to_pydict()
    records: dict[str, Record] = {}
    for i, record_id in enumerate(columns["unique_id"]):
        year = columns["birth_year"][i]
        full = columns["birth_precision"][i] == "day"
        date = (year, columns["birth_month"][i], columns["birth_day"][i]) if full else None
        records[record_id] = (date, year, columns["document"][i])

    direct = {(a, b) if a < b else (b, a) for a, b in strong}

    def conflict(a: str, b: str) -> str:
        """The kind of contradiction (see `contradiction`), "" if none: truthy when
        the two records may not be joined automatically."""
        kind = contradiction(records[a], records[b])
        return kind if kind and ((a, b) if a < b else (b, a)) not in direct else ""

    return conflict
