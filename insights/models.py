"""Frozen releases of statistics.

Once a period has been released its figures never change, whatever happens to the cases
behind them afterwards (a revised assessment, a reopened case, a member joining or
leaving an umbrella, a new k): a leader comparing two views can only ever see new
periods appear. `raw` keeps the true counts the release was computed from (the later
year totals and their complementary suppression need them); `shown` is what was
published, with suppressed cells marked. Both are aggregates the database already holds
in finer form, so storing them reveals nothing new.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from casework.models import Case
from trygg.database import IntPk, db, utcnow

SCOPES = ("org", "members")
KINDS = ("period", "year")


class StatsRelease(db.Model):  # type: ignore[name-defined]
    """One released period (kind "period") or one year's totals (kind "year")."""

    __tablename__ = "stats_release"
    __table_args__ = (
        UniqueConstraint("organisation_id", "scope", "kind", "starts_on", name="period"),
        CheckConstraint("scope IN ('org', 'members')", name="scope"),
        CheckConstraint("kind IN ('period', 'year')", name="kind"),
        CheckConstraint("grain IN ('quarter', 'half', 'year')", name="grain"),
        CheckConstraint("k >= 3", name="k"),
    )

    id: Mapped[IntPk]
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE")
    )
    # "org": the organisation's own cases; "members": an umbrella's member organisations.
    scope: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(8))
    grain: Mapped[str] = mapped_column(String(8))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    k: Mapped[int] = mapped_column(Integer)
    raw: Mapped[dict[str, Any]] = mapped_column(JSON)
    shown: Mapped[dict[str, Any]] = mapped_column(JSON)
    released_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# The statistics' queries pick an organisation's (or an umbrella's members') cases by the
# date they were received: the planner's per-quarter counts run as an index-only scan on
# this, and a release of one new quarter reads that quarter's cases only, not the whole
# history (docs/performance.md, "Insights"). Declared here, next to the queries that need
# it; it lives on casework's table.
Index("ix_case_organisation_received", Case.organisation_id, Case.received_on)
