"""Productions, risk mappings and the made-known and talk logs."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.models import Organisation
from prevention.documents import check_participants
from prevention.errors import Invalid
from prevention.models import MadeKnown, Mapping, MappingFactor, Production, Talk
from prevention.vocabulary import (
    CUSTOM_PREFIX,
    CUSTOM_SLUG,
    FORUMS,
    MADE_KNOWN_ARTEFACTS,
    MADE_KNOWN_CHANNELS,
    PRODUCTION_KINDS,
    RELEVANCE,
    RISK_FACTORS,
    SITUATIONS,
    TALK_OCCASIONS,
    TALK_TOPICS,
)

NAME_MAX = 200


def productions(session: Session, org: Organisation) -> list[Production]:
    return list(session.scalars(select(Production).where(Production.organisation_id == org.id)
                                .order_by(Production.starts_on.desc(), Production.id)))


def production(session: Session, org: Organisation, public_id: uuid.UUID) -> Production | None:
    return session.scalar(select(Production).where(
        Production.organisation_id == org.id, Production.public_id == public_id))


def save_production(session: Session, org: Organisation, found: Production | None, *,
                    name: str, kind: str, starts_on: date | None, ends_on: date | None,
                    has_minors: bool, has_intimate_work: bool, contacts: str) -> Production:
    name = (name or "").strip()
    if not name:
        raise Invalid("name", "required")
    if len(name) > NAME_MAX:
        raise Invalid("name", "too_long")
    if kind not in PRODUCTION_KINDS:
        raise Invalid("kind", "unknown")
    if starts_on is None:
        raise Invalid("starts_on", "required")
    if ends_on is None:
        raise Invalid("ends_on", "required")
    if ends_on < starts_on:
        raise Invalid("ends_on", "before_start")
    target = found or Production(organisation_id=org.id)
    target.name, target.kind, target.starts_on, target.ends_on = name, kind, starts_on, ends_on
    target.has_minors, target.has_intimate_work = bool(has_minors), bool(has_intimate_work)
    target.contacts = (contacts or "").strip()[:2000]
    if found is None:
        session.add(target)
    session.flush()
    return target


# --- risk mapping -------------------------------------------------------------------------

def mappings(session: Session, org: Organisation,
             production: Production | None) -> list[Mapping]:
    stmt = select(Mapping).where(Mapping.organisation_id == org.id)
    stmt = stmt.where(Mapping.production_id.is_(None) if production is None
                      else Mapping.production_id == production.id)
    return list(session.scalars(stmt.order_by(Mapping.created_on.desc(), Mapping.id.desc())))


def latest_agreed(session: Session, org: Organisation,
                  production: Production | None = None) -> Mapping | None:
    for found in mappings(session, org, production):
        if found.agreed_on is not None:
            return found
    return None


def mapping(session: Session, org: Organisation, public_id: uuid.UUID) -> Mapping | None:
    return session.scalar(select(Mapping).where(
        Mapping.organisation_id == org.id, Mapping.public_id == public_id))


def start_mapping(session: Session, org: Organisation, production: Production | None,
                  on: date, method: str = "workshop") -> Mapping:
    """A new mapping over the ten factors, carrying over the custom factors and the answers
    of the scope's latest mapping (or, for a production, the organisation's)."""
    if method not in ("workshop", "survey", "both"):
        raise Invalid("method", "unknown")
    previous = next(iter(mappings(session, org, production)), None)
    if previous is None and production is not None:
        previous = latest_agreed(session, org, None)
    new = Mapping(organisation_id=org.id, production_id=production.id if production else None,
                  method=method, created_on=on, forum="", participants={})
    carried = {f.code: f for f in previous.factors} if previous else {}
    codes = list(RISK_FACTORS) + [c for c in carried if c not in RISK_FACTORS]
    for code in codes:
        old = carried.get(code)
        new.factors.append(MappingFactor(
            code=code, custom_label=old.custom_label if old else "",
            relevance=old.relevance if old else 0,
            situations=list(old.situations) if old else [],
            existing_measures=old.existing_measures if old else "",
            proposed_rules=old.proposed_rules if old else "",
            proposed_routines=old.proposed_routines if old else "",
            owner=old.owner if old else "", due_on=old.due_on if old else None))
    session.add(new)
    session.flush()
    return new


def add_custom_factor(session: Session, found: Mapping, label: str) -> MappingFactor:
    label = (label or "").strip()
    if not label:
        raise Invalid("label", "required")
    if len(label) > 120:
        raise Invalid("label", "too_long")
    slug = _slugify(label)
    if not CUSTOM_SLUG.match(slug):
        raise Invalid("label", "unusable")
    code = CUSTOM_PREFIX + slug
    if any(f.code == code for f in found.factors):
        raise Invalid("label", "duplicate")
    factor = MappingFactor(code=code, custom_label=label, relevance=0, situations=[])
    found.factors.append(factor)
    session.flush()
    return factor


def _slugify(label: str) -> str:
    table = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "ae", "Ø": "o", "Å": "a"})
    out = []
    for ch in label.translate(table).lower():
        out.append(ch if ch.isascii() and ch.isalnum() else "-")
    return "-".join(p for p in "".join(out).split("-") if p)[:40].strip("-")


def update_factor(factor: MappingFactor, *, relevance: int | None, situations: list[str],
                  existing_measures: str, proposed_rules: str, proposed_routines: str,
                  owner: str, due_on: date | None) -> None:
    if relevance not in RELEVANCE:
        raise Invalid("relevance", "range")
    unknown = [s for s in situations if s not in SITUATIONS]
    if unknown:
        raise Invalid("situations", "unknown")
    factor.relevance = relevance
    factor.situations = [s for s in SITUATIONS if s in situations]
    factor.existing_measures = (existing_measures or "").strip()[:2000]
    factor.proposed_rules = (proposed_rules or "").strip()[:2000]
    factor.proposed_routines = (proposed_routines or "").strip()[:2000]
    factor.owner = (owner or "").strip()[:120]
    factor.due_on = due_on


def agree_mapping(found: Mapping, *, agreed_on: date | None, forum: str,
                  participants: dict[str, int | None], today: date) -> None:
    if agreed_on is None:
        raise Invalid("agreed_on", "required")
    if agreed_on > today:
        raise Invalid("agreed_on", "future")
    if forum not in FORUMS:
        raise Invalid("forum", "required")
    counts = check_participants(participants)
    if not counts:
        raise Invalid("employees", "nobody")
    found.agreed_on, found.forum, found.participants = agreed_on, forum, counts


# --- logs ----------------------------------------------------------------------------------

def log_made_known(session: Session, org: Organisation, production: Production | None, *,
                   on: date | None, channel: str, artefacts: list[str],
                   audience: int | None, today: date) -> MadeKnown:
    if on is None:
        raise Invalid("on_date", "required")
    if on > today:
        raise Invalid("on_date", "future")
    if channel not in MADE_KNOWN_CHANNELS:
        raise Invalid("channel", "unknown")
    if not artefacts or any(a not in MADE_KNOWN_ARTEFACTS for a in artefacts):
        raise Invalid("artefacts", "required")
    if audience is not None and not 0 <= audience <= 10_000:
        raise Invalid("audience", "range")
    event = MadeKnown(organisation_id=org.id,
                      production_id=production.id if production else None, on_date=on,
                      channel=channel, artefacts=[a for a in MADE_KNOWN_ARTEFACTS
                                                  if a in artefacts], audience=audience)
    session.add(event)
    session.flush()
    return event


def log_talk(session: Session, org: Organisation, production: Production | None, *,
             on: date | None, occasion: str, topics: list[str], participants: int | None,
             today: date) -> Talk:
    if on is None:
        raise Invalid("on_date", "required")
    if on > today:
        raise Invalid("on_date", "future")
    if occasion not in TALK_OCCASIONS:
        raise Invalid("occasion", "unknown")
    if any(t not in TALK_TOPICS for t in topics):
        raise Invalid("topics", "unknown")
    if participants is None or not 0 <= participants <= 10_000:
        raise Invalid("participants", "range")
    talk = Talk(organisation_id=org.id, production_id=production.id if production else None,
                on_date=on, occasion=occasion, topics=[t for t in TALK_TOPICS if t in topics],
                participants=participants)
    session.add(talk)
    session.flush()
    return talk


def made_known(session: Session, org: Organisation,
               production: Production | None = None) -> list[MadeKnown]:
    stmt = select(MadeKnown).where(MadeKnown.organisation_id == org.id)
    if production is not None:
        stmt = stmt.where(MadeKnown.production_id == production.id)
    return list(session.scalars(stmt.order_by(MadeKnown.on_date.desc(), MadeKnown.id.desc())))


def talks(session: Session, org: Organisation,
          production: Production | None = None) -> list[Talk]:
    stmt = select(Talk).where(Talk.organisation_id == org.id)
    if production is not None:
        stmt = stmt.where(Talk.production_id == production.id)
    return list(session.scalars(stmt.order_by(Talk.on_date.desc(), Talk.id.desc())))


def as_dict(obj: Any) -> dict[str, Any]:
    return {c.key: getattr(obj, c.key) for c in obj.__table__.columns}
