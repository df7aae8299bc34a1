"""Cases and everything sealed inside them.

The server sees which organisation a case belongs to, its state and deadlines (dates
only), who may read it, and the handler's structured assessment. Everything a person
wrote is an envelope v1 (JSON text) or an attachment stream: ciphertext only.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.models import Membership, Organisation
from casework.vocabulary import (
    AGGRAVATING,
    CONSEQUENCES,
    FREQUENCY,
    NATURE,
    POWER,
    RELATION,
    STATES,
    check_sql,
)
from trygg.database import IntPk, PublicId, db, utcnow

SENDERS = ("reporter", "handler")
MESSAGE_KINDS = ("message", "note", "addition", "consent")


class Case(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "case"
    __table_args__ = (CheckConstraint(check_sql("state", STATES), name="state"),)

    id: Mapped[IntPk]
    public_id: Mapped[PublicId]
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(16), default="received", index=True)
    # Reporter-side times are dates only (design.md section 2).
    received_on: Mapped[date] = mapped_column(Date)
    acknowledge_by: Mapped[date] = mapped_column(Date)
    feedback_by: Mapped[date] = mapped_column(Date)
    acknowledged_on: Mapped[date | None] = mapped_column(Date, default=None)
    closed_on: Mapped[date | None] = mapped_column(Date, default=None)
    # HMAC(server key, receipt lookup token): the receipt itself is never stored.
    reporter_lookup: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    reporter_public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    # A keyed hash of the submission's idempotency key: a resent form is a no-op.
    idempotency: Mapped[bytes | None] = mapped_column(LargeBinary(32), unique=True)
    # The report document, sealed to the chosen handlers and the reporter (envelope v1).
    # NULL after the retention purge.
    report: Mapped[str | None] = mapped_column(Text)
    purged_on: Mapped[date | None] = mapped_column(Date, default=None)
    purge_warned_on: Mapped[date | None] = mapped_column(Date, default=None)

    organisation: Mapped[Organisation] = relationship()
    handlers: Mapped[list[CaseHandler]] = relationship(
        back_populates="case", cascade="all, delete-orphan"
    )
    exclusions: Mapped[list[CaseExclusion]] = relationship(cascade="all, delete-orphan")
    messages: Mapped[list[Message]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Message.seq"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="case", cascade="all, delete-orphan"
    )

    @property
    def context(self) -> str:
        """The envelope context that binds a sealed item to this organisation and case."""
        return f"org:{self.organisation.public_id}/case:{self.public_id}"


class CaseHandler(db.Model):  # type: ignore[name-defined,misc]
    """A handler the case's content is sealed to."""

    __tablename__ = "case_handler"
    __table_args__ = (UniqueConstraint("case_id", "membership_id"),)

    id: Mapped[IntPk]
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    membership_id: Mapped[int] = mapped_column(
        ForeignKey("membership.id", ondelete="CASCADE"), index=True
    )
    added_on: Mapped[date] = mapped_column(Date)

    case: Mapped[Case] = relationship(back_populates="handlers")
    membership: Mapped[Membership] = relationship()


class CaseExclusion(db.Model):  # type: ignore[name-defined,misc]
    """A handler the reporter excluded. Never shown to that handler; never addable later."""

    __tablename__ = "case_exclusion"
    __table_args__ = (UniqueConstraint("case_id", "membership_id"),)

    id: Mapped[IntPk]
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="CASCADE"))


class Message(db.Model):  # type: ignore[name-defined,misc]
    """One sealed item in the case thread: a message, an internal note, or an addition."""

    __tablename__ = "message"
    __table_args__ = (
        UniqueConstraint("case_id", "seq"),
        CheckConstraint(check_sql("sender", SENDERS), name="sender"),
        CheckConstraint(check_sql("kind", MESSAGE_KINDS), name="kind"),
    )

    id: Mapped[IntPk]
    public_id: Mapped[PublicId]
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    sender: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16), default="message")
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("membership.id", ondelete="SET NULL"), default=None
    )
    # Envelope v1: sealed to the reporter and the case's handlers (a `note`: handlers only).
    body: Mapped[str | None] = mapped_column(Text)
    created_on: Mapped[date] = mapped_column(Date)
    read_by_reporter: Mapped[bool] = mapped_column(Boolean, default=False)

    case: Mapped[Case] = relationship(back_populates="messages")
    author: Mapped[Membership | None] = relationship()


class Attachment(db.Model):  # type: ignore[name-defined,misc]
    """An encrypted file: a stream v1 in chunks, its key and its metadata in envelopes."""

    __tablename__ = "attachment"

    id: Mapped[IntPk]
    public_id: Mapped[PublicId]
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("message.id", ondelete="CASCADE"), default=None
    )
    sender: Mapped[str] = mapped_column(String(16), default="reporter")
    key: Mapped[str | None] = mapped_column(Text)  # envelope v1 of the stream's file key
    meta: Mapped[str | None] = mapped_column(Text)  # envelope v1 of {name, type, size}
    header: Mapped[bytes | None] = mapped_column(LargeBinary)  # stream v1 header
    size: Mapped[int] = mapped_column(Integer, default=0)  # ciphertext bytes stored
    chunk_count: Mapped[int] = mapped_column(Integer, default=0)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    created_on: Mapped[date] = mapped_column(Date)

    case: Mapped[Case] = relationship(back_populates="attachments")
    chunks: Mapped[list[AttachmentChunk]] = relationship(
        cascade="all, delete-orphan", order_by="AttachmentChunk.seq", lazy="raise"
    )


class AttachmentChunk(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "attachment_chunk"

    attachment_id: Mapped[int] = mapped_column(
        ForeignKey("attachment.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Assessment(db.Model):  # type: ignore[name-defined,misc]
    """The handler's structured assessment: what workflow and statistics run on.

    Plaintext by design (design.md section 2); it survives the retention purge.
    """

    __tablename__ = "assessment"
    __table_args__ = (
        CheckConstraint(check_sql("nature", NATURE), name="nature"),
        CheckConstraint(check_sql("frequency", FREQUENCY), name="frequency"),
        CheckConstraint(check_sql("relation", RELATION), name="relation"),
        CheckConstraint(check_sql("power", POWER), name="power"),
        CheckConstraint(check_sql("consequences", CONSEQUENCES), name="consequences"),
        CheckConstraint("level BETWEEN 1 AND 5", name="level"),
    )

    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), primary_key=True)
    model_version: Mapped[str] = mapped_column(String(16))
    nature: Mapped[str] = mapped_column(String(24))
    frequency: Mapped[str] = mapped_column(String(16))
    relation: Mapped[str] = mapped_column(String(16))
    power: Mapped[str] = mapped_column(String(16))
    consequences: Mapped[str] = mapped_column(String(16))
    criminal: Mapped[bool] = mapped_column(Boolean, default=False)
    level: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str | None] = mapped_column(String(32), default=None)
    assessed_on: Mapped[date] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    case: Mapped[Case] = relationship()
    aggravating: Mapped[list[AssessmentAggravating]] = relationship(cascade="all, delete-orphan")
    reactions: Mapped[list[CaseReaction]] = relationship(cascade="all, delete-orphan")
    referrals: Mapped[list[CaseReferral]] = relationship(cascade="all, delete-orphan")


class AssessmentAggravating(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "assessment_aggravating"
    __table_args__ = (CheckConstraint(check_sql("code", AGGRAVATING), name="code"),)

    case_id: Mapped[int] = mapped_column(
        ForeignKey("assessment.case_id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(32), primary_key=True)


class CaseReaction(db.Model):  # type: ignore[name-defined,misc]
    """A reaction the handler recorded as chosen (codes from casework.seriousness)."""

    __tablename__ = "case_reaction"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("assessment.case_id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(40), primary_key=True)


class CaseReferral(db.Model):  # type: ignore[name-defined,misc]
    """A referral the handler recorded as given (codes from the referral directory)."""

    __tablename__ = "case_referral"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("assessment.case_id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
