"""Showing the no-JavaScript form's receipt again, safely.

The receipt of a form sent without JavaScript is derived from the form's one-off key
(services.receipt_for), so a reporter whose answer got lost can send the form again and see
the same receipt. Without limits anyone who could re-send that form later (the browser's
history on a shared computer, a proxy's log of the request) would be shown the receipt and
could read the case. So the receipt is shown again only within REPLAY_WINDOW of the first
sending, and only when the fields (and files) are the same as then.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from casework.models import ReceiptReplay

REPLAY_WINDOW = timedelta(minutes=10)


def _mac(secret: str, purpose: str, data: bytes) -> bytes:
    return hmac.new(secret.encode(), f"trygg/v1/{purpose}\x00".encode() + data,
                    hashlib.sha256).digest()


def fields_digest(secret: str, fields: dict[str, Any], excluded: Iterable[object],
                  files: Iterable[tuple[str, bytes]]) -> bytes:
    """A keyed digest of what was sent: the typed fields, the left-out handlers, the files."""
    document = {
        "fields": fields,
        "excluded": sorted(str(x) for x in excluded),
        "files": [[name, hashlib.sha256(data).hexdigest()] for name, data in files],
    }
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, default=str)
    return _mac(secret, "nojs-replay-fields", canonical.encode())


def _forget_expired(session: Session, now: datetime) -> None:
    session.execute(delete(ReceiptReplay).where(ReceiptReplay.expires_at <= now))


def remember(session: Session, secret: str, key: bytes, digest: bytes,
             now: datetime | None = None) -> None:
    """Record a first sending (in the transaction that files the case)."""
    now = now or datetime.now(UTC)
    _forget_expired(session, now)
    session.add(ReceiptReplay(key_hash=_mac(secret, "nojs-replay-key", key),
                              fields_hash=digest, expires_at=now + REPLAY_WINDOW))


def may_show_again(session: Session, secret: str, key: bytes, digest: bytes,
                   now: datetime | None = None) -> bool:
    now = now or datetime.now(UTC)
    _forget_expired(session, now)
    stored = session.scalar(select(ReceiptReplay.fields_hash).where(
        ReceiptReplay.key_hash == _mac(secret, "nojs-replay-key", key),
        ReceiptReplay.expires_at > now))
    return stored is not None and hmac.compare_digest(stored, digest)
