"""Organisations, people and their roles."""

from __future__ import annotations

import uuid
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, Query, mapped_column, relationship

from trygg.database import IntPk, PublicId, db, utcnow

ROLE_VALUES = ("admin", "handler", "leader", "coordinator")
SLUG_PATTERN = "^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$"


class Organisation(db.Model):  # type: ignore[name-defined]
    __tablename__ = "organisation"
    __table_args__ = (
        CheckConstraint("acknowledge_days BETWEEN 1 AND 90", name="acknowledge_days"),
        CheckConstraint("feedback_days BETWEEN 7 AND 365", name="feedback_days"),
        CheckConstraint("retention_days BETWEEN 30 AND 3650", name="retention_days"),
        CheckConstraint("stats_k >= 3", name="stats_k"),
    )

    id: Mapped[IntPk]
    public_id: Mapped[PublicId]
    slug: Mapped[str] = mapped_column(String(48), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # The public page, as the admin writes it (shown verbatim, escaped).
    standpoint: Mapped[str] = mapped_column(Text, default="")
    rules: Mapped[str] = mapped_column(Text, default="")
    routines: Mapped[str] = mapped_column(Text, default="")
    consequences: Mapped[str] = mapped_column(Text, default="")
    # Settings. Defaults: EU whistleblowing directive practice (7 days / 3 months) and a
    # retention of three years after closing, matching Diskrimineringsnemnda's complaint
    # window (docs/retention.md).
    acknowledge_days: Mapped[int] = mapped_column(Integer, default=7)
    feedback_days: Mapped[int] = mapped_column(Integer, default=90)
    retention_days: Mapped[int] = mapped_column(Integer, default=3 * 365)
    stats_k: Mapped[int] = mapped_column(Integer, default=5)
    # An umbrella body (a network of member organisations) sees its members' statistics.
    umbrella_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )
    umbrella: Mapped[Organisation | None] = relationship(remote_side="Organisation.id")

    def members(self, role: str) -> list[Membership]:
        return [m for m in self.memberships if m.role == role and m.ended_at is None]


class Person(UserMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "person"

    id: Mapped[IntPk]
    public_id: Mapped[PublicId]
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    # TOTP secret, encrypted under a key derived from the server secret (crypto.fieldbox).
    totp_secret: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    totp_last_step: Mapped[int] = mapped_column(Integer, default=0)
    # Wrong codes in a row, from any address; enough of them pause code sign-in until
    # totp_locked_until (services.check_code).
    totp_failures: Mapped[int] = mapped_column(Integer, default=0)
    totp_locked_until: Mapped[datetime | None] = mapped_column(default=None)
    # One-time backup codes (accounts.recovery): a JSON list of keyed hashes; None: none.
    backup_codes: Mapped[str | None] = mapped_column(Text, default=None)
    # An admin reset the second factor: a new one can be set up only through the mailed
    # single-use link with this SHA-256 (accounts.recovery.reset_second_factor).
    totp_reset_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32), default=None)
    totp_reset_expires: Mapped[datetime | None] = mapped_column(default=None)
    # Handler key custody (crypto.keywrap): the public key in clear, the private key only
    # wrapped under a passphrase and under a recovery code the server never sees.
    # Unique: two people with one key would make every seal to both fail ("duplicate
    # recipient"). NULLs (no key yet) do not collide.
    public_key: Mapped[bytes | None] = mapped_column(LargeBinary(32), unique=True, default=None)
    wrapped_private_key: Mapped[str | None] = mapped_column(Text, default=None)
    recovery_wrapped_key: Mapped[str | None] = mapped_column(Text, default=None)
    key_created_at: Mapped[datetime | None] = mapped_column(default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Part of every session's id (get_id): raising it signs the person out everywhere, even
    # a copied session cookie (services.end_sessions).
    session_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="person", cascade="all, delete-orphan"
    )

    def get_id(self) -> str:
        """What the session stores; accounts.views.load_user refuses an old version."""
        return f"{self.public_id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def has_totp(self) -> bool:
        return self.totp_secret is not None

    @property
    def needs_totp(self) -> bool:
        """Admins and handlers must use a second factor; leaders may."""
        return any(m.role in ("admin", "handler") for m in self.memberships)

    @property
    def needs_key(self) -> bool:
        """A handler without a key pair cannot receive reports; enrolment comes first."""
        return self.public_key is None and any(m.role == "handler" for m in self.memberships)

    def memberships_query(self) -> Query[Membership]:
        return db.session.query(Membership).filter(Membership.person_id == self.id)

    def roles_in(self, organisation: Organisation) -> set[str]:
        return {m.role for m in self.memberships
                if m.organisation_id == organisation.id and m.ended_at is None}


class Membership(db.Model):  # type: ignore[name-defined]
    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("person_id", "organisation_id", "role"),
        CheckConstraint("role IN ('admin', 'handler', 'leader', 'coordinator')", name="role"),
    )

    id: Mapped[IntPk]
    public_id: Mapped[PublicId]
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    # What reporters see for a handler, e.g. "Verneombud" or "Ekstern rådgiver".
    title: Mapped[str] = mapped_column(String(120), default="")
    # An advisor outside the organisation: the fallback when every internal handler is
    # excluded by the reporter.
    external: Mapped[bool] = mapped_column(Boolean, default=False)
    # Two-person appointment (design.md section 5): a handler receives reports only while
    # their public key equals the key an existing handler of the organisation (or, for the
    # organisation's first handler, the operator) confirmed. A changed key needs a new
    # confirmation. confirmed_by_id is the confirming handler's membership (None: operator).
    confirmed_key: Mapped[bytes | None] = mapped_column(LargeBinary(32), default=None)
    confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
    confirmed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("membership.id", ondelete="SET NULL"), default=None
    )
    # A removed handler who was still the only reader of a case: they receive nothing new
    # and are invisible to the admin, but keep those cases until they hand them over. The
    # admin sees the same answer either way (accounts.admin.remove_membership).
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")


class Invitation(db.Model):  # type: ignore[name-defined]
    """A single-use, expiring link; only a hash of its token is stored."""

    __tablename__ = "invitation"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'handler', 'leader', 'coordinator')", name="role"),
    )

    id: Mapped[IntPk]
    public_id: Mapped[PublicId]
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(120), default="")
    external: Mapped[bool] = mapped_column(Boolean, default=False)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()


__all__ = ["ROLE_VALUES", "Invitation", "Membership", "Organisation", "Person", "uuid"]
