"""The handler's inbox: cases sealed to them, with state, age and the next deadline.

Nothing here touches content: the inbox is built from the case row alone.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import case as sql_case
from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from accounts.models import Membership
from casework.models import Case, CaseHandler
from casework.states import Deadline, deadline_sql, next_deadline
from casework.vocabulary import STATES

PER_PAGE = 25
MAX_PAGE = 1_000_000  # far past any real inbox; keeps the OFFSET a small integer
SORTS = ("deadline", "newest", "oldest", "state")
FILTERS = ("open", "all", *STATES)


@dataclass(frozen=True)
class Row:
    case: Listed
    deadline: Deadline | None
    age_days: int
    overdue: bool
    soon: bool


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    total: int
    page: int
    pages: int
    state: str
    sort: str
    counts: dict[str, int]


@dataclass(frozen=True)
class Listed:
    """What the inbox knows about a case: the case row's workflow columns, nothing sealed."""

    id: int
    public_id: uuid.UUID
    state: str
    received_on: date
    acknowledge_by: date
    feedback_by: date
    feedback_on: date | None
    closed_on: date | None
    purged_on: date | None


COLUMNS = ("id", "public_id", "state", "received_on", "acknowledge_by", "feedback_by",
           "feedback_on", "closed_on", "purged_on")


def _order(sort: str, c: Any) -> list[Any]:
    if sort == "newest":
        return [c.received_on.desc(), c.id.desc()]
    if sort == "oldest":
        return [c.received_on.asc(), c.id.asc()]
    if sort == "state":
        ranks = {s: i for i, s in enumerate(STATES)}
        return [sql_case(ranks, value=c.state), c.received_on.asc(), c.id.asc()]
    # Soonest deadline first; cases without one (closed, or feedback given) last.
    return [c.due.is_(None), c.due.asc(), c.received_on.asc(), c.id.asc()]


def inbox(
    session: Session,
    membership: Membership,
    *,
    state: str = "open",
    sort: str = "deadline",
    page: int = 1,
    per_page: int = PER_PAGE,
    on: date,
) -> Page:
    """One page of the handler's cases, with the totals, in a single pass over their cases:
    window counts over all of them, then the filter, the sort and the page."""
    state = state if state in FILTERS else "open"
    sort = sort if sort in SORTS else "deadline"
    is_open = Case.state != "closed"
    shown = is_open if state == "open" else (
        Case.state == state if state != "all" else literal(True))
    due = deadline_sql()
    inner = (
        select(
            *(getattr(Case, name) for name in COLUMNS),
            due.label("due"),
            shown.label("shown"),
            func.count().filter(shown).over().label("total"),
            func.count().filter(is_open).over().label("open_count"),
            func.count().filter(is_open & (due < on)).over().label("overdue"),
        )
        .join(CaseHandler, CaseHandler.case_id == Case.id)
        .where(CaseHandler.membership_id == membership.id,
               Case.organisation_id == membership.organisation_id)
        .subquery()
    )
    c = inner.c

    def fetch(number: int) -> list[Any]:
        return list(session.execute(
            select(inner).where(c.shown.is_(True)).order_by(*_order(sort, c))
            .limit(per_page).offset((number - 1) * per_page)
        ))

    page = min(max(1, page), MAX_PAGE)  # an absurd ?page= must not overflow the OFFSET
    found = fetch(page)
    if found:
        total, open_count, overdue = found[0].total, found[0].open_count, found[0].overdue
    else:  # past the last page, or nothing to show: the totals alone
        first = session.execute(select(c.total, c.open_count, c.overdue).limit(1)).first()
        total, open_count, overdue = first if first is not None else (0, 0, 0)
    pages = max(1, math.ceil(total / per_page))
    if not found and total and page > pages:
        page = pages
        found = fetch(page)
    rows = []
    for r in found:
        case = Listed(*(getattr(r, name) for name in COLUMNS))
        deadline = next_deadline(case)
        rows.append(Row(case, deadline, (on - case.received_on).days,
                        bool(deadline and deadline.overdue(on)),
                        bool(deadline and deadline.soon(on))))
    return Page(rows, total, min(page, pages), pages, state, sort,
                {"open": open_count, "overdue": overdue})
