"""Case services the views and the other packages use.

Services take the session explicitly, raise casework.errors exceptions, and never commit.
Other packages rely on:

- `case_for(session, membership, public_id)`: a case only if it is sealed to this handler.
- `case_memberships(session, case)`: who handles a case.
- `add_message(...)`: put a staff item in the thread with the next seq.

The reporter's side (casework/intake.py) records consent with `intake.record_consent`; the
hand-off (casework/handoff.py) counts a consent only when it comes after the summary.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accounts.models import Membership, Person
from casework import audit
from casework.errors import BadSealedItem, CaseNotFound, CasePurged
from casework.models import AuditEntry, Case, CaseExclusion, CaseHandler, Message
from crypto import envelope as env
from crypto.errors import EnvelopeError
from trygg import clock

OSLO = clock.OSLO
MAX_ENVELOPE_CHARS = 4 * 1024 * 1024  # a message or note; attachments travel as streams


def today() -> date:
    """Deadlines and reporter-side dates are Norwegian calendar days (trygg.clock)."""
    return clock.today()


def _uuid(value: object) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise CaseNotFound("malformed id") from None


def case_for(session: Session, membership: Membership, public_id: object) -> Case:
    """The case, if it is sealed to this handler in this organisation; CaseNotFound otherwise.

    Leaders, admins, other organisations' handlers and handlers the reporter excluded never
    have a CaseHandler row, so they all get the same answer as for a case that does not exist.
    """
    case = session.scalar(
        select(Case)
        .join(CaseHandler, CaseHandler.case_id == Case.id)
        .where(
            Case.public_id == _uuid(public_id),
            Case.organisation_id == membership.organisation_id,
            CaseHandler.membership_id == membership.id,
        )
    )
    if case is None:
        raise CaseNotFound()
    return case


def case_memberships(session: Session, case: Case) -> list[Membership]:
    """The handler memberships a case is sealed to, in the order they were added."""
    return list(
        session.scalars(
            select(Membership)
            .join(CaseHandler, CaseHandler.membership_id == Membership.id)
            .join(Person, Person.id == Membership.person_id)
            .where(CaseHandler.case_id == case.id)
            .order_by(CaseHandler.id)
        )
    )


# The reporter's side (casework/intake.py) imports this name.
case_handlers = case_memberships


def handler_keys(session: Session, case: Case) -> list[bytes]:
    """Public keys of the case's active handlers, in the order they were added: what a new
    item is sealed to (with the reporter's key, unless it is a note). The reporter's side
    (intake.recipient_keys) uses the same function, so both check the same set."""
    keys: list[bytes] = []
    for membership in case_memberships(session, case):
        person = membership.person
        if person.active and person.public_key is not None:
            key = bytes(person.public_key)
            if key not in keys:
                keys.append(key)
    return keys


def expected_kids(session: Session, case: Case, kind: str) -> set[str]:
    """Who a staff item must be sealed to: a note to the handlers only, the rest to the
    handlers and the reporter."""
    kids = {env.kid(k) for k in handler_keys(session, case)}
    if kind != "note":
        kids.add(env.kid(case.reporter_public_key))
    return kids


def check_envelope(raw: object, kids: set[str] | None = None) -> str:
    """Validate an envelope from the browser; return it as compact JSON text.

    The server cannot open it, but it can refuse one that is malformed, too large or
    sealed to the wrong people (`kids`: exactly these recipients).
    """
    try:
        document = json.loads(raw) if isinstance(raw, str) else raw
        if isinstance(raw, str) and len(raw) > MAX_ENVELOPE_CHARS:
            raise BadSealedItem("too large")
        found = env.recipient_kids(document)  # type: ignore[arg-type]
    except (ValueError, TypeError, EnvelopeError):
        raise BadSealedItem("malformed") from None
    if kids is not None and set(found) != kids:
        raise BadSealedItem("recipients")
    text = json.dumps(document, separators=(",", ":"))
    if len(text) > MAX_ENVELOPE_CHARS:
        raise BadSealedItem("too large")
    return text


class Replayed(Exception):
    """The same item sent again (its idempotency key is already in the thread): nothing new
    was stored; `message` is the one stored the first time."""

    def __init__(self, message: Message) -> None:
        super().__init__("replayed")
        self.message = message


def keyed_hash(secret: str, purpose: str, data: bytes) -> bytes:
    """HMAC-SHA256 under the server secret, separated by purpose."""
    label = f"trygg/v1/{purpose}\x00".encode()
    return hmac.new(secret.encode(), label + data, hashlib.sha256).digest()


def message_digest(secret: str, case: Case, key: bytes) -> bytes:
    """What `Message.idempotency` stores for a client's idempotency key (never the key)."""
    return keyed_hash(secret, "message-idempotency", case.public_id.bytes + key)


def lock_thread(session: Session, case: Case) -> None:
    """Lock the case row to the end of the transaction, so that writers to its thread at the
    same moment take turns: each sees the others' items before it numbers its own (and
    before it looks for its idempotency key). PostgreSQL: SELECT … FOR UPDATE. SQLite has no
    row locks; its transactions take the database's one write lock when they begin
    (trygg.database.sqlite_transactions)."""
    session.execute(select(Case.id).where(Case.id == case.id).with_for_update())


def next_seq(session: Session, case: Case) -> int:
    """The thread's next number; call under lock_thread."""
    last = session.scalar(select(func.max(Message.seq)).where(Message.case_id == case.id))
    return (last or 0) + 1


def add_message(
    session: Session,
    case: Case,
    *,
    sender: str,
    kind: str,
    body: str | None,
    author: Membership | None = None,
    on: date | None = None,
    idempotency: bytes | None = None,
) -> Message:
    """Put one sealed item in the thread with the next seq (allocated under a lock of the
    case, so writers at the same moment each get their own). With `idempotency` (a
    message_digest), an item already stored under it raises Replayed instead."""
    if case.purged_on is not None:
        raise CasePurged()
    lock_thread(session, case)
    if idempotency is not None:
        earlier = session.scalar(select(Message).where(
            Message.case_id == case.id, Message.idempotency == idempotency))
        if earlier is not None:
            raise Replayed(earlier)
    message = Message(
        case=case, seq=next_seq(session, case), sender=sender, kind=kind, body=body,
        author_id=author.id if author else None, created_on=on or today(),
        idempotency=idempotency,
    )
    session.add(message)
    session.flush()
    return message


def post_message(
    session: Session,
    case: Case,
    membership: Membership,
    *,
    kind: str,
    body: object,
    feedback: bool = False,
    idempotency: bytes | None = None,
) -> Message:
    """A handler's reply to the reporter (kind "message") or an internal note ("note").
    Raises Replayed (nothing stored, nothing audited) when `idempotency` was seen before."""
    if kind not in ("message", "note"):
        raise BadSealedItem("kind")
    if case.purged_on is not None:
        raise CasePurged()
    text = check_envelope(body, expected_kids(session, case, kind))
    message = add_message(session, case, sender="handler", kind=kind, body=text, author=membership,
                          idempotency=idempotency)
    detail = ""
    if kind == "message" and feedback:
        detail = "feedback"
        if case.feedback_on is None:
            case.feedback_on = message.created_on
    audit.append(
        session, "message.sent" if kind == "message" else "note.added",
        organisation_id=case.organisation_id, case_id=case.id, actor_id=membership.id,
        detail=detail,
    )
    return message


def excluded(session: Session, case: Case, person_id: int) -> bool:
    """Whether the reporter excluded this person (whatever membership they hold now)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(CaseExclusion)
            .where(CaseExclusion.case_id == case.id, CaseExclusion.person_id == person_id)
        )
        or 0
    ) > 0


def log_refusal(
    session: Session, case: Case | None, membership: Membership, action: str, code: str
) -> None:
    """Write only the refusal (the caller rolled back whatever else the action did)."""
    audit.append(
        session, action, organisation_id=membership.organisation_id,
        case_id=case.id if case else None, actor_id=membership.id, detail=code,
        outcome="refused",
    )


def log_view(session: Session, case: Case, membership: Membership, action: str) -> None:
    """Record a read (opening the case, downloading) once per handler, case and day."""
    start = datetime.combine(today(), datetime.min.time(), OSLO)
    seen = session.scalar(
        select(AuditEntry.seq).where(
            AuditEntry.case_id == case.id, AuditEntry.actor_id == membership.id,
            AuditEntry.action == action, AuditEntry.at >= start,
        ).limit(1)
    )
    if seen is None:
        audit.append(session, action, organisation_id=case.organisation_id, case_id=case.id,
                     actor_id=membership.id)


def b64(data: bytes) -> str:
    """Unpadded base64url, as every Trygg format writes binary."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


__all__ = [
    "add_message",
    "case_for",
    "case_memberships",
    "check_envelope",
    "excluded",
    "handler_keys",
    "today",
]


