"""The handler's inbox: cases sealed to them, with state, age and the next deadline.

Nothing here touches content: the inbox is built from the case row alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accounts.models import Membership
from casework.models import Case, CaseHandler
from casework.states import Deadline, deadline_sql, next_deadline
from casework.vocabulary import STATES

PER_PAGE = 25
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
    where = [CaseHandler.membership_id == membership.id,
             Case.organisation_id == membership.organisation_id]
    if state == "open":
        where.append(Case.state != "closed")
    elif state != "all":
        where.append(Case.state == state)
    base = select(Case).join(CaseHandler, CaseHandler.case_id == Case.id).where(*where)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    cases = session.scalars(
        base.order_by(*_order(sort)).limit(per_page).offset((page - 1) * per_page)
    ).all()
    rows = []
    for case in cases:
        due = next_deadline(case)
        rows.append(Row(case, due, (on - case.received_on).days,
                        bool(due and due.overdue(on)), bool(due and due.soon(on))))
    return Page(rows, total, page, pages, state, sort)


def counts(session: Session, membership: Membership, *, on: date) -> dict[str, int]:
    """Open cases and overdue deadlines for one handler (the inbox's summary line)."""
    due = deadline_sql()
    query = (
        select(func.count(), func.count().filter(due < on))
        .select_from(Case)
        .join(CaseHandler, CaseHandler.case_id == Case.id)
        .where(CaseHandler.membership_id == membership.id, Case.state != "closed",
               Case.organisation_id == membership.organisation_id)
    )
    open_count, overdue = session.execute(query).one()
    return {"open": open_count, "overdue": overdue}
