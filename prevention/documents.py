"""Versioned prevention documents: rules, routines, consequences, standpoint, clause.

A scope is an organisation or one of its productions. Each kind has at most one draft and
any number of published versions per scope; what a reporter sees is the newest published
version. A production inherits the organisation's published documents and adds its own
(routines: the production's sections fill in or replace the organisation's, section by
section, and the combination must still meet aml § 2A-6 (4) a–c).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accounts.models import Organisation
from prevention.errors import Invalid
from prevention.models import Document, Production
from prevention.vocabulary import (
    FORUMS,
    PARTICIPANT_ROLES,
    REACTIONS,
    REQUIRED_ROUTINE_SECTIONS,
    ROUTINE_SECTIONS,
    RULE_QUESTIONS,
)

TEXT_MAX = 4000
RULE_MAX = 600
PARTICIPANTS_MAX = 10_000


def _scope(stmt: Any, org: Organisation, production: Production | None) -> Any:
    stmt = stmt.where(Document.organisation_id == org.id)
    if production is None:
        return stmt.where(Document.production_id.is_(None))
    return stmt.where(Document.production_id == production.id)


def draft(session: Session, org: Organisation, production: Production | None,
          kind: str) -> Document:
    """The scope's draft of `kind`, started from the newest published version if none."""
    stmt = _scope(select(Document), org, production).where(
        Document.kind == kind, Document.published_on.is_(None))
    found = session.scalar(stmt)
    if found is not None:
        return found
    latest = published(session, org, production, kind)
    top = session.scalar(_scope(select(func.max(Document.version)), org, production)
                         .where(Document.kind == kind)) or 0
    doc = Document(
        organisation_id=org.id, production_id=production.id if production else None,
        kind=kind, version=top + 1,
        content=_copy(latest.content) if latest else _empty(kind),
        forum="", participants={},
        with_representatives=False,
        in_contracts_from=latest.in_contracts_from if latest else None,
    )
    session.add(doc)
    session.flush()
    return doc


def existing_draft(session: Session, org: Organisation, production: Production | None,
                   kind: str) -> Document | None:
    return session.scalar(_scope(select(Document), org, production).where(
        Document.kind == kind, Document.published_on.is_(None)))


def published(session: Session, org: Organisation, production: Production | None,
              kind: str) -> Document | None:
    return session.scalar(
        _scope(select(Document), org, production)
        .where(Document.kind == kind, Document.published_on.is_not(None))
        .order_by(Document.version.desc()).limit(1)
    )


def history(session: Session, org: Organisation, production: Production | None,
            kind: str) -> list[Document]:
    return list(session.scalars(
        _scope(select(Document), org, production).where(Document.kind == kind)
        .order_by(Document.version.desc())))


def _copy(content: dict[str, Any]) -> dict[str, Any]:
    import copy

    return copy.deepcopy(content)


def _empty(kind: str) -> dict[str, Any]:
    if kind == "rules":
        return {"items": []}
    if kind in ("standpoint", "clause"):
        return {"text": ""}
    return {}


# --- editing drafts ----------------------------------------------------------------------

def add_rule(doc: Document, question: str, text: str) -> None:
    text = (text or "").strip()
    if question not in RULE_QUESTIONS:
        raise Invalid("question", "unknown")
    if not text:
        raise Invalid("text", "required")
    if len(text) > RULE_MAX:
        raise Invalid("text", "too_long")
    items = list(doc.content.get("items", []))
    items.append({"question": question, "text": text})
    doc.content = {**doc.content, "items": items}


def remove_rule(doc: Document, index: int) -> None:
    items = list(doc.content.get("items", []))
    if not 0 <= index < len(items):
        raise Invalid("index", "unknown")
    del items[index]
    doc.content = {**doc.content, "items": items}


def set_sections(doc: Document, sections: dict[str, str], allowed: tuple[str, ...]) -> None:
    cleaned = {}
    for key, value in sections.items():
        if key not in allowed:
            raise Invalid(key, "unknown")
        value = (value or "").strip()
        if len(value) > TEXT_MAX:
            raise Invalid(key, "too_long")
        if value:
            cleaned[key] = value
    doc.content = cleaned


def set_text(doc: Document, text: str) -> None:
    text = (text or "").strip()
    if len(text) > TEXT_MAX:
        raise Invalid("text", "too_long")
    doc.content = {"text": text}


def check_participants(participants: dict[str, int | None]) -> dict[str, int]:
    out = {}
    for role, count in participants.items():
        if role not in PARTICIPANT_ROLES:
            raise Invalid(role, "unknown")
        if count is None:
            continue
        if not 0 <= count <= PARTICIPANTS_MAX:
            raise Invalid(role, "range")
        if count:
            out[role] = int(count)
    return out


def record_agreement(doc: Document | Any, *, agreed_on: date | None, forum: str,
                     participants: dict[str, int | None]) -> None:
    if forum and forum not in FORUMS:
        raise Invalid("forum", "unknown")
    counts = check_participants(participants)
    doc.agreed_on, doc.forum, doc.participants = agreed_on, forum, counts


# --- publishing -------------------------------------------------------------------------

def effective_routines(session: Session, org: Organisation, production: Production | None,
                       own: dict[str, str] | None = None) -> dict[str, str]:
    """The organisation's published routine sections, overlaid section by section with
    the production's (`own`, or its published version)."""
    if production is None:
        return dict(own if own is not None else _content(published(session, org, None,
                                                                    "routines")))
    base = _content(published(session, org, None, "routines"))
    mine = own if own is not None else _content(published(session, org, production,
                                                          "routines"))
    return {**base, **{k: v for k, v in mine.items() if v}}


def _content(doc: Document | None) -> dict[str, Any]:
    return dict(doc.content) if doc is not None else {}


def missing_routine_sections(sections: dict[str, str]) -> list[str]:
    return [s for s in REQUIRED_ROUTINE_SECTIONS if not (sections.get(s) or "").strip()]


def publish(session: Session, doc: Document, on: date) -> None:
    """Publish a draft; raises Invalid (nothing changed) when it may not be published."""
    if doc.published_on is not None:
        raise Invalid("version", "already_published")
    org = session.get(Organisation, doc.organisation_id)
    if org is None:
        raise Invalid("organisation", "unknown")
    if doc.kind == "rules":
        if not doc.content.get("items"):
            raise Invalid("items", "required")
        if doc.agreed_on is None:
            raise Invalid("agreed_on", "required")
    elif doc.kind == "routines":
        combined = effective_routines(session, org, doc.production, dict(doc.content))
        missing = missing_routine_sections(combined)
        if missing:
            raise Invalid(missing[0], "required", missing=missing)
        # The organisation's routines carry the § 2A-6 (2) record; a production's
        # additions (contacts, its own sections) build on them.
        if doc.production_id is None and not doc.with_representatives:
            raise Invalid("with_representatives", "required")
        if doc.production_id is None and doc.agreed_on is None:
            raise Invalid("agreed_on", "required")
    elif doc.kind == "consequences":
        if not any(doc.content.get(code) for code in REACTIONS):
            raise Invalid("conversation", "required")
    elif doc.kind == "standpoint":
        if not doc.content.get("text"):
            raise Invalid("text", "required")
        if not (doc.signed_by and doc.signed_title and doc.signed_on):
            raise Invalid("signed_by", "required")
    elif doc.kind == "clause" and not doc.content.get("text"):
        raise Invalid("text", "required")
    if doc.agreed_on is not None and doc.agreed_on > on:
        raise Invalid("agreed_on", "future")
    doc.published_on = on
    session.flush()


def sign_standpoint(doc: Document, *, name: str, title: str, on: date) -> None:
    name, title = (name or "").strip(), (title or "").strip()
    if not name:
        raise Invalid("signed_by", "required")
    if not title:
        raise Invalid("signed_title", "required")
    doc.signed_by, doc.signed_title, doc.signed_on = name[:200], title[:120], on


STANDPOINT_VALID_DAYS = 365


def standpoint_due(doc: Document | None, today: date) -> bool:
    """A standpoint is re-confirmed yearly; due when never signed or signed a year ago."""
    if doc is None or doc.signed_on is None:
        return True
    return (today - doc.signed_on).days >= STANDPOINT_VALID_DAYS


# --- what reporters and handlers see ----------------------------------------------------

@dataclass
class Published:
    """What the reporter page shows for an organisation or a production."""

    standpoint: Document | None = None
    rules: list[tuple[str, Document]] = field(default_factory=list)  # (scope label, doc)
    routines: dict[str, str] = field(default_factory=dict)
    routines_docs: list[Document] = field(default_factory=list)
    consequences: list[tuple[str, str, Document]] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.standpoint or self.rules or self.routines or self.consequences)


def published_for(session: Session, org: Organisation,
                  production: Production | None = None) -> Published:
    out = Published(standpoint=published(session, org, None, "standpoint"))
    scopes: list[Production | None] = [None] if production is None else [None, production]
    for scope in scopes:
        label = "production" if scope is not None else "organisation"
        rules = published(session, org, scope, "rules")
        if rules is not None:
            out.rules.append((label, rules))
        routines = published(session, org, scope, "routines")
        if routines is not None:
            out.routines_docs.append(routines)
        consequences = published(session, org, scope, "consequences")
        if consequences is not None:
            for code in REACTIONS:
                text = consequences.content.get(code)
                if text:
                    out.consequences.append((code, text, consequences))
    if out.routines_docs:
        out.routines = {k: v for k, v in effective_routines(session, org, production).items()
                        if k in ROUTINE_SECTIONS}
    return out


def consequences_for(org_id: int, reaction_code: str, production_id: int | None = None,
                     session: Session | None = None) -> list[str]:
    """The organisation's own published examples of behaviour that can lead to
    `reaction_code` (and the production's, when given): for the handler's case page,
    beside each recommendation. Empty when nothing is agreed for that reaction."""
    if session is None:
        from trygg.extensions import db

        session = db.session()
    org = session.get(Organisation, org_id)
    if org is None or reaction_code not in REACTIONS:
        return []
    scopes: list[Production | None] = [None]
    if production_id is not None:
        production = session.get(Production, production_id)
        if production is not None and production.organisation_id == org_id:
            scopes.append(production)
    out = []
    for scope in scopes:
        doc = published(session, org, scope, "consequences")
        text = (doc.content.get(reaction_code) or "").strip() if doc else ""
        out += [line.strip(" -•\t") for line in text.splitlines() if line.strip(" -•\t")]
    return out
