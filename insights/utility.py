"""How much the protection leaves a leader: a measure for the benchmark and the tests.

Reads the frozen releases with their stored counts (true counts when no noise is
configured) and tells how many of the non-zero counts are shown, and whether each
complete year's case total is. Never used to build a page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from accounts.models import Organisation
from insights import releases
from insights.publish import CATEGORIES, TABLES, cell


@dataclass
class Utility:
    nonzero: int = 0  # non-zero counts in every released period and year total
    shown: int = 0  # of which shown
    years: dict[int, tuple[int, bool]] = field(default_factory=dict)  # year: (cases, shown)

    def add(self, other: Utility) -> None:
        self.nonzero += other.nonzero
        self.shown += other.shown

    @property
    def share(self) -> float:
        return self.shown / self.nonzero if self.nonzero else 0.0

    def totals_missing(self, k: int) -> list[int]:
        """Complete years with at least k cases whose total is not shown."""
        return [y for y, (n, shown) in self.years.items() if n >= k and not shown]


def measure(session: Session, org: Organisation, scope: str = "org") -> Utility:
    out = Utility()
    found = releases.releases(session, org, scope)
    whole_years = {r.starts_on.year for r in found if r.kind == "period" and r.grain == "year"}
    for release in found:
        hidden = release.shown["hidden"]
        if release.kind == "year":
            out.years[release.starts_on.year] = (int(release.raw["total"]), not hidden["total"])
            if release.starts_on.year in whole_years:
                continue  # the same figures as the year's one period
        raw = release.raw
        cells = [(int(raw["total"]), bool(hidden["total"]))]
        for name in TABLES:
            hidden_here = set(hidden.get(name, CATEGORIES[name]))
            cells += [(cell(raw, name, c), c in hidden_here) for c in CATEGORIES[name]]
        for value, suppressed in cells:
            if value > 0:
                out.nonzero += 1
                out.shown += not suppressed
    return out
