"""The statistics as plain data: the JSON document and the CSV rows.

Both are built from `insights.statistics.Statistics` only, so they can show nothing the
page does not: suppressed cells are null/empty with `suppressed` true.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from insights import labels, noise
from insights.periods import RELEASE_DELAY_DAYS
from insights.publish import CATEGORIES, DEADLINES, DURATIONS, TABLES
from insights.schemas import StatisticsSchema
from insights.statistics import Figure, Period, Statistics


def _figure(fig: Figure, *, cases: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"value": fig.value, "suppressed": fig.suppressed}
    if cases:
        out["withheld"] = fig.withheld
    return out


def _tables(tables: dict[str, dict[str, Figure]]) -> dict[str, list[dict[str, Any]]]:
    return {
        name: [
            {"category": cat, "label": labels.category(cat), **_figure(tables[name][cat])}
            for cat in CATEGORIES[name]
        ]
        for name in TABLES
    }


def _durations(period: Period) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in DURATIONS:
        d = period.durations.get(name)
        out[name] = None if d is None else {
            "median_days": d["median"], "p90_days": d["p90"],
        }
    return out


def _share(d: dict[str, Any] | None) -> dict[str, Any] | None:
    # Only the share: the number of deadlines (and of durations) behind a figure is
    # never published (releases stored before issue 18 still hold it).
    return None if d is None else {"kept_share": d["kept_share"]}


def document(stats: Statistics) -> dict[str, Any]:
    data = {
        "organisation": {"slug": stats.organisation.slug, "name": stats.organisation.name},
        "scope": stats.scope,
        "member_organisations": stats.members,
        "refused": stats.refused,
        "k": stats.k,
        "release_delay_days": RELEASE_DELAY_DAYS,
        "noise": None if stats.epsilon is None
        else {"mechanism": noise.MECHANISM, "epsilon": stats.epsilon,
              "per": "organisation and year"},
        "generated_on": stats.on,
        "next_release_on": stats.next_release,
        "years": [
            {
                "year": y.year,
                "complete": y.complete,
                "periods": [
                    {
                        "period": p.unit.key,
                        "label": p.label,
                        "grain": p.unit.grain,
                        "starts_on": p.unit.start,
                        "ends_on": p.unit.end,
                        "k": p.k,
                        "cases": _figure(p.total, cases=True),
                        "tables": _tables(p.tables),
                        "durations": _durations(p),
                        "deadlines": {d: _share(p.deadlines.get(d)) for d in DEADLINES},
                    }
                    for p in y.periods
                ],
                "totals": None if y.total is None or y.tables is None else {
                    "cases": _figure(y.total, cases=True),
                    "tables": _tables(y.tables),
                },
            }
            for y in stats.years
        ],
    }
    return StatisticsSchema().dump(data)


CSV_HEADER = ("year", "row", "period", "starts_on", "ends_on", "measure", "category",
              "value", "suppressed")


def _csv_rows(stats: Statistics) -> Iterator[tuple[object, ...]]:
    for y in stats.years:
        for p in y.periods:
            base: tuple[object, ...] = (y.year, "period", p.unit.key, p.unit.start, p.unit.end)
            yield (*base, "cases", "", _v(p.total), _s(p.total))
            for name in TABLES:
                for cat in CATEGORIES[name]:
                    fig = p.tables[name][cat]
                    yield (*base, name, cat, _v(fig), _s(fig))
            for name in DURATIONS:
                d = p.durations.get(name)
                for part in ("median", "p90"):
                    value = None if d is None else d.get(part)
                    yield (*base, f"{name}_days_{part}", "",
                           "" if value is None else value, str(value is None).lower())
            for name in DEADLINES:
                dl = p.deadlines.get(name)
                for part in ("kept_share",):
                    value = None if dl is None else dl.get(part)
                    yield (*base, f"{name}_deadlines_{part}", "",
                           "" if value is None else value, str(value is None).lower())
        if y.total is not None and y.tables is not None:
            base = (y.year, "year_total", str(y.year), f"{y.year}-01-01", f"{y.year}-12-31")
            yield (*base, "cases", "", _v(y.total), _s(y.total))
            for name in TABLES:
                for cat in CATEGORIES[name]:
                    fig = y.tables[name][cat]
                    yield (*base, name, cat, _v(fig), _s(fig))


def _v(fig: Figure) -> object:
    return "" if fig.value is None else fig.value


def _s(fig: Figure) -> str:
    return "true" if fig.suppressed else "false"


def csv_text(stats: Statistics) -> str:
    """Long format, one figure a line; only codes and numbers (no formula can hide in it)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(_csv_rows(stats))
    return buffer.getvalue()
