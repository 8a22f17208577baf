"""Term frequencies that count people, not records.

Splink's term-frequency adjustment scores "same value" by how common the value
is: a phone that many records share says less than a phone of one's own. It
counts records. A person registered eight times with one phone then looks like
a household of eight, and the phone is worth three bits less for exactly the
people with the most duplicates. What the adjustment should measure is how
likely someone *else* is to have the value.

So the frequency of a phone is the number of distinct given names among its
records (a household's members have different given names; one person's
registrations have one, in its canonical form), over the records with a phone.
A personal phone counts once however often it was registered; an office phone
written on every registration of a partner still counts as very common, which
is what the adjustment is there for.
"""

from __future__ import annotations

import os
from typing import Any

import duckdb
import pyarrow as pa

# column → an SQL expression whose distinct values stand for distinct people with it.
PEOPLE_KEYS: dict[str, str] = {"phone": "coalesce(given_first, '')"}
# To compare with Splink's record counts (HIMAYA_DEDUP_TF=records).
MODE = os.environ.get("HIMAYA_DEDUP_TF", "people")


def people_frequencies(table: pa.Table, column: str, key: str,
                       con: duckdb.DuckDBPyConnection) -> pa.Table:
    """`column`, `tf_<column>`: distinct values of `key` (an SQL expression on the
    features) per value, over the records that have a value (Splink's denominator,
    so the scale stays the same)."""
    con.register("__himaya_tf_source", table)  # Arrow: registered without a copy
    try:
        return con.sql(
            f"SELECT {column}, count(DISTINCT {key}) / "  # noqa: S608 - fixed names
            f"(SELECT count({column}) FROM __himaya_tf_source)::DOUBLE AS tf_{column} "
            f"FROM __himaya_tf_source WHERE {column} IS NOT NULL GROUP BY {column}"
        ).to_arrow_table()
    finally:
        con.unregister("__himaya_tf_source")


def register(linker: Any, table: pa.Table, con: duckdb.DuckDBPyConnection) -> list[str]:
    """Register the people-count frequencies with `linker`; returns the columns done
    (the others are left to Splink's record counts)."""
    if MODE != "people":
        return []
    done = []
    for column, key in PEOPLE_KEYS.items():
        frequencies = people_frequencies(table, column, key, con)
        frame = linker.table_management.register_table(
            frequencies, f"__himaya_tf_{column}", overwrite=True)
        linker.table_management.register_term_frequency_lookup(frame, column)
        done.append(column)
    return done
