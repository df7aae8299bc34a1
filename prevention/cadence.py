"""«Snakk om det»: when a conversation is due, and reminders to the coordinators.

Due: at each production's start and halfway through productions of four weeks or more;
in every organisation, a staff-meeting talk each season (spring: January–June, autumn:
July–December). A talk is due until one with that occasion is logged for the scope (and,
for the season, inside the season). Reminders go out 7 days before, on the day and 7 days
after a due date, so the daily job mails at most three times about one talk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.models import Membership, Organisation
from prevention.models import Production, Talk

REMIND_OFFSETS = (-7, 0, 7)
HALFWAY_MIN_DAYS = 28


@dataclass(frozen=True)
class DueTalk:
    organisation: Organisation
    production: Production | None
    occasion: str
    on: date


def _season_start(day: date) -> date:
    return date(day.year, 1 if day.month <= 6 else 7, 1)


def due_talks(session: Session, org: Organisation, today: date) -> list[DueTalk]:
    talks = list(session.scalars(select(Talk).where(Talk.organisation_id == org.id)))
    out = []
    for production in session.scalars(select(Production).where(
            Production.organisation_id == org.id, Production.ends_on >= today - timedelta(
                days=max(REMIND_OFFSETS)))):
        mine = {t.occasion for t in talks if t.production_id == production.id}
        if "production_start" not in mine:
            out.append(DueTalk(org, production, "production_start", production.starts_on))
        length = (production.ends_on - production.starts_on).days
        if length >= HALFWAY_MIN_DAYS and "halfway" not in mine:
            out.append(DueTalk(org, production, "halfway",
                               production.starts_on + timedelta(days=length // 2)))
    season = _season_start(today)
    if not any(t.occasion == "staff_meeting" and t.on_date >= season for t in talks):
        out.append(DueTalk(org, None, "staff_meeting", season + timedelta(days=60)))
    return out


def reminders(session: Session, today: date) -> dict[Membership, list[DueTalk]]:
    """Per coordinator (active), the talks whose reminder day is today."""
    out: dict[Membership, list[DueTalk]] = {}
    for org in session.scalars(select(Organisation).order_by(Organisation.id)):
        todays = [d for d in due_talks(session, org, today)
                  if (today - d.on).days in REMIND_OFFSETS]
        if not todays:
            continue
        for membership in org.members("coordinator"):
            if membership.person.active:
                out.setdefault(membership, []).extend(todays)
    return out
