"""Small-cell suppression with secondary suppression on one- and two-way tables.

A table is published with its margins (row totals, column totals, grand total). Primary
suppression hides every cell — margins included — with 0 < n < k. Secondary suppression
then makes sure that no hidden cell can be recovered by subtraction: in every line of the
table extended with its margins (each row with its total, each column with its total), the
number of hidden entries is either zero or at least two. When a line has exactly one, the
smallest visible non-zero entry of that line is hidden too, and this repeats until stable.

Zeros are published: a structural zero reveals nobody. A one-way table is the two-way case
with a single column. Lower-dimension figures (a region's total, the grand total) must be
read from the same ProtectedTable's margins, never computed separately, so that two
overlapping filters cannot be subtracted from one another.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field

STANDARD_THRESHOLD = 5
# Medical and protection breakdowns reveal more about a person: a higher threshold.
MEDICAL_THRESHOLD = 10

TOTAL = "__total__"


@dataclass(frozen=True)
class ProtectedTable:
    """Cells and margins after suppression; `None` means suppressed."""

    rows: tuple[Hashable, ...]
    columns: tuple[Hashable, ...]
    cells: dict[tuple[Hashable, Hashable], int | None]
    row_totals: dict[Hashable, int | None]
    column_totals: dict[Hashable, int | None]
    total: int | None
    threshold: int
    suppressed: frozenset[tuple[Hashable, Hashable]] = field(default_factory=frozenset)

    def cell(self, row: Hashable, column: Hashable = TOTAL) -> int | None:
        if column == TOTAL:
            return self.row_totals.get(row) if row != TOTAL else self.total
        if row == TOTAL:
            return self.column_totals.get(column)
        return self.cells.get((row, column), 0)

    def as_rows(self) -> list[dict[str, object]]:
        """Long format: one dict per (row, column) cell, for exports and the API."""
        return [
            {"row": row, "column": column, "value": self.cells[(row, column)]}
            for row in self.rows
            for column in self.columns
        ]


def _is_small(value: int, threshold: int) -> bool:
    return 0 < value < threshold


def protect(
    counts: Mapping[tuple[Hashable, Hashable], int],
    *,
    threshold: int = STANDARD_THRESHOLD,
    rows: list[Hashable] | None = None,
    columns: list[Hashable] | None = None,
) -> ProtectedTable:
    """Suppress a two-way table of counts keyed by (row, column)."""
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    row_keys = tuple(rows if rows is not None else sorted({r for r, _ in counts}, key=str))
    column_keys = tuple(
        columns if columns is not None else sorted({c for _, c in counts}, key=str)
    )
    # The extended grid: real cells plus a TOTAL row and a TOTAL column.
    grid: dict[tuple[Hashable, Hashable], int] = {}
    for row in row_keys:
        for column in column_keys:
            value = int(counts.get((row, column), 0))
            if value < 0:
                raise ValueError("counts cannot be negative")
            grid[(row, column)] = value
    for row in row_keys:
        grid[(row, TOTAL)] = sum(grid[(row, c)] for c in column_keys)
    for column in column_keys:
        grid[(TOTAL, column)] = sum(grid[(r, column)] for r in row_keys)
    grid[(TOTAL, TOTAL)] = sum(grid[(r, TOTAL)] for r in row_keys)

    hidden = {key for key, value in grid.items() if _is_small(value, threshold)}
    lines = [[(row, c) for c in (*column_keys, TOTAL)] for row in (*row_keys, TOTAL)]
    lines += [[(r, column) for r in (*row_keys, TOTAL)] for column in (*column_keys, TOTAL)]
    if len(column_keys) == 1:
        # A one-way table: the single column equals the total column; treat them as one
        # entry so that a cell is not "protected" by its own duplicate.
        only = column_keys[0]
        lines = [[(r, only) for r in (*row_keys, TOTAL)]]
        for row in (*row_keys, TOTAL):
            grid.pop((row, TOTAL), None)
            hidden.discard((row, TOTAL))
    changed = True
    while changed:
        changed = False
        for line in lines:
            hidden_in_line = [key for key in line if key in hidden]
            if len(hidden_in_line) != 1:
                continue
            candidates = [
                key for key in line if key not in hidden and grid.get(key, 0) > 0
            ]
            if not candidates:
                continue  # every other entry is zero: the hidden one equals the total
            # Hide the smallest: it loses the least information.
            victim = min(candidates, key=lambda key: (grid[key], str(key)))
            hidden.add(victim)
            changed = True

    def shown(key: tuple[Hashable, Hashable]) -> int | None:
        return None if key in hidden else grid[key]

    one_way = len(column_keys) == 1
    only = column_keys[0] if one_way else None
    return ProtectedTable(
        rows=row_keys,
        columns=column_keys,
        cells={(r, c): shown((r, c)) for r in row_keys for c in column_keys},
        row_totals={
            r: shown((r, only)) if one_way else shown((r, TOTAL)) for r in row_keys
        },
        column_totals={c: shown((TOTAL, c)) for c in column_keys},
        total=shown((TOTAL, only)) if one_way else shown((TOTAL, TOTAL)),
        threshold=threshold,
        suppressed=frozenset(key for key in hidden if TOTAL not in key),
    )


def protect_counts(
    counts: Mapping[Hashable, int], *, threshold: int = STANDARD_THRESHOLD
) -> tuple[dict[Hashable, int | None], int | None]:
    """A one-way table (e.g. by region) and its total, suppressed together."""
    table = protect({(key, "n"): value for key, value in counts.items()},
                    threshold=threshold, rows=list(counts), columns=["n"])
    return {key: table.cells[(key, "n")] for key in counts}, table.total
