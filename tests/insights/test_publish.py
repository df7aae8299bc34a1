"""A release as a reader sees it: every table of a year together.

The nature, level and relation tables are three views of the same cases: each period's
case count is the row total of all three, and "not yet assessed" is the same number in
all three. A reader combines them, so the audit here does too: every released figure of
the year (case counts, the five tables, the year totals) goes into one system of equations,
together with the equations saying that the figures several tables show are one number,
and no hidden figure may follow from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from insights.periods import Unit
from insights.publish import (
    ANY,
    CATEGORIES,
    CODES,
    MULTI,
    NONE,
    PARTITION,
    TABLES,
    UNASSESSED,
    Hidden,
    Raw,
    Row,
    deadlines,
    empty_raw,
    publish_year,
)
from insights.queries import combine
from tests.insights.conftest import derivable

Var = tuple[Any, ...]
Equation = dict[Var, int]


def _equations(n: int, complete: bool) -> list[Equation]:
    """How the year's figures hang together, as a reader knows it: each equation is
    Σ coefficient · figure = 0."""
    rows: list[Any] = list(range(n)) + (["year"] if complete else [])
    out: list[Equation] = []
    for r in rows:
        for name in PARTITION:  # each period's categories add up to its case count
            eq = {(name, r, c): 1 for c in CATEGORIES[name]}
            eq[("cases", r)] = -1
            out.append(eq)
        for name in PARTITION[1:]:  # "not yet assessed" is one number in all three
            out.append({("nature", r, UNASSESSED): 1, (name, r, UNASSESSED): -1})
        for name in MULTI:  # none, any (never shown) and not assessed add up to the cases
            out.append({(name, r, NONE): 1, (name, r, ANY): 1, ("nature", r, UNASSESSED): 1,
                        ("cases", r): -1})
    if complete:  # the year totals add up the periods
        out.append({**{("cases", i): 1 for i in range(n)}, ("cases", "year"): -1})
        for name in TABLES:
            for c in CATEGORIES[name] + ((ANY,) if name in MULTI else ()):
                out.append({**{(name, i, c): 1 for i in range(n)}, (name, "year", c): -1})
    return out


def _hidden_figures(hidden: Sequence[Hidden], year: Hidden | None) -> set[Var]:
    out: set[Var] = set()
    named: list[tuple[Any, Hidden]] = list(enumerate(hidden))
    if year is not None:
        named.append(("year", year))
    for r, h in named:
        if h["total"]:
            out.add(("cases", r))
        for name in TABLES:
            out |= {(name, r, c) for c in h[name]}
    return out


def _raw(unassessed: int, **tables: dict[str, int]) -> Raw:
    raw = empty_raw()
    for name, counts in tables.items():
        raw["tables"][name].update(counts)
    for name in PARTITION:
        raw["tables"][name][UNASSESSED] = unassessed
    raw["total"] = sum(raw["tables"]["nature"].values())
    return raw


def _strip(hidden: Hidden) -> Hidden:
    return {key: value for key, value in hidden.items() if key not in ("durations", "deadlines")}


def test_not_assessed_hidden_in_one_table_is_not_shown_by_another() -> None:
    # The security review's example: 20 cases, 12 verbal, 3 physical, 5 not assessed.
    # The nature table hides physical and, as its partner, not assessed; had the level
    # table still shown not assessed = 5, physical would be 20 − 12 − 5 = 3.
    raw = _raw(
        5,
        nature={"verbal": 12, "physical": 3},
        level={"1": 5, "2": 5, "3": 5},
        relation={"peer": 8, "subordinate": 7},
    )
    [hidden], _year = publish_year([Row(Unit(2024, "quarter", 1), raw)], 5, complete=False)
    assert "physical" in hidden["nature"]
    assert derivable(_equations(1, False), _hidden_figures([hidden], None)) == set()
    assert len({UNASSESSED in hidden[name] for name in PARTITION}) == 1


def _composition(draw: st.DrawFn, total: int, parts: int) -> list[int]:
    cuts = sorted(draw(st.lists(st.integers(0, total), min_size=parts - 1,
                                max_size=parts - 1)))
    bounds = [0, *cuts, total]
    return [b - a for a, b in pairwise(bounds)]


@st.composite
def _period(draw: st.DrawFn, umbrella: bool) -> Raw:
    small = st.one_of(st.integers(0, 4), st.integers(0, 12))
    nature = {c: draw(small) for c in CATEGORIES["nature"] if c != UNASSESSED}
    unassessed = draw(small)
    assessed = sum(nature.values())
    tables: dict[str, dict[str, int]] = {"nature": nature}
    for name in ("level", "relation"):
        cats = [c for c in CATEGORIES[name] if c != UNASSESSED]
        tables[name] = dict(zip(cats, _composition(draw, assessed, len(cats)), strict=True))
    for name in MULTI:
        none = draw(st.integers(0, assessed))
        with_any = assessed - none
        codes = {c: draw(st.integers(0, with_any)) for c in CODES[name]}
        if with_any and not any(codes.values()):
            codes[CODES[name][0]] = with_any
        tables[name] = {**codes, NONE: none, ANY: with_any}
    raw = _raw(unassessed, **tables)
    if umbrella:  # the largest member's share of every count
        raw["top"] = {
            "total": draw(st.integers(0, raw["total"])),
            "tables": {name: {c: draw(st.integers(0, v)) for c, v in cells.items()}
                       for name, cells in raw["tables"].items()},
        }
        top_unassessed = raw["top"]["tables"]["nature"][UNASSESSED]
        for name in PARTITION:
            raw["top"]["tables"][name][UNASSESSED] = top_unassessed
    return raw


@st.composite
def _years(draw: st.DrawFn) -> tuple[list[Raw], list[int], bool, int, bool]:
    umbrella = draw(st.booleans())
    raws = draw(st.lists(_period(umbrella), min_size=1, max_size=4))
    # The periods go out in batches (a view after a long pause releases several at once).
    cuts = sorted(draw(st.sets(st.integers(1, len(raws)))) | {len(raws)})
    return raws, cuts, draw(st.booleans()), draw(st.integers(3, 6)), umbrella


@settings(max_examples=150, deadline=None)
@given(_years())
def test_no_hidden_figure_follows_from_all_the_tables_of_a_year_together(
    case: tuple[list[Raw], list[int], bool, int, bool],
) -> None:
    raws, cuts, complete, k, umbrella = case
    rows: list[Row] = []
    for cut in cuts:
        rows += [Row(Unit(2024, "quarter", i + 1), raws[i]) for i in range(len(rows), cut)]
        last = cut == len(raws)
        hidden, year = publish_year(rows, k, complete=complete and last, umbrella=umbrella)
        rows = [Row(r.unit, r.raw, _strip(h)) for r, h in zip(rows, hidden, strict=True)]
    published = [r.hidden for r in rows if r.hidden is not None]
    secret = _hidden_figures(published, year)
    assert derivable(_equations(len(raws), complete), secret) == set()


@pytest.mark.parametrize(("due", "kept", "shown"), [
    (6, 5, False),  # the security review's example: exactly one missed out of six
    (10, 6, False),  # four missed
    (10, 4, False),  # four kept
    (10, 5, True),  # five of each
    (6, 6, True),  # every deadline kept
    (6, 0, True),  # none kept
    (4, 4, False),  # fewer than k deadlines at all
])
def test_a_deadline_share_is_shown_only_when_kept_and_missed_are_each_none_or_at_least_k(
    due: int, kept: int, shown: bool
) -> None:
    # A share and the number of deadlines behind it are two counts: those kept and those
    # missed. Each is a count like any other cell.
    raw = empty_raw()
    raw["deadlines"]["feedback"] = [due, kept]
    expected = {"kept_share": round(kept / due, 2)} if shown else None
    assert deadlines(raw, "feedback", 5) == expected


def test_an_umbrella_hides_a_deadline_share_that_a_member_could_subtract_its_own_from() -> None:
    a, b = empty_raw(), empty_raw()
    a["deadlines"]["feedback"] = [10, 6]  # 4 missed
    b["deadlines"]["feedback"] = [10, 8]  # 2 missed
    raw = combine({1: a, 2: b}, {"acknowledge": {}, "close": {}}, with_top=True)
    assert raw["deadlines"]["feedback"] == [20, 14]
    # 6 missed in all, but the leader of the first member, subtracting its own 4, would
    # learn that the other member missed 2.
    assert deadlines(raw, "feedback", 5) is None
