"""Cases and everything sealed inside them.

The server sees which organisation a case belongs to, its state and deadlines (dates
only), who may read it, and the handler's structured assessment. Everything a person
wrote is an envelope v1 (JSON text) or an attachment stream: ciphertext only.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.models import Membership, Organisation
from casework.vocabulary import (
    AGGRAVATING,
    CONSEQUENCES,
    CONTEXT,
    EMPLOYER_ACTION_SOURCES,
    EMPLOYER_ACTIONS,
    EXPLICITNESS,
    FREQUENCY,
    HANDOFF_KINDS,
    HANDOFF_RECIPIENTS,
    KINDS,
    NATURE,
    OUTCOMES,
    POWER,
    PRIOR,
    REACTIONS,
    RELATION,
    RISK_FACTORS,
    STATES,
    check_sql,
)
from trygg.database import IntPk, PublicId, db, utcnow

SENDERS = ("reporter", "handler")
MESSAGE_KINDS = ("message", "note", "addition", "consent")


class Case(db.Model):  # type: ignore[name-defined]
    __tablename__ = "case"
    __table_args__ = (
        CheckConstraint(check_sql("state", STATES), name="state"),
        # The retention purge looks for closed cases by closing date.
        Index("ix_case_state_closed_on", "state", "closed_on"),
    )

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
    # The first day a handler sent the reporter feedback on what is being done (the
    # three-month deadline is kept when this is on or before feedback_by).
    feedback_on: Mapped[date | None] = mapped_column(Date, default=None)
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
    handoffs: Mapped[list[Handoff]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Handoff.id"
    )

    @property
    def context(self) -> str:
        """The envelope context that binds a sealed item to this organisation and case."""
        return f"org:{self.organisation.public_id}/case:{self.public_id}"


class CaseHandler(db.Model):  # type: ignore[name-defined]
    """A handler the case's content is sealed to."""

    __tablename__ = "case_handler"
    __table_args__ = (
        UniqueConstraint("case_id", "membership_id"),
        # The inbox: a handler's cases, straight from the index.
        Index("ix_case_handler_membership_case", "membership_id", "case_id"),
    )

    id: Mapped[IntPk]
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="CASCADE"))
    added_on: Mapped[date] = mapped_column(Date)

    case: Mapped[Case] = relationship(back_populates="handlers")
    membership: Mapped[Membership] = relationship()


class CaseExclusion(db.Model):  # type: ignore[name-defined]
    """A handler the reporter excluded. Never shown to that handler; never addable later.

    It names the person, not their membership: an admin removing the handler's role and
    appointing them again must not lift it. RESTRICT: a person with an exclusion cannot be
    deleted (their id must never come back as somebody else's).
    """

    __tablename__ = "case_exclusion"
    __table_args__ = (UniqueConstraint("case_id", "person_id"),)

    id: Mapped[IntPk]
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="RESTRICT"))


class Message(db.Model):  # type: ignore[name-defined]
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
    # A keyed hash of the sender's idempotency key (services.message_digest): a resend after
    # a lost answer finds the item stored the first time instead of storing it twice.
    idempotency: Mapped[bytes | None] = mapped_column(LargeBinary(32), unique=True, default=None)

    case: Mapped[Case] = relationship(back_populates="messages")
    author: Mapped[Membership | None] = relationship()


class Attachment(db.Model):  # type: ignore[name-defined]
    """An encrypted file: a stream v1 in chunks, its key and its metadata in envelopes."""

    __tablename__ = "attachment"

    id: Mapped[IntPk]
    public_id: Mapped[PublicId]
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    # Indexed: deleting messages (the retention purge) checks this foreign key per row.
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("message.id", ondelete="CASCADE"), default=None, index=True
    )
    sender: Mapped[str] = mapped_column(String(16), default="reporter")
    key: Mapped[str | None] = mapped_column(Text)  # envelope v1 of the stream's file key
    meta: Mapped[str | None] = mapped_column(Text)  # envelope v1 of {name, type, size}
    header: Mapped[bytes | None] = mapped_column(LargeBinary)  # stream v1 header
    size: Mapped[int] = mapped_column(Integer, default=0)  # ciphertext bytes stored
    chunk_count: Mapped[int] = mapped_column(Integer, default=0)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    created_on: Mapped[date] = mapped_column(Date)
    # The plaintext size the sender announced when starting the upload: what the daily
    # budget was charged, and the most the stream may hold (None: stored before it existed).
    declared_size: Mapped[int | None] = mapped_column(BigInteger, default=None)

    case: Mapped[Case] = relationship(back_populates="attachments")
    chunks: Mapped[list[AttachmentChunk]] = relationship(
        cascade="all, delete-orphan", order_by="AttachmentChunk.seq", lazy="raise"
    )


class ReceiptReplay(db.Model):  # type: ignore[name-defined]
    """How long, and for which content, the no-JavaScript form's receipt may be shown again
    (reporting/replay.py). Keyed hashes under their own purpose, so a row cannot be joined
    to its case without the server secret; each row is deleted once it expires, so the
    minute a report arrived is kept for minutes only."""

    __tablename__ = "receipt_replay"

    id: Mapped[IntPk]
    key_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    fields_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    expires_at: Mapped[datetime] = mapped_column(index=True)


class IntakeDay(db.Model):  # type: ignore[name-defined]
    """Bytes of attachments an organisation accepted on one day (the daily intake budget,
    casework.intake.charge_budget). A day, never a time; rows older than a week go."""

    __tablename__ = "intake_day"
    __table_args__ = (UniqueConstraint("organisation_id", "day"),)

    id: Mapped[IntPk]
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE")
    )
    day: Mapped[date] = mapped_column(Date)
    total: Mapped[int] = mapped_column(BigInteger, default=0)


class AttachmentChunk(db.Model):  # type: ignore[name-defined]
    __tablename__ = "attachment_chunk"

    attachment_id: Mapped[int] = mapped_column(
        ForeignKey("attachment.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Assessment(db.Model):  # type: ignore[name-defined]
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
        CheckConstraint(check_sql("outcome", OUTCOMES), name="outcome"),
        CheckConstraint(check_sql("kind", KINDS), name="kind"),
        CheckConstraint(check_sql("explicitness", EXPLICITNESS), name="explicitness"),
        CheckConstraint(check_sql("prior", PRIOR), name="prior"),
    )

    case_id: Mapped[int] = mapped_column(
        ForeignKey("case.id", ondelete="CASCADE"), primary_key=True
    )
    model_version: Mapped[str] = mapped_column(String(16))
    # What the case is about (design.md section 6); version 1 assessments were all about
    # sexual harassment.
    kind: Mapped[str] = mapped_column(
        String(24), default="sexual_harassment", server_default="sexual_harassment"
    )
    # Model v2 factors; NULL on an assessment saved under version 1.
    explicitness: Mapped[str | None] = mapped_column(String(24), default=None)
    prior: Mapped[str | None] = mapped_column(String(16), default=None)
    minor_involved: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
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
    contexts: Mapped[list[AssessmentContext]] = relationship(cascade="all, delete-orphan")
    risk_factors: Mapped[list[AssessmentRiskFactor]] = relationship(
        cascade="all, delete-orphan"
    )
    employer_actions: Mapped[list[EmployerAction]] = relationship(
        cascade="all, delete-orphan", order_by="EmployerAction.decided_on"
    )


class AssessmentContext(db.Model):  # type: ignore[name-defined]
    __tablename__ = "assessment_context"
    __table_args__ = (CheckConstraint(check_sql("code", CONTEXT), name="code"),)

    case_id: Mapped[int] = mapped_column(
        ForeignKey("assessment.case_id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(32), primary_key=True)


class AssessmentRiskFactor(db.Model):  # type: ignore[name-defined]
    """A risk factor of the brochure's ten (design.md section 8): the join key to prevention."""

    __tablename__ = "assessment_risk_factor"
    __table_args__ = (CheckConstraint(check_sql("code", RISK_FACTORS), name="code"),)

    case_id: Mapped[int] = mapped_column(
        ForeignKey("assessment.case_id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(32), primary_key=True)


class EmployerAction(db.Model):  # type: ignore[name-defined]
    """What the employer actually did, from its answer: what the statistics count.

    Recorded by a handler with the date the employer decided and where the handler learnt
    it; separate from the handler's recommendations (CaseReaction).
    """

    __tablename__ = "employer_action"
    __table_args__ = (
        CheckConstraint(check_sql("code", EMPLOYER_ACTIONS), name="code"),
        CheckConstraint(check_sql("source", EMPLOYER_ACTION_SOURCES), name="source"),
    )

    case_id: Mapped[int] = mapped_column(
        ForeignKey("assessment.case_id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    decided_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(16))


class AssessmentAggravating(db.Model):  # type: ignore[name-defined]
    __tablename__ = "assessment_aggravating"
    __table_args__ = (CheckConstraint(check_sql("code", AGGRAVATING), name="code"),)

    case_id: Mapped[int] = mapped_column(
        ForeignKey("assessment.case_id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(32), primary_key=True)


class CaseReaction(db.Model):  # type: ignore[name-defined]
    """A reaction the handler recommended to the employer (codes from casework.seriousness)."""

    __tablename__ = "case_reaction"
    __table_args__ = (CheckConstraint(check_sql("code", REACTIONS), name="code"),)

    case_id: Mapped[int] = mapped_column(
        ForeignKey("assessment.case_id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(40), primary_key=True)


class CaseReferral(db.Model):  # type: ignore[name-defined]
    """A referral the handler recorded as given (codes from the referral directory)."""

    __tablename__ = "case_referral"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("assessment.case_id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(40), primary_key=True)


class Handoff(db.Model):  # type: ignore[name-defined]
    """An anonymised summary for the employer, written by a handler.

    Sealed in the handler's browser to the reporter and the case's handlers (context
    `<case context>/handoff`), so the reporter can read what they are asked to agree to.
    Released only after a reporter message of kind "consent" later in the thread than
    the summary (`after_seq`); the handler then prints or downloads it from their browser
    and gives it to the employer (docs/casework.md).
    """

    __tablename__ = "handoff"
    __table_args__ = (
        CheckConstraint(check_sql("kind", HANDOFF_KINDS), name="kind"),
        CheckConstraint(check_sql("recipient", HANDOFF_RECIPIENTS), name="recipient"),
    )

    id: Mapped[IntPk]
    public_id: Mapped[PublicId]
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    summary: Mapped[str | None] = mapped_column(Text)  # envelope v1; NULL after the purge
    # The thread's last seq when the summary was saved: consent must come after it.
    after_seq: Mapped[int] = mapped_column(Integer, default=0)
    created_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("membership.id", ondelete="SET NULL"), default=None
    )
    released_on: Mapped[date | None] = mapped_column(Date, default=None)
    released_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("membership.id", ondelete="SET NULL"), default=None
    )
    # Issue 12 (casework/handoff.py): which kind, which version of the text the reporter
    # agreed to, and who receives it. A consent counts only for `version`.
    kind: Mapped[str] = mapped_column(String(16), default="anonymised",
                                      server_default="anonymised")
    names_reporter: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    recipient: Mapped[str | None] = mapped_column(String(16), default=None)
    recipient_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), default=None
    )
    recipient_above_accused: Mapped[bool] = mapped_column(Boolean, default=False,
                                                          server_default=false())
    consent_version: Mapped[int | None] = mapped_column(Integer, default=None)
    consented_on: Mapped[date | None] = mapped_column(Date, default=None)
    consent_withdrawn_on: Mapped[date | None] = mapped_column(Date, default=None)

    case: Mapped[Case] = relationship(back_populates="handoffs")


class AuditEntry(db.Model):  # type: ignore[name-defined]
    """One staff, admin or system action, chained to the one before it by HMAC-SHA256.

    hash = HMAC-SHA256(chain key derived from the server secret, canonical JSON of every
    column but `hash`, including prev_hash) (casework/chain.py), so an edited, deleted or
    reordered entry breaks the chain; AuditHead holds the latest seq and hash so that
    dropping entries from the end is caught too (`flask audit verify`).

    The references (organisation, case, actor membership) are plain ids without foreign
    keys on purpose: deleting a person or an organisation must neither cascade into the log
    nor rewrite it. Staff actions carry a precise time; no reporter action is ever logged.
    """

    __tablename__ = "audit_entry"
    __table_args__ = (
        CheckConstraint("outcome IN ('ok', 'refused')", name="outcome"),
        Index("ix_audit_entry_case", "case_id", "seq"),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    organisation_id: Mapped[int | None] = mapped_column(Integer, index=True)
    case_id: Mapped[int | None] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column(Integer)  # a membership id; NULL: the system
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(String(120), default="")
    outcome: Mapped[str] = mapped_column(String(8), default="ok")
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)


class AuditHead(db.Model):  # type: ignore[name-defined]
    """The chain's tip: one row, locked while an entry is appended."""

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    # HMAC under the chain key of (seq, hash) (casework.chain.head_mac): moving the head
    # back after deleting the newest entries needs the secret. None: not sealed yet (a
    # database from before this column; `flask audit seal-head`).
    mac: Mapped[bytes | None] = mapped_column(LargeBinary(32), default=None)
