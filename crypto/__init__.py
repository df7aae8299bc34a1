"""Trygg's cryptography: pure functions, no Flask, no database.

- `crypto.envelope`: envelope v1 (seal/unseal to X25519 keys, HPKE + AES-256-GCM).
- `crypto.stream`: attachment stream v1 (chunked AES-256-GCM, file key in an envelope).
- `crypto.receipt`: reporter receipts and what they derive.
- `crypto.keywrap`: wrapping handler private keys under a passphrase and a recovery code.
- `crypto.serverkey`: keys the server derives from its own secret, one per purpose.

The browser twins live in `trygg/static/js/`; SECURITY.md specifies every format.
"""

from crypto.errors import (
    CryptoError,
    EnvelopeError,
    KeyWrapError,
    MalformedReceiptError,
    ReceiptError,
    ReceiptTypoError,
)

__all__ = [
    "CryptoError",
    "EnvelopeError",
    "KeyWrapError",
    "MalformedReceiptError",
    "ReceiptError",
    "ReceiptTypoError",
]
