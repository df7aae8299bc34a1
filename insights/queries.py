"""SQL aggregates behind a release: counts only, grouped in the database.

Nothing here reads a case's content or returns a case: every query is a GROUP BY over
organisation and period that yields counts, and the report text, messages and
attachments are never touched. All queries run on SQLite and PostgreSQL.

Attribution (docs/statistics.md):
- a case belongs to the period it was received in; its assessment, aggravating
  circumstances and reactions count as they stood on the period's release date (an
  assessment first recorded after that date counts as "not yet assessed");
- time to acknowledge and to close belong to the period in which the case was
  acknowledged or closed;
- a deadline belongs to the period in which it fell due.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    CTE,
    Date,
    Integer,
    and_,
    case,
    cast,
    extract,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import FunctionElement

from casework.models import Assessment, AssessmentAggravating, Case, CaseReaction
from insights.periods import Unit, quarter_of
from insights.publish import CATEGORIES, NONE, UNASSESSED, Raw, empty_raw


class days_between(FunctionElement[int]):
    """Whole days from the second date to the first."""

    type = Integer()
    inherit_cache = True


@compiles(days_between)
def _days_default(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)})"


@compiles(days_between, "sqlite")
def _days_sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (f"CAST(julianday({compiler.process(later, **kw)}) - "
            f"julianday({compiler.process(earlier, **kw)}) AS INTEGER)")


def quarter_counts(session: Session, org_ids: Sequence[int]) -> dict[int, dict[Unit, int]]:
    """Cases received per organisation and quarter (all time)."""
    year = cast(extract("year", Case.received_on), Integer)
    month = cast(extract("month", Case.received_on), Integer)
    stmt = (
        select(Case.organisation_id, year, month, func.count())
        .where(Case.organisation_id.in_(org_ids))
        .group_by(Case.organisation_id, year, month)
    )
    out: dict[int, dict[Unit, int]] = defaultdict(lambda: defaultdict(int))
    for org_id, y, m, n in session.execute(stmt):
        out[org_id][quarter_of(date(int(y), int(m), 1))] += int(n)
    return out


def _units(units: Sequence[Unit]) -> CTE:
    parts = [
        select(
            literal(i, Integer).label("idx"),
            literal(u.start, Date).label("starts"),
            literal(u.end, Date).label("ends"),
            literal(u.release_on, Date).label("release"),
        )
        for i, u in enumerate(units)
    ]
    if len(parts) == 1:
        return parts[0].cte("units")
    return union_all(*parts).cte("units")


def raw_counts(
    session: Session, org_ids: Sequence[int], units: Sequence[Unit]
) -> dict[int, dict[Unit, Raw]]:
    """The raw counts of every unit, per organisation: {org_id: {unit: raw}}."""
    out: dict[int, dict[Unit, Raw]] = defaultdict(dict)
    if not units or not org_ids:
        return out

    def slot(org_id: int, idx: int) -> Raw:
        unit = units[int(idx)]
        if unit not in out[org_id]:
            out[org_id][unit] = empty_raw()
        return out[org_id][unit]

    u = _units(units)
    in_orgs = Case.organisation_id.in_(org_ids)
    received = Case.received_on.between(u.c.starts, u.c.ends)
    assessed_by_release = and_(
        Assessment.case_id == Case.id, Assessment.assessed_on <= u.c.release
    )

    # Cohort tables: one row per (organisation, period, category).
    columns: dict[str, Any] = {
        "nature": Assessment.nature,
        "level": cast(Assessment.level, Integer),
        "relation": Assessment.relation,
    }
    for name, column in columns.items():
        stmt = (
            select(Case.organisation_id, u.c.idx, column, func.count())
            .select_from(u)
            .join(Case, and_(received, in_orgs))
            .outerjoin(Assessment, assessed_by_release)
            .group_by(Case.organisation_id, u.c.idx, column)
        )
        for org_id, idx, value, n in session.execute(stmt):
            raw = slot(org_id, idx)
            category = UNASSESSED if value is None else str(value)
            raw["tables"][name][category] += int(n)
            if name == "nature":
                raw["total"] += int(n)

    # Multi-valued tables: codes, and how many assessed cases had none.
    multi: dict[str, type[AssessmentAggravating] | type[CaseReaction]] = {
        "aggravating": AssessmentAggravating, "reaction": CaseReaction,
    }
    for name, model in multi.items():
        base = (
            select()
            .select_from(u)
            .join(Case, and_(received, in_orgs))
            .join(Assessment, assessed_by_release)
            .join(model, model.case_id == Assessment.case_id)
        )
        stmt = base.add_columns(Case.organisation_id, u.c.idx, model.code, func.count()).group_by(
            Case.organisation_id, u.c.idx, model.code
        )
        known = set(CATEGORIES[name])
        for org_id, idx, code, n in session.execute(stmt):
            if code in known:
                slot(org_id, idx)["tables"][name][code] += int(n)
        stmt = base.add_columns(
            Case.organisation_id, u.c.idx, func.count(func.distinct(Case.id))
        ).group_by(Case.organisation_id, u.c.idx)
        with_any: dict[tuple[int, int], int] = {
            (org_id, idx): int(n) for org_id, idx, n in session.execute(stmt)
        }
        for org_id, units_raw in out.items():
            for idx, unit in enumerate(units):
                if unit in units_raw:
                    raw = units_raw[unit]
                    total_assessed = raw["total"] - raw["tables"]["nature"][UNASSESSED]
                    raw["tables"][name][NONE] = total_assessed - with_any.get((org_id, idx), 0)

    # Durations by the period of the event.
    events = {"acknowledge": Case.acknowledged_on, "close": Case.closed_on}
    for name, happened in events.items():
        days = days_between(happened, Case.received_on)
        stmt = (
            select(Case.organisation_id, u.c.idx, days, func.count())
            .select_from(u)
            .join(Case, and_(happened.between(u.c.starts, u.c.ends), in_orgs))
            .group_by(Case.organisation_id, u.c.idx, days)
        )
        for org_id, idx, d, n in session.execute(stmt):
            histogram = slot(org_id, idx)["durations"][name]
            histogram[str(int(d))] = histogram.get(str(int(d)), 0) + int(n)

    # Deadlines by the period they fell due in. Feedback counts as given when the first
    # feedback message or the closing came on or before the deadline.
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
        stmt = (
            select(
                Case.organisation_id, u.c.idx, func.count(),
                func.sum(case((kept, 1), else_=0)),
            )
            .select_from(u)
            .join(Case, and_(due.between(u.c.starts, u.c.ends), in_orgs))
            .group_by(Case.organisation_id, u.c.idx)
        )
        for org_id, idx, n, n_kept in session.execute(stmt):
            slot(org_id, idx)["deadlines"][name] = [int(n), int(n_kept or 0)]
    return out


def combine(per_org: dict[int, Raw], *, with_top: bool) -> Raw:
    """Add the organisations' counts; with `with_top`, also keep each cell's largest
    single contribution (for the umbrella's dominance rule)."""
    total = empty_raw()
    top: dict[str, Any] = {
        "total": 0,
        "tables": {t: dict.fromkeys(c, 0) for t, c in CATEGORIES.items()},
        "durations": {"acknowledge": 0, "close": 0},
        "deadlines": {"acknowledge": 0, "feedback": 0},
    }
    for raw in per_org.values():
        total["total"] += raw["total"]
        top["total"] = max(top["total"], raw["total"])
        for name, cats in raw["tables"].items():
            for cat, n in cats.items():
                total["tables"][name][cat] += n
                top["tables"][name][cat] = max(top["tables"][name][cat], n)
        for name, histogram in raw["durations"].items():
            merged = total["durations"][name]
            for d, n in histogram.items():
                merged[d] = merged.get(d, 0) + n
            top["durations"][name] = max(top["durations"][name], sum(histogram.values()))
        for name, (due, kept) in raw["deadlines"].items():
            total["deadlines"][name][0] += due
            total["deadlines"][name][1] += kept
            top["deadlines"][name] = max(top["deadlines"][name], due)
    if with_top:
        total["top"] = top
    return total
