"""Receipts: the reporter's only credential (design.md §4).

A receipt is 24 random Crockford base32 symbols (120 bits) and one check symbol, shown as
five groups of five, e.g. ``7Q2MK-9XH4T-ZC0RB-W5D8N-G3JAP``. From it the browser derives,
with HKDF-SHA256, a 32-byte lookup token (the server keeps only a keyed hash of it) and the
reporter's X25519 key pair (the report is sealed to it, so the reporter can read it back).
`trygg/static/js/receipt.js` is the browser twin; SECURITY.md "Receipts" the specification.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from crypto import _codes
from crypto.errors import MalformedReceiptError, ReceiptError, ReceiptTypoError

__all__ = [
    "DATA_SYMBOLS",
    "MalformedReceiptError",
    "ReceiptError",
    "ReceiptKeys",
    "ReceiptTypoError",
    "derive",
    "generate",
    "parse",
]

DATA_SYMBOLS = 24  # 120 bits
SALT = b"trygg/v1/receipt"
INFO_LOOKUP = b"trygg/v1/receipt/lookup"
INFO_X25519 = b"trygg/v1/receipt/x25519"


@dataclass(frozen=True)
class ReceiptKeys:
    """What a receipt unlocks. The repr leaves out the secrets."""

    lookup_token: bytes = field(repr=False)
    private_key: bytes = field(repr=False)
    public_key: bytes


def generate() -> str:
    """A new receipt, grouped for reading (29 characters with the hyphens)."""
    return _codes.generate(DATA_SYMBOLS)


def parse(text: str) -> str:
    """Canonical grouped form of a typed receipt.

    Raises MalformedReceiptError (not a receipt: length or characters) or ReceiptTypoError
    (the check symbol disagrees: a typo); both are ReceiptError and ValueError.
    """
    return _codes.group(_codes.canonical(text, DATA_SYMBOLS, "receipt"))


def _hkdf(ikm: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=SALT, info=info).derive(ikm)


def derive(receipt: str) -> ReceiptKeys:
    """Lookup token and reporter key pair for a receipt (parsed first, so typos raise)."""
    ikm = _codes.canonical(receipt, DATA_SYMBOLS, "receipt").encode("ascii")
    private_key = _hkdf(ikm, INFO_X25519)
    public_key = X25519PrivateKey.from_private_bytes(private_key).public_key().public_bytes_raw()
    return ReceiptKeys(_hkdf(ikm, INFO_LOOKUP), private_key, public_key)
