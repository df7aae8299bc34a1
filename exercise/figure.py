"""Geometry of the shared screen's axis: one dot per answer, the middle half, the median.

Pure layout for an SVG drawn by the template (CSP allows no inline style, so positions
are SVG attributes). The axis runs from 1 («Ikke OK») on the left to 10 («OK») on the
right, the same scale for every perspective, so that rows stacked under each other show
the same act move with the relation. Dots of one value fill a small grid centred on it;
the dot size shrinks so that even 1 000 identical answers stay inside their row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from exercise.summary import Summary

WIDTH = 1400
LEFT = 60
STEP = (WIDTH - 2 * LEFT) / 9  # between two values on the axis
DOTS_TOP = 10
DOTS_HEIGHT = 110
AXIS_Y = DOTS_TOP + DOTS_HEIGHT + 14
HEIGHT = AXIS_Y + 46
CELL = STEP * 0.86  # the width a value's dots may use


def x(value: float) -> float:
    return round(LEFT + (value - 1) * STEP, 1)


@dataclass(frozen=True)
class Dot:
    value: int
    cx: float
    cy: float


@dataclass(frozen=True)
class Layout:
    dots: list[Dot]
    radius: float
    q1_x: float
    q3_x: float
    median_x: float


def _radius(most: int) -> float:
    for r in (11.0, 9.0, 7.0, 5.5, 4.5, 3.5, 2.75, 2.0, 1.5, 1.0):
        d = 2 * r + 1.5
        per_row = max(1, math.floor(CELL / d))
        if math.ceil(most / per_row) * d <= DOTS_HEIGHT:
            return r
    return 0.75


def layout(summary: Summary) -> Layout:
    r = _radius(max(summary.histogram))
    d = 2 * r + 1.5
    per_row = max(1, math.floor(CELL / d))
    dots = []
    for value, count in enumerate(summary.histogram, start=1):
        used = min(count, per_row)
        for i in range(count):
            row, col = divmod(i, per_row)
            # centre each row of dots on the value; rows grow upwards from the axis
            offset = (col - (used - 1) / 2) * d
            dots.append(Dot(value, round(x(value) + offset, 1),
                            round(DOTS_TOP + DOTS_HEIGHT - r - row * d, 1)))
    return Layout(dots, r, x(summary.q1), x(summary.q3), x(summary.median))


TICKS = [(v, x(v)) for v in range(1, 11)]
