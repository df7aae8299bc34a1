"""Complementary suppression: no hidden cell can be worked out from what is released."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from insights.suppression import (
    SuppressionError,
    Table,
    determined,
    protect,
    single_subtraction_leaks,
)


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
    table = Table.with_margins([[2, 8]], row_margin=True, col_margin=False)
    fixed = {(0, 0): False, (0, 1): False, (0, 2): False}
    with pytest.raises(SuppressionError):
        protect(table, set(), 5, {**fixed, (0, 0): True})


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
