"""Retention: closed cases lose their content after the organisation's retention period.

A case closed on day C with a retention of R days is due for purging on C + R. Handlers
are warned WARN_DAYS before that (purge_warned_on), and a case is never purged less than
WARN_DAYS after its warning, so a late warning still gives them time (for an export, or to
reopen the case). The purge deletes the report, every message, note, consent and summary,
and every attachment (chunks, key, metadata); it keeps the case row's state and dates and
the structured assessment, which is what the leaders' statistics read. docs/retention.md
explains the default of three years.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from accounts.models import Membership, Organisation, Person
from casework import audit
from casework.models import Attachment, AttachmentChunk, Case, CaseHandler, Handoff, Message

WARN_DAYS = 30
BATCH = 1000

Due = tuple[int, int, date]  # (case id, organisation id, purge date)


def _due_batches(session: Session, on: date, horizon_days: int, *extra: Any) -> Iterator[list[Due]]:
    """Closed, unpurged cases whose purge date is on or before on + horizon, BATCH at a time.

    The date arithmetic happens per organisation in Python (closed_on <= on + horizon - R),
    so the query is the same on SQLite and PostgreSQL and uses ix_case_state_closed_on.
    """
    organisations = session.execute(select(Organisation.id, Organisation.retention_days)).all()
    for org_id, retention in organisations:
        latest_closed = on + timedelta(days=horizon_days - retention)
        last = 0
        while True:
            rows = session.execute(
                select(Case.id, Case.closed_on)
                .where(Case.organisation_id == org_id, Case.state == "closed",
                       Case.purged_on.is_(None), Case.closed_on <= latest_closed,
                       Case.id > last, *extra)
                .order_by(Case.id)
                .limit(BATCH)
            ).all()
            if not rows:
                break
            keep = timedelta(days=retention)
            yield [(case_id, org_id, closed + keep) for case_id, closed in rows if closed]
            last = rows[-1][0]


@dataclass(frozen=True)
class Warned:
    cases: int
    mails: int


Notify = Callable[[Person, Organisation, int, date], None]


def warn(session: Session, *, on: date, notify: Notify) -> Warned:
    """Mark cases due within WARN_DAYS and tell each of their handlers once: how many cases
    and the earliest date, never which case or anything in it."""
    per_handler: dict[int, tuple[int, date]] = {}
    cases = 0
    for batch in _due_batches(session, on, WARN_DAYS, Case.purge_warned_on.is_(None)):
        due_of = {case_id: when for case_id, _, when in batch}
        for membership_id, case_id in session.execute(
            select(CaseHandler.membership_id, CaseHandler.case_id)
            .where(CaseHandler.case_id.in_(due_of))
        ):
            count, first = per_handler.get(membership_id, (0, due_of[case_id]))
            per_handler[membership_id] = (count + 1, min(first, due_of[case_id]))
        session.execute(
            update(Case).where(Case.id.in_(due_of)).values(purge_warned_on=on),
            execution_options={"synchronize_session": False},
        )
        audit.append_many(session, (
            audit.Event("case.purge_warned", organisation_id=org, case_id=case_id,
                        detail=f"due={when.isoformat()}")
            for case_id, org, when in batch
        ))
        cases += len(batch)
    mails = 0
    for membership_id, (count, first) in sorted(per_handler.items()):
        membership = session.get(Membership, membership_id)
        if membership is not None and membership.person.active:
            notify(membership.person, membership.organisation, count, first)
            mails += 1
    return Warned(cases, mails)


@dataclass(frozen=True)
class Purged:
    cases: int
    messages: int
    attachments: int


def purge(session: Session, *, on: date, commit_each_batch: bool = False) -> Purged:
    """Delete the content of every closed case past its retention and warned long enough.

    BATCH cases at a time, so memory stays flat for any number of cases; with
    `commit_each_batch` every batch is its own transaction (the command does that, so an
    interrupted purge keeps what it finished and the next run does the rest).
    """
    warned_by = on - timedelta(days=WARN_DAYS)
    cases = messages = attachments = 0
    for batch in _due_batches(session, on, 0, Case.purge_warned_on <= warned_by):
        ids = [case_id for case_id, _, _ in batch]
        in_batch = select(Attachment.id).where(Attachment.case_id.in_(ids))
        session.execute(
            delete(AttachmentChunk).where(AttachmentChunk.attachment_id.in_(in_batch)),
            execution_options={"synchronize_session": False},
        )
        attachments += session.execute(
            delete(Attachment).where(Attachment.case_id.in_(ids)),
            execution_options={"synchronize_session": False},
        ).rowcount or 0  # type: ignore[attr-defined]
        messages += session.execute(
            delete(Message).where(Message.case_id.in_(ids)),
            execution_options={"synchronize_session": False},
        ).rowcount or 0  # type: ignore[attr-defined]
        session.execute(
            delete(Handoff).where(Handoff.case_id.in_(ids)),
            execution_options={"synchronize_session": False},
        )
        session.execute(
            update(Case).where(Case.id.in_(ids))
            .values(report=None, idempotency=None, purged_on=on),
            execution_options={"synchronize_session": False},
        )
        audit.append_many(session, (
            audit.Event("case.purged", organisation_id=org, case_id=case_id)
            for case_id, org, _ in batch
        ))
        cases += len(ids)
        if commit_each_batch:
            session.commit()
    session.flush()
    session.expire_all()
    return Purged(cases, messages, attachments)
