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
- a breakdown whose cases sit in fewer than two categories, or three when one is small,
  whole: its zeros would say where every case is (`_row_primary`);
- "any" (cases with a code) in the multi-valued tables, small or beside a hidden code;
- for an umbrella, also any count where the members other than the n largest
  contributors add up to fewer than k (the (n, k) rule: `insights.releases`).

Complementary suppression is `insights.suppression.protect`, with the cells of periods
released earlier held fixed: what was published cannot be taken back, so new figures
(usually the year totals) give way instead. All five tables are protected as one system
(`protect_linked`): the period count, "not yet assessed" and, for the multi-valued
tables, the line none + any + not assessed = cases tie them together. With noise
(`noisy`), only the primary rules apply, to the noisy values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from casework.vocabulary import AGGRAVATING, EMPLOYER_ACTIONS, NATURE, RELATION
from insights import suppression
from insights.periods import Unit
from insights.suppression import Cell, Table

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
# The assessed cases with at least one code of a multi-valued table. Never shown, but a
# reader gets it as cases − not assessed − none, so it is protected like a shown cell.
ANY = "any"
CODES = {name: CATEGORIES[name][:-1] for name in MULTI}
COVER = (NONE, ANY, UNASSESSED)  # a multi-valued table's line: they add up to the cases
# The categories whose zeros say where the assessed cases are (see `_row_primary`).
ASSESSED_CATEGORIES = {
    name: tuple(c for c in CATEGORIES[name] if c != UNASSESSED) for name in TABLES
}
# A breakdown is shown only with at least this many non-zero assessed categories when
# one of them is small, and at least one fewer otherwise.
MIN_SPREAD = 3
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


def _primary(value: int, top: int | None, n_assessed: int, cat: str, k: int) -> bool:
    if _small(value, top, k):
        return True
    return cat != UNASSESSED and value == n_assessed > 0


def cell(raw: Raw, name: str, cat: str) -> int:
    """A category's count; "any" (assessed cases with at least one code) is derived
    from "none" for releases stored before it was kept."""
    if cat == UNASSESSED:
        name = "nature"  # one number, shown in every table
    cells = raw["tables"][name]
    if cat == ANY and ANY not in cells:
        return assessed(raw) - int(cells.get(NONE, 0))
    return int(cells.get(cat, 0))


def _row_primary(
    values: dict[str, int], tops: dict[str, int | None], n_assessed: int, name: str, k: int
) -> set[str]:
    """The primary cells of one row of a breakdown (a period, or the year totals).

    Besides the small and the homogeneous cells, zeros are information: when fewer than
    two assessed categories hold the row's cases, or fewer than three and one of them is
    small, the published zeros would say which one or two categories every case is in.
    Then the whole breakdown is hidden and only the number assessed is left.
    """
    out = {c for c, v in values.items() if _primary(v, tops.get(c), n_assessed, c, k)}
    spread = ASSESSED_CATEGORIES[name]
    nonzero = [c for c in spread if values.get(c, 0) > 0]
    if n_assessed > 0 and (
        len(nonzero) < MIN_SPREAD - 1
        or (len(nonzero) < MIN_SPREAD and any(c in out for c in nonzero))
    ):
        out |= set(spread)
    return out


def publish_year(
    rows: Sequence[Row],
    k: int,
    *,
    complete: bool,
    umbrella: bool = False,
    noisy: bool = False,
) -> tuple[list[Hidden], Hidden | None]:
    """Suppression for every row (fixed rows come back unchanged) and the year totals.

    Returns one `hidden` dict per row, and the year's when `complete` (else None). A
    hidden dict is {"withheld": bool, "total": bool, "<table>": [hidden categories]}.

    `noisy`: the counts carry differential-privacy noise (insights.noise). The primary
    rules then apply to the noisy values, and complementary suppression is left out:
    what a reader derives from noisy figures is covered by the same guarantee (noise
    instead of extra suppression), and noisy rows need not add up.
    """
    protect = suppression.primary_only if noisy else suppression.protect
    protect_linked = (suppression.linked_primary_only if noisy
                      else suppression.protect_linked)
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
    year_assessed = sum(assessed(row.raw) for row in rows)

    def row_primaries(name: str, cats: Sequence[str]) -> dict[int, set[str]]:
        """Primary categories per new row (and the year row, index n)."""
        found: dict[int, set[str]] = {}
        for i, row in enumerate(rows):
            if row.hidden is None:
                found[i] = set(cats) if withheld[i] else _row_primary(
                    {c: cell(row.raw, name, c) for c in cats},
                    {c: _top(row.raw, "tables", name, c) for c in cats},
                    assessed(row.raw), name, k,
                )
        if margins:
            values = {c: sum(cell(row.raw, name, c) for row in rows) for c in cats}
            tops: dict[str, int | None] = {}
            for c in cats:
                bound = sum(_top(row.raw, "tables", name, c) or 0 for row in rows)
                tops[c] = min(values[c], bound) if umbrella else None
            # The year row's zeros are information too; a year total is never "everyone's
            # value" on its own account when some of its cases are in hidden periods.
            found[n] = _row_primary(values, tops, year_assessed, name, k)
        return found

    def gone_before(i: int, name: str) -> set[str]:
        before = rows[i].hidden
        return set(before.get(name, [])) if before is not None else set()

    # 2. The breakdowns. Nature, level and relation share cells (each period's case count
    # is their row total, and "not yet assessed" is the same number in all three). The
    # multi-valued tables join them through their cover line: "none", "any" (the assessed
    # cases with at least one code, which a reader gets as total − not assessed − none)
    # and "not assessed" add up to the case count. All of it is one system: a cell hidden
    # in one table is hidden in all, and no combination gives a hidden cell away.
    grids: dict[str, Table] = {}
    primaries: dict[str, set[Cell]] = {}
    fixeds: dict[str, dict[Cell, bool]] = {}
    codes_hidden: dict[str, set[Cell]] = {}
    for name in TABLES:
        cats = CATEGORIES[name] if name in PARTITION else CODES[name]
        found = row_primaries(name, CATEGORIES[name] + ((ANY,) if name in MULTI else ()))
        inner = [[cell(row.raw, name, c) for c in cats] for row in rows]
        partition = name in PARTITION
        grid = Table.with_margins(inner, row_margin=partition, col_margin=margins)
        fixed = {}
        for i in range(n):
            if rows[i].hidden is not None:
                gone = gone_before(i, name)
                fixed |= {(i, j): c in gone for j, c in enumerate(cats)}
            if partition:
                fixed[(i, len(cats))] = total_hidden[i]
        if margins and partition:
            fixed[(n, len(cats))] = year_total_hidden
        primary = {(i, j) for i, got in found.items() for j, c in enumerate(cats) if c in got}
        if partition:
            grids[name], primaries[name], fixeds[name] = grid, primary, fixed
            continue
        # The codes of a multi-valued table: a case can have several, so their row has
        # no total; protected alone along the year's columns.
        codes_hidden[name] = protect(grid, primary, k, fixed)
        cover_cats = COVER
        cover = [[cell(row.raw, name, c) for c in cover_cats] for row in rows]
        grid = Table.with_margins(cover, row_margin=True, col_margin=margins)
        fixed = {}
        for i in range(n):
            if rows[i].hidden is not None:
                gone = gone_before(i, name)
                if ANY not in rows[i].raw["tables"][name]:
                    # Released before "any" was protected: it is hidden exactly when a
                    # reader cannot derive it.
                    derivable = not (total_hidden[i] or NONE in gone
                                     or UNASSESSED in gone_before(i, "nature"))
                    gone = gone if derivable else gone | {ANY}
                if UNASSESSED in gone_before(i, "nature"):  # one number in every table
                    gone = gone | {UNASSESSED}
                fixed |= {(i, j): c in gone for j, c in enumerate(cover_cats)}
            fixed[(i, len(cover_cats))] = total_hidden[i]
        if margins:
            fixed[(n, len(cover_cats))] = year_total_hidden
        primary = {(i, j) for i, got in found.items() for j, c in enumerate(cover_cats)
                   if c in got}
        # A hidden code next to a known "any" would be bounded from below ("at least one
        # case had a circumstance that is not shown"): hide "any" wherever a code is.
        a = cover_cats.index(ANY)
        primary |= {(i, a) for i, _j in codes_hidden[name] if (i, a) not in fixed}
        grids[name], primaries[name], fixeds[name] = grid, primary, fixed
    lines = range(n + 1 if margins else n)  # the periods, and the year totals' row
    same = [
        [(p, (i, _columns(t).index(UNASSESSED))) for p, t in enumerate(TABLES)] for i in lines
    ] + [[(p, (i, len(_columns(t)))) for p, t in enumerate(TABLES)] for i in lines]
    linked = protect_linked(
        [grids[t] for t in TABLES], same, [primaries[t] for t in TABLES], k,
        [fixeds[t] for t in TABLES],
    )
    suppressed = dict(zip(TABLES, linked, strict=True))
    for name in TABLES:
        cats = _columns(name)
        named: dict[int, list[str]] = {
            i: [c for j, c in enumerate(cats) if (i, j) in suppressed[name]]
            for i in lines
        }
        if name in MULTI:
            for i in lines:
                codes = [c for j, c in enumerate(CODES[name]) if (i, j) in codes_hidden[name]]
                named[i] = codes + [c for c in named[i] if c != UNASSESSED]
        for i, row in enumerate(rows):
            if row.hidden is None:
                out[i][name] = named[i]
        if year is not None:
            year[name] = named[n] if margins else list(out[0][name])

    # 3. Durations and deadlines, per new period.
    for i, row in enumerate(rows):
        if row.hidden is None:
            shown = not withheld[i]
            out[i]["durations"] = {d: durations(row.raw, d, k) if shown else None
                                   for d in DURATIONS}
            out[i]["deadlines"] = {d: deadlines(row.raw, d, k) if shown else None
                                   for d in DEADLINES}
    return out, year


def _columns(name: str) -> tuple[str, ...]:
    """The columns of a table in the linked system."""
    return CATEGORIES[name] if name in PARTITION else COVER


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
    return {"kept_share": round(kept / due, 2)}
