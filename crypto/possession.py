"""Proof that a browser holds a handler's X25519 private key (for a re-wrap of that key).

X25519 keys cannot sign, so possession is shown with a Diffie-Hellman challenge:

1. The server makes a fresh ephemeral key pair (c, C = X25519(c, 9)) and sends C.
2. The browser, holding the handler's private key h (a non-extractable WebCrypto key is
   enough: only `deriveBits` is used), computes Z = X25519(h, C) and
   proof = HMAC-SHA256(Z, message), where message binds the challenge, the handler's public
   key H and the new wrapped key: "trygg/v1/key-possession\\0" ‖ C ‖ H ‖ u32(iterations) ‖
   for salt, kid, nonce, ct each u16(length) ‖ bytes.
3. The server computes Z = X25519(c, H) and compares the proofs in constant time.

Only whoever knows h (or c, which never leaves the server unsealed) can compute Z. A fresh C
for each page means a proof cannot be made ahead of time; binding the blob means a proof
seen once cannot carry another blob.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from crypto._b64 import b64d

CONTEXT = b"trygg/v1/key-possession\x00"


def new_challenge() -> tuple[bytes, bytes]:
    """(private, public) raw 32-byte X25519 keys for one challenge."""
    private = X25519PrivateKey.generate()
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return private.private_bytes_raw(), public


def message(challenge: bytes, public_key: bytes, blob: dict[str, Any]) -> bytes:
    """What the proof covers; `blob` is a passphrase-wrapped key (crypto.keywrap JSON)."""
    parts = [CONTEXT, bytes(challenge), bytes(public_key), struct.pack(">I", int(blob["iter"]))]
    for name in ("salt", "kid", "nonce", "ct"):
        value = b64d(blob[name])
        parts += [struct.pack(">H", len(value)), value]
    return b"".join(parts)


def _shared(private: bytes, public: bytes) -> bytes:
    # cryptography refuses an all-zero result (a low-order public key) with ValueError.
    return X25519PrivateKey.from_private_bytes(private).exchange(
        X25519PublicKey.from_public_bytes(public))


def prove(private_key: bytes, challenge: bytes, public_key: bytes, blob: dict[str, Any]) -> bytes:
    """The browser's side, in Python (tests and tools)."""
    shared = _shared(private_key, challenge)
    return hmac.new(shared, message(challenge, public_key, blob), hashlib.sha256).digest()


def check(challenge_private: bytes, public_key: bytes, blob: dict[str, Any],
          proof: bytes) -> bool:
    challenge = X25519PrivateKey.from_private_bytes(challenge_private).public_key() \
        .public_bytes(Encoding.Raw, PublicFormat.Raw)
    try:
        shared = _shared(challenge_private, public_key)
    except ValueError:
        return False
    expected = hmac.new(shared, message(challenge, public_key, blob), hashlib.sha256).digest()
    return hmac.compare_digest(expected, bytes(proof))
