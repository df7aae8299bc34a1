"""The exercise's tables.

Participants' rows hold no address, user agent or time: a participant is the hash of a
random token, an answer is (participant, scenario, perspective, value). Both are deleted
when the session closes; what may stay is the aggregate of a scenario that was shown and
passed k (`ExerciseResult`), if the facilitator chose to keep it, and the facilitator's
rule proposals.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from trygg.database import IntPk, db, utcnow

STATUSES = ("lobby", "running", "reveal", "discussion", "closed")


class ExerciseSession(db.Model):  # type: ignore[name-defined]
    __tablename__ = "exercise_session"
    __table_args__ = (
        CheckConstraint(
            "status IN ('lobby', 'running', 'reveal', 'discussion', 'closed')", name="status"
        ),
        CheckConstraint("k >= 3", name="k"),
        CheckConstraint("scenario_idx >= 0", name="scenario_idx"),
    )

    id: Mapped[IntPk]
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    started_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), default=None
    )
    # A session for one production (prevention/): its rule proposals go to that production's
    # draft rules. None: the whole organisation.
    production_id: Mapped[int | None] = mapped_column(
        ForeignKey("prevention_production.id", ondelete="SET NULL"), default=None, index=True
    )
    # HMAC(server secret, join code): what a code is looked up by. The code itself is kept
    # only sealed (crypto.fieldbox), for the facilitators' pages.
    code_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    code_sealed: Mapped[bytes] = mapped_column(LargeBinary(80))
    status: Mapped[str] = mapped_column(String(12), default="lobby")
    scenario_idx: Mapped[int] = mapped_column(Integer, default=0)
    # [{"code": "s1"}, …, {"text": "a custom scenario"}]
    scenarios: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    perspectives: Mapped[list[str]] = mapped_column(JSON)
    revealed: Mapped[list[int]] = mapped_column(JSON, default=list)
    k: Mapped[int] = mapped_column(Integer)
    kept_results: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)


class ExerciseParticipant(db.Model):  # type: ignore[name-defined]
    """A phone that joined: the hash of its random token, nothing else."""

    __tablename__ = "exercise_participant"

    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("exercise_session.id", ondelete="CASCADE"), index=True
    )


class ExerciseAnswer(db.Model):  # type: ignore[name-defined]
    """The latest answer of one participant to one scenario from one perspective."""

    __tablename__ = "exercise_answer"
    __table_args__ = (
        CheckConstraint("value BETWEEN 1 AND 10", name="value"),
        Index("ix_exercise_answer_session_scenario", "session_id", "scenario_idx"),
    )

    participant_hash: Mapped[bytes] = mapped_column(
        LargeBinary(32),
        ForeignKey("exercise_participant.token_hash", ondelete="CASCADE"),
        primary_key=True,
    )
    scenario_idx: Mapped[int] = mapped_column(Integer, primary_key=True)
    perspective: Mapped[str] = mapped_column(String(16), primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("exercise_session.id", ondelete="CASCADE")
    )
    value: Mapped[int] = mapped_column(Integer)


class ExerciseResult(db.Model):  # type: ignore[name-defined]
    """An aggregate kept after closing: only for a scenario that was shown and passed k."""

    __tablename__ = "exercise_result"
    __table_args__ = (CheckConstraint("n >= 3", name="n"),)

    session_id: Mapped[int] = mapped_column(
        ForeignKey("exercise_session.id", ondelete="CASCADE"), primary_key=True
    )
    scenario_idx: Mapped[int] = mapped_column(Integer, primary_key=True)
    perspective: Mapped[str] = mapped_column(String(16), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
    histogram: Mapped[list[int]] = mapped_column(JSON)


class ExerciseProposal(db.Model):  # type: ignore[name-defined]
    """A rule proposal the facilitator typed during the discussion (kept with the session
    until the prevention package can take it as a rule draft)."""

    __tablename__ = "exercise_proposal"

    id: Mapped[IntPk]
    session_id: Mapped[int] = mapped_column(
        ForeignKey("exercise_session.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
