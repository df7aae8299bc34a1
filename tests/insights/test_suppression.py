"""Complementary suppression: no hidden cell can be worked out from what is released."""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from insights.suppression import (
    Linked,
    SuppressionError,
    Table,
    determined,
    protect,
    protect_linked,
    single_subtraction_leaks,
)
from tests.insights.conftest import derivable


def _primary(table: Table, k: int) -> set[tuple[int, int]]:
    return {c for c, v in table.values.items() if 0 < v < k}


@st.composite
def tables(draw: st.DrawFn) -> tuple[Table, int]:
    rows = draw(st.integers(1, 5))
    cols = draw(st.integers(1, 6))
    # Mostly small counts, so that many cells fall under k; some zeros and some large.
    cell = st.one_of(st.integers(0, 6), st.integers(0, 40))
    inner = [[draw(cell) for _ in range(cols)] for _ in range(rows)]
    row_margin = draw(st.booleans())
    col_margin = draw(st.booleans())
    k = draw(st.integers(3, 6))
    return Table.with_margins(inner, row_margin=row_margin, col_margin=col_margin), k


def _solutions_differ(table: Table, hidden: set[tuple[int, int]], cell: tuple[int, int]) -> bool:
    """Brute force for tiny tables: another non-negative filling agrees with everything
    released but gives `cell` a different value (used to cross-check `determined`)."""
    unknowns = sorted(hidden)
    bound = sum(table.values[c] for c in unknowns) + 1
    import itertools

    for guess in itertools.product(range(bound), repeat=len(unknowns)):
        filled = dict(table.values)
        filled.update(zip(unknowns, guess, strict=True))
        ok = all(
            sum(filled[m] for m in line.members) == filled[line.total] for line in table.lines
        )
        if ok and filled[cell] != table.values[cell]:
            return True
    return False


@settings(max_examples=300, deadline=None)
@given(tables())
def test_no_suppressed_cell_falls_to_a_single_subtraction(case: tuple[Table, int]) -> None:
    table, k = case
    hidden = protect(table, _primary(table, k), k)
    assert _primary(table, k) <= hidden
    assert single_subtraction_leaks(table, hidden) == []


@settings(max_examples=300, deadline=None)
@given(tables())
def test_no_suppressed_cell_follows_from_any_combination_of_lines(case: tuple[Table, int]) -> None:
    table, k = case
    hidden = protect(table, _primary(table, k), k)
    assert determined(table, hidden) == set()


@settings(max_examples=300, deadline=None)
@given(tables())
def test_what_a_line_reveals_about_its_hidden_cells_is_never_a_small_count(
    case: tuple[Table, int],
) -> None:
    table, k = case
    hidden = protect(table, _primary(table, k), k)
    for line in table.lines:
        gone = [c for c in line.members if c in hidden]
        if gone and line.total not in hidden:
            assert sum(table.values[c] for c in gone) >= k


@settings(max_examples=200, deadline=None)
@given(tables())
def test_cells_fixed_by_an_earlier_release_never_change(case: tuple[Table, int]) -> None:
    table, k = case
    # An earlier release decided the first row: protect it on its own first.
    first_row = {c for c in table.values if c[0] == 0 and c[1] < table.cols}
    earlier = protect(table, _primary(table, k) & first_row, k)
    fixed = {c: c in earlier for c in first_row}
    hidden = protect(table, _primary(table, k), k, fixed)
    for c, was_hidden in fixed.items():
        assert (c in hidden) == was_hidden
    assert single_subtraction_leaks(table, hidden) == []


def test_one_small_cell_in_a_row_takes_a_partner_whose_sum_reaches_k() -> None:
    # The period's case count (the row total) is published already: it stays.
    table = Table.with_margins([[5, 2, 0, 0]], row_margin=True, col_margin=False)
    hidden = protect(table, {(0, 1)}, k=5, fixed={(0, 4): False})
    assert hidden == {(0, 0), (0, 1)}  # 5 + 2 ≥ 5; the zeros give nothing away


def test_a_small_cell_is_not_protected_by_a_zero_alone() -> None:
    table = Table.with_margins([[9, 2, 0]], row_margin=True, col_margin=False)
    hidden = protect(table, {(0, 1)}, k=5, fixed={(0, 3): False})
    assert (0, 0) in hidden and table.values[(0, 0)] + table.values[(0, 1)] >= 5


def test_margins_give_way_before_inner_cells() -> None:
    table = Table.with_margins([[3], [9], [8]], row_margin=False, col_margin=True)
    hidden = protect(table, {(0, 0)}, k=5)
    assert (3, 0) in hidden  # the year total, not another period
    assert (1, 0) not in hidden and (2, 0) not in hidden


def test_a_2x2_pattern_with_margins_is_caught_by_the_exact_audit() -> None:
    inner = [[2, 7, 9], [6, 8, 3], [10, 11, 12]]
    table = Table.with_margins(inner, row_margin=True, col_margin=True)
    hidden = protect(table, {(0, 0), (1, 2)}, k=5)
    assert determined(table, hidden) == set()
    assert single_subtraction_leaks(table, hidden) == []


def test_determined_agrees_with_brute_force_on_a_small_table() -> None:
    table = Table.with_margins([[1, 3], [2, 4]], row_margin=True, col_margin=True)
    # Hiding one whole row's inner cells: both follow from the column totals.
    hidden = {(0, 0), (0, 1)}
    assert determined(table, hidden) == {(0, 0), (0, 1)}
    assert not _solutions_differ(table, hidden, (0, 0))
    # A 2×2 rectangle of inner cells: none follows.
    hidden = {(0, 0), (0, 1), (1, 0), (1, 1)}
    assert determined(table, hidden) == set()
    assert _solutions_differ(table, hidden, (0, 0))


def test_a_fixed_released_line_that_cannot_be_protected_is_an_error() -> None:
    table = Table.with_margins([[2, 8], [6, 6]], row_margin=True, col_margin=False)
    fixed = {(0, 0): False, (0, 1): False, (0, 2): False}
    with pytest.raises(SuppressionError):  # a new primary cell alone on a settled line
        protect(table, {(0, 0)}, 5, {(0, 1): False, (0, 2): False})
    # A cell that an earlier release (under earlier rules) already gave away is not a
    # reason to fail, nor to hide anything new: nothing now can take it back.
    assert protect(table, set(), 5, {**fixed, (0, 0): True}) == {(0, 0)}


def test_k_below_one_is_refused() -> None:
    table = Table.with_margins([[1]], row_margin=False, col_margin=False)
    with pytest.raises(ValueError, match="k"):
        protect(table, set(), 0)


def test_fraction_arithmetic_is_exact() -> None:
    # A 3-cycle of hidden cells in a table whose totals are hidden too has no solution
    # forced; the audit must not be fooled by rounding.
    table = Table.with_margins([[1, 2, 3], [4, 5, 6]], row_margin=True, col_margin=True)
    hidden = set(table.values)
    assert determined(table, hidden) == set()
    assert Fraction(1, 3) * 3 == 1


# Linked tables: several partitions of the same cases, side by side. Each shows the same
# row totals and the same last column ("not yet assessed"), so a reader can combine them.

Linking = tuple[list[Table], list[list[tuple[int, tuple[int, int]]]], int]


@st.composite
def linked_tables(draw: st.DrawFn) -> Linking:
    rows = draw(st.integers(1, 3))
    shared = [draw(st.integers(0, 8)) for _ in range(rows)]
    cols = draw(st.integers(1, 3))
    cell = st.one_of(st.integers(0, 5), st.integers(0, 20))
    first = [[draw(cell) for _ in range(cols)] for _ in range(rows)]
    rest = [sum(r) for r in first]
    parts = [first]
    for _ in range(draw(st.integers(1, 2))):
        cols = draw(st.integers(1, 4))
        inner = []
        for total in rest:  # the same cases again, split another way
            cuts = sorted(draw(st.lists(st.integers(0, total), min_size=cols - 1,
                                        max_size=cols - 1)))
            inner.append([b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)])
        parts.append(inner)
    col_margin = draw(st.booleans())
    tables = [
        Table.with_margins([[*r, s] for r, s in zip(inner, shared, strict=True)],
                           row_margin=True, col_margin=col_margin)
        for inner in parts
    ]
    same = []
    for i in range(rows + 1 if col_margin else rows):
        same.append([(p, (i, t.cols - 1)) for p, t in enumerate(tables)])  # the shared column
        same.append([(p, (i, t.cols)) for p, t in enumerate(tables)])  # the row total
    return tables, same, draw(st.integers(3, 6))


def _equations(tables: list[Table], same: list[list[tuple[int, tuple[int, int]]]]) -> list[
    dict[tuple[int, tuple[int, int]], int]
]:
    """Every line of every part, and "these cells are one number", over (part, cell)."""
    out: list[dict[tuple[int, tuple[int, int]], int]] = []
    for p, table in enumerate(tables):
        for line in table.lines:
            eq = {(p, c): 1 for c in line.members}
            eq[(p, line.total)] = -1
            out.append(eq)
    for group in same:
        first, *others = group
        out += [{first: 1, other: -1} for other in others]
    return out


@settings(max_examples=300, deadline=None)
@given(linked_tables())
def test_no_hidden_cell_of_linked_tables_follows_from_all_of_them_together(
    case: Linking,
) -> None:
    tables, same, k = case
    primary = [_primary(t, k) for t in tables]
    hidden = protect_linked(tables, same, primary, k, [{} for _ in tables])
    for p, table in enumerate(tables):
        assert primary[p] <= hidden[p]
        assert single_subtraction_leaks(table, hidden[p]) == []
    for group in same:  # a shared cell is hidden everywhere or nowhere
        assert len({c in hidden[p] for p, c in group}) == 1
    secret = {(p, c) for p, cells in enumerate(hidden) for c in cells}
    assert derivable(_equations(tables, same), secret) == set()
    system = Linked(tables, same)
    assert determined(system, {system.places[p][c] for p, c in secret}) == set()


def test_a_shared_cell_hidden_in_one_table_is_hidden_in_the_other() -> None:
    # 9 cases: 4 verbal, 2 physical, 3 not assessed; by level 3, 3 and 3 not assessed.
    nature = Table.with_margins([[4, 2, 3]], row_margin=True, col_margin=False)
    level = Table.with_margins([[3, 3, 3]], row_margin=True, col_margin=False)
    same = [[(0, (0, 2)), (1, (0, 2))], [(0, (0, 3)), (1, (0, 3))]]
    released = {(0, 3): False}
    hidden = protect_linked([nature, level], same, [{(0, 1)}, set()], 3, [released, released])
    assert hidden[0] == {(0, 1), (0, 2)}  # physical, and not assessed as its partner
    assert (0, 2) in hidden[1] and len(hidden[1]) == 2  # not assessed, and a partner
    # Brute force: every filling of the hidden cells that agrees with both tables.
    unknowns = [(p, c) for p, cells in enumerate(hidden) for c in sorted(cells)]
    tables = [nature, level]
    physical = set()
    for guess in itertools.product(range(10), repeat=len(unknowns)):
        filled = [dict(t.values) for t in tables]
        for (p, c), v in zip(unknowns, guess, strict=True):
            filled[p][c] = v
        if filled[0][(0, 2)] != filled[1][(0, 2)]:
            continue
        if all(sum(filled[p][m] for m in ln.members) == filled[p][ln.total]
               for p, t in enumerate(tables) for ln in t.lines):
            physical.add(filled[0][(0, 1)])
    assert len(physical) > 1


def test_linked_cells_must_hold_the_same_number() -> None:
    a = Table.with_margins([[1, 2]], row_margin=True, col_margin=False)
    b = Table.with_margins([[2, 2]], row_margin=True, col_margin=False)
    with pytest.raises(ValueError, match="differ"):
        Linked([a, b], [[(0, (0, 2)), (1, (0, 2))]])
