"""The handler's inbox: cases sealed to them, with state, age and the next deadline.

Nothing here touches content: the inbox is built from the case row alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, load_only

from accounts.models import Membership
from casework.models import Case, CaseHandler
from casework.states import Deadline, deadline_sql, next_deadline
from casework.vocabulary import STATES

PER_PAGE = 25
LISTED = (Case.id, Case.public_id, Case.organisation_id, Case.state, Case.received_on,
          Case.acknowledge_by, Case.feedback_by, Case.feedback_on, Case.closed_on,
          Case.purged_on)
SORTS = ("deadline", "newest", "oldest", "state")
FILTERS = ("open", "all", *STATES)


@dataclass(frozen=True)
class Row:
    case: Case
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


def _order(sort: str) -> list[Any]:
    due = deadline_sql()
    if sort == "newest":
        return [Case.received_on.desc(), Case.id.desc()]
    if sort == "oldest":
        return [Case.received_on.asc(), Case.id.asc()]
    if sort == "state":
        ranks = {s: i for i, s in enumerate(STATES)}
        from sqlalchemy import case as sql_case

        return [sql_case(ranks, value=Case.state), Case.received_on.asc(), Case.id.asc()]
    # Soonest deadline first; cases without one (closed, or feedback given) last.
    return [due.is_(None), due.asc(), Case.received_on.asc(), Case.id.asc()]


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
    state = state if state in FILTERS else "open"
    sort = sort if sort in SORTS else "deadline"
    mine = [CaseHandler.membership_id == membership.id,
            Case.organisation_id == membership.organisation_id]
    where = list(mine)
    if state == "open":
        where.append(Case.state != "closed")
    elif state != "all":
        where.append(Case.state == state)
    # One pass over the handler's cases for the page count and the summary line.
    shown = Case.state != "closed" if state == "open" else (
        Case.state == state if state != "all" else Case.id.is_not(None))
    due = deadline_sql()
    total, open_count, overdue = session.execute(
        select(func.count().filter(shown), func.count().filter(Case.state != "closed"),
               func.count().filter((Case.state != "closed") & (due < on)))
        .select_from(Case).join(CaseHandler, CaseHandler.case_id == Case.id).where(*mine)
    ).one()
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    # Only the columns the inbox shows: the sealed report never leaves the database here.
    cases = session.scalars(
        select(Case)
        .options(load_only(*LISTED))
        .join(CaseHandler, CaseHandler.case_id == Case.id)
        .where(*where)
        .order_by(*_order(sort))
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    rows = []
    for case in cases:
        deadline = next_deadline(case)
        rows.append(Row(case, deadline, (on - case.received_on).days,
                        bool(deadline and deadline.overdue(on)),
                        bool(deadline and deadline.soon(on))))
    return Page(rows, total, page, pages, state, sort, {"open": open_count, "overdue": overdue})
