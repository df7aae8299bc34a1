"""Periods, their release dates, and the plan that coarsens small periods."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from insights.periods import (
    RELEASE_DELAY_DAYS,
    Unit,
    plan,
    quarter_of,
    year_complete,
    year_unit,
)


def test_units_know_their_dates_and_keys() -> None:
    q = Unit(2025, "quarter", 4)
    assert (q.start, q.end) == (date(2025, 10, 1), date(2025, 12, 31))
    assert q.release_on == date(2025, 12, 31) + timedelta(days=RELEASE_DELAY_DAYS)
    assert Unit(2024, "quarter", 1).end == date(2024, 3, 31)
    assert Unit(2024, "half", 1).end == date(2024, 6, 30)
    assert [u.key for u in year_unit(2025).halves()] == ["2025-H1", "2025-H2"]
    assert [u.key for u in Unit(2025, "half", 2).quarters()] == ["2025-Q3", "2025-Q4"]
    for key in ("2025-Q3", "2025-H1", "2025"):
        assert Unit.from_key(key).key == key
    assert Unit.from_dates(date(2025, 7, 1), "half") == Unit(2025, "half", 2)
    assert quarter_of(date(2025, 5, 17)) == Unit(2025, "quarter", 2)


def _counts(**per_quarter: int) -> dict[Unit, int]:
    return {Unit.from_key(k.replace("_", "-")): v for k, v in per_quarter.items()}


def _enough(counts: dict[Unit, int], k: int = 5):  # type: ignore[no-untyped-def]
    return lambda unit: sum(counts.get(q, 0) for q in unit.quarters()) >= k


def test_a_year_waits_until_it_is_due_then_busy_quarters_go_out_together() -> None:
    counts = _counts(**{"2025_Q1": 8, "2025_Q2": 9, "2025_Q3": 7, "2025_Q4": 12})
    assert plan(2025, _enough(counts), Unit(2025, "quarter", 1).release_on, []) == []
    assert plan(2025, _enough(counts), year_unit(2025).release_on - timedelta(days=1), []) == []
    late = plan(2025, _enough(counts), year_unit(2025).release_on, [])
    assert [u.key for u in late] == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]


def test_a_small_quarter_is_merged_into_its_half_not_withheld() -> None:
    counts = _counts(**{"2025_Q1": 8, "2025_Q2": 1, "2025_Q3": 6, "2025_Q4": 7})
    on = year_unit(2025).release_on
    assert [u.key for u in plan(2025, _enough(counts), on, [])] == [
        "2025-H1", "2025-Q3", "2025-Q4"]


def test_a_quiet_year_is_released_as_one_period() -> None:
    counts = _counts(**{"2024_Q1": 1, "2024_Q2": 1, "2024_Q3": 2, "2024_Q4": 1})
    on = year_unit(2024).release_on
    assert [u.key for u in plan(2024, _enough(counts), on, [])] == ["2024"]
    assert plan(2024, _enough(counts), on - timedelta(days=1), []) == []


def test_a_small_half_makes_the_year_one_period() -> None:
    # v1 released H2's quarters early and then had to withhold H1 (and the year total).
    counts = _counts(**{"2024_Q1": 1, "2024_Q2": 2, "2024_Q3": 9, "2024_Q4": 1})
    on = year_unit(2024).release_on
    assert [u.key for u in plan(2024, _enough(counts), on, [])] == ["2024"]


def test_a_year_started_under_the_quarterly_plan_is_completed_by_it() -> None:
    counts = _counts(**{"2025_Q1": 6, "2025_Q2": 6, "2025_Q3": 1, "2025_Q4": 9})
    first = [Unit(2025, "quarter", 1)]  # released by v1, quarter by quarter
    # k is raised to 10 meanwhile: Q1 stays as released, Q2 follows it alone, H2 merges.
    later = plan(2025, _enough(counts, 10), year_unit(2025).release_on, first)
    assert [u.key for u in later] == ["2025-Q2", "2025-H2"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(0, 9), min_size=8, max_size=8),
    st.integers(3, 7),
    st.lists(st.integers(0, 800), min_size=1, max_size=6),
)
def test_releases_tile_time_and_never_change(
    quarters: list[int], k: int, steps: list[int]
) -> None:
    """Viewing on any sequence of days gives disjoint periods that never change, and by
    the end every past year is covered exactly."""
    counts = {Unit(2024 + i // 4, "quarter", i % 4 + 1): n for i, n in enumerate(quarters)}
    enough = _enough(counts, k)
    released: list[Unit] = []
    day = date(2024, 1, 1)
    for step in [*sorted(steps), 1200]:
        on = day + timedelta(days=step)
        new = plan(2024, enough, on, released)
        for unit in new:
            assert unit.due(on)
            assert not any(unit.overlaps(r) for r in released)
        released += new
    for year in (2024, 2025):
        assert year_complete(year, released, date(2027, 6, 1))
        mine = [u for u in released if u.year == year]
        for unit in mine:
            # Every period has at least k cases, unless the year is one period; a merged
            # period exists only because a part of it was small.
            assert enough(unit) or unit.grain == "year"
            if unit.grain == "half":
                assert not all(enough(q) for q in unit.quarters())
            if unit.grain == "year":
                assert not all(enough(h) for h in unit.halves())
