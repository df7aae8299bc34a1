"""Adding a handler to a case, handing it over, and leaving it.

The server cannot re-seal anything: the current handler's browser opens each content key
and seals it to the new handler too (envelope.js `addRecipients`). The server checks the
result strictly: every sealed item of the case is there, each with its ciphertext
untouched, its recipients kept, and exactly one new entry for exactly the new handler's key.
It refuses a handler the reporter excluded, with the same words as for anyone else who cannot
be added, and the excluded handler is told nothing.
"""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts import appointments
from accounts.models import Membership
from casework import audit
from casework.errors import (
    AlreadyOnCase,
    BadSealedItem,
    CaseChanged,
    CasePurged,
    HandlerExcluded,
    LastHandler,
    NotAHandler,
)
from casework.models import Attachment, Case, CaseHandler, Handoff, Message
from casework.services import case_memberships, excluded
from crypto import envelope as env
from crypto.errors import EnvelopeError

SealedRef = tuple[Any, str]  # (row, attribute holding an envelope's JSON text)


def sealed_items(session: Session, case: Case) -> dict[str, SealedRef]:
    """Every envelope of the case by a stable name, e.g. "message:<uuid>"."""
    items: dict[str, SealedRef] = {}
    if case.report is not None:
        items["report"] = (case, "report")
    for message in session.scalars(select(Message).where(Message.case_id == case.id)):
        if message.body is not None:
            items[f"message:{message.public_id}"] = (message, "body")
    for attachment in session.scalars(select(Attachment).where(Attachment.case_id == case.id)):
        if attachment.key is not None:
            items[f"attachment-key:{attachment.public_id}"] = (attachment, "key")
        if attachment.meta is not None:
            items[f"attachment-meta:{attachment.public_id}"] = (attachment, "meta")
    for handoff in session.scalars(select(Handoff).where(Handoff.case_id == case.id)):
        if handoff.summary is not None:
            items[f"handoff:{handoff.public_id}"] = (handoff, "summary")
    return items


def candidate(session: Session, case: Case, public_id: object) -> Membership:
    """A handler of the case's organisation who may be added; refusals say the same thing."""
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        raise NotAHandler("malformed") from None
    membership = session.scalar(
        select(Membership).where(
            Membership.public_id == key,
            Membership.organisation_id == case.organisation_id,
            Membership.role == "handler",
        )
    )
    if (membership is None or not appointments.is_confirmed(membership)
            or not membership.person.active):
        raise NotAHandler("unknown")
    if excluded(session, case, membership.person_id):
        raise HandlerExcluded()
    on_case = session.scalar(
        select(CaseHandler.id).where(
            CaseHandler.case_id == case.id, CaseHandler.membership_id == membership.id
        )
    )
    if on_case is not None:
        raise AlreadyOnCase()
    return membership


def candidates(session: Session, case: Case) -> list[Membership]:
    """Handlers who could be added (not on the case, not excluded, with a key), by name."""
    on_case = {m.id for m in case_memberships(session, case)}
    people = session.scalars(
        select(Membership).where(
            Membership.organisation_id == case.organisation_id, Membership.role == "handler"
        )
    )
    return sorted(
        (
            m for m in people
            if m.id not in on_case and appointments.is_confirmed(m) and m.person.active
            and not excluded(session, case, m.person_id)
        ),
        key=lambda m: m.person.name.lower(),
    )


def _check_resealed(old_text: str, new: object, new_kid: str) -> str:
    """The new envelope is the old one plus one entry for `new_kid`, nothing else changed."""
    old = json.loads(old_text)
    if not isinstance(new, dict):
        raise BadSealedItem("shape")
    try:
        kids = env.recipient_kids(new)
    except EnvelopeError:
        raise BadSealedItem("malformed") from None
    if (new.get("nonce"), new.get("ct"), new.get("v")) != (old["nonce"], old["ct"], old["v"]):
        raise BadSealedItem("content changed")
    kept = new["recipients"][: len(old["recipients"])]
    if kept != old["recipients"] or kids[len(old["recipients"]):] != [new_kid]:
        raise BadSealedItem("recipients")
    return json.dumps(new, separators=(",", ":"))


def add_handler(
    session: Session,
    case: Case,
    membership: Membership,
    *,
    new_handler: object,
    resealed: object,
    leave: bool = False,
    on: date,
) -> Membership:
    """Add a handler with the envelopes re-sealed in the browser; optionally leave the case
    in the same step (handing it over)."""
    if case.purged_on is not None:
        raise CasePurged()
    target = candidate(session, case, new_handler)
    assert target.person.public_key is not None  # noqa: S101 - candidate() checked it
    new_kid = env.kid(target.person.public_key)
    if not isinstance(resealed, dict):
        raise BadSealedItem("shape")
    items = sealed_items(session, case)
    if set(resealed) != set(items):
        raise CaseChanged("items")
    updates = []
    for name, (row, attr) in items.items():
        updates.append((row, attr, _check_resealed(getattr(row, attr), resealed[name], new_kid)))
    for row, attr, text in updates:
        setattr(row, attr, text)
    session.add(CaseHandler(case=case, membership_id=target.id, added_on=on))
    session.flush()
    audit.append(
        session, "handler.added", organisation_id=case.organisation_id, case_id=case.id,
        actor_id=membership.id, detail=f"handler={target.id}",
    )
    if leave:
        leave_case(session, case, membership)
    return target


def leave_case(session: Session, case: Case, membership: Membership) -> None:
    """Stop handling a case: off the list, and the key entries for this handler removed
    from every envelope (they can no longer open what is stored, though nothing can take
    back what they already read)."""
    handlers = case_memberships(session, case)
    if len(handlers) <= 1:
        raise LastHandler()
    public_key = membership.person.public_key
    if public_key is not None:
        gone = env.kid(public_key)
        for row, attr in sealed_items(session, case).values():
            document = json.loads(getattr(row, attr))
            keep = [r for r in document["recipients"] if r["kid"] != gone]
            if keep and len(keep) != len(document["recipients"]):
                document["recipients"] = keep
                setattr(row, attr, json.dumps(document, separators=(",", ":")))
    link = session.scalar(
        select(CaseHandler).where(
            CaseHandler.case_id == case.id, CaseHandler.membership_id == membership.id
        )
    )
    if link is not None:
        session.delete(link)
    session.flush()
    audit.append(
        session, "handler.left", organisation_id=case.organisation_id, case_id=case.id,
        actor_id=membership.id,
    )
    if membership.ended_at is not None:
        _finish_removal(session, membership)


def _finish_removal(session: Session, membership: Membership) -> None:
    """A removed handler kept only for cases nobody else could read: once they have handed
    over the last of them, the membership goes, as the admin's removal meant."""
    from accounts import services as account_services

    left = session.scalar(select(CaseHandler.id).where(CaseHandler.membership_id == membership.id))
    if left is not None:
        return
    person_id = membership.person_id
    session.delete(membership)
    session.flush()
    if session.scalar(select(Membership.id).where(Membership.person_id == person_id)) is None:
        account_services.end_sessions(session, person_id)
