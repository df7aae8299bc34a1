"""Deadline reminders for handlers: counts and a link, never which case or what is in it.

Run daily from cron (`flask trygg reminders`). A handler gets one message per organisation
when any of their open cases has a deadline that has passed or falls within SOON_DAYS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accounts.models import Membership
from casework.models import Case, CaseHandler
from casework.states import SOON_DAYS, deadline_sql


@dataclass(frozen=True)
class Due:
    membership: Membership
    overdue: int
    soon: int
    first: date


Notify = Callable[[Due], None]


def due(session: Session, *, on: date, soon_days: int = SOON_DAYS) -> list[Due]:
    deadline = deadline_sql()
    horizon = on + timedelta(days=soon_days)
    rows = session.execute(
        select(
            CaseHandler.membership_id,
            func.count().filter(deadline < on),
            func.count().filter(deadline >= on),
            func.min(deadline),
        )
        .join(Case, Case.id == CaseHandler.case_id)
        .where(Case.state != "closed", deadline <= horizon)
        .group_by(CaseHandler.membership_id)
        .order_by(CaseHandler.membership_id)
    ).all()
    out = []
    for membership_id, overdue, soon, first in rows:
        membership = session.get(Membership, membership_id)
        if membership is None or not membership.person.active or membership.role != "handler":
            continue
        out.append(Due(membership, overdue, soon, first))
    return out


def send(session: Session, *, on: date, notify: Notify) -> int:
    reminders = due(session, on=on)
    for reminder in reminders:
        notify(reminder)
    return len(reminders)
