"""Triage for one handler (issue 12): which cases have news since *I* last looked, and what
is new, overdue or due this week. From case rows, thread sequence numbers and task dates:
nothing sealed is read, nothing is decrypted on the server.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from accounts.models import Membership
from casework.models import Case, CaseHandler, Message
from casework.states import deadline_sql
from casework.workflow_models import CaseSeen, CaseTask

WEEK = 7


def mark_seen(session: Session, case: Case, membership: Membership) -> None:
    """The handler opened the case: everything in the thread so far counts as seen."""
    last = session.scalar(select(func.max(Message.seq)).where(Message.case_id == case.id)) or 0
    row = session.get(CaseSeen, (membership.id, case.id))
    if row is None:
        try:
            with session.begin_nested():
                session.add(CaseSeen(membership_id=membership.id, case_id=case.id,
                                     seen_seq=last))
        except IntegrityError:  # the same handler in two tabs
            row = session.get(CaseSeen, (membership.id, case.id))
    if row is not None and row.seen_seq < last:
        row.seen_seq = last


def unread(session: Session, membership: Membership, case_ids: Iterable[int]) -> dict[int, str]:
    """Per case id: "new" (never opened by this handler) or "unread" (the reporter wrote
    since they last opened it); cases with nothing new are left out."""
    ids = list(case_ids)
    if not ids:
        return {}
    seen = dict(session.execute(
        select(CaseSeen.case_id, CaseSeen.seen_seq)
        .where(CaseSeen.membership_id == membership.id, CaseSeen.case_id.in_(ids))).all())
    latest = dict(session.execute(
        select(Message.case_id, func.max(Message.seq))
        .where(Message.case_id.in_(ids), Message.sender == "reporter")
        .group_by(Message.case_id)).all())
    out = {}
    for case_id in ids:
        if case_id not in seen:
            out[case_id] = "new"
        elif latest.get(case_id, 0) > seen[case_id]:
            out[case_id] = "unread"
    return out


@dataclass(frozen=True)
class Summary:
    new: int
    unread: int
    overdue: int
    due_this_week: int
    tasks_this_week: int


def summary(session: Session, membership: Membership, *, on: date) -> Summary:
    """The home page's line: my open cases that are new, unread, overdue, due this week."""
    deadline = deadline_sql()
    rows = session.execute(
        select(Case.id, deadline)
        .join(CaseHandler, CaseHandler.case_id == Case.id)
        .where(CaseHandler.membership_id == membership.id, Case.state != "closed")).all()
    week = on + timedelta(days=WEEK)
    marks = unread(session, membership, [r[0] for r in rows])
    tasks = session.scalar(
        select(func.count()).select_from(CaseTask)
        .join(CaseHandler, CaseHandler.case_id == CaseTask.case_id)
        .where(CaseHandler.membership_id == membership.id, CaseTask.done_on.is_(None),
               CaseTask.due_on <= week)) or 0
    return Summary(
        new=sum(1 for v in marks.values() if v == "new"),
        unread=sum(1 for v in marks.values() if v == "unread"),
        overdue=sum(1 for _, d in rows if d is not None and d < on),
        due_this_week=sum(1 for _, d in rows if d is not None and on <= d <= week),
        tasks_this_week=tasks,
    )


__all__ = ["Summary", "mark_seen", "summary", "unread"]
