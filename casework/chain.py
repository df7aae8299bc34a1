"""The audit chain's hash, kept free of Flask and the database so the offline bundle tool
(casework/bundle_cli.py) can recompute it."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

GENESIS = bytes(32)


def entry_hash(
    *,
    seq: int,
    at: datetime,
    organisation_id: int | None,
    case_id: int | None,
    actor_id: int | None,
    action: str,
    detail: str,
    outcome: str,
    prev_hash: bytes,
) -> bytes:
    """SHA-256 over a canonical JSON list of the entry's fields and the previous hash."""
    document = [
        "trygg/v1/audit",
        seq,
        at.isoformat(timespec="microseconds"),
        organisation_id,
        case_id,
        actor_id,
        action,
        detail,
        outcome,
        prev_hash.hex(),
    ]
    return hashlib.sha256(json.dumps(document, separators=(",", ":")).encode()).digest()
