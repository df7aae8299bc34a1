"""Tables of the verneombud's workflow (issue 12) that are not part of a case's content.

`HandlerNotice`: per handler membership, what has arrived that they have not been mailed
about yet, when that mail is due, and how they want it (immediate or a daily digest). The
state is in the database so that several gunicorn workers and nodes coalesce the same way:
whichever process sends a due mail claims the row first (casework/notices.py).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.models import Membership
from casework.vocabulary import check_sql
from trygg.database import IntPk, PublicId, db

NOTICE_MODES = ("immediate", "digest")


class HandlerNotice(db.Model):  # type: ignore[name-defined]
    """Pending mail for one handler membership: counts only, never which case or what.

    `due_at` is rounded up to the minute and the row is emptied when the mail goes, so it
    never becomes a record of when reporters wrote.
    """

    __tablename__ = "handler_notice"
    __table_args__ = (CheckConstraint(check_sql("mode", NOTICE_MODES), name="mode"),)

    membership_id: Mapped[int] = mapped_column(
        ForeignKey("membership.id", ondelete="CASCADE"), primary_key=True
    )
    mode: Mapped[str] = mapped_column(String(16), default="immediate",
                                      server_default="immediate")
    reports: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    messages: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    due_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    last_sent_at: Mapped[datetime | None] = mapped_column(default=None)

    membership: Mapped[Membership] = relationship()


# -- between the report and its closure (casework/followups.py) ---------------------------

INTERIM_CODES = ("interim_separation", "suspension", "protective_measures")
TASK_KINDS = ("follow_up_measure", "ask_employer", "feedback_to_reporter", "meet_reporter",
              "check_retaliation", "other")
MEETING_KINDS = ("with_reporter", "witness", "employer", "person_concerned")
MEETING_ROLES = ("reporter", "safety_representative", "employer", "witness",
                 "person_concerned", "support_person", "union_representative")
SUPPORT_ROLES = ("colleague", "union_representative", "family_or_friend", "other")


class InterimMeasure(db.Model):  # type: ignore[name-defined]
    """A protective measure while the employer investigates: codes only, dates only."""

    __tablename__ = "interim_measure"
    __table_args__ = (CheckConstraint(check_sql("code", INTERIM_CODES), name="code"),)

    id: Mapped[IntPk]
    public_id: Mapped[PublicId]
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date, default=None)
    review_on: Mapped[date] = mapped_column(Date)


class CaseTask(db.Model):  # type: ignore[name-defined]
    """Something to do by a date. A kind from a fixed list, never free text: the reminder
    mail may then say how many are due without saying anything about a case."""

    __tablename__ = "case_task"
    __table_args__ = (CheckConstraint(check_sql("kind", TASK_KINDS), name="kind"),)

    id: Mapped[IntPk]
    public_id: Mapped[PublicId]
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    done_on: Mapped[date | None] = mapped_column(Date, default=None)


class Meeting(db.Model):  # type: ignore[name-defined]
    """A meeting: structured facts in the clear, the summary and agreed follow-ups sealed
    like a note (a thread message of kind "note", handlers only)."""

    __tablename__ = "meeting"
    __table_args__ = (CheckConstraint(check_sql("kind", MEETING_KINDS), name="kind"),)

    id: Mapped[IntPk]
    public_id: Mapped[PublicId]
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(24))
    participants: Mapped[str] = mapped_column(String(200))  # role codes, comma separated
    support_present: Mapped[bool] = mapped_column(Boolean, default=False)
    note_id: Mapped[int | None] = mapped_column(
        ForeignKey("message.id", ondelete="SET NULL"), default=None
    )


class CaseSupport(db.Model):  # type: ignore[name-defined]
    """The reporter has a support person (a role, never a name)."""

    __tablename__ = "case_support"
    __table_args__ = (CheckConstraint(check_sql("role", SUPPORT_ROLES), name="role"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"),
                                         primary_key=True)
    role: Mapped[str] = mapped_column(String(32))


class CheckIn(db.Model):  # type: ignore[name-defined]
    """A retaliation check-in the reporter answered (step 1, 2, 3: about 1, 3 and 6 months
    after the first hand-off or the closure). The answer itself is a sealed thread message;
    this row says only that, and when (a date), the step was answered."""

    __tablename__ = "check_in"
    __table_args__ = (
        UniqueConstraint("case_id", "step"),
        CheckConstraint("step IN (1, 2, 3)", name="step"),
    )

    id: Mapped[IntPk]
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    step: Mapped[int] = mapped_column(Integer)
    answered_on: Mapped[date] = mapped_column(Date)


class CaseSeen(db.Model):  # type: ignore[name-defined]
    """How far in the thread a handler had come when they last opened the case (per-handler
    unread markers: casework/triage.py). A sequence number, no time."""

    __tablename__ = "case_seen"

    membership_id: Mapped[int] = mapped_column(
        ForeignKey("membership.id", ondelete="CASCADE"), primary_key=True
    )
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"),
                                         primary_key=True)
    seen_seq: Mapped[int] = mapped_column(Integer, default=0)


LINK_KINDS = ("same_person", "same_production", "related")


class CaseLink(db.Model):  # type: ignore[name-defined]
    """Two cases of one organisation that belong together (casework/links.py); the reason
    is a sealed note in the thread of the case it was written in."""

    __tablename__ = "case_link"
    __table_args__ = (
        UniqueConstraint("from_case_id", "to_case_id"),
        CheckConstraint(check_sql("kind", LINK_KINDS), name="kind"),
        CheckConstraint("from_case_id <> to_case_id", name="not_self"),
    )

    id: Mapped[IntPk]
    public_id: Mapped[PublicId]
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    from_case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"),
                                              index=True)
    to_case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"),
                                            index=True)
    kind: Mapped[str] = mapped_column(String(24))
    note_id: Mapped[int | None] = mapped_column(
        ForeignKey("message.id", ondelete="SET NULL"), default=None
    )
