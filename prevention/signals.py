"""Mapping meets cases: mapped relevance per risk factor beside the k-protected count of
assessed cases that name the factor (the assessment's `risk_factors`, design.md §6).

Only counts leave this module, each shown only when it is at least k (the organisation's
`stats_k`); there are no totals, so no suppressed cell can be worked out from the others.
Counts cover whole calendar years that have ended (the last YEARS of them), so a figure
does not change from one day to the next and comparing two visits reveals no new case.
A small organisation (fewer than k assessed cases with any risk factor in the window)
sees its umbrella's figures instead, when it has an umbrella.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accounts.models import Organisation
from prevention.models import Mapping
from prevention.vocabulary import RISK_FACTORS

YEARS = 3
# A factor mapped at this relevance or lower that shows up in at least k cases is flagged.
LOW_RELEVANCE = 1

# (session, organisation ids, first day, last day) -> {factor code: cases naming it}, or
# None when cases do not record risk factors (yet).
CountCases = Callable[[Session, list[int], date, date], dict[str, int] | None]


def case_counts_by_factor(session: Session, org_ids: list[int], first: date,
                          last: date) -> dict[str, int] | None:
    """Assessed cases received between first and last (inclusive) naming each factor.

    Reads the assessment's `risk_factors` relationship (model v2: one row per code with a
    `code` column, like `aggravating`). Returns None while the assessment has no such
    relationship, so the page can say that cases do not record risk factors yet.
    """
    from casework.models import Assessment, Case

    relationship = Assessment.__mapper__.relationships.get("risk_factors")
    if relationship is None:
        return None
    target = relationship.mapper.class_
    link = next(iter(relationship.local_remote_pairs))[1]
    rows = session.execute(
        select(target.code, func.count(func.distinct(Case.id)))
        .join(Assessment, link == Assessment.case_id)
        .join(Case, Case.id == Assessment.case_id)
        .where(Case.organisation_id.in_(org_ids), Case.received_on >= first,
               Case.received_on <= last)
        .group_by(target.code)
    ).all()
    return {code: int(count) for code, count in rows}


@dataclass(frozen=True)
class Row:
    code: str
    label: str
    relevance: int | None
    cases: int | None  # None: hidden (under k) or not recorded
    hidden: bool
    underestimated: bool


@dataclass(frozen=True)
class View:
    rows: list[Row]
    first: date
    last: date
    k: int
    source: str  # "org" | "umbrella" | "too_few" | "not_recorded"
    umbrella: Organisation | None
    mapping: Mapping | None


def window(today: date, years: int = YEARS) -> tuple[date, date]:
    return date(today.year - years, 1, 1), date(today.year - 1, 12, 31)


def build(session: Session, org: Organisation, mapping: Mapping | None, today: date, *,
          count: CountCases = case_counts_by_factor,
          members_of: Callable[[Session, Organisation], Iterable[Organisation]] | None = None,
          ) -> View:
    first, last = window(today)
    k = org.stats_k
    relevance = {f.code: f.relevance for f in mapping.factors} if mapping else {}
    labels = {f.code: f.custom_label for f in mapping.factors} if mapping else {}
    counts = count(session, [org.id], first, last)
    source, umbrella = "org", None
    if counts is None:
        source = "not_recorded"
        counts = {}
    elif sum(counts.values()) < k:
        umbrella = org.umbrella
        if umbrella is not None:
            members = list(members_of(session, umbrella) if members_of else [])
            ids = sorted({umbrella.id, *(m.id for m in members)})
            counts = count(session, ids, first, last) or {}
            k = max(k, umbrella.stats_k)
            source = "umbrella"
        else:
            source = "too_few"
    from prevention.labels import factor as factor_label

    codes = list(RISK_FACTORS) + [c for c in relevance if c not in RISK_FACTORS]
    rows = []
    for code in codes:
        n = counts.get(code, 0)
        shown = source in ("org", "umbrella") and n >= k
        rel = relevance.get(code)
        rows.append(Row(
            code=code, label=factor_label(code, labels.get(code, "")), relevance=rel,
            cases=n if shown else None, hidden=source in ("org", "umbrella") and not shown,
            underestimated=shown and rel is not None and rel <= LOW_RELEVANCE))
    return View(rows, first, last, k, source, umbrella, mapping)
