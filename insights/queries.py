"""SQL aggregates behind a release: counts only, grouped in the database.

Nothing here reads a case's content or returns a case: every query is a GROUP BY over
organisation and period that yields counts, and the report text, messages and
attachments are never touched. All queries run on SQLite and PostgreSQL.

Attribution (docs/statistics.md):
- a case belongs to the period it was received in; its assessment, aggravating
  circumstances and reactions count as they stood on the period's release date (an
  assessment first recorded after that date counts as "not yet assessed");
- time to acknowledge and to close, and the deadlines, belong to the period the case was
  received in too, counting what had happened (or fallen due) by the release date.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Integer, and_, case, exists, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import FunctionElement

from casework.models import Assessment, AssessmentAggravating, Case, EmployerAction
from insights.periods import RELEASE_DELAY_DAYS, Unit
from insights.publish import ANY, CATEGORIES, NONE, UNASSESSED, Raw, empty_raw


def _sql(compiler: SQLCompiler, element: FunctionElement[Any], **kw: Any) -> list[str]:
    return [compiler.process(clause, **kw) for clause in element.clauses]


def _quarter_sql(sqlite: bool, day: str) -> str:
    if sqlite:
        return (f"(CAST(STRFTIME('%Y', {day}) AS INTEGER) * 4 + "
                f"(CAST(STRFTIME('%m', {day}) AS INTEGER) - 1) / 3)")
    return (f"(CAST(EXTRACT(YEAR FROM {day}) AS INTEGER) * 4 + "
            f"(CAST(EXTRACT(MONTH FROM {day}) AS INTEGER) - 1) / 3)")


class days_between(FunctionElement[int]):
    """Whole days from the second date to the first."""

    type = Integer()
    inherit_cache = True


@compiles(days_between)
def _days(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = _sql(compiler, element, **kw)
    if compiler.dialect.name == "sqlite":
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"
    return f"({later} - {earlier})"


class quarter_index(FunctionElement[int]):
    """year · 4 + quarter − 1 of a date: consecutive quarters get consecutive numbers."""

    type = Integer()
    inherit_cache = True


@compiles(quarter_index)
def _quarter(element: quarter_index, compiler: SQLCompiler, **kw: Any) -> str:
    (day,) = _sql(compiler, element, **kw)
    return _quarter_sql(compiler.dialect.name == "sqlite", day)


class release_lag(FunctionElement[int]):
    """quarter_index(assessed_on − delay) − quarter_index(received_on).

    An assessment counts in the release of a period that ends with quarter q + j (q: the
    case's own quarter) exactly when assessed_on ≤ end(q + j) + delay, that is when
    quarter_index(assessed_on − delay) ≤ q + j, that is when this lag ≤ j. Grouping by
    the lag keeps the queries free of per-period CASE expressions.
    """

    type = Integer()
    inherit_cache = True


@compiles(release_lag)
def _lag(element: release_lag, compiler: SQLCompiler, **kw: Any) -> str:
    assessed, received = _sql(compiler, element, **kw)
    sqlite = compiler.dialect.name == "sqlite"
    delay = int(RELEASE_DELAY_DAYS)
    shifted = f"date({assessed}, '-{delay} days')" if sqlite else f"({assessed} - {delay})"
    return f"({_quarter_sql(sqlite, shifted)} - {_quarter_sql(sqlite, received)})"


def _unit(index: int) -> Unit:
    return Unit(index // 4, "quarter", index % 4 + 1)


def _index(unit: Unit) -> int:
    return unit.year * 4 + unit.n - 1 if unit.grain == "quarter" else _index(unit.quarters()[0])


def quarter_counts(
    session: Session, org_ids: Sequence[int], fold: int | None = None
) -> dict[int, dict[Unit, int]]:
    """Cases received per organisation and quarter (all time); with `fold` (a quarter
    index), cases received before that quarter count in it."""
    q = quarter_index(Case.received_on)
    stmt = (
        select(Case.organisation_id, q, func.count())
        .where(Case.organisation_id.in_(org_ids))
        .group_by(Case.organisation_id, q)
    )
    out: dict[int, dict[Unit, int]] = defaultdict(lambda: defaultdict(int))
    for org_id, index, n in session.execute(stmt):
        out[org_id][_unit(max(int(index), fold if fold is not None else int(index)))] += int(n)
    return out


Histograms = dict[Unit, dict[str, dict[str, int]]]


def raw_counts(
    session: Session, org_ids: Sequence[int], units: Sequence[Unit], fold: int | None = None
) -> tuple[dict[int, dict[Unit, Raw]], Histograms]:
    """The raw counts of every unit per organisation ({org_id: {unit: raw}}), and the
    durations' histograms per unit over all the organisations together.

    Every query groups by quarter (an arithmetic expression, no per-unit CASE) and
    Python folds the quarters into the units; the per-organisation raws also carry the
    number of durations behind each histogram ("durations_n") for the dominance rule.
    With `fold` (the first quarter on the page), a case received before it counts as
    received in it: a case dated before the organisation's first year adds no year.
    """
    out: dict[int, dict[Unit, Raw]] = defaultdict(dict)
    histograms: Histograms = defaultdict(lambda: {"acknowledge": {}, "close": {}})
    if not units or not org_ids:
        return out, histograms
    # quarter index → (the unit it belongs to, how many quarters until the unit ends)
    place: dict[int, tuple[Unit, int]] = {}
    for unit in units:
        quarters = [_index(q) for q in unit.quarters()]
        for q in quarters:
            place[q] = (unit, quarters[-1] - q)
    first = min(u.start for u in units)
    last = max(u.end for u in units)

    def slot(org_id: int, unit: Unit) -> Raw:
        if unit not in out[org_id]:
            out[org_id][unit] = empty_raw()
            out[org_id][unit]["durations_n"] = {"acknowledge": 0, "close": 0}
        return out[org_id][unit]

    in_orgs = Case.organisation_id.in_(org_ids)
    received_q = quarter_index(Case.received_on)
    folding = fold is not None and fold in place
    cohort = and_(in_orgs, Case.received_on <= last if folding
                  else Case.received_on.between(first, last))
    lag = release_lag(Assessment.assessed_on, Case.received_on)

    def counted(q: int, lag_value: int | None) -> tuple[Unit, bool] | None:
        """The case's unit, and whether its assessment counts there (None: not released)."""
        if folding and fold is not None and q < fold:
            # Lags count from the quarter the case is folded into.
            q, lag_value = fold, None if lag_value is None else int(lag_value) - (fold - q)
        if q not in place:
            return None
        unit, remaining = place[q]
        return unit, lag_value is not None and int(lag_value) <= remaining

    # Cohort tables in one pass: (organisation, quarter, lag, nature, level, relation,
    # has a circumstance, has a reaction) counts. Distinct combinations are few, and one
    # scan with two index probes per case beats a scan per table.
    has = {
        "aggravating": exists().where(AssessmentAggravating.case_id == Case.id),
        # What the employer did, not what the handler recommended (design.md section 6).
        "reaction": exists().where(EmployerAction.case_id == Case.id),
    }
    keys = (Case.organisation_id, received_q, lag, Assessment.nature, Assessment.level,
            Assessment.relation, has["aggravating"], has["reaction"])
    cohort_stmt = (
        select(*keys, func.count())
        .select_from(Case)
        .outerjoin(Assessment, Assessment.case_id == Case.id)
        .where(cohort)
        .group_by(*keys)
    )
    with_any: dict[tuple[int, Unit, str], int] = defaultdict(int)
    rows: Any = session.execute(cohort_stmt)
    for org_id, q, lag_value, nature, level, relation, any_agg, any_react, n in rows:
        found = counted(int(q), lag_value)
        if found is None:
            continue
        unit, counts = found
        raw = slot(org_id, unit)
        raw["total"] += int(n)
        for name, value in (("nature", nature), ("level", level), ("relation", relation)):
            category = str(value) if counts and value is not None else UNASSESSED
            raw["tables"][name][category] += int(n)
        if counts and nature is not None:
            with_any[(org_id, unit, "aggravating")] += int(n) if any_agg else 0
            with_any[(org_id, unit, "reaction")] += int(n) if any_react else 0

    # Multi-valued tables: the codes; "none" is the assessed cases without any.
    multi: dict[str, type[AssessmentAggravating] | type[EmployerAction]] = {
        "aggravating": AssessmentAggravating, "reaction": EmployerAction,
    }
    for name, model in multi.items():
        stmt: Any = (
            select(Case.organisation_id, received_q, lag, model.code, func.count())
            .select_from(Case)
            .join(Assessment, Assessment.case_id == Case.id)
            .join(model, model.case_id == Assessment.case_id)
            .where(cohort)
            .group_by(Case.organisation_id, received_q, lag, model.code)
        )
        known = set(CATEGORIES[name])
        for org_id, q, lag_value, code, n in session.execute(stmt):
            found = counted(int(q), lag_value)
            if found is not None and found[1] and code in known:
                slot(org_id, found[0])["tables"][name][code] += int(n)
        for org_id, units_raw in out.items():
            for unit, raw in units_raw.items():
                total_assessed = raw["total"] - raw["tables"]["nature"][UNASSESSED]
                raw["tables"][name][NONE] = total_assessed - with_any[(org_id, unit, name)]
                raw["tables"][name][ANY] = with_any[(org_id, unit, name)]

    # Durations and deadlines belong to the period the case was received in, like every
    # other figure, and count what had happened by the period's release date: a case
    # that spills into the next quarter stays in its own period (issue 18).
    events = {"acknowledge": Case.acknowledged_on, "close": Case.closed_on}
    for name, happened in events.items():
        days = days_between(happened, Case.received_on)
        when = release_lag(happened, Case.received_on)
        stmt = (
            select(Case.organisation_id, received_q, when, days, func.count())
            .where(cohort, happened.is_not(None))
            .group_by(Case.organisation_id, received_q, when, days)
        )
        for org_id, q, lag_value, d, n in session.execute(stmt):
            found = counted(int(q), lag_value)
            if found is None or not found[1]:
                continue
            histogram = histograms[found[0]][name]
            histogram[str(int(d))] = histogram.get(str(int(d)), 0) + int(n)
            slot(org_id, found[0])["durations_n"][name] += int(n)

    # Deadlines that fell due by the release date. Feedback counts as given when the
    # first feedback message or the closing came on or before the deadline.
    kept_rules = {
        "acknowledge": (
            Case.acknowledge_by,
            and_(Case.acknowledged_on.is_not(None), Case.acknowledged_on <= Case.acknowledge_by),
        ),
        "feedback": (
            Case.feedback_by,
            or_(
                and_(Case.feedback_on.is_not(None), Case.feedback_on <= Case.feedback_by),
                and_(Case.closed_on.is_not(None), Case.closed_on <= Case.feedback_by),
            ),
        ),
    }
    for name, (due, kept) in kept_rules.items():
        when = release_lag(due, Case.received_on)
        stmt = (
            select(Case.organisation_id, received_q, when, func.count(),
                   func.sum(case((kept, 1), else_=0)))
            .where(cohort)
            .group_by(Case.organisation_id, received_q, when)
        )
        for org_id, q, lag_value, n, n_kept in session.execute(stmt):
            found = counted(int(q), lag_value)
            if found is None or not found[1]:
                continue
            tally = slot(org_id, found[0])["deadlines"][name]
            tally[0] += int(n)
            tally[1] += int(n_kept or 0)
    return out, histograms


def combine(
    per_org: dict[int, Raw],
    histograms: dict[str, dict[str, int]],
    *,
    with_top: bool,
    largest: int = 1,
) -> Raw:
    """Add the organisations' counts and attach the unit's duration histograms; with
    `with_top`, also keep for each cell the sum of its `largest` biggest contributions
    (the umbrella's (n, k) dominance rule: n is the most members one person can see
    into, and what they could subtract)."""
    total = empty_raw()
    parts: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for raw in per_org.values():
        total["total"] += raw["total"]
        parts[("total",)].append(raw["total"])
        for name, cats in raw["tables"].items():
            for cat, n in cats.items():
                total["tables"][name][cat] = total["tables"][name].get(cat, 0) + n
                parts[("tables", name, cat)].append(n)
        for name, n in raw.get("durations_n", {}).items():
            parts[("durations", name)].append(n)
        for name, (due, kept) in raw["deadlines"].items():
            total["deadlines"][name][0] += due
            total["deadlines"][name][1] += kept
            for part, n in (("due", due), ("kept", kept), ("missed", due - kept)):
                parts[("deadlines", name, part)].append(n)
    total["durations"] = {name: dict(h) for name, h in histograms.items()}
    if with_top:
        top: dict[str, Any] = {"total": 0, "tables": {}, "durations": {}, "deadlines": {}}
        for path, values in parts.items():
            node = top
            for key in path[:-1]:
                node = node.setdefault(key, {})
            node[path[-1]] = sum(sorted(values, reverse=True)[:largest])
        total["top"] = top
    return total
