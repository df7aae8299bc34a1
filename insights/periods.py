"""Calendar periods (quarter, half-year, year) and the release plan.

A period is released only after it has ended and a fixed delay has passed, and what is
released is frozen (insights.releases). The plan decides, year by year, at which grain a
period is released:

- a quarter on its own when it has at least k cases;
- otherwise its half-year, when the half has at least k;
- otherwise the whole year, when neither half could be released on its own;
- a period that cannot be merged any more (its sibling is already out) is released as a
  "withheld" row: it is counted in nothing a leader can see except as "fewer than k".

Every decision looks only at quarters that have ended, so a decision never changes once
made, and units already released are never reconsidered (a later change of k applies to
what is released after it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _

from trygg import clock

# Three months: the default feedback deadline (EU whistleblowing directive practice). By
# then every case received in the period should have been assessed and its reactions
# decided, so the frozen figures are close to final.
RELEASE_DELAY_DAYS = 90

GRAINS = ("quarter", "half", "year")


def today() -> date:
    """The date statistics are computed for (tests replace this function)."""
    return clock.today()


@dataclass(frozen=True, order=True)
class Unit:
    """A calendar period: a quarter (n 1–4), a half-year (n 1–2) or a year (n 1)."""

    year: int
    grain: str
    n: int = 1

    def __post_init__(self) -> None:
        limit = {"quarter": 4, "half": 2, "year": 1}.get(self.grain)
        if limit is None or not 1 <= self.n <= limit:
            raise ValueError(f"no such period: {self.grain} {self.n}")

    @property
    def months(self) -> int:
        return {"quarter": 3, "half": 6, "year": 12}[self.grain]

    @property
    def start(self) -> date:
        return date(self.year, (self.n - 1) * self.months + 1, 1)

    @property
    def end(self) -> date:
        last_month = self.n * self.months
        if last_month == 12:
            return date(self.year, 12, 31)
        return date(self.year, last_month + 1, 1) - timedelta(days=1)

    @property
    def release_on(self) -> date:
        return self.end + timedelta(days=RELEASE_DELAY_DAYS)

    def due(self, on: date) -> bool:
        return self.release_on <= on

    def quarters(self) -> tuple[Unit, ...]:
        first = (self.n - 1) * self.months // 3 + 1
        return tuple(Unit(self.year, "quarter", q) for q in range(first, first + self.months // 3))

    def halves(self) -> tuple[Unit, ...]:
        if self.grain != "year":
            raise ValueError("only a year has halves")
        return (Unit(self.year, "half", 1), Unit(self.year, "half", 2))

    def covers(self, other: Unit) -> bool:
        return self.start <= other.start and other.end <= self.end

    def overlaps(self, other: Unit) -> bool:
        return self.start <= other.end and other.start <= self.end

    @property
    def key(self) -> str:
        """A stable text key: 2025-Q1, 2025-H2, 2025."""
        if self.grain == "quarter":
            return f"{self.year}-Q{self.n}"
        if self.grain == "half":
            return f"{self.year}-H{self.n}"
        return str(self.year)

    @classmethod
    def from_key(cls, key: str) -> Unit:
        year, _sep, part = key.partition("-")
        if not part:
            return cls(int(year), "year")
        grain = {"Q": "quarter", "H": "half"}[part[0]]
        return cls(int(year), grain, int(part[1:]))

    @classmethod
    def from_dates(cls, start: date, grain: str) -> Unit:
        months = {"quarter": 3, "half": 6, "year": 12}[grain]
        return cls(start.year, grain, (start.month - 1) // months + 1)

    def label(self) -> str:
        if self.grain == "quarter":
            return _("Q%(n)d %(year)d", n=self.n, year=self.year)
        if self.grain == "half":
            return _("H%(n)d %(year)d", n=self.n, year=self.year)
        return str(self.year)


def year_unit(year: int) -> Unit:
    return Unit(year, "year")


def quarter_of(day: date) -> Unit:
    return Unit(day.year, "quarter", (day.month - 1) // 3 + 1)


def plan_year(
    year: int, enough: Callable[[Unit], bool], on: date, released: Iterable[Unit]
) -> list[Unit]:
    """The periods of `year` that are due for release on `on` and not yet released.

    `enough(unit)` says whether a unit has at least k cases (for an umbrella: at least k
    outside its largest member). Periods come back in calendar order.

    A year is decided as a whole, once it is due: released early, a quarter could leave
    a small remainder of its year that then has to be withheld — and a withheld period
    hides the year's total with it. So the year is cut into the finest periods that each
    have at least k cases: both halves when both have, each half into its quarters when
    both quarters have; otherwise the year is one period. (Years of which something was
    released under the earlier quarter-by-quarter plan are completed that way.)
    """
    out = [u for u in released if u.year == year]
    if any(u.grain == "year" for u in out):
        return []
    if not out:
        if not year_unit(year).due(on):
            return []
        halves = year_unit(year).halves()
        if not all(enough(h) for h in halves):
            return [year_unit(year)]
        new = []
        for half in halves:
            quarters = half.quarters()
            new += list(quarters) if all(enough(q) for q in quarters) else [half]
        return new
    return _continue_year(year, enough, on, out)


def _continue_year(
    year: int, enough: Callable[[Unit], bool], on: date, out: list[Unit]
) -> list[Unit]:
    """The quarter-by-quarter plan, for a year of which something is out already."""
    new: list[Unit] = []
    deferred: list[Unit] = []
    for half in year_unit(year).halves():
        inside = [u for u in out if half.covers(u)]
        if half in inside:
            continue
        first, second = half.quarters()
        if inside:
            # A quarter of this half is out already: the rest follow quarter by quarter
            # (a half now would give the other quarter away by subtraction).
            new += [q for q in (first, second) if q not in inside and q.due(on)]
            continue
        if first.due(on) and enough(first):
            new.append(first)
            if second.due(on):
                new.append(second)
            continue
        if not half.due(on):
            continue
        if enough(half):
            new.append(half)
        else:
            deferred.append(half)
    if deferred and year_unit(year).due(on):
        if len(deferred) == 2 and not out and not new:
            new.append(year_unit(year))
        else:
            new += deferred
    return sorted(new, key=lambda u: u.start)


def plan(
    first_year: int, enough: Callable[[Unit], bool], on: date, released: Iterable[Unit]
) -> list[Unit]:
    """Every period due on `on` from `first_year` on, in calendar order."""
    done = list(released)
    new: list[Unit] = []
    for year in range(first_year, on.year + 1):
        new += plan_year(year, enough, on, done)
    return new


def year_complete(year: int, released: Iterable[Unit], on: date) -> bool:
    """True when the released periods cover the whole year and its release date passed."""
    units = sorted((u for u in released if u.year == year), key=lambda u: u.start)
    if not units or not year_unit(year).due(on):
        return False
    day = date(year, 1, 1)
    for u in units:
        if u.start != day:
            return False
        day = u.end + timedelta(days=1)
    return day == date(year + 1, 1, 1)
