"""The casework services the reporter's side calls (reporting depends on casework, never back).

- who may receive a report (`handlers`, `route`), and opening a case (`open_case`);
- finding a case by the reporter's receipt (`case_by_lookup`);
- what the reporter adds later (`add_reporter_message`, `record_consent`, attachments);
- what the reporter may see (`reporter_view`, `reporter_attachment`).

Everything a reporter sends arrives sealed (envelope v1 or attachment stream v1). The server
cannot open it; what it checks is the shape, the size, and that it is sealed to exactly the
right recipients: the chosen handlers' current keys and the reporter's own receipt key. An
unknown key id, a missing one, or one of an excluded handler is refused before anything is
stored. Services raise `IntakeError` subclasses (each with a stable `code`) and never commit.

Contexts (SECURITY.md "Contexts"): `Case.context` is `org:<org uuid>/case:<case uuid>`; the
suffixes below say what an envelope is, so one cannot be passed off as another.
"""

from __future__ import annotations

import json
import logging
import shutil
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Select, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from accounts import appointments
from accounts.models import Membership, Organisation, Person
from casework import services
from casework.contexts import ATTACHMENT, ATTACHMENT_META, MESSAGE, REPORT
from casework.models import (
    Attachment,
    AttachmentChunk,
    Case,
    CaseExclusion,
    CaseHandler,
    IntakeDay,
    Message,
)
from crypto import envelope as envelope_v1
from crypto import stream as stream_v1
from crypto.errors import EnvelopeError
from trygg.database import insert_ignoring_conflicts

log = logging.getLogger(__name__)

# -- contexts -----------------------------------------------------------------------------
# The suffixes live in casework.contexts (one place for both sides): REPORT ("/report", the
# report document), MESSAGE ("/message": messages, additions and consent, from either side),
# ATTACHMENT ("/attachment": a stream's file key) and ATTACHMENT_META ("/attachment-meta":
# {name, type, size, stripped}). SECURITY.md "Contexts" lists them.

SUFFIXES = (REPORT, MESSAGE, ATTACHMENT, ATTACHMENT_META)

REPORTER_KINDS = ("message", "addition", "consent")
# Envelope ciphertext limits, in base64url characters (the report is text: 2 MiB is a book).
MAX_REPORT_CT = 2 * 1024 * 1024 * 4 // 3 + 64
MAX_MESSAGE_CT = 1024 * 1024 * 4 // 3 + 64
MAX_SMALL_CT = 2048 * 4 // 3 + 64  # file keys and attachment metadata pad to 1 KiB


def context(org: Organisation | Destination, case_public_id: uuid.UUID, suffix: str) -> str:
    """The envelope context for an item of a case (also before the Case row exists)."""
    if suffix not in SUFFIXES:
        raise ValueError(f"unknown context suffix {suffix!r}")
    return f"org:{org.public_id}/case:{case_public_id}{suffix}"


def case_context(case: Case, suffix: str) -> str:
    if suffix not in SUFFIXES:
        raise ValueError(f"unknown context suffix {suffix!r}")
    return case.context + suffix


# -- errors -------------------------------------------------------------------------------


class IntakeError(Exception):
    """Something the reporter sent cannot be accepted; nothing was stored."""

    code = "invalid"


class NoHandlers(IntakeError):
    code = "no_handlers"


class EveryoneExcluded(IntakeError):
    code = "everyone_excluded"


class UnknownHandler(IntakeError):
    """An excluded id is not one of the organisation's handlers."""

    code = "unknown_handler"


class UnknownRecipient(IntakeError):
    """The envelope is sealed to a key id that is not a current recipient (or is excluded)."""

    code = "unknown_recipient"


class MissingRecipient(IntakeError):
    """A recipient the item must be sealed to is missing (the reporter or a handler)."""

    code = "missing_recipient"


class MalformedEnvelope(IntakeError):
    code = "malformed_envelope"


class TooLarge(IntakeError):
    code = "too_large"


class CaseFull(IntakeError):
    """The case's attachment budget would be exceeded."""

    code = "case_full"


class BudgetExhausted(IntakeError):
    """The organisation has accepted its day's worth of attachment bytes."""

    code = "budget_exhausted"


class DiskLow(IntakeError):
    """The server's disk is nearly full: no attachment is accepted until an operator acts."""

    code = "disk_low"


class Conflict(IntakeError):
    """The case id or the receipt is already in use by another submission."""

    code = "conflict"


class CaseClosed(IntakeError):
    """The case was closed and its content deleted after the retention period."""

    code = "purged"


class ReceiptNotFound(IntakeError):
    """No case of this organisation matches the receipt (wrong and unknown look the same)."""

    code = "not_found"


class AttachmentNotFound(IntakeError):
    code = "not_found"


class OutOfOrder(IntakeError):
    """Chunks must arrive in order; `expected` is the next sequence number."""

    code = "out_of_order"

    def __init__(self, expected: int) -> None:
        super().__init__(f"expected chunk {expected}")
        self.expected = expected


class AlreadyComplete(IntakeError):
    code = "already_complete"


class BadStream(IntakeError):
    """The attachment header or chunk framing is not stream v1."""

    code = "bad_stream"


# -- keyed hashes -------------------------------------------------------------------------


keyed_hash = services.keyed_hash


def lookup_digest(secret: str, lookup_token: bytes) -> bytes:
    """What `Case.reporter_lookup` stores: the receipt itself never reaches the database."""
    return keyed_hash(secret, "lookup", lookup_token)


def idempotency_digest(secret: str, org: Organisation | Destination, key: bytes) -> bytes:
    return keyed_hash(secret, "idempotency", org.public_id.bytes + key)


# -- handlers and routing -----------------------------------------------------------------


@dataclass(frozen=True)
class Handler:
    """A handler as the reporter sees them: name, title and key fingerprint."""

    membership_id: int
    public_id: uuid.UUID
    title: str
    external: bool
    public_key: bytes = field(repr=False)
    email: str = field(repr=False)
    person_id: int = field(repr=False)  # what an exclusion records (CaseExclusion)
    name: str = ""

    @property
    def kid(self) -> str:
        return envelope_v1.kid(self.public_key)

    @property
    def fingerprint(self) -> str:
        return appointments.fingerprint(self.public_key)


def handlers(session: Session, org: Organisation) -> list[Handler]:
    """The organisation's handlers who can receive reports (active, with a key pair)."""
    rows = session.execute(
        select(Membership.id, Membership.public_id, Membership.title, Membership.external,
               Person.public_key, Person.email, Person.id, Person.name)
        .join(Person, Membership.person_id == Person.id)
        .where(
            Membership.organisation_id == org.id,
            Membership.role == "handler",
            Person.active.is_(True),
            Person.public_key.is_not(None),
            # Two-person appointment: only the key a colleague (or the operator) confirmed.
            Membership.confirmed_key == Person.public_key,
            Membership.ended_at.is_(None),
        )
        .order_by(Membership.external, Membership.title, Membership.id)
    ).all()
    return [Handler(r[0], r[1], r[2] or "", bool(r[3]), bytes(r[4] or b""), r[5], r[6], r[7])
            for r in rows]


@dataclass(frozen=True)
class Destination:
    """An organisation as intake needs it: who it is and who can receive its reports.

    Loaded in one query (`destination`), because submitting is the hot path; it has the same
    `id`, `public_id`, `slug` and `name` as the Organisation it stands for.
    """

    id: int
    public_id: uuid.UUID
    slug: str
    name: str
    acknowledge_days: int
    feedback_days: int
    handlers: tuple[Handler, ...]

    @classmethod
    def of(cls, session: Session, org: Organisation) -> Destination:
        return cls(org.id, org.public_id, org.slug, org.name, org.acknowledge_days,
                   org.feedback_days, tuple(handlers(session, org)))


@lru_cache(maxsize=1)
def _destination_query() -> Select[Any]:
    # Built once, from the tables rather than the mapped classes: constructing and
    # compiling this statement costs more than running it, and it is the first query of
    # every submission.
    m, p, o = Membership.__table__.c, Person.__table__.c, Organisation.__table__.c
    receiving = (
        select(m.organisation_id, m.id, m.public_id, m.title, m.external, p.public_key, p.email,
               p.id.label("person_id"), p.name.label("person_name"))
        .join_from(Membership.__table__, Person.__table__, m.person_id == p.id)
        .where(m.role == "handler", p.active.is_(True), p.public_key.is_not(None),
               m.confirmed_key == p.public_key, m.ended_at.is_(None))
        .subquery()
    )
    return (
        select(o.id, o.public_id, o.slug, o.name, o.acknowledge_days, o.feedback_days,
               receiving.c.id, receiving.c.public_id, receiving.c.title, receiving.c.external,
               receiving.c.public_key, receiving.c.email, receiving.c.person_id,
               receiving.c.person_name)
        .select_from(Organisation.__table__)
        .outerjoin(receiving, receiving.c.organisation_id == o.id)
        .where(o.slug == bindparam("slug"))
        .order_by(receiving.c.external, receiving.c.title, receiving.c.id)
    )


def destination(session: Session, slug: str) -> Destination | None:
    """The organisation with this slug and its receiving handlers, or None (one query)."""
    rows = session.connection().execute(_destination_query(), {"slug": slug}).all()
    if not rows:
        return None
    first = rows[0]
    found = tuple(Handler(r[6], r[7], r[8] or "", bool(r[9]), bytes(r[10]), r[11], r[12], r[13])
                  for r in rows if r[6] is not None)
    return Destination(first[0], first[1], first[2], first[3], first[4], first[5], found)


def route(available: Iterable[Handler], excluded: Iterable[uuid.UUID]) -> list[Handler]:
    """Who receives a report, after the reporter's exclusions (design.md section 5).

    Every internal handler not excluded; when none is left, the external handlers not
    excluded (the fallback); when nobody is left, EveryoneExcluded.
    """
    available = list(available)
    excluded = set(excluded)
    if excluded - {h.public_id for h in available}:
        raise UnknownHandler()
    if not available:
        raise NoHandlers()
    internal = [h for h in available if not h.external and h.public_id not in excluded]
    if internal:
        return internal
    external = [h for h in available if h.external and h.public_id not in excluded]
    if external:
        return external
    raise EveryoneExcluded()


def check_recipients(envelope: object, expected: Iterable[bytes], *, max_ct: int) -> None:
    """The envelope is well formed, not too large, and sealed to exactly `expected`."""
    if not isinstance(envelope, dict):
        raise MalformedEnvelope()
    ct = envelope.get("ct")
    if isinstance(ct, str) and len(ct) > max_ct:
        raise TooLarge()
    try:
        kids = set(envelope_v1.recipient_kids(envelope))
    except EnvelopeError:
        raise MalformedEnvelope() from None
    wanted = {envelope_v1.kid(k) for k in expected}
    if kids - wanted:
        raise UnknownRecipient()
    if wanted - kids:
        raise MissingRecipient()


def _dump(envelope: dict[str, Any]) -> str:
    return json.dumps(envelope, separators=(",", ":"), sort_keys=True)


# -- opening a case -----------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    """A report as it arrives: sealed, plus what the server needs to file it."""

    case_id: uuid.UUID
    lookup_token: bytes = field(repr=False)
    reporter_public_key: bytes
    report: dict[str, Any] = field(repr=False)
    idempotency_key: bytes = field(repr=False)
    excluded: frozenset[uuid.UUID] = frozenset()


@dataclass(frozen=True)
class Opened:
    case_id: int  # the new case's primary key (load it with session.get when needed)
    public_id: uuid.UUID
    recipients: list[Handler]


def find_by_idempotency(
    session: Session, org: Organisation | Destination, key: bytes, *, secret: str
) -> Case | None:
    digest = idempotency_digest(secret, org, key)
    case = session.scalar(select(Case).where(Case.idempotency == digest))
    return case if case is not None and case.organisation_id == org.id else None


def _insert_case(session: Session) -> Any:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id: a resent report (or a clash of case id
    or receipt) inserts nothing instead of failing on a unique constraint, so nothing about
    it reaches PostgreSQL's own log (which records every failed statement, with its values
    and the time)."""
    return insert_ignoring_conflicts(session, Case.__table__).returning(Case.__table__.c.id)


def open_case(
    session: Session, org: Destination, submission: Submission, *, secret: str, today: date
) -> Opened:
    """File a sealed report as a new case (the case row, its handlers and exclusions).

    Raises an IntakeError, before writing anything, when the submission cannot be accepted.
    The same submission sent again raises Conflict without a failed statement (the case row
    is inserted ON CONFLICT DO NOTHING), or an IntakeError if it no longer fits (a handler
    left meanwhile): the caller rolls back and answers with `find_by_idempotency` — a query
    paid only on that rare path. The rows are inserted with plain INSERT statements (no ORM
    unit of work): this is the hot path.
    """
    if len(submission.lookup_token) != 32 or len(submission.idempotency_key) < 16:
        raise IntakeError()
    if submission.case_id.version != 4:
        raise IntakeError()
    recipients = route(org.handlers, submission.excluded)
    try:
        envelope_v1.kid(submission.reporter_public_key)
    except ValueError:
        raise IntakeError() from None
    check_recipients(
        submission.report,
        [h.public_key for h in recipients] + [submission.reporter_public_key],
        max_ct=MAX_REPORT_CT,
    )
    connection = session.connection()
    case_id = connection.execute(_insert_case(session), {
        "public_id": submission.case_id,
        "organisation_id": org.id,
        "state": "received",
        "received_on": today,
        "acknowledge_by": today + timedelta(days=org.acknowledge_days),
        "feedback_by": today + timedelta(days=org.feedback_days),
        "reporter_lookup": lookup_digest(secret, submission.lookup_token),
        "reporter_public_key": submission.reporter_public_key,
        "idempotency": idempotency_digest(secret, org, submission.idempotency_key),
        "report": _dump(submission.report),
    }).scalar_one_or_none()
    if case_id is None:  # already filed (a resend), or its case id or receipt is taken
        raise Conflict()
    connection.execute(insert(CaseHandler.__table__), [
        {"case_id": case_id, "membership_id": h.membership_id, "added_on": today}
        for h in recipients
    ])
    by_id = {h.public_id: h for h in org.handlers}
    if submission.excluded:
        connection.execute(insert(CaseExclusion.__table__), [
            {"case_id": case_id, "person_id": by_id[e].person_id}
            for e in sorted(submission.excluded)
        ])
    return Opened(case_id, submission.case_id, recipients)


# -- the reporter coming back -------------------------------------------------------------


def case_by_lookup(
    session: Session, org: Organisation | Destination, lookup_token: bytes, *, secret: str
) -> Case:
    """The organisation's case for a receipt's lookup token; ReceiptNotFound otherwise.

    A wrong receipt, an unknown one and one of another organisation fail the same way.
    """
    if not isinstance(lookup_token, bytes) or len(lookup_token) != 32:
        raise ReceiptNotFound()
    case = session.scalar(
        select(Case).where(Case.reporter_lookup == lookup_digest(secret, lookup_token))
    )
    if case is None or case.organisation_id != org.id:
        raise ReceiptNotFound()
    return case


def case_titles(session: Session, case: Case) -> list[str]:
    """The titles of the handlers a case is sealed to (what the reporter sees)."""
    return [m.title for m in services.case_memberships(session, case)]


def recipient_keys(session: Session, case: Case) -> list[bytes]:
    """What a new item of the thread is sealed to: the case's handlers and the reporter.

    The handlers' keys come from casework.services.handler_keys, so the reporter's side and
    the handler's side check the same set.
    """
    keys = services.handler_keys(session, case)
    reporter = bytes(case.reporter_public_key)
    return [*[bytes(k) for k in keys if bytes(k) != reporter], reporter]


def add_reporter_message(
    session: Session, case: Case, envelope: dict[str, Any], *, kind: str = "message", today: date,
    idempotency: bytes | None = None,
) -> Message:
    """A message, an addition to the report, or a consent from the reporter, sealed to the
    case's handlers and the reporter. Raises services.Replayed when `idempotency` (a
    services.message_digest) was stored before."""
    if kind not in REPORTER_KINDS:
        raise IntakeError()
    if case.purged_on is not None or case.report is None:
        raise CaseClosed()
    check_recipients(envelope, recipient_keys(session, case), max_ct=MAX_MESSAGE_CT)
    message = services.add_message(
        session, case, sender="reporter", kind=kind, body=_dump(envelope), on=today,
        idempotency=idempotency,
    )
    message.read_by_reporter = True
    return message


def record_consent(
    session: Session, case: Case, envelope: dict[str, Any], *, today: date
) -> Message:
    """The reporter's consent to the employer hand-off: a `consent` message in the thread.

    The kind is plaintext on purpose — the hand-off (casework.handoff) needs to know that
    consent was given, and after which summary — while the reporter's own words about it
    stay sealed like every other message.
    """
    return add_reporter_message(session, case, envelope, kind="consent", today=today)


# -- attachments --------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """Plaintext byte limits (config: attachment_max_file, attachment_max_case) and the
    disk-fill guards (intake_daily_bytes, min_free_disk at disk_path; 0 / "" turn one off)."""

    max_file: int
    max_case: int
    daily: int = 0
    min_free: int = 0
    disk_path: str = ""


def check_disk(limits: Limits, size: int) -> None:
    """Refuse when storing `size` more bytes would leave less than `min_free` free."""
    if not limits.min_free or not limits.disk_path:
        return
    path = Path(limits.disk_path)
    while not path.exists() and path != path.parent:  # the folder may not be made yet
        path = path.parent
    if shutil.disk_usage(path).free - size < limits.min_free:
        # For the operator; nothing about the reporter or the case.
        log.warning("attachment refused: free disk space below TRYGG_MIN_FREE_DISK")
        raise DiskLow()


def charge_budget(session: Session, organisation_id: int, size: int, limits: Limits,
                  today: date) -> None:
    """Count `size` bytes against the organisation's budget for today, or BudgetExhausted.

    A conditional UPDATE, so concurrent uploads cannot together exceed the budget; the day's
    row is made on first use (in a savepoint, as a concurrent request may make it too).
    """
    if not limits.daily:
        return
    if size > limits.daily:
        raise BudgetExhausted()
    for _attempt in range(2):
        charged = session.execute(
            update(IntakeDay)
            .where(IntakeDay.organisation_id == organisation_id, IntakeDay.day == today,
                   IntakeDay.total + size <= limits.daily)
            .values(total=IntakeDay.total + size)
            .execution_options(synchronize_session=False)
        )
        if charged.rowcount == 1:  # type: ignore[attr-defined]
            return
        exists = session.scalar(select(IntakeDay.id).where(
            IntakeDay.organisation_id == organisation_id, IntakeDay.day == today))
        if exists is not None:
            raise BudgetExhausted()
        try:
            with session.begin_nested():
                session.execute(delete(IntakeDay).where(
                    IntakeDay.organisation_id == organisation_id,
                    IntakeDay.day < today - timedelta(days=7)))
                session.add(IntakeDay(organisation_id=organisation_id, day=today, total=size))
            return
        except IntegrityError:
            continue  # made meanwhile by another request: charge it with the UPDATE
    raise BudgetExhausted()


def _chunk_size(header: bytes) -> int:
    return 1 << header[5]


def check_header(header: bytes) -> None:
    if (
        len(header) != stream_v1.HEADER_LEN
        or header[:4] != stream_v1.MAGIC
        or header[4] != stream_v1.VERSION
        or not stream_v1.MIN_LOG2_CHUNK <= header[5] <= stream_v1.MAX_LOG2_CHUNK
    ):
        raise BadStream()


def _plaintext_bytes(attachment: Attachment) -> int:
    return attachment.size - stream_v1.TAG_LEN * attachment.chunk_count


def case_attachment_bytes(session: Session, case: Case) -> int:
    """Plaintext bytes of a case's attachments (every chunk carries one 16-byte tag)."""
    size, chunks = session.execute(
        select(func.coalesce(func.sum(Attachment.size), 0),
               func.coalesce(func.sum(Attachment.chunk_count), 0))
        .where(Attachment.case_id == case.id)
    ).one()
    return int(size) - stream_v1.TAG_LEN * int(chunks)


def start_attachment(
    session: Session,
    case: Case,
    *,
    key: dict[str, Any],
    meta: dict[str, Any],
    header: bytes,
    size: int,
    limits: Limits,
    today: date,
    message: Message | None = None,
) -> Attachment:
    """Register an attachment the reporter is about to upload (`size`: plaintext bytes).

    It stays incomplete (`complete` False) until its last chunk arrives, so a broken upload
    never looks like a whole file.
    """
    if case.purged_on is not None or case.report is None:
        raise CaseClosed()
    check_header(header)
    if not 0 <= size <= limits.max_file:
        raise TooLarge()
    if case_attachment_bytes(session, case) + size > limits.max_case:
        raise CaseFull()
    check_disk(limits, size)
    keys = recipient_keys(session, case)
    check_recipients(key, keys, max_ct=MAX_SMALL_CT)
    check_recipients(meta, keys, max_ct=MAX_SMALL_CT)
    attachment = Attachment(
        case=case, message_id=message.id if message is not None else None, sender="reporter",
        key=_dump(key), meta=_dump(meta), header=header, size=0, chunk_count=0,
        complete=False, created_on=today, declared_size=size,
    )
    session.add(attachment)
    session.flush()
    charge_budget(session, case.organisation_id, size, limits, today)
    return attachment


def append_chunks(
    session: Session, attachment: Attachment, first_seq: int, data: bytes, *, last: bool,
    limits: Limits,
) -> Attachment:
    """Store consecutive sealed chunks starting at `first_seq`; `last` closes the stream.

    Every chunk but the final one is exactly chunk size + 16 bytes; the final one holds
    16 bytes up to that. The server cannot check the tags (it has no key) but it checks the
    framing, the order and the limits.
    """
    # The same batch sent twice at once: the second waits for the first (PostgreSQL: the
    # row lock; SQLite: the write lock its transaction began with), then sees the new count
    # and answers OutOfOrder instead of colliding on the chunks' unique (attachment, seq).
    session.refresh(attachment, with_for_update=True)
    if attachment.complete:
        raise AlreadyComplete()
    if first_seq != attachment.chunk_count:
        raise OutOfOrder(attachment.chunk_count)
    assert attachment.header is not None  # noqa: S101 - set by start_attachment
    sealed = _chunk_size(attachment.header) + stream_v1.TAG_LEN
    pieces = [data[i : i + sealed] for i in range(0, len(data), sealed)]
    if not pieces:  # stream v1 always ends with a (sealed, possibly empty) final chunk
        raise BadStream()
    for piece in pieces[:-1]:
        if len(piece) != sealed:
            raise BadStream()
    tail = pieces[-1]
    if len(tail) < stream_v1.TAG_LEN or (not last and len(tail) != sealed):
        raise BadStream()
    if last and len(tail) == stream_v1.TAG_LEN and attachment.chunk_count + len(pieces) > 1:
        raise BadStream()  # an empty final chunk only for an empty file
    added_plain = len(data) - stream_v1.TAG_LEN * len(pieces)
    stored_plain = _plaintext_bytes(attachment) + added_plain
    if stored_plain > limits.max_file:
        raise TooLarge()
    # The announced size is what the budget was charged: a stream may not outgrow it, and
    # a finished one must match it.
    announced = attachment.declared_size
    if announced is not None and stored_plain > announced:
        raise TooLarge()
    if announced is not None and last and stored_plain != announced:
        raise BadStream()
    if case_attachment_bytes(session, attachment.case) + added_plain > limits.max_case:
        raise CaseFull()
    for i, piece in enumerate(pieces):
        session.add(AttachmentChunk(attachment_id=attachment.id, seq=first_seq + i, data=piece))
    attachment.chunk_count += len(pieces)
    attachment.size += len(data)
    attachment.complete = last
    session.flush()
    return attachment


def store_stream(
    session: Session,
    case: Case,
    *,
    key: dict[str, Any],
    meta: dict[str, Any],
    stream: Iterable[bytes],
    limits: Limits,
    today: date,
    size: int,
    message: Message | None = None,
) -> Attachment:
    """Store a whole attachment stream at once (the server-side path without JavaScript)."""
    buffer = bytearray()
    attachment: Attachment | None = None
    sealed = 0
    for piece in stream:
        buffer += piece
        if attachment is None:
            if len(buffer) < stream_v1.HEADER_LEN:
                continue
            header = bytes(buffer[: stream_v1.HEADER_LEN])
            del buffer[: stream_v1.HEADER_LEN]
            attachment = start_attachment(
                session, case, key=key, meta=meta, header=header, size=size, limits=limits,
                today=today, message=message,
            )
            sealed = _chunk_size(header) + stream_v1.TAG_LEN
        # Keep at least one sealed chunk back: only the end of the stream says which is last.
        ready = (len(buffer) - 1) // sealed * sealed
        if ready > 0:
            append_chunks(session, attachment, attachment.chunk_count, bytes(buffer[:ready]),
                          last=False, limits=limits)
            del buffer[:ready]
    if attachment is None:
        raise BadStream()
    return append_chunks(session, attachment, attachment.chunk_count, bytes(buffer), last=True,
                         limits=limits)


def attachment_stream(session: Session, attachment: Attachment, batch: int = 16) -> Iterator[bytes]:
    """The stored stream, header first, chunk by chunk (bounded memory)."""
    if attachment.header is None:
        return
    yield attachment.header
    seq = 0
    while seq < attachment.chunk_count:
        rows = session.scalars(
            select(AttachmentChunk.data)
            .where(AttachmentChunk.attachment_id == attachment.id,
                   AttachmentChunk.seq >= seq, AttachmentChunk.seq < seq + batch)
            .order_by(AttachmentChunk.seq)
        ).all()
        if not rows:
            return
        yield from (bytes(r) for r in rows)
        seq += len(rows)


# -- what the reporter may see ------------------------------------------------------------


@dataclass(frozen=True)
class ReporterItem:
    public_id: uuid.UUID
    sender: str  # reporter | handler
    kind: str  # message | addition | consent
    body: dict[str, Any] | None
    created_on: date
    attachments: list[Attachment]


@dataclass(frozen=True)
class ReporterView:
    case: Case
    report: dict[str, Any] | None
    items: list[ReporterItem]
    attachments: list[Attachment]  # sent with the report, not with a message
    handler_titles: list[str]


def _visible_attachment(a: Attachment, visible_messages: set[int]) -> bool:
    if a.message_id is None:
        return a.sender == "reporter"
    return a.message_id in visible_messages


def reporter_view(session: Session, case: Case) -> ReporterView:
    """The case as its reporter sees it: never internal notes, never who was excluded."""
    messages = session.scalars(
        select(Message).where(Message.case_id == case.id, Message.kind != "note")
        .order_by(Message.seq)
    ).all()
    visible = {m.id for m in messages}
    attachments = [a for a in session.scalars(
        select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.id)
    ).all() if _visible_attachment(a, visible)]
    by_message: dict[int, list[Attachment]] = {}
    for a in attachments:
        if a.message_id is not None:
            by_message.setdefault(a.message_id, []).append(a)
    items = [
        ReporterItem(m.public_id, m.sender, m.kind, json.loads(m.body) if m.body else None,
                     m.created_on, by_message.get(m.id, []))
        for m in messages
    ]
    return ReporterView(
        case=case,
        report=json.loads(case.report) if case.report else None,
        items=items,
        attachments=[a for a in attachments if a.message_id is None],
        handler_titles=case_titles(session, case),
    )


def mark_read_by_reporter(session: Session, case: Case) -> None:
    for m in session.scalars(
        select(Message).where(Message.case_id == case.id, Message.sender == "handler",
                              Message.kind != "note", Message.read_by_reporter.is_(False))
    ):
        m.read_by_reporter = True


def reporter_attachment(session: Session, case: Case, public_id: uuid.UUID) -> Attachment:
    """One attachment the reporter may see, or AttachmentNotFound."""
    attachment = session.scalar(
        select(Attachment).where(Attachment.case_id == case.id, Attachment.public_id == public_id)
    )
    if attachment is None:
        raise AttachmentNotFound()
    if attachment.message_id is None:
        if attachment.sender != "reporter":
            raise AttachmentNotFound()
    else:
        kind = session.scalar(select(Message.kind).where(Message.id == attachment.message_id))
        if kind == "note":
            raise AttachmentNotFound()
    return attachment


__all__ = [
    "ATTACHMENT",
    "ATTACHMENT_META",
    "MESSAGE",
    "REPORT",
    "AlreadyComplete",
    "AttachmentNotFound",
    "BadStream",
    "CaseClosed",
    "CaseFull",
    "Conflict",
    "Destination",
    "EveryoneExcluded",
    "Handler",
    "IntakeError",
    "Limits",
    "MalformedEnvelope",
    "MissingRecipient",
    "NoHandlers",
    "Opened",
    "OutOfOrder",
    "ReceiptNotFound",
    "ReporterView",
    "Submission",
    "TooLarge",
    "UnknownHandler",
    "UnknownRecipient",
    "add_reporter_message",
    "append_chunks",
    "attachment_stream",
    "case_by_lookup",
    "case_context",
    "case_titles",
    "check_recipients",
    "context",
    "destination",
    "find_by_idempotency",
    "handlers",
    "lookup_digest",
    "open_case",
    "recipient_keys",
    "record_consent",
    "reporter_attachment",
    "reporter_view",
    "route",
    "start_attachment",
    "store_stream",
]
