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


# --- Linked tables: several tables cut from the same atoms, protected together ------------

from himaya.disclosure.linked import Aggregate, mask_of, protect_linked  # noqa: E402


@st.composite
def linked_tables(draw):
    """Atoms with three attributes; published: the total, each one-way table, and the
    two-way table of the first two attributes (overlapping filters of one dataset)."""
    n_atoms = draw(st.integers(min_value=1, max_value=30))
    atoms = [(draw(st.integers(0, 3)), draw(st.integers(0, 2)), draw(st.integers(0, 2)),
              draw(st.integers(0, 12))) for _ in range(n_atoms)]
    return atoms


def _linked_aggregates(atoms, threshold):
    specs = {"total": lambda a: "all", "a": lambda a: a[0], "b": lambda a: a[1],
             "c": lambda a: a[2], "ab": lambda a: (a[0], a[1])}
    out = []
    for table, cell in specs.items():
        groups: dict = {}
        for i, atom in enumerate(atoms):
            if atom[3]:
                groups.setdefault(cell(atom), []).append(i)
        for key, members in groups.items():
            out.append(Aggregate((table, key), "n", table, mask_of(members, len(atoms)),
                                 sum(atoms[i][3] for i in members), threshold))
    return out


@settings(max_examples=300, deadline=None)
@given(linked_tables(), st.sampled_from([STANDARD_THRESHOLD, MEDICAL_THRESHOLD]))
def test_linked_tables_leak_nothing_by_one_difference(atoms, threshold):
    aggregates = _linked_aggregates(atoms, threshold)
    release = protect_linked(aggregates)
    shown = {a.atoms: a for a in aggregates if release.value(a.key) is not None}
    hidden = {a.atoms: a for a in aggregates if release.value(a.key) is None}
    for a in aggregates:
        value = release.value(a.key)
        assert value is None or value == a.value
        assert value is None or value == 0 or value >= threshold
    # The same atoms are never shown in one table and hidden in another.
    assert not set(shown) & set(hidden)
    # No shown figure minus another shown figure is a hidden figure or a small count.
    for big, a in shown.items():
        for small, b in shown.items():
            if small != big and small & ~big == 0:
                assert big & ~small not in hidden, (a.key, b.key)
                assert not 0 < a.value - b.value < threshold, (a.key, b.key)


def test_a_cell_hidden_in_one_table_is_hidden_where_the_same_people_appear_again():
    # Partner p1 works only in region r1: its total is also region r1's total.
    atoms = [("r1", "p1", 3), ("r2", "p2", 40), ("r2", "p3", 50)]
    aggregates = []
    for table, position in (("region", 0), ("partner", 1)):
        groups: dict = {}
        for i, atom in enumerate(atoms):
            groups.setdefault(atom[position], []).append(i)
        for key, members in groups.items():
            aggregates.append(Aggregate((table, key), "n", table, mask_of(members, 3),
                                        sum(atoms[i][2] for i in members), 5))
    aggregates.append(Aggregate(("total",), "n", "total", mask_of(range(3), 3), 93, 5))
    release = protect_linked(aggregates)
    assert release.value(("region", "r1")) is None and release.value(("partner", "p1")) is None
    # Total minus region r2 would give region r1 away: one of them is hidden too.
    assert release.value(("total",)) is None or release.value(("region", "r2")) is None
