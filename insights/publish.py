"""What a release publishes: suppression decisions for a year's periods and totals.

Pure functions over the raw counts of `insights.queries`; no database. A year is shown
as tables whose rows are its released periods and, once the year is complete, a row of
year totals:

- the case counts per period (one column; the year total is its margin);
- nature, level and relation (each period's categories add up to its case count, the
  "not yet assessed" category included, so the period count is the row margin);
- aggravating circumstances and reactions (a case can have several, so rows do not add
  up; only the year totals are margins).

Primary suppression:
- a period with fewer than k cases is *withheld*: its count and every cell of it;
- a cell with 1 to k−1 cases;
- a category that holds every assessed case of a period (a reader who knows that
  someone reported in that period would learn what their case was about);
- for an umbrella, also any count where the members other than the largest contributor
  add up to fewer than k (a member's own leader could subtract their part).

Complementary suppression is `insights.suppression.protect`, with the cells of periods
released earlier held fixed: what was published cannot be taken back, so new figures
(usually the year totals) give way instead. Nature, level and relation are protected
together (`protect_linked`): their row totals and their "not yet assessed" cells are the
same numbers, so a cell hidden in one of them is hidden in all three.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from casework.vocabulary import AGGRAVATING, EMPLOYER_ACTIONS, NATURE, RELATION
from insights.periods import Unit
from insights.suppression import Cell, Table, protect, protect_linked

UNASSESSED = "not_assessed"
NONE = "none"
PARTITION = ("nature", "level", "relation")
MULTI = ("aggravating", "reaction")
TABLES = PARTITION + MULTI
CATEGORIES: dict[str, tuple[str, ...]] = {
    "nature": (*NATURE, UNASSESSED),
    "level": ("1", "2", "3", "4", "5", UNASSESSED),
    "relation": (*RELATION, UNASSESSED),
    "aggravating": (*AGGRAVATING, NONE),
    "reaction": (*EMPLOYER_ACTIONS, NONE),  # what the employer did
}
DURATIONS = ("acknowledge", "close")
DEADLINES = ("acknowledge", "feedback")
# The 90th percentile by nearest rank is the largest value below ten cases: never show
# one person's case as "the slowest".
P90_MINIMUM = 10

Raw = dict[str, Any]
Hidden = dict[str, Any]


def empty_raw() -> Raw:
    return {
        "total": 0,
        "tables": {t: dict.fromkeys(CATEGORIES[t], 0) for t in TABLES},
        "durations": {d: {} for d in DURATIONS},
        "deadlines": {d: [0, 0] for d in DEADLINES},
    }


def assessed(raw: Raw) -> int:
    return int(raw["total"]) - int(raw["tables"]["nature"][UNASSESSED])


@dataclass
class Row:
    """A period of the year: its raw counts and, if released before, what it showed."""

    unit: Unit
    raw: Raw
    hidden: Hidden | None = None  # None: released now

    @property
    def fixed(self) -> bool:
        return self.hidden is not None


def _top(raw: Raw, *path: str) -> int | None:
    """The largest single member's count for a cell (umbrella releases only)."""
    node: Any = raw.get("top")
    if node is None:
        return None
    for key in path:
        node = node.get(key, 0) if isinstance(node, dict) else 0
    return int(node)


def _small(value: int, top: int | None, k: int, *, zero_counts: bool = False) -> bool:
    """Primary: fewer than k cases (or fewer than k outside the largest member)."""
    if value == 0:
        return zero_counts
    if value < k:
        return True
    return top is not None and value - top < k


def _sensitive(raw: Raw, name: str, cat: str, k: int) -> bool:
    """A cell of a released period that must be hidden: small, or everyone's value."""
    value = int(raw["tables"][name].get(cat, 0))
    if _small(value, _top(raw, "tables", name, cat), k):
        return True
    return cat != UNASSESSED and value == assessed(raw) > 0


def publish_year(
    rows: Sequence[Row],
    k: int,
    *,
    complete: bool,
    umbrella: bool = False,
) -> tuple[list[Hidden], Hidden | None]:
    """Suppression for every row (fixed rows come back unchanged) and the year totals.

    Returns one `hidden` dict per row, and the year's when `complete` (else None). A
    hidden dict is {"withheld": bool, "total": bool, "<table>": [hidden categories]}.
    """
    if k < 3:
        raise ValueError("k must be at least 3 (a smaller group singles people out)")
    n = len(rows)
    withheld = [
        row.hidden["withheld"] if row.hidden is not None
        else _small(row.raw["total"], _top(row.raw, "total"), k, zero_counts=True)
        for row in rows
    ]
    margins = complete and n > 1

    # 1. Case counts per period; the year total is the margin.
    totals = [[int(row.raw["total"])] for row in rows]
    table = Table.with_margins(totals, row_margin=False, col_margin=margins)
    fixed: dict[Cell, bool] = {}
    for i, row in enumerate(rows):
        if row.hidden is not None:
            fixed[(i, 0)] = bool(row.hidden["total"])
    primary = {(i, 0) for i in range(n) if withheld[i]}
    year_total = sum(r[0] for r in totals)
    if margins:
        tops = [_top(row.raw, "total") for row in rows]
        bound = None if not umbrella else min(year_total, sum(t or 0 for t in tops))
        if _small(year_total, bound, k, zero_counts=True):
            primary.add((n, 0))
    hidden_totals = protect(table, primary, k, fixed)
    total_hidden = [(i, 0) in hidden_totals for i in range(n)]
    single = complete and n == 1
    year_total_hidden = total_hidden[0] if single else (n, 0) in hidden_totals

    out: list[Hidden] = [
        row.hidden if row.hidden is not None
        else {"withheld": withheld[i], "total": total_hidden[i]}
        for i, row in enumerate(rows)
    ]
    year: Hidden | None = {"total": year_total_hidden} if complete else None

    # 2. The breakdowns. Nature, level and relation share cells (each period's case count
    # is their row total, and "not yet assessed" is the same number in all three), so
    # they are protected as one system: a cell hidden in one is hidden in all, and no
    # combination of the three gives a hidden cell away.
    grids: dict[str, Table] = {}
    primaries: dict[str, set[Cell]] = {}
    fixeds: dict[str, dict[Cell, bool]] = {}
    for name in TABLES:
        cats = CATEGORIES[name]
        inner = [[int(row.raw["tables"][name].get(c, 0)) for c in cats] for row in rows]
        partition = name in PARTITION
        grid = Table.with_margins(inner, row_margin=partition, col_margin=margins)
        fixed = {}
        primary = set()
        for i, row in enumerate(rows):
            gone = set(row.hidden.get(name, [])) if row.hidden is not None else set()
            if partition:
                fixed[(i, len(cats))] = total_hidden[i]
            for j, cat in enumerate(cats):
                if row.hidden is not None:
                    fixed[(i, j)] = cat in gone
                elif withheld[i] or _sensitive(row.raw, name, cat, k):
                    primary.add((i, j))
        if margins:
            if partition:
                fixed[(n, len(cats))] = year_total_hidden
            for j, cat in enumerate(cats):
                column = grid.values[(n, j)]
                bound = sum(_top(row.raw, "tables", name, cat) or 0 for row in rows)
                if _small(column, min(column, bound) if umbrella else None, k):
                    primary.add((n, j))
        grids[name], primaries[name], fixeds[name] = grid, primary, fixed
    lines = range(n + 1 if margins else n)  # the periods, and the year totals' row
    same = [
        [(p, (i, CATEGORIES[t].index(UNASSESSED))) for p, t in enumerate(PARTITION)]
        for i in lines
    ] + [[(p, (i, len(CATEGORIES[t]))) for p, t in enumerate(PARTITION)] for i in lines]
    linked = protect_linked(
        [grids[t] for t in PARTITION], same, [primaries[t] for t in PARTITION], k,
        [fixeds[t] for t in PARTITION],
    )
    suppressed = dict(zip(PARTITION, linked, strict=True))
    for name in MULTI:
        suppressed[name] = protect(grids[name], primaries[name], k, fixeds[name])
    for name in TABLES:
        cats = CATEGORIES[name]
        gone_cells = suppressed[name]
        for i, row in enumerate(rows):
            if row.hidden is None:
                out[i][name] = [c for j, c in enumerate(cats) if (i, j) in gone_cells]
        if year is not None:
            if margins:
                year[name] = [c for j, c in enumerate(cats) if (n, j) in gone_cells]
            else:  # one period for the whole year: its totals are the period's own
                year[name] = list(out[0][name])

    # 3. Durations and deadlines, per new period.
    for i, row in enumerate(rows):
        if row.hidden is None:
            out[i]["durations"] = {d: durations(row.raw, d, k) for d in DURATIONS}
            out[i]["deadlines"] = {d: deadlines(row.raw, d, k) for d in DEADLINES}
    return out, year


def nearest_rank(sorted_values: list[int], share: float) -> int:
    """The nearest-rank percentile: the value at rank ⌈share·n⌉ (1-based)."""
    import math

    rank = max(1, math.ceil(share * len(sorted_values)))
    return sorted_values[rank - 1]


def durations(raw: Raw, kind: str, k: int) -> dict[str, Any] | None:
    """Median and 90th percentile in days, or None when fewer than k cases are behind it."""
    histogram = {int(d): int(c) for d, c in raw["durations"][kind].items()}
    values = sorted(d for d, c in histogram.items() for _ in range(c))
    n = len(values)
    top = _top(raw, "durations", kind)
    if _small(n, top, k, zero_counts=True):
        return None
    return {
        "n": n,
        "median": nearest_rank(values, 0.5),
        "p90": nearest_rank(values, 0.9) if n >= P90_MINIMUM else None,
    }


def deadlines(raw: Raw, kind: str, k: int) -> dict[str, Any] | None:
    """The share of deadlines kept among those due in the period, or None.

    The share and the number due are two counts: the deadlines kept and those missed
    ("83 % of 6" is one missed). Each passes the k rule like any cell, so the figure is
    shown only when at least k fell due and the kept and the missed are each none or at
    least k (in an umbrella, at least k outside the largest member).
    """
    due, kept = (int(v) for v in raw["deadlines"][kind])
    if _small(due, _top(raw, "deadlines", kind, "due"), k, zero_counts=True):
        return None
    for part, n in (("kept", kept), ("missed", due - kept)):
        if _small(n, _top(raw, "deadlines", kind, part), k):
            return None
    return {"due": due, "kept_share": round(kept / due, 2)}
