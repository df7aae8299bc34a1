"""Between the report and its closure (issue 12): interim measures, tasks, meetings and the
reporter's support person. Codes and dates in the clear; anything a person wrote (a
meeting's summary and agreed follow-ups) sealed like a note, in the handler's browser.

Every change is an audit entry; a refused one changes nothing (the view rolls back).
The daily `flask trygg reminders` also mails each handler how many tasks and interim-measure
reviews of their cases are due (`due_counts`): counts only, never which case or what.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accounts.models import Membership
from casework import audit
from casework.errors import CaseworkError
from casework.models import Case, CaseHandler, Message
from casework.services import add_message, check_envelope, expected_kids
from casework.states import SOON_DAYS
from casework.workflow_models import (
    INTERIM_CODES,
    MEETING_KINDS,
    MEETING_ROLES,
    SUPPORT_ROLES,
    TASK_KINDS,
    CaseSupport,
    CaseTask,
    InterimMeasure,
    Meeting,
)


class BadFollowUp(CaseworkError):
    """A follow-up item with a value outside its list or an impossible date.

    `detail` names the field, so the view can put the message beside it."""

    code = "bad_follow_up"


def _audit(session: Session, case: Case, membership: Membership, action: str,
           detail: str = "") -> None:
    audit.append(session, action, organisation_id=case.organisation_id, case_id=case.id,
                 actor_id=membership.id, detail=detail)


def _open(case: Case) -> None:
    from casework.errors import CaseClosed, CasePurged

    if case.purged_on is not None:
        raise CasePurged()
    if case.state == "closed":
        raise CaseClosed()


# -- interim measures ---------------------------------------------------------------------


def add_interim(session: Session, case: Case, membership: Membership, *, code: str,
                starts_on: date | None, ends_on: date | None, review_on: date | None,
                on: date) -> InterimMeasure:
    _open(case)
    if code not in INTERIM_CODES:
        raise BadFollowUp("code")
    if starts_on is None:
        raise BadFollowUp("starts_on")
    if ends_on is not None and ends_on < starts_on:
        raise BadFollowUp("ends_on")
    if review_on is None or review_on < starts_on or (ends_on is not None and review_on > ends_on):
        raise BadFollowUp("review_on")
    measure = InterimMeasure(case_id=case.id, code=code, starts_on=starts_on, ends_on=ends_on,
                             review_on=review_on)
    session.add(measure)
    session.flush()
    _audit(session, case, membership, "interim.recorded", code)
    return measure


def interims(session: Session, case: Case) -> list[InterimMeasure]:
    return list(session.scalars(select(InterimMeasure).where(InterimMeasure.case_id == case.id)
                                .order_by(InterimMeasure.starts_on, InterimMeasure.id)))


# -- tasks --------------------------------------------------------------------------------


def add_task(session: Session, case: Case, membership: Membership, *, kind: str,
             due_on: date | None, on: date) -> CaseTask:
    _open(case)
    if kind not in TASK_KINDS:
        raise BadFollowUp("kind")
    if due_on is None or due_on < on:
        raise BadFollowUp("due_on")
    task = CaseTask(case_id=case.id, kind=kind, due_on=due_on)
    session.add(task)
    session.flush()
    _audit(session, case, membership, "task.added", kind)
    return task


def complete_task(session: Session, case: Case, membership: Membership, task_id: uuid.UUID,
                  *, on: date) -> CaseTask:
    task = session.scalar(select(CaseTask).where(CaseTask.case_id == case.id,
                                                 CaseTask.public_id == task_id))
    if task is None or task.done_on is not None:
        raise BadFollowUp("task")
    task.done_on = on
    _audit(session, case, membership, "task.done", task.kind)
    return task


def tasks(session: Session, case: Case) -> list[CaseTask]:
    return list(session.scalars(select(CaseTask).where(CaseTask.case_id == case.id)
                                .order_by(CaseTask.done_on.is_not(None), CaseTask.due_on)))


# -- meetings -----------------------------------------------------------------------------


def record_meeting(session: Session, case: Case, membership: Membership, *,
                   held_on: date | None, kind: str, participants: Iterable[str],
                   support_present: bool, summary: object, on: date) -> Meeting:
    """A meeting that took place (never one dated in the future); the summary and the
    agreed follow-ups are an envelope sealed to the case's handlers only (a note)."""
    if case.purged_on is not None:
        from casework.errors import CasePurged

        raise CasePurged()
    if held_on is None or held_on > on:
        raise BadFollowUp("held_on")
    if kind not in MEETING_KINDS:
        raise BadFollowUp("kind")
    roles = sorted(set(participants))
    if not roles or any(r not in MEETING_ROLES for r in roles):
        raise BadFollowUp("participants")
    note: Message | None = None
    if summary:
        text = check_envelope(summary, expected_kids(session, case, "note"))
        note = add_message(session, case, sender="handler", kind="note", body=text,
                           author=membership, on=on)
    meeting = Meeting(case_id=case.id, held_on=held_on, kind=kind,
                      participants=",".join(roles), support_present=support_present,
                      note_id=note.id if note else None)
    session.add(meeting)
    session.flush()
    _audit(session, case, membership, "meeting.recorded", kind)
    return meeting


def meetings(session: Session, case: Case) -> list[Meeting]:
    return list(session.scalars(select(Meeting).where(Meeting.case_id == case.id)
                                .order_by(Meeting.held_on, Meeting.id)))


# -- support person -----------------------------------------------------------------------


def set_support(session: Session, case: Case, membership: Membership, role: str) -> None:
    """The reporter's support person, as a role ("" when they have none)."""
    if role and role not in SUPPORT_ROLES:
        raise BadFollowUp("support")
    row = session.get(CaseSupport, case.id)
    if not role:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(CaseSupport(case_id=case.id, role=role))
    else:
        row.role = role
    _audit(session, case, membership, "support.set", role or "none")


def support(session: Session, case: Case) -> str:
    row = session.get(CaseSupport, case.id)
    return row.role if row else ""


# -- reminders ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DueWork:
    membership: Membership
    tasks: int
    reviews: int


def due_counts(session: Session, *, on: date, soon_days: int = SOON_DAYS) -> list[DueWork]:
    """Per handler: open tasks and interim-measure reviews due by `on + soon_days`."""
    horizon = on + timedelta(days=soon_days)
    task_rows = dict(session.execute(
        select(CaseHandler.membership_id, func.count())
        .join(CaseTask, CaseTask.case_id == CaseHandler.case_id)
        .join(Case, Case.id == CaseHandler.case_id)
        .where(CaseTask.done_on.is_(None), CaseTask.due_on <= horizon, Case.state != "closed")
        .group_by(CaseHandler.membership_id)).all())
    review_rows = dict(session.execute(
        select(CaseHandler.membership_id, func.count())
        .join(InterimMeasure, InterimMeasure.case_id == CaseHandler.case_id)
        .join(Case, Case.id == CaseHandler.case_id)
        .where(InterimMeasure.review_on <= horizon, Case.state != "closed",
               (InterimMeasure.ends_on.is_(None)) | (InterimMeasure.ends_on >= on))
        .group_by(CaseHandler.membership_id)).all())
    out = []
    for membership_id in sorted(set(task_rows) | set(review_rows)):
        membership = session.get(Membership, membership_id)
        if membership is None or not membership.person.active or membership.role != "handler":
            continue
        out.append(DueWork(membership, task_rows.get(membership_id, 0),
                           review_rows.get(membership_id, 0)))
    return out


__all__ = ["BadFollowUp", "DueWork", "add_interim", "add_task", "complete_task", "due_counts",
           "interims", "meetings", "record_meeting", "set_support", "support", "tasks"]
