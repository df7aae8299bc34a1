"""Prevention records: productions, risk mappings, versioned documents and logs.

Nothing here refers to a case. Who took part is recorded as counts per role
(vocabulary.PARTICIPANT_ROLES), never as names.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.models import Organisation
from prevention.vocabulary import (
    BALANSEMERKET_STEPS,
    DOCUMENT_KINDS,
    MADE_KNOWN_CHANNELS,
    PRODUCTION_KINDS,
    TALK_OCCASIONS,
    check_sql,
)
from trygg.database import IntPk, PublicId, db, utcnow


def OrgFk() -> ForeignKey:
    return ForeignKey("organisation.id", ondelete="CASCADE")


def ProductionFk() -> ForeignKey:
    return ForeignKey("prevention_production.id", ondelete="CASCADE")


class Production(db.Model):  # type: ignore[name-defined]
    """A show, a tour, a shoot: it comes and goes, and inherits the organisation's
    published rules, routines and consequences."""

    __tablename__ = "prevention_production"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="dates"),
        CheckConstraint(check_sql("kind", PRODUCTION_KINDS), name="kind"),
    )

    id: Mapped[IntPk]
    public_id: Mapped[PublicId]
    organisation_id: Mapped[int] = mapped_column(OrgFk(), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    has_minors: Mapped[bool] = mapped_column(Boolean, default=False)
    has_intimate_work: Mapped[bool] = mapped_column(Boolean, default=False)
    # Whom people in this production can talk to (e.g. the production's contact person
    # for freelancers and volunteers); shown on its reporter page.
    contacts: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()


class Agreement:
    """How something was agreed: date, forum and how many took part, by role."""

    agreed_on: Mapped[date | None] = mapped_column(Date, default=None)
    forum: Mapped[str] = mapped_column(String(32), default="")
    participants: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    @property
    def participant_total(self) -> int:
        return sum(int(v) for v in (self.participants or {}).values())


class Mapping(Agreement, db.Model):  # type: ignore[name-defined]
    """One risk mapping of an organisation or a production (a workshop or a survey)."""

    __tablename__ = "prevention_mapping"
    __table_args__ = (CheckConstraint("method IN ('workshop', 'survey', 'both')",
                                      name="method"),)

    id: Mapped[IntPk]
    public_id: Mapped[PublicId]
    organisation_id: Mapped[int] = mapped_column(OrgFk(), index=True)
    production_id: Mapped[int | None] = mapped_column(ProductionFk(), default=None, index=True)
    method: Mapped[str] = mapped_column(String(16), default="workshop")
    created_on: Mapped[date] = mapped_column(Date)

    factors: Mapped[list[MappingFactor]] = relationship(
        back_populates="mapping", cascade="all, delete-orphan", order_by="MappingFactor.id"
    )
    production: Mapped[Production | None] = relationship()


class MappingFactor(db.Model):  # type: ignore[name-defined]
    """The three questions for one risk factor: where and when, what is done already,
    which rules and routines would help; with an owner and a due date."""

    __tablename__ = "prevention_mapping_factor"
    __table_args__ = (
        UniqueConstraint("mapping_id", "code"),
        CheckConstraint("relevance BETWEEN 0 AND 3", name="relevance"),
    )

    id: Mapped[IntPk]
    mapping_id: Mapped[int] = mapped_column(
        ForeignKey("prevention_mapping.id", ondelete="CASCADE")
    )
    code: Mapped[str] = mapped_column(String(48))
    custom_label: Mapped[str] = mapped_column(String(120), default="")
    relevance: Mapped[int] = mapped_column(Integer, default=0)
    situations: Mapped[list[str]] = mapped_column(JSON, default=list)
    existing_measures: Mapped[str] = mapped_column(Text, default="")
    proposed_rules: Mapped[str] = mapped_column(Text, default="")
    proposed_routines: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(120), default="")
    due_on: Mapped[date | None] = mapped_column(Date, default=None)

    mapping: Mapped[Mapping] = relationship(back_populates="factors")


class Document(Agreement, db.Model):  # type: ignore[name-defined]
    """One version of rules, routines, consequences, the standpoint or the contract clause
    for an organisation (production_id NULL) or a production.

    `content` by kind: rules {"items": [{"question", "text"}]}; routines {section: text};
    consequences {reaction_code: text}; standpoint and clause {"text"}. A published
    version is never edited: editing starts the next version as a draft.
    """

    __tablename__ = "prevention_document"
    __table_args__ = (
        UniqueConstraint("organisation_id", "production_id", "kind", "version"),
        CheckConstraint(check_sql("kind", DOCUMENT_KINDS), name="kind"),
        CheckConstraint("version >= 1", name="version"),
    )

    id: Mapped[IntPk]
    public_id: Mapped[PublicId]
    organisation_id: Mapped[int] = mapped_column(OrgFk(), index=True)
    production_id: Mapped[int | None] = mapped_column(ProductionFk(), default=None, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, default=1)
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    published_on: Mapped[date | None] = mapped_column(Date, default=None)
    # Routines: drawn up with the employees and their representatives (aml § 2A-6 (2)).
    with_representatives: Mapped[bool] = mapped_column(Boolean, default=False)
    # Standpoint: the leader who signed it, and when it was last confirmed.
    signed_by: Mapped[str] = mapped_column(String(200), default="")
    signed_title: Mapped[str] = mapped_column(String(120), default="")
    signed_on: Mapped[date | None] = mapped_column(Date, default=None)
    # Contract clause: included in contracts from this date.
    in_contracts_from: Mapped[date | None] = mapped_column(Date, default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    production: Mapped[Production | None] = relationship()


class MadeKnown(db.Model):  # type: ignore[name-defined]
    """When and how rules, routines or the reporting link were made known."""

    __tablename__ = "prevention_made_known"
    __table_args__ = (CheckConstraint(check_sql("channel", MADE_KNOWN_CHANNELS),
                                      name="channel"),)

    id: Mapped[IntPk]
    public_id: Mapped[PublicId]
    organisation_id: Mapped[int] = mapped_column(OrgFk(), index=True)
    production_id: Mapped[int | None] = mapped_column(ProductionFk(), default=None, index=True)
    on_date: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(24))
    artefacts: Mapped[list[str]] = mapped_column(JSON, default=list)
    audience: Mapped[int | None] = mapped_column(Integer, default=None)

    production: Mapped[Production | None] = relationship()


class Talk(db.Model):  # type: ignore[name-defined]
    """«Snakk om det»: one conversation, workshop or course, logged by occasion."""

    __tablename__ = "prevention_talk"
    __table_args__ = (
        CheckConstraint(check_sql("occasion", TALK_OCCASIONS), name="occasion"),
        CheckConstraint("participants >= 0", name="participants"),
    )

    id: Mapped[IntPk]
    public_id: Mapped[PublicId]
    organisation_id: Mapped[int] = mapped_column(OrgFk(), index=True)
    production_id: Mapped[int | None] = mapped_column(ProductionFk(), default=None, index=True)
    on_date: Mapped[date] = mapped_column(Date)
    occasion: Mapped[str] = mapped_column(String(24))
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    participants: Mapped[int] = mapped_column(Integer, default=0)

    production: Mapped[Production | None] = relationship()


class AnnualReview(db.Model):  # type: ignore[name-defined]
    """The yearly checklist; the report itself is assembled when printed."""

    __tablename__ = "prevention_annual_review"
    __table_args__ = (UniqueConstraint("organisation_id", "year"),)

    id: Mapped[IntPk]
    organisation_id: Mapped[int] = mapped_column(OrgFk())
    year: Mapped[int] = mapped_column(Integer)
    checked: Mapped[list[str]] = mapped_column(JSON, default=list)
    evaluation: Mapped[str] = mapped_column(Text, default="")
    done_on: Mapped[date | None] = mapped_column(Date, default=None)


class BalansemerketStep(db.Model):  # type: ignore[name-defined]
    """The date a Balansemerket step was completed (course, mapping, measures, mark)."""

    __tablename__ = "prevention_balansemerket_step"
    __table_args__ = (
        UniqueConstraint("organisation_id", "step"),
        CheckConstraint(check_sql("step", BALANSEMERKET_STEPS), name="step"),
    )

    id: Mapped[IntPk]
    organisation_id: Mapped[int] = mapped_column(OrgFk())
    step: Mapped[str] = mapped_column(String(16))
    done_on: Mapped[date] = mapped_column(Date)
