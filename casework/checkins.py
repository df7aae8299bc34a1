"""Retaliation check-ins on the reporter's follow-up page (issue 12; aml § 2A-4, LDL § 14).

About 1, 3 and 6 months after the first summary was released to the employer, or after the
closure if that came first, the follow-up page asks whether the reporter has met negative
reactions since they spoke up. The answer is a sealed thread message, so only the case's
handlers and the reporter can read it; the server records only that a step was answered,
and on which date (CheckIn). The follow-up page keeps working after closure until the
retention purge, so the later check-ins can be answered.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework import intake
from casework.errors import CaseworkError
from casework.models import Case, Handoff
from casework.workflow_models import CheckIn

STEPS = {1: 30, 2: 91, 3: 182}  # days after the anchor


class CheckInNotAsked(CaseworkError):
    code = "check_in_not_asked"


def anchor(session: Session, case: Case) -> date | None:
    """The first release of a summary to the employer, or the closure, whichever came first."""
    released = session.scalar(select(func.min(Handoff.released_on))
                              .where(Handoff.case_id == case.id))
    dates = [d for d in (released, case.closed_on if case.state == "closed" else None) if d]
    return min(dates) if dates else None


def due_step(session: Session, case: Case, *, on: date) -> int | None:
    """The latest check-in step that is due and not answered (None: nothing to ask)."""
    start = anchor(session, case)
    if start is None or case.purged_on is not None:
        return None
    answered = set(session.scalars(select(CheckIn.step).where(CheckIn.case_id == case.id)))
    due = [s for s, days in STEPS.items() if start + timedelta(days=days) <= on]
    if not due or max(due) in answered:
        return None
    return max(due)


def answer(session: Session, case: Case, *, step: int, envelope: dict[str, Any],
           on: date) -> CheckIn:
    """Record the answer to the step that is due: the sealed words in the thread."""
    if step != due_step(session, case, on=on):
        raise CheckInNotAsked()
    intake.add_reporter_message(session, case, envelope, kind="message", today=on)
    row = CheckIn(case_id=case.id, step=step, answered_on=on)
    session.add(row)
    session.flush()
    return row


__all__ = ["STEPS", "CheckInNotAsked", "anchor", "answer", "due_step"]
