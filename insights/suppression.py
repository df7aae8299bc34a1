"""Small-cell suppression with complementary suppression, and an exact audit.

Pure functions, no Flask and no database. A `Table` is a grid of counts with optional
margins: a margin column (each row adds up to it) and a margin row (each column adds up
to it); with both, the corner is the grand total. Every row, column and margin line is a
linear equation a reader can use, so hiding a small cell is not enough: the rest of its
line must not give it away.

`protect()` starts from the primary cells (the caller decides which: counts under k,
periods withheld, a category that holds every case of a period) and the cells whose fate
was fixed by an earlier release, and adds complementary cells until, on every line,

1. no suppressed cell stands alone (one subtraction would recover it);
2. when the line's total is shown, the suppressed cells on it add up to at least k (the
   sum a reader can work out is itself a count that must not be small);
3. no suppressed cell is determined by any combination of the released figures (exact
   rational elimination: a cell is determined when its unit vector lies in the row space
   of the equations restricted to the hidden cells).

Complements are chosen to lose as little as possible: margins before inner cells (a
year total matters less than the periods themselves), then non-zero before zero (a zero
protects nothing once a reader uses that counts are never negative), then the smallest.

Tables that show the same number in several places (the period's case count, "not yet
assessed" in each partition of the same cases) are protected together: `Linked` joins
them into one system in which a shared number is one cell, so hiding it in one table
hides it in all, and the audit uses the equations of every table at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Protocol

Cell = tuple[int, int]


class SuppressionError(RuntimeError):
    """The rules cannot be met without changing something already released."""


@dataclass(frozen=True)
class Line:
    members: tuple[Cell, ...]
    total: Cell


@dataclass
class Table:
    """`values[(i, j)]` for 0 ≤ i < rows, 0 ≤ j < cols; margins at column `cols` (row
    totals) and row `rows` (column totals) when present."""

    rows: int
    cols: int
    values: dict[Cell, int]
    row_margin: bool = False  # a column `cols` with each row's total
    col_margin: bool = False  # a row `rows` with each column's total
    lines: list[Line] = field(init=False)

    def __post_init__(self) -> None:
        self.lines = []
        r, c = self.rows, self.cols
        if self.row_margin:
            self.lines += [Line(tuple((i, j) for j in range(c)), (i, c)) for i in range(r)]
        if self.col_margin:
            self.lines += [Line(tuple((i, j) for i in range(r)), (r, j)) for j in range(c)]
        if self.row_margin and self.col_margin:
            self.lines.append(Line(tuple((r, j) for j in range(c)), (r, c)))
            self.lines.append(Line(tuple((i, c) for i in range(r)), (r, c)))
        missing = [cell for cell in self.cells() if cell not in self.values]
        if missing:
            raise ValueError(f"values missing for {missing[:3]}")

    @classmethod
    def with_margins(
        cls, inner: list[list[int]], *, row_margin: bool, col_margin: bool
    ) -> Table:
        """A table whose margins are the sums of `inner` (rows × cols)."""
        rows, cols = len(inner), len(inner[0]) if inner else 0
        values = {(i, j): inner[i][j] for i in range(rows) for j in range(cols)}
        if row_margin:
            for i in range(rows):
                values[(i, cols)] = sum(inner[i])
        if col_margin:
            for j in range(cols):
                values[(rows, j)] = sum(inner[i][j] for i in range(rows))
        if row_margin and col_margin:
            values[(rows, cols)] = sum(map(sum, inner))
        return cls(rows, cols, values, row_margin=row_margin, col_margin=col_margin)

    def cells(self) -> list[Cell]:
        out = [(i, j) for i in range(self.rows) for j in range(self.cols)]
        if self.row_margin:
            out += [(i, self.cols) for i in range(self.rows)]
        if self.col_margin:
            out += [(self.rows, j) for j in range(self.cols)]
        if self.row_margin and self.col_margin:
            out.append((self.rows, self.cols))
        return out

    def is_margin(self, cell: Cell) -> bool:
        return cell[0] == self.rows or cell[1] == self.cols

    def lines_of(self, cell: Cell) -> list[Line]:
        return [ln for ln in self.lines if cell == ln.total or cell in ln.members]


class Grid(Protocol):
    """What `protect` and `determined` work on: a `Table`, or tables `Linked` into one."""

    values: dict[Cell, int]
    lines: list[Line]

    def is_margin(self, cell: Cell) -> bool: ...

    def lines_of(self, cell: Cell) -> list[Line]: ...


@dataclass
class Linked:
    """Tables that share cells, as one system of lines.

    Part p's cell (i, j) becomes (offset_p + i, j), the parts stacked one below the
    other; each group in `same` lists (part, cell) pairs that show one number, and they
    all become the first pair's cell. `places[p]` maps part p's cells to the system's.
    """

    parts: Sequence[Table]
    same: Sequence[Sequence[tuple[int, Cell]]]
    values: dict[Cell, int] = field(init=False)
    lines: list[Line] = field(init=False)
    places: list[dict[Cell, Cell]] = field(init=False)
    margins: set[Cell] = field(init=False)
    _by_cell: dict[Cell, list[Line]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.places, offset = [], 0
        for part in self.parts:
            self.places.append({(i, j): (offset + i, j) for i, j in part.values})
            offset += part.rows + 1
        for group in self.same:
            (p0, c0), *rest = group
            for p, c in rest:
                if self.parts[p].values[c] != self.parts[p0].values[c0]:
                    raise ValueError(f"linked cells differ: {(p0, c0)} and {(p, c)}")
                self.places[p][c] = self.places[p0][c0]
        self.values, self.margins = {}, set()
        lines: dict[Line, None] = {}  # in order, each line once
        for part, place in zip(self.parts, self.places, strict=True):
            for c, v in part.values.items():
                self.values[place[c]] = v
                if part.is_margin(c):
                    self.margins.add(place[c])
            for ln in part.lines:
                lines[Line(tuple(place[c] for c in ln.members), place[ln.total])] = None
        self.lines = list(lines)
        self._by_cell = {}
        for ln in self.lines:
            for c in (*ln.members, ln.total):
                self._by_cell.setdefault(c, []).append(ln)

    def is_margin(self, cell: Cell) -> bool:
        return cell in self.margins

    def lines_of(self, cell: Cell) -> list[Line]:
        return self._by_cell.get(cell, [])


def protect_linked(
    parts: Sequence[Table],
    same: Sequence[Sequence[tuple[int, Cell]]],
    primary: Sequence[Iterable[Cell]],
    k: int,
    fixed: Sequence[dict[Cell, bool]],
) -> list[set[Cell]]:
    """`protect` for tables that share cells: the cells to suppress in each part.

    A shared cell is primary when it is primary in any part; it counts as released when
    any part released it earlier (that number is out), so a part that hid it then is
    audited as a reader who has it.
    """
    system = Linked(parts, same)
    primary_cells = {system.places[p][c] for p, cells in enumerate(primary) for c in cells}
    fixed_cells: dict[Cell, bool] = {}
    for place, decided in zip(system.places, fixed, strict=True):
        for c, was_hidden in decided.items():
            fixed_cells[place[c]] = fixed_cells.get(place[c], True) and was_hidden
    hidden = protect(system, primary_cells, k, fixed_cells)
    return [{c for c, s in place.items() if s in hidden} for place in system.places]


def protect(
    table: Grid,
    primary: Iterable[Cell],
    k: int,
    fixed: dict[Cell, bool] | None = None,
) -> set[Cell]:
    """The cells to suppress: the primary ones plus the complements they need.

    `fixed` maps cells already released (False) or already suppressed (True) in an
    earlier release; those never change. A primary cell that was already released stays
    released (it cannot be taken back).
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    fixed = dict(fixed or {})
    hidden = {c for c in primary if not (c in fixed and not fixed[c])}
    hidden |= {c for c, s in fixed.items() if s}
    # Cells that earlier releases, under earlier rules, already gave away: nothing
    # released now can take that back, so they are not a reason to hide more.
    given_away = determined(table, {c for c in table.values if fixed.get(c) is not False})
    for _round in range(len(table.values) + 1):
        changed = False
        for line in table.lines:
            changed |= _fix_line(table, line, hidden, fixed, k)
        if changed:
            continue
        stuck = sorted(determined(table, hidden) - given_away)
        if not stuck:
            return hidden
        _break_determination(table, stuck[0], hidden, fixed)
    raise SuppressionError("suppression did not settle")  # pragma: no cover - bounded above


def _free(
    table: Grid, cells: Iterable[Cell], hidden: set[Cell], fixed: dict[Cell, bool]
) -> list[Cell]:
    """Released cells that may still be suppressed, cheapest first.

    A cell is a dead end when one of its lines has nothing else hidden and nothing else
    that could be: hiding it there would leave it alone on that line for good. Dead ends
    come last.
    """
    free = [c for c in cells if c not in hidden and c not in fixed]

    def dead_end(cell: Cell) -> bool:
        for line in table.lines_of(cell):
            others = [c for c in (*line.members, line.total) if c != cell]
            if not any(c in hidden or c not in fixed for c in others):
                return True
        return False

    return sorted(free, key=lambda c: (dead_end(c), *_cost(table, c)))


def _cost(table: Grid, cell: Cell) -> tuple[int, int, int, Cell]:
    value = table.values[cell]
    return (0 if table.is_margin(cell) else 1, 1 if value == 0 else 0, value, cell)


def _fix_line(
    table: Grid, line: Line, hidden: set[Cell], fixed: dict[Cell, bool], k: int
) -> bool:
    """Hide one more cell on `line` if it breaks rule 1 or 2; True when it did."""
    gone = [c for c in (*line.members, line.total) if c in hidden]
    if not gone or all(c in fixed for c in (*line.members, line.total)):
        return False  # nothing hidden, or settled by an earlier release (perhaps under another k)
    total_shown = line.total not in hidden
    hidden_sum = sum(table.values[c] for c in gone if c != line.total)
    short = k - hidden_sum if total_shown else 0
    if len(gone) >= 2 and short <= 0:
        return False
    candidates = _free(table, (*line.members, line.total), hidden, fixed)
    if not candidates:
        raise SuppressionError(f"the line ending in {line.total} cannot be protected")
    if short > 0:
        # Hiding the total ends the sum rule; otherwise the smallest member that lifts
        # the hidden sum to k, or failing that the largest (the next round adds more).
        lifts = [c for c in candidates if c == line.total or table.values[c] >= short]
        pick = lifts[0] if lifts else max(candidates, key=lambda c: (table.values[c], c))
    else:
        pick = candidates[0]
    hidden.add(pick)
    return True


def _break_determination(
    table: Grid, cell: Cell, hidden: set[Cell], fixed: dict[Cell, bool]
) -> None:
    """Hide one more cell so that `cell` is no longer determined (nearest lines first)."""
    near = {c for ln in table.lines_of(cell) for c in (*ln.members, ln.total)}
    candidates = _free(table, near, hidden, fixed) + _free(
        table, set(table.values) - near, hidden, fixed
    )
    if not candidates:
        raise SuppressionError(f"{cell} is determined by what was released before")
    for candidate in candidates:
        if cell not in determined(table, hidden | {candidate}):
            hidden.add(candidate)
            return
    hidden.add(candidates[0])


def determined(table: Grid, hidden: set[Cell]) -> set[Cell]:
    """The hidden cells whose value follows exactly from the released figures.

    Each line gives an equation in the hidden cells (members +1, total −1; the released
    cells are constants). Bring the equations to reduced row echelon form over the
    rationals: a hidden cell is determined exactly when it is a pivot whose row has no
    other non-zero entry. Rows are sparse (a line touches few cells), which keeps the
    exact arithmetic cheap on the linked system of five tables.
    """
    index = {c: n for n, c in enumerate(sorted(hidden))}
    cells = {n: c for c, n in index.items()}
    basis: dict[int, dict[int, Fraction]] = {}  # pivot column → its fully reduced row
    for line in table.lines:
        row: dict[int, Fraction] = {}
        for c in line.members:
            if c in index:
                row[index[c]] = row.get(index[c], Fraction(0)) + 1
        if line.total in index:
            row[index[line.total]] = row.get(index[line.total], Fraction(0)) - 1
        _reduce(row, basis)
        if not row:
            continue
        pivot = min(row)
        lead = row[pivot]
        row = {col: v / lead for col, v in row.items()}
        for other in basis.values():
            factor = other.get(pivot)
            if factor:
                _subtract(other, factor, row)
        basis[pivot] = row
    return {cells[p] for p, row in basis.items() if len(row) == 1}


def _subtract(row: dict[int, Fraction], factor: Fraction, other: dict[int, Fraction]) -> None:
    """row −= factor · other, dropping zeros."""
    for col, v in other.items():
        value = row.get(col, Fraction(0)) - factor * v
        if value:
            row[col] = value
        else:
            row.pop(col, None)


def _reduce(row: dict[int, Fraction], basis: dict[int, dict[int, Fraction]]) -> None:
    """Eliminate every pivot column from `row` (the basis rows are fully reduced, so one
    pass over them does it)."""
    for col in [c for c in row if c in basis]:
        factor = row.get(col)
        if factor:
            _subtract(row, factor, basis[col])
    for col in [c for c, v in row.items() if not v]:
        del row[col]


def primary_only(
    grid: Table, primary: Iterable[Cell], k: int, fixed: dict[Cell, bool] | None = None
) -> set[Cell]:
    """With noise: the primary cells, and what earlier releases hid."""
    decided = fixed or {}
    return {c for c in primary if decided.get(c) is not False} | {
        c for c, s in decided.items() if s}


def linked_primary_only(
    parts: Sequence[Table],
    same: Sequence[Sequence[tuple[int, Cell]]],
    primary: Sequence[Iterable[Cell]],
    k: int,
    fixed: Sequence[dict[Cell, bool]],
) -> list[set[Cell]]:
    """With noise: the primaries of each part; a number shown in several tables (one
    noisy value) is hidden in all of them or in none."""
    out = [primary_only(part, cells, k, decided)
           for part, cells, decided in zip(parts, primary, fixed, strict=True)]
    for group in same:
        if any(c in out[p] for p, c in group):
            for p, c in group:
                out[p].add(c)
    return out


def single_subtraction_leaks(table: Grid, hidden: set[Cell]) -> list[Cell]:
    """Hidden cells that one line gives away (all its other cells released)."""
    out = []
    for line in table.lines:
        gone = [c for c in (*line.members, line.total) if c in hidden]
        if len(gone) == 1:
            out.append(gone[0])
    return out
