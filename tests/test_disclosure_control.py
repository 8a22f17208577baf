"""Property-based proof of disclosure control (PROTECTION P18)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from himaya.disclosure import MEDICAL_THRESHOLD, STANDARD_THRESHOLD, protect, protect_counts
from himaya.disclosure.suppression import TOTAL

small_counts = st.integers(min_value=0, max_value=40)


@st.composite
def tables(draw):
    n_rows = draw(st.integers(min_value=1, max_value=6))
    n_cols = draw(st.integers(min_value=1, max_value=5))
    rows = [f"r{i}" for i in range(n_rows)]
    cols = [f"c{j}" for j in range(n_cols)]
    counts = {(r, c): draw(small_counts) for r in rows for c in cols}
    return rows, cols, counts


def _lines(table):
    """Every row with its total and every column with its total, as (values, truths)."""
    out = []
    if len(table.columns) == 1:
        col = table.columns[0]
        out.append([table.cells[(r, col)] for r in table.rows] + [table.total])
        return out
    for r in table.rows:
        out.append([table.cells[(r, c)] for c in table.columns] + [table.row_totals[r]])
    for c in table.columns:
        out.append([table.cells[(r, c)] for r in table.rows] + [table.column_totals[c]])
    out.append([table.row_totals[r] for r in table.rows] + [table.total])
    out.append([table.column_totals[c] for c in table.columns] + [table.total])
    return out


@settings(max_examples=300, deadline=None)
@given(tables(), st.sampled_from([STANDARD_THRESHOLD, MEDICAL_THRESHOLD]))
def test_no_published_small_cell_and_none_recoverable(data, threshold):
    rows, cols, counts = data
    table = protect(counts, threshold=threshold, rows=rows, columns=cols)
    published = [v for v in table.cells.values()] + list(table.row_totals.values()) + [
        table.total, *table.column_totals.values()]
    assert all(v is None or v == 0 or v >= threshold for v in published)
    # No line has exactly one hidden entry unless all its other entries are zero
    # (then the hidden one is recoverable only as... a total that is itself hidden).
    for line in _lines(table):
        hidden = [v for v in line if v is None]
        if len(hidden) == 1:
            visible_nonzero = [v for v in line if v]
            assert visible_nonzero == [], line


@settings(max_examples=200, deadline=None)
@given(tables())
def test_published_values_are_true_values(data):
    rows, cols, counts = data
    table = protect(counts, rows=rows, columns=cols)
    for key, value in table.cells.items():
        assert value is None or value == counts[key]
    for r in rows:
        truth = sum(counts[(r, c)] for c in cols)
        assert table.row_totals[r] in (None, truth)


def test_a_one_way_table_hides_a_second_cell_to_protect_the_first():
    cells, total = protect_counts({"01": 120, "02": 3, "03": 48})
    assert cells["02"] is None
    assert cells["03"] is None  # otherwise 171 - 120 - 48 = 3 gives it away
    assert cells["01"] == 120 and total == 171


def test_medical_breakdowns_use_the_higher_threshold():
    cells, _ = protect_counts({"a": 7, "b": 30, "c": 40}, threshold=MEDICAL_THRESHOLD)
    assert cells["a"] is None
    cells, _ = protect_counts({"a": 7, "b": 30, "c": 40})
    assert cells["a"] == 7


def test_zeros_are_published():
    table = protect({("x", "F"): 0, ("x", "M"): 12, ("y", "F"): 9, ("y", "M"): 14})
    assert table.cell("x", "F") == 0
    assert table.cell(TOTAL) == 35
