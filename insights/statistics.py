"""The statistics a leader sees, built from frozen releases only.

This is the one place where released figures are read back: a suppressed cell comes out
as `Figure(None, suppressed=True)` and its value never leaves this module. With noise on,
the stored values are the noisy ones (drawn once, at release: insights.noise).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from accounts.models import Organisation
from insights import releases
from insights.models import StatsRelease
from insights.periods import RELEASE_DELAY_DAYS, Unit, year_unit
from insights.publish import CATEGORIES, DEADLINES, DURATIONS, TABLES


@dataclass(frozen=True)
class Figure:
    """A released count, or a suppressed one (value None)."""

    value: int | None
    suppressed: bool = False
    withheld: bool = False  # a period under k: the count is "fewer than k"
    k: int | None = None  # for a withheld period: the k it was released under


@dataclass
class Period:
    unit: Unit
    total: Figure
    tables: dict[str, dict[str, Figure]]
    durations: dict[str, dict[str, Any] | None]
    deadlines: dict[str, dict[str, Any] | None]
    k: int = 5  # the threshold the period was released under

    @property
    def withheld(self) -> bool:
        return self.total.withheld

    @property
    def label(self) -> str:
        return self.unit.label()


@dataclass
class Year:
    year: int
    periods: list[Period]
    total: Figure | None = None  # once the year is complete
    tables: dict[str, dict[str, Figure]] | None = None

    @property
    def complete(self) -> bool:
        return self.total is not None


@dataclass
class Statistics:
    organisation: Organisation
    scope: str
    k: int
    epsilon: float | None
    on: date
    members: int | None = None
    years: list[Year] = field(default_factory=list)
    # An umbrella view refused to this viewer: they hold roles in more members than its
    # figures were protected for (the (n, k) rule), so they could subtract them.
    refused: bool = False

    @property
    def periods(self) -> list[Period]:
        return [p for y in self.years for p in y.periods]

    @property
    def next_release(self) -> date:
        """The next date new figures can appear (a year's end plus the delay)."""
        years = (year_unit(y) for y in range(self.on.year - 1, self.on.year + 2))
        return min(y.release_on for y in years if y.release_on > self.on)

    def year(self, year: int) -> Year | None:
        return next((y for y in self.years if y.year == year), None)


def build(
    session: Session, org: Organisation, scope: str, on: date, viewer: int | None = None
) -> Statistics:
    """Freeze whatever is due, then read the releases back for display (to `viewer`, a
    person's id, when the view is for someone in particular)."""
    releases.release_due(session, org, scope, on)
    config = current_app.config["TRYGG"]
    epsilon = config.stats_epsilon
    stats = Statistics(organisation=org, scope=scope, k=org.stats_k, epsilon=epsilon, on=on)
    if scope == "members":
        members = releases.members_of(session, org)
        stats.members = len(members)
        if viewer is not None:
            sees = releases.seen_members(session, [m.id for m in members], viewer)
            protected = [int(r.shown.get("largest", 1))
                         for r in releases.releases(session, org, scope)]
            if protected and sees > min(protected):
                stats.refused = True
                return stats
    years: dict[int, Year] = {}
    for release in releases.releases(session, org, scope):
        y = years.setdefault(release.starts_on.year, Year(release.starts_on.year, []))
        if release.kind == "year":
            y.total, y.tables = _figures(release)
        else:
            total, tables = _figures(release)
            y.periods.append(Period(
                unit=Unit.from_dates(release.starts_on, release.grain),
                total=total, tables=tables,
                durations={d: release.shown.get("durations", {}).get(d) for d in DURATIONS},
                deadlines={d: release.shown.get("deadlines", {}).get(d) for d in DEADLINES},
                k=release.k,
            ))
    stats.years = [years[y] for y in sorted(years)]
    for y in stats.years:
        y.periods.sort(key=lambda p: p.unit.start)
    return stats


def _figures(release: StatsRelease) -> tuple[Figure, dict[str, dict[str, Figure]]]:
    hidden = release.shown["hidden"]
    withheld = bool(hidden.get("withheld", False))
    if hidden["total"]:
        total = Figure(None, suppressed=True, withheld=withheld, k=release.k)
    else:
        total = Figure(int(release.raw["total"]))
    tables: dict[str, dict[str, Figure]] = {}
    for name in TABLES:
        gone = set(hidden.get(name, CATEGORIES[name]))
        tables[name] = {}
        for cat in CATEGORIES[name]:
            if cat in gone or cat not in release.raw["tables"][name]:
                tables[name][cat] = Figure(None, suppressed=True)
            else:
                value = release.raw["tables"][name][cat]
                tables[name][cat] = Figure(int(value))
    return total, tables


__all__ = ["RELEASE_DELAY_DAYS", "Figure", "Period", "Statistics", "Year", "build"]
