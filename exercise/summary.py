"""What the shared screen shows of one perspective: counts, median and middle half.

Pure functions on the 1–10 values (no Flask, no database). Quartiles are the common
"inclusive" definition (linear interpolation between order statistics, as spreadsheets'
QUARTILE.INC), so the middle half a group sees is the one they would compute by hand.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

SCALE = range(1, 11)
# A middle half at least this wide (on the 1–10 scale) is marked as disagreement.
WIDE_SPREAD = 4.0


@dataclass(frozen=True)
class Summary:
    n: int
    histogram: tuple[int, ...]
    median: float
    q1: float
    q3: float

    @property
    def wide(self) -> bool:
        return self.q3 - self.q1 >= WIDE_SPREAD

    def as_json(self) -> dict[str, object]:
        return {"n": self.n, "histogram": list(self.histogram), "median": self.median,
                "q1": self.q1, "q3": self.q3, "wide": self.wide}


def histogram(values: Iterable[int]) -> tuple[int, ...]:
    counts = [0] * 10
    for value in values:
        if value not in SCALE:
            raise ValueError(f"value outside 1–10: {value!r}")
        counts[value - 1] += 1
    return tuple(counts)


def _expand(counts: Sequence[int]) -> list[int]:
    return [value for value, count in zip(SCALE, counts, strict=True) for _ in range(count)]


def summarise(counts: Sequence[int]) -> Summary:
    """Summary of a histogram of ten counts (for the values 1…10); needs at least one."""
    if len(counts) != 10 or any(c < 0 for c in counts):
        raise ValueError("a histogram has ten counts, none negative")
    values = _expand(counts)
    if not values:
        raise ValueError("no values to summarise")
    if len(values) == 1:
        q1 = q3 = float(values[0])
    else:
        q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return Summary(len(values), tuple(counts), float(statistics.median(values)),
                   round(q1, 2), round(q3, 2))

