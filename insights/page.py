"""What the dashboard template needs: the selected year, its tables and the charts."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import format_date
from flask_babel import gettext as _
from markupsafe import Markup

from insights import labels
from insights.charts import Series, bar_chart
from insights.publish import CATEGORIES, DEADLINES, DURATIONS, PARTITION, TABLES
from insights.statistics import Figure, Period, Statistics, Year


def figure_text(fig: Figure, k: int) -> str:
    if fig.value is not None:
        return str(fig.value)
    if fig.withheld:
        return _("fewer than %(k)d", k=fig.k or k)
    return _("hidden")


@dataclass
class TableView:
    name: str
    title: str
    hint: str
    categories: list[tuple[str, str]]
    periods: list[Period]
    totals: dict[str, Figure] | None
    partition: bool
    chart: Markup
    chart_source: str


@dataclass
class PageView:
    years: list[int]
    next_release: str
    selected: Year | None = None
    trend: Markup | None = None
    tables: list[TableView] = field(default_factory=list)
    deadlines_chart: Markup | None = None
    durations: tuple[str, ...] = DURATIONS
    deadlines: tuple[str, ...] = DEADLINES


def build(stats: Statistics, wanted: int | None) -> PageView:
    view = PageView(
        years=[y.year for y in stats.years],
        next_release=format_date(stats.next_release, "long"),
    )
    if not stats.years:
        return view
    view.selected = stats.year(wanted) if wanted is not None else None
    if view.selected is None:
        view.selected = stats.years[-1]
    view.trend = _trend(stats)
    for name in TABLES:
        view.tables.append(_table(stats, view.selected, name))
    view.deadlines_chart = _deadlines_chart(stats, view.selected)
    return view


def _trend(stats: Statistics) -> Markup:
    periods = stats.periods
    values = [p.total.value for p in periods]
    texts = [figure_text(p.total, stats.k) for p in periods]
    return bar_chart(
        "chart-cases",
        _("Cases per period"),
        _("Bar chart of the number of cases received in each released period."),
        [p.label for p in periods],
        [Series(_("Cases"), values, texts)],
    )


def _table(stats: Statistics, year: Year, name: str) -> TableView:
    cats = [(c, labels.category(c)) for c in CATEGORIES[name]]
    if year.complete and year.tables is not None:
        source = year.tables[name]
        source_label = _("The whole of %(year)d", year=year.year)
    else:
        source = year.periods[-1].tables[name]
        source_label = year.periods[-1].label
    title = labels.table_title(name)
    chart = bar_chart(
        f"chart-{name}",
        f"{title}, {source_label}",
        _("Bar chart of the number of cases in each category."),
        [label for _c, label in cats],
        [Series(_("Cases"), [source[c].value for c, _l in cats],
                [figure_text(source[c], stats.k) for c, _l in cats])],
    )
    return TableView(
        name=name,
        title=title,
        hint=str(labels.TABLE_HINTS[name]),
        categories=cats,
        periods=year.periods,
        totals=year.tables[name] if year.tables is not None else None,
        partition=name in PARTITION,
        chart=chart,
        chart_source=source_label,
    )


def _deadlines_chart(stats: Statistics, year: Year) -> Markup:
    series = []
    for kind in DEADLINES:
        values: list[float | None] = []
        texts: list[str] = []
        for p in year.periods:
            d = p.deadlines.get(kind)
            if d is None:
                values.append(None)
                texts.append(_("too few"))
            else:
                percent = round(d["kept_share"] * 100)
                values.append(percent)
                texts.append(f"{percent} %")
        series.append(Series(str(labels.DEADLINE_TITLES[kind]), values, texts))
    return bar_chart(
        "chart-deadlines",
        _("Deadlines kept, %(year)d", year=year.year),
        _("Bar chart of the share of deadlines kept in each period, in per cent."),
        [p.label for p in year.periods],
        series,
        maximum=100,
    )
