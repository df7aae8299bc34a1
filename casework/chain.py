"""The audit chain's keyed hash, kept free of Flask and the database.

Each entry's hash is HMAC-SHA256 under the chain key, which is derived from the server's
secret (`chain_key`). Someone who can write to the database but does not hold the secret
cannot recompute the hashes after editing, deleting or reordering an entry.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime

from crypto import serverkey

GENESIS = bytes(32)
KEY_INFO = b"trygg/v1/audit-chain"


def chain_key(server_secret: str) -> bytes:
    """The audit chain's HMAC key: HKDF-SHA256(server secret, info "trygg/v1/audit-chain")."""
    return serverkey.derive(server_secret, KEY_INFO)


def head_mac(key: bytes, seq: int, head_hash: bytes) -> bytes:
    """HMAC-SHA256(key, canonical JSON ["trygg/v1/audit-head", seq, hash hex])."""
    message = json.dumps(["trygg/v1/audit-head", seq, head_hash.hex()],
                         separators=(",", ":")).encode()
    return hmac.new(key, message, hashlib.sha256).digest()


def entry_hash(
    key: bytes,
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
    """HMAC-SHA256(key, canonical JSON list of the entry's fields and the previous hash)."""
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
    message = json.dumps(document, separators=(",", ":")).encode()
    return hmac.new(key, message, hashlib.sha256).digest()
