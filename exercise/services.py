"""The exercise's domain logic: sessions, join codes, answers, reveal and close.

Functions take the database session explicitly and raise the exceptions below; views turn
them into responses. Nothing here commits.

Concurrency (several gunicorn nodes, one database): an answer reads its session row with a
shared lock (FOR SHARE on PostgreSQL) and a facilitator's change takes it exclusively, so
no answer can land on a scenario after it was revealed or left: what the group saw stays
what it saw.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from crypto import fieldbox
from exercise import content
from exercise.codes import (  # noqa: F401 - part of this module's interface
    ALPHABET,
    CODE_LENGTH,
    code_hash,
    code_of,
    display_code,
    new_code,
    normalise_code,
    token_hash,
)
from exercise.models import (
    ExerciseAnswer,
    ExerciseParticipant,
    ExerciseProposal,
    ExerciseResult,
    ExerciseSession,
)
from exercise.summary import Summary, summarise
from trygg.database import utcnow

MAX_PARTICIPANTS = 1000
MAX_PROPOSALS = 100
PROPOSAL_MAX_CHARS = 500


class ExerciseError(Exception):
    code = "invalid"


class SessionNotFound(ExerciseError):
    """A wrong, malformed or closed join code: always the same answer."""

    code = "not_found"


class ParticipantNotFound(ExerciseError):
    code = "unknown_participant"


class InvalidInput(ExerciseError):
    code = "invalid"


class NotOpen(ExerciseError):
    """The scenario is not the one open for answers (or answers are closed for it)."""

    code = "not_open"


class UnderK(ExerciseError):
    code = "under_k"


class InvalidTransition(ExerciseError):
    code = "invalid_transition"


class Full(ExerciseError):
    code = "full"


# -- sessions -----------------------------------------------------------------------------


def scenario_list(brochure: Sequence[str], custom: Sequence[str]) -> list[dict[str, Any]]:
    """Validate a choice of brochure codes and custom texts; at least one scenario."""
    if len(set(brochure)) != len(brochure) or any(c not in content.SCENARIOS for c in brochure):
        raise InvalidInput("unknown or repeated scenario")
    texts = [" ".join(t.split()) for t in custom]
    if len(texts) > content.MAX_CUSTOM or any(
        not t or len(t) > content.CUSTOM_MAX_CHARS for t in texts
    ):
        raise InvalidInput("custom scenarios: at most 10, each 1–200 characters")
    ordered = [c for c in content.BROCHURE if c in brochure]
    items = [{"code": c} for c in ordered] + [{"text": t} for t in texts]
    if not items:
        raise InvalidInput("no scenarios")
    return items


def perspective_list(codes: Sequence[str] | None) -> list[str]:
    chosen = list(codes) if codes is not None else list(content.DEFAULT_PERSPECTIVES)
    if not chosen or len(set(chosen)) != len(chosen) or any(
        c not in content.PERSPECTIVES for c in chosen
    ):
        raise InvalidInput("unknown, repeated or no perspectives")
    return [c for c in content.PERSPECTIVES if c in chosen]


def create(db: Session, org: Any, person: Any, scenarios: list[dict[str, Any]],
           perspectives: list[str], *, secret: str,
           production: Any = None) -> tuple[ExerciseSession, str]:
    code = new_code()
    ex = ExerciseSession(
        organisation_id=org.id, started_by_id=getattr(person, "id", None),
        production_id=getattr(production, "id", None),
        code_hash=code_hash(code, secret),
        code_sealed=fieldbox.seal(code.encode(), secret, "exercise-code"),
        status="lobby", scenario_idx=0, scenarios=scenarios, perspectives=perspectives,
        revealed=[], k=max(3, int(org.stats_k)),
    )
    db.add(ex)
    db.flush()
    return ex, code


def find(db: Session, code_text: str | None, *, secret: str, lock: str | None = None,
         org_id: int | None = None, closed_too: bool = False) -> ExerciseSession:
    """The session of a join code. Unknown, malformed and (unless `closed_too`) closed codes
    all raise SessionNotFound. `lock`: "share" or "update" (PostgreSQL row locks)."""
    code = normalise_code(code_text)
    if code is None:
        raise SessionNotFound()
    query = select(ExerciseSession).where(ExerciseSession.code_hash == code_hash(code, secret))
    if org_id is not None:
        query = query.where(ExerciseSession.organisation_id == org_id)
    if lock is not None:
        query = query.with_for_update(read=lock == "share")
    ex = db.scalar(query)
    if ex is None or (ex.status == "closed" and not closed_too):
        raise SessionNotFound()
    return ex


def for_org(db: Session, org_id: int) -> list[ExerciseSession]:
    return list(db.scalars(select(ExerciseSession)
                           .where(ExerciseSession.organisation_id == org_id)
                           .order_by(ExerciseSession.id.desc())))


# -- participants and answers -------------------------------------------------------------


def join(db: Session, ex: ExerciseSession, *, secret: str) -> str:
    if joined(db, ex) >= MAX_PARTICIPANTS:
        raise Full()
    token = secrets.token_urlsafe(24)
    db.add(ExerciseParticipant(token_hash=token_hash(token, secret), session_id=ex.id))
    db.flush()
    return token


def participant(db: Session, ex: ExerciseSession, token: Any, *, secret: str) -> bytes:
    if not isinstance(token, str) or not 16 <= len(token) <= 64:
        raise ParticipantNotFound()
    digest = token_hash(token, secret)
    found = db.scalar(select(ExerciseParticipant.session_id)
                      .where(ExerciseParticipant.token_hash == digest))
    if found != ex.id:
        raise ParticipantNotFound()
    return digest


def check_answer(ex: ExerciseSession, scenario: Any, perspective: Any, value: Any) -> None:
    """Refuse anything but an answer to the open scenario, from one of its perspectives,
    with a whole number 1–10 (or None: skip)."""
    if isinstance(scenario, bool) or not isinstance(scenario, int) or not (
        0 <= scenario < len(ex.scenarios)
    ):
        raise InvalidInput("unknown scenario")
    if not isinstance(perspective, str) or perspective not in ex.perspectives:
        raise InvalidInput("unknown perspective")
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10
    ):
        raise InvalidInput("value outside 1–10")
    if ex.status != "running" or scenario != ex.scenario_idx:
        raise NotOpen()


def answer(db: Session, ex: ExerciseSession, participant_hash: bytes, scenario: Any,
           perspective: Any, value: Any) -> None:
    """Record the latest answer (None removes it: the participant skipped); anything but a
    valid answer to the open scenario raises, before anything is written."""
    check_answer(ex, scenario, perspective, value)
    key = (ExerciseAnswer.participant_hash == participant_hash,
           ExerciseAnswer.scenario_idx == scenario, ExerciseAnswer.perspective == perspective)
    if value is None:
        db.execute(delete(ExerciseAnswer).where(*key))
        return
    row = {"participant_hash": participant_hash, "scenario_idx": scenario,
           "perspective": perspective, "session_id": ex.id, "value": value}
    dialect = db.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        # An answer lives for minutes and is deleted at close: its commit need not wait
        # for the WAL to reach the disk (a crash may lose the last moment's answers, and
        # the phone shows the participant what was saved). This keeps answers fast on a
        # busy database server.
        db.execute(text("SET LOCAL synchronous_commit = off"))

        pg = pg_insert(ExerciseAnswer).values(**row)
        db.execute(pg.on_conflict_do_update(index_elements=["participant_hash", "scenario_idx",
                                                            "perspective"],
                                            set_={"value": value}))
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        lite = sqlite_insert(ExerciseAnswer).values(**row)
        db.execute(lite.on_conflict_do_update(index_elements=["participant_hash",
                                                              "scenario_idx", "perspective"],
                                              set_={"value": value}))


def own_answers(db: Session, ex: ExerciseSession, participant_hash: bytes) -> dict[str, int]:
    """A participant's own answers to the open scenario (to show them back on the phone)."""
    rows = db.execute(select(ExerciseAnswer.perspective, ExerciseAnswer.value).where(
        ExerciseAnswer.participant_hash == participant_hash,
        ExerciseAnswer.scenario_idx == ex.scenario_idx))
    return {p: v for p, v in rows}


def joined(db: Session, ex: ExerciseSession) -> int:
    return int(db.scalar(select(func.count()).select_from(ExerciseParticipant)
                         .where(ExerciseParticipant.session_id == ex.id)) or 0)


def answered(db: Session, ex: ExerciseSession, scenario: int) -> int:
    """How many participants gave at least one value for the scenario."""
    return int(db.scalar(
        select(func.count(func.distinct(ExerciseAnswer.participant_hash)))
        .where(ExerciseAnswer.session_id == ex.id, ExerciseAnswer.scenario_idx == scenario)
    ) or 0)


def histograms(db: Session, ex: ExerciseSession, scenario: int) -> dict[str, list[int]]:
    counts = {p: [0] * 10 for p in ex.perspectives}
    rows = db.execute(
        select(ExerciseAnswer.perspective, ExerciseAnswer.value, func.count())
        .where(ExerciseAnswer.session_id == ex.id, ExerciseAnswer.scenario_idx == scenario)
        .group_by(ExerciseAnswer.perspective, ExerciseAnswer.value))
    for perspective, value, count in rows:
        if perspective in counts:
            counts[perspective][value - 1] = int(count)
    return counts


# -- what may be shown --------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """One scenario's figures as they may be shown: None per perspective under k."""

    withheld: bool
    perspectives: dict[str, Summary | None]

    def as_json(self) -> dict[str, Any]:
        if self.withheld:
            return {"withheld": True}
        return {"withheld": False, "perspectives": {
            p: (s.as_json() if s is not None else {"withheld": True})
            for p, s in self.perspectives.items()}}


def _shown(counts: dict[str, list[int]], k: int) -> Shown:
    summaries = {p: (summarise(c) if sum(c) >= k else None) for p, c in counts.items()}
    if all(s is None for s in summaries.values()):
        return Shown(True, {})
    return Shown(False, summaries)


def results(db: Session, ex: ExerciseSession, scenario: Any) -> Shown:
    """Figures for a scenario that was revealed; withheld otherwise, and per perspective
    under k."""
    if isinstance(scenario, bool) or not isinstance(scenario, int) or not (
        0 <= scenario < len(ex.scenarios)
    ):
        raise InvalidInput("unknown scenario")
    if scenario not in ex.revealed:
        return Shown(True, {})
    if ex.status == "closed":
        kept = db.scalars(select(ExerciseResult).where(ExerciseResult.session_id == ex.id,
                                                       ExerciseResult.scenario_idx == scenario))
        counts = {p: [0] * 10 for p in ex.perspectives}
        for r in kept:
            counts[r.perspective] = list(r.histogram)
        return _shown(counts, ex.k)
    return _shown(histograms(db, ex, scenario), ex.k)


def state(db: Session, ex: ExerciseSession, *, with_counts: bool = True) -> dict[str, Any]:
    """The state in the shape fixed by design.md §8, plus `joined`, `total`, `discussion`,
    `text` and `proposals` (a count). The discussion phase reads as status "reveal" on the
    last scenario, so that clients that know the four fixed statuses keep working."""
    status = {"discussion": "reveal"}.get(ex.status, ex.status)
    lobby = ex.status == "lobby"
    scenario = None if lobby else ex.scenario_idx
    return {
        "status": status,
        "scenario": scenario,
        "perspectives": list(ex.perspectives),
        "answered": 0 if lobby or not with_counts else answered(db, ex, ex.scenario_idx),
        "joined": joined(db, ex) if with_counts else 0,
        "total": len(ex.scenarios),
        "discussion": ex.status == "discussion",
        "text": None if scenario is None else content.scenario_text(ex.scenarios[scenario]),
        "proposals": proposal_count(db, ex) if with_counts else 0,
    }


# -- the facilitator's moves --------------------------------------------------------------


def advance(db: Session, ex: ExerciseSession) -> None:
    """lobby → first scenario; a scenario → the next; the last → the discussion."""
    if ex.status == "lobby":
        ex.status, ex.scenario_idx = "running", 0
    elif ex.status in ("running", "reveal"):
        if ex.scenario_idx + 1 < len(ex.scenarios):
            ex.status, ex.scenario_idx = "running", ex.scenario_idx + 1
        else:
            ex.status = "discussion"
    else:
        raise InvalidTransition()
    db.flush()


def reveal(db: Session, ex: ExerciseSession) -> None:
    """Show the open scenario's spread: refused (and nothing changes) under k."""
    if ex.status == "reveal":
        return
    if ex.status != "running":
        raise InvalidTransition()
    if answered(db, ex, ex.scenario_idx) < ex.k:
        raise UnderK()
    ex.status = "reveal"
    ex.revealed = [*ex.revealed, ex.scenario_idx]
    db.flush()


def close(db: Session, ex: ExerciseSession, *, keep: bool) -> None:
    """Delete every raw answer and participant; keep the shown aggregates that passed k
    if asked."""
    if ex.status == "closed":
        raise InvalidTransition()
    if keep:
        for scenario in ex.revealed:
            for perspective, counts in histograms(db, ex, scenario).items():
                n = sum(counts)
                if n >= ex.k:
                    db.add(ExerciseResult(session_id=ex.id, scenario_idx=scenario,
                                          perspective=perspective, n=n, histogram=counts))
    db.execute(delete(ExerciseAnswer).where(ExerciseAnswer.session_id == ex.id))
    db.execute(delete(ExerciseParticipant).where(ExerciseParticipant.session_id == ex.id))
    ex.status = "closed"
    ex.kept_results = keep
    ex.closed_at = utcnow()
    db.flush()


STALE_AFTER = timedelta(hours=24)


def close_stale(db: Session, *, now: datetime) -> int:
    """Close (keeping no figures) every session left open longer than STALE_AFTER, so
    that a forgotten session does not keep raw answers. Returns how many were closed."""
    stale = db.scalars(select(ExerciseSession).where(
        ExerciseSession.status != "closed", ExerciseSession.created_at < now - STALE_AFTER)
        .with_for_update()).all()
    for ex in stale:
        close(db, ex, keep=False)
    return len(stale)


def proposal_count(db: Session, ex: ExerciseSession) -> int:
    return int(db.scalar(select(func.count()).select_from(ExerciseProposal)
                         .where(ExerciseProposal.session_id == ex.id)) or 0)


def proposals(db: Session, ex: ExerciseSession) -> list[ExerciseProposal]:
    return list(db.scalars(select(ExerciseProposal).where(ExerciseProposal.session_id == ex.id)
                           .order_by(ExerciseProposal.id)))


def add_proposal(db: Session, ex: ExerciseSession, text: str) -> ExerciseProposal:
    cleaned = text.strip()
    if not cleaned or len(cleaned) > PROPOSAL_MAX_CHARS:
        raise InvalidInput("a proposal has 1–500 characters")
    if proposal_count(db, ex) >= MAX_PROPOSALS:
        raise InvalidInput("too many proposals")
    proposal = ExerciseProposal(session_id=ex.id, text=cleaned)
    db.add(proposal)
    db.flush()
    return proposal


def proposal_to_rules(db: Session, ex: ExerciseSession, proposal_id: int, question: str,
                      org: Any) -> int:
    """Move a proposal into the organisation's draft rules (prevention), under one of the
    brochure's six questions; returns the draft's version. Raises InvalidInput for an
    unknown proposal or question (nothing changed)."""
    from prevention import documents
    from prevention.errors import Invalid
    from prevention.models import Production

    found = db.scalar(select(ExerciseProposal).where(ExerciseProposal.session_id == ex.id,
                                                     ExerciseProposal.id == proposal_id))
    if found is None:
        raise InvalidInput("unknown proposal")
    scope = (db.get(Production, ex.production_id) if ex.production_id is not None else None)
    doc = documents.draft(db, org, scope, "rules")
    try:
        documents.add_rule(doc, question, found.text)
    except Invalid as exc:
        raise InvalidInput(str(exc)) from None
    db.delete(found)
    return int(doc.version)


def remove_proposal(db: Session, ex: ExerciseSession, proposal_id: int) -> None:
    db.execute(delete(ExerciseProposal).where(ExerciseProposal.session_id == ex.id,
                                              ExerciseProposal.id == proposal_id))
