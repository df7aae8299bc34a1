"""Building a case bundle (casework.bundle describes the format) from the database.

Attachments are read twice, chunk by chunk: once to hash them for the signed manifest, once
to stream them out, so the server never holds a whole attachment (or bundle) in memory.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from nacl.signing import SigningKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.models import Membership
from casework import bundle
from casework.assessing import result_for
from casework.audit import case_trail
from casework.contexts import (
    attachment_key_context,
    attachment_meta_context,
    handoff_context,
    message_context,
    report_context,
)
from casework.models import Assessment, Attachment, AttachmentChunk, Case, Handoff, Message
from casework.services import case_memberships
from trygg.database import SessionFactory

Fetch = Callable[[Any], Sequence[Any]]


def _in(session: Session) -> Fetch:
    return lambda statement: session.execute(statement).all()


def _in_short_sessions(open_session: SessionFactory) -> Fetch:
    def fetch(statement: Any) -> Sequence[Any]:
        with open_session() as session:
            return session.execute(statement).all()

    return fetch


def _pieces(fetch: Fetch, header: bytes | None, attachment_id: int) -> Iterator[bytes]:
    if header is not None:
        yield bytes(header)
    last = -1
    while True:
        rows = fetch(
            select(AttachmentChunk.seq, AttachmentChunk.data)
            .where(AttachmentChunk.attachment_id == attachment_id, AttachmentChunk.seq > last)
            .order_by(AttachmentChunk.seq)
            .limit(16)
        )
        if not rows:
            return
        for seq, data in rows:
            yield bytes(data)
            last = seq


def attachment_stream(open_session: SessionFactory, attachment: Attachment) -> Iterator[bytes]:
    """The attachment as stream v1 bytes: header, then the chunks, 16 at a time.

    For a response body, which is produced after the request (and its session) ended: what
    the stream needs from `attachment` is read now, and every batch is fetched in a session
    of its own, closed before the batch is sent. No connection (and, on SQLite, no lock) is
    held while a slow client reads, and none is left behind when it goes away.
    """
    return _pieces(_in_short_sessions(open_session), attachment.header, attachment.id)


def _date(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def _envelope(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def manifest(
    session: Session, case: Case, exporter: Membership, *, created_at: datetime, server: str
) -> dict[str, Any]:
    org = case.organisation
    handlers = case_memberships(session, case)
    names = {m.id: m.person.name for m in handlers}
    for m in session.scalars(select(Membership).where(Membership.organisation_id == org.id)):
        names.setdefault(m.id, m.person.name)
    messages = session.scalars(
        select(Message).where(Message.case_id == case.id).order_by(Message.seq)
    ).all()
    message_ids = {m.id: str(m.public_id) for m in messages}
    attachments = []
    for a in session.scalars(select(Attachment).where(Attachment.case_id == case.id)
                             .order_by(Attachment.id)):
        digest, size = hashlib.sha256(), 0
        for piece in _pieces(_in(session), a.header, a.id):
            digest.update(piece)
            size += len(piece)
        attachments.append({
            "public_id": str(a.public_id), "sender": a.sender, "created_on": _date(a.created_on),
            "message": message_ids.get(a.message_id) if a.message_id else None,
            "key": _envelope(a.key), "meta": _envelope(a.meta), "complete": a.complete,
            "stream_size": size, "stream_sha256": digest.hexdigest(),
        })
    assessment = session.get(Assessment, case.id)
    return {
        "created_at": created_at.isoformat(),
        "created_by": {"membership": str(exporter.public_id), "name": exporter.person.name},
        "server": server,
        "organisation": {"public_id": str(org.public_id), "slug": org.slug, "name": org.name},
        "case": {
            "public_id": str(case.public_id), "state": case.state,
            "received_on": _date(case.received_on), "acknowledge_by": _date(case.acknowledge_by),
            "acknowledged_on": _date(case.acknowledged_on), "feedback_by": _date(case.feedback_by),
            "feedback_on": _date(case.feedback_on), "closed_on": _date(case.closed_on),
            "reporter_public_key": bundle.b64e(case.reporter_public_key),
            "contexts": {"case": case.context, "report": report_context(case),
                         "message": message_context(case), "handoff": handoff_context(case),
                         "attachment_key": attachment_key_context(case),
                         "attachment_meta": attachment_meta_context(case)},
        },
        "handlers": [
            {"membership": str(m.public_id), "name": m.person.name, "title": m.title,
             "public_key": bundle.b64e(m.person.public_key) if m.person.public_key else None}
            for m in handlers
        ],
        "report": _envelope(case.report),
        "messages": [
            {"public_id": str(m.public_id), "seq": m.seq, "sender": m.sender, "kind": m.kind,
             "created_on": _date(m.created_on),
             "author": names.get(m.author_id) if m.author_id else None,
             "body": _envelope(m.body)}
            for m in messages
        ],
        "attachments": attachments,
        "handoffs": [
            {"public_id": str(h.public_id), "created_on": _date(h.created_on),
             "released_on": _date(h.released_on), "summary": _envelope(h.summary)}
            for h in session.scalars(select(Handoff).where(Handoff.case_id == case.id)
                                     .order_by(Handoff.id))
        ],
        "assessment": None if assessment is None else _assessment(assessment),
        "audit": [
            {"seq": e.seq, "at": e.at.isoformat(timespec="microseconds"),
             "organisation_id": e.organisation_id, "case_id": e.case_id,
             "actor_id": e.actor_id, "actor": names.get(e.actor_id) if e.actor_id else None,
             "action": e.action, "detail": e.detail, "outcome": e.outcome,
             "prev_hash": bundle.b64e(e.prev_hash), "hash": bundle.b64e(e.hash)}
            for e in case_trail(session, case.id)
        ],
        # The whole log's head when exported: kept outside the database with the bundle, it
        # lets `flask audit verify --anchor SEQ:HASH` prove later that nothing was removed.
        "audit_head": _audit_head(session),
    }


def _audit_head(session: Session) -> dict[str, Any]:
    from casework.audit import current_head

    seq, digest = current_head(session)
    return {"seq": seq, "hash": digest.hex()}


def _assessment(a: Assessment) -> dict[str, Any]:
    result = result_for(a)
    return {
        "model_version": a.model_version, "level": a.level, "nature": a.nature,
        "frequency": a.frequency, "relation": a.relation, "power": a.power,
        "consequences": a.consequences, "criminal": a.criminal,
        "kind": a.kind, "explicitness": a.explicitness, "prior": a.prior,
        "minor_involved": a.minor_involved,
        "aggravating": sorted(x.code for x in a.aggravating),
        "context": sorted(x.code for x in a.contexts),
        "risk_factors": sorted(x.code for x in a.risk_factors),
        "reasons": [r.code for r in result.reasons],
        # What the handler recommended, and separately what the employer did.
        "reactions": sorted(x.code for x in a.reactions),
        "employer_actions": [
            {"code": x.code, "decided_on": _date(x.decided_on), "source": x.source}
            for x in a.employer_actions
        ],
        "referrals": sorted(x.code for x in a.referrals),
        "outcome": a.outcome, "assessed_on": _date(a.assessed_on),
    }


def _b64_pieces(pieces: Iterator[bytes]) -> Iterator[bytes]:
    """Unpadded base64url of a byte stream, encoded piece by piece."""
    carry = b""
    for piece in pieces:
        data = carry + piece
        cut = len(data) - len(data) % 3
        carry = data[cut:]
        if cut:
            yield base64.urlsafe_b64encode(data[:cut])
    if carry:
        yield base64.urlsafe_b64encode(carry).rstrip(b"=")


def stream_bundle(
    open_session: SessionFactory, case_id: int, exporter_id: int, *, key: SigningKey,
    created_at: datetime, server: str,
) -> Iterator[bytes]:
    """The bundle as JSON bytes, produced piece by piece.

    The manifest is built and signed now, in a read-only session of its own; only the
    attachment streams are read while the body is sent, batch by batch, each in a short
    session (the request's session is gone by then).
    """
    with open_session() as session:
        case = session.get(Case, case_id)
        exporter = session.get(Membership, exporter_id)
        assert case is not None and exporter is not None  # noqa: S101 - the view loaded both
        body = manifest(session, case, exporter, created_at=created_at, server=server)
        sources = [
            (str(a.public_id), None if a.header is None else bytes(a.header), a.id)
            for a in session.scalars(select(Attachment).where(Attachment.case_id == case_id)
                                     .order_by(Attachment.id))
        ]
    signature = bundle.sign(body, key)
    return _bundle_bytes(open_session, body, signature, sources)


def _bundle_bytes(
    open_session: SessionFactory, body: dict[str, Any], signature: Any,
    sources: list[tuple[str, bytes | None, int]],
) -> Iterator[bytes]:
    yield b'{"format":' + json.dumps(bundle.FORMAT).encode()
    yield b',"manifest":' + bundle.canonical(body)
    yield b',"signature":' + json.dumps(signature, separators=(",", ":")).encode()
    yield b',"streams":{'
    fetch = _in_short_sessions(open_session)
    for i, (name, header, attachment_id) in enumerate(sources):
        yield (b"," if i else b"") + json.dumps(name).encode() + b':"'
        yield from _b64_pieces(_pieces(fetch, header, attachment_id))
        yield b'"'
    yield b"}}"
