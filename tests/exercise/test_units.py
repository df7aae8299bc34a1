"""The pure parts: the summary a screen shows, and the axis's geometry."""

from __future__ import annotations

import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exercise import figure
from exercise.summary import histogram, summarise


def test_summary_of_known_answers() -> None:
    s = summarise(histogram([2, 2, 8, 9]))
    assert (s.n, s.median, s.q1, s.q3) == (4, 5.0, 2.0, 8.25)
    assert s.wide
    calm = summarise(histogram([5, 5, 5, 6, 9]))
    assert (calm.median, calm.q1, calm.q3, calm.wide) == (5.0, 5.0, 6.0, False)
    assert summarise(histogram([7])).q1 == summarise(histogram([7])).q3 == 7.0


@pytest.mark.parametrize("bad", [[0], [11], [5, -1]])
def test_values_outside_the_scale_are_refused(bad: list[int]) -> None:
    with pytest.raises(ValueError):
        histogram(bad)


def test_an_empty_or_malformed_histogram_is_refused() -> None:
    with pytest.raises(ValueError):
        summarise([0] * 10)
    with pytest.raises(ValueError):
        summarise([1] * 9)


@given(st.lists(st.integers(min_value=1, max_value=10), min_size=1, max_size=1000))
def test_summary_and_dots_match_the_answers(values: list[int]) -> None:
    s = summarise(histogram(values))
    assert s.n == len(values) and s.median == statistics.median(values)
    assert 1 <= s.q1 <= s.median <= s.q3 <= 10
    layout = figure.layout(s)
    assert sorted(d.value for d in layout.dots) == sorted(values)  # one dot per answer
    for dot in layout.dots:
        # every dot inside its row, and nearer its own value than any other
        assert dot.cy - layout.radius >= figure.DOTS_TOP
        assert dot.cy + layout.radius <= figure.DOTS_TOP + figure.DOTS_HEIGHT + 0.01
        assert abs(dot.cx - figure.x(dot.value)) < figure.STEP / 2
    assert layout.q1_x <= layout.median_x <= layout.q3_x
