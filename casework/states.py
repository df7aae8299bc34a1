"""The case's states and deadlines (design.md section 6).

received → acknowledged → assessing → measures → closed, and closed → assessing to reopen.
Each change takes a structured reason (casework.vocabulary.TRANSITIONS) and is written to
the audit log; free-text reasons go into a sealed note instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from accounts.models import Membership
from casework import audit
from casework.errors import (
    AssessmentMissing,
    BadReason,
    CaseChanged,
    CasePurged,
    OutcomeMissing,
    TransitionRefused,
)
from casework.models import Assessment, Case
from casework.vocabulary import STATES, TRANSITIONS

# Closing for these reasons does not need a recorded outcome: there was nothing to assess.
CLOSE_WITHOUT_OUTCOME = ("withdrawn_by_reporter", "insufficient_information",
                         "referred_elsewhere")
SOON_DAYS = 2  # "due soon" in the inbox and in reminders


def allowed(state: str) -> list[tuple[str, tuple[str, ...]]]:
    """The states a case in `state` can move to, each with its reasons."""
    return [(to, reasons) for (frm, to), reasons in TRANSITIONS.items() if frm == state]


def transition(
    session: Session,
    case: Case,
    membership: Membership,
    *,
    to: str,
    reason: str,
    from_state: str | None = None,
    on: date,
) -> None:
    """Move the case to `to` for `reason`; TransitionRefused/BadReason/... change nothing.

    `from_state` is the state the handler saw when they sent the form: if someone else moved
    the case in between, CaseChanged.
    """
    if case.purged_on is not None:
        raise CasePurged()
    if from_state is not None and from_state != case.state:
        raise CaseChanged("state")
    if to not in STATES or (case.state, to) not in TRANSITIONS:
        raise TransitionRefused(f"{case.state}->{to}")
    if reason not in TRANSITIONS[(case.state, to)]:
        raise BadReason(reason)
    assessment = session.get(Assessment, case.id)
    if to == "measures" and assessment is None:
        raise AssessmentMissing()
    if to == "closed" and reason not in CLOSE_WITHOUT_OUTCOME:
        if assessment is None:
            raise AssessmentMissing()
        if assessment.outcome is None:
            raise OutcomeMissing()
    before = case.state
    case.state = to
    if to == "acknowledged":
        case.acknowledged_on = on
    elif to == "closed":
        case.closed_on = on
    elif before == "closed":  # reopened: a fresh feedback deadline, and no purge pending
        case.closed_on = None
        case.purge_warned_on = None
        case.feedback_on = None
        case.feedback_by = on + timedelta(days=case.organisation.feedback_days)
    audit.append(
        session, "case.reopened" if before == "closed" else "case.state",
        organisation_id=case.organisation_id, case_id=case.id, actor_id=membership.id,
        detail=f"{before}>{to}:{reason}",
    )


@dataclass(frozen=True)
class Deadline:
    kind: str  # acknowledge | feedback
    due: date

    def overdue(self, on: date) -> bool:
        return self.due < on

    def soon(self, on: date) -> bool:
        return on <= self.due <= on + timedelta(days=SOON_DAYS)


class Deadlines(Protocol):
    """A case row, or the inbox's light copy of one."""

    @property
    def state(self) -> str: ...
    @property
    def acknowledge_by(self) -> date: ...
    @property
    def feedback_by(self) -> date: ...
    @property
    def feedback_on(self) -> date | None: ...


def next_deadline(case: Deadlines) -> Deadline | None:
    """The deadline the handler has to keep next, if any."""
    if case.state == "received":
        return Deadline("acknowledge", case.acknowledge_by)
    if case.state != "closed" and case.feedback_on is None:
        return Deadline("feedback", case.feedback_by)
    return None


def deadline_sql() -> ColumnElement[date]:
    """The same as next_deadline, as an SQL expression (the inbox sorts on it)."""
    return sql_case(
        (Case.state == "received", Case.acknowledge_by),
        ((Case.state != "closed") & Case.feedback_on.is_(None), Case.feedback_by),
        else_=None,
    )


__all__ = ["Deadline", "allowed", "deadline_sql", "next_deadline", "transition"]
