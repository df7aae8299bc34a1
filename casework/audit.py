"""The append-only, hash-chained audit log of staff and system actions.

Every entry's hash covers its own fields and the previous entry's hash, so editing,
deleting or reordering any entry breaks the chain from there on. The hash is an HMAC under
a key derived from the server's secret (casework.chain), so someone who can write to the
database but does not hold the secret cannot recompute the chain after changing it.
AuditHead, locked while an entry is appended, records the latest seq and hash, so dropping
entries from the end is caught too. `flask audit verify` walks the chain; it prints the head
hash, which an operator can note somewhere else and pass back with `--expect-head` to prove
the whole log, head included, was not rewritten since — even by someone holding the secret.

No reporter action is ever written here: staff actions carry a precise time, and a log
of reporter activity with times would help single a reporter out.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.chain import GENESIS, chain_key, entry_hash, head_mac
from casework.models import AuditEntry, AuditHead
from trygg.database import insert_if_absent, utcnow

HEAD_ID = 1


@lru_cache(maxsize=4)
def _key_for(secret: str) -> bytes:
    return chain_key(secret)


def key() -> bytes:
    """The chain key of the running app (derived from its SECRET_KEY)."""
    return _key_for(current_app.config["SECRET_KEY"])


def hash_of(entry: Any, chain: bytes | None = None) -> bytes:
    """The hash an entry (an AuditEntry or a row with the same columns) should carry."""
    return entry_hash(
        chain or key(),
        seq=entry.seq,
        at=entry.at,
        organisation_id=entry.organisation_id,
        case_id=entry.case_id,
        actor_id=entry.actor_id,
        action=entry.action,
        detail=entry.detail,
        outcome=entry.outcome,
        prev_hash=entry.prev_hash,
    )


def _head(session: Session) -> AuditHead:
    head = session.scalar(select(AuditHead).where(AuditHead.id == HEAD_ID).with_for_update())
    if head is None:
        # The very first entry: two writers may get here at once; one inserts the head, the
        # other's insert does nothing, and both then wait for the lock on the same row.
        insert_if_absent(session, AuditHead.__table__, {"id": HEAD_ID, "seq": 0, "hash": GENESIS})
        head = session.scalar(
            select(AuditHead).where(AuditHead.id == HEAD_ID).with_for_update()
            .execution_options(populate_existing=True)
        )
        assert head is not None  # noqa: S101 - inserted just now or by the other writer
    return head


@dataclass(frozen=True)
class Event:
    action: str
    organisation_id: int | None = None
    case_id: int | None = None
    actor_id: int | None = None
    detail: str = ""
    outcome: str = "ok"


def append(
    session: Session,
    action: str,
    *,
    organisation_id: int | None = None,
    case_id: int | None = None,
    actor_id: int | None = None,
    detail: str = "",
    outcome: str = "ok",
) -> AuditEntry:
    """Append one entry (inside the caller's transaction, which commits it with the action)."""
    return append_many(
        session, [Event(action, organisation_id, case_id, actor_id, detail, outcome)]
    )[0]


def append_many(session: Session, events: Iterable[Event]) -> list[AuditEntry]:
    """Append several entries under one lock of the head (the purge writes thousands)."""
    head = _head(session)
    seq, prev = head.seq, head.hash
    chain = key()
    entries = []
    for event in events:
        seq += 1
        at = utcnow()
        digest = entry_hash(
            chain, seq=seq, at=at, organisation_id=event.organisation_id, case_id=event.case_id,
            actor_id=event.actor_id, action=event.action, detail=event.detail[:120],
            outcome=event.outcome, prev_hash=prev,
        )
        entries.append(
            AuditEntry(
                seq=seq, at=at, organisation_id=event.organisation_id, case_id=event.case_id,
                actor_id=event.actor_id, action=event.action, detail=event.detail[:120],
                outcome=event.outcome, prev_hash=prev, hash=digest,
            )
        )
        prev = digest
    session.add_all(entries)
    head.seq, head.hash, head.mac = seq, prev, head_mac(chain, seq, prev)
    session.flush()
    return entries


def current_head(session: Session) -> tuple[int, bytes]:
    """The head's seq and hash, to anchor outside the database (a bundle, a mail)."""
    head = session.get(AuditHead, HEAD_ID)
    return (head.seq, head.hash) if head else (0, GENESIS)


def seal_head(session: Session) -> bool:
    """Give a head from before head MACs existed its MAC, once the chain verifies.
    False when there is nothing to seal or the chain has problems."""
    head = session.get(AuditHead, HEAD_ID)
    if head is None or head.mac is not None:
        return False
    result = verify(session)
    if [p for p in result.problems if p.what != NO_MAC]:
        return False
    head.mac = head_mac(key(), head.seq, head.hash)
    session.flush()
    return True


@dataclass(frozen=True)
class Problem:
    seq: int | None
    what: str


@dataclass(frozen=True)
class Verification:
    entries: int
    head_seq: int
    head_hash: bytes
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def _stream(session: Session, batch: int = 5000) -> Iterator[Any]:
    """Plain rows in seq order, a batch at a time (memory stays flat on a long log)."""
    table = AuditEntry.__table__
    last = 0
    while True:
        rows = session.execute(
            select(table).where(table.c.seq > last).order_by(table.c.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


NO_MAC = "the head carries no MAC (a database from before head MACs: flask audit seal-head)"


def verify(
    session: Session, *, expect_head: bytes | None = None, chain: bytes | None = None,
    anchors: Iterable[tuple[int, bytes]] = (),
) -> Verification:
    """Walk the whole chain; report every break (edited, deleted, reordered, truncated).

    `chain`: the chain key (default: the running app's). `anchors`: (seq, hash) pairs noted
    outside the database earlier (a bundle's or a reminder mail's audit head): each entry
    must still be there with that hash.
    """
    chain = chain or key()
    problems: list[Problem] = []
    wanted = dict(anchors)
    expected_seq, prev, count = 1, GENESIS, 0
    for entry in _stream(session):
        count += 1
        if entry.seq in wanted and wanted.pop(entry.seq) != entry.hash:
            problems.append(Problem(entry.seq, "differs from the audit head noted outside the "
                                    "database (the log was rewritten from here)"))
        if entry.seq != expected_seq:
            problems.append(Problem(entry.seq, f"missing entries before {entry.seq} "
                                    f"(expected {expected_seq})"))
        if entry.prev_hash != prev:
            problems.append(Problem(entry.seq, "does not follow the entry before it "
                                    "(an entry was deleted, reordered or edited)"))
        if hash_of(entry, chain) != entry.hash:
            problems.append(Problem(entry.seq, "content does not match its hash (edited)"))
        expected_seq, prev = entry.seq + 1, entry.hash
    head = session.get(AuditHead, HEAD_ID)
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if head_seq != expected_seq - 1 or head_hash != prev:
        problems.append(Problem(None, f"the head (seq {head_seq}) does not match the last "
                                f"entry (seq {expected_seq - 1}): entries were removed from "
                                "the end or the head was changed"))
    if head is not None and head.mac is None:
        problems.append(Problem(None, NO_MAC))
    elif head is not None and head.mac != head_mac(chain, head_seq, head_hash):
        problems.append(Problem(None, "the head's MAC does not match: the head was moved "
                                "(entries removed from the end) by someone without the secret"))
    for seq in sorted(wanted):
        problems.append(Problem(seq, "is missing, yet it was the audit head noted outside the "
                                "database: entries were removed from the end"))
    if expect_head is not None and head_hash != expect_head:
        problems.append(Problem(None, "the head hash differs from the one you expected"))
    return Verification(count, head_seq, head_hash, tuple(problems))


def case_trail(session: Session, case_id: int) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry).where(AuditEntry.case_id == case_id).order_by(AuditEntry.seq)
        )
    )
