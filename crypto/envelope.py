"""Envelope v1: a message sealed to one or more X25519 public keys (design.md §3).

The plaintext is padded, encrypted once under a random content key K (AES-256-GCM) and K is
sealed to each recipient with HPKE base mode (RFC 9180; DHKEM(X25519, HKDF-SHA256),
HKDF-SHA256, AES-256-GCM). SECURITY.md "Envelope v1" is the byte-level specification and
`trygg/static/js/envelope.js` the browser twin; both must agree byte for byte.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hpke import AEAD, KDF, KEM, Suite

from crypto._b64 import b64d, b64e
from crypto.errors import EnvelopeError

__all__ = [
    "MAX_RECIPIENTS",
    "Envelope",
    "EnvelopeError",
    "add_recipients",
    "kid",
    "pad",
    "padded_length",
    "recipient_kids",
    "seal",
    "unpad",
    "unseal",
]

Envelope = dict[str, Any]

VERSION = 1
BODY_AAD_PREFIX = b"trygg/v1/body\x00"
KEY_INFO_PREFIX = b"trygg/v1/key\x00"
MIN_PADDED = 1024
MIB = 1024 * 1024
MAX_RECIPIENTS = 64
KEY_LEN = 32
NONCE_LEN = 12
TAG_LEN = 16
KID_LEN = 16
ENC_LEN = 32
ENTRY_LEN = ENC_LEN + KEY_LEN + TAG_LEN  # 80: enc ‖ AES-256-GCM(K) with its tag

_SUITE = Suite(KEM.X25519, KDF.HKDF_SHA256, AEAD.AES_256_GCM)
_TOP_KEYS = frozenset({"v", "recipients", "nonce", "ct"})
_ENTRY_KEYS = frozenset({"kid", "key"})


# -- padding ------------------------------------------------------------------------------


def padded_length(n: int) -> int:
    """Length L the padded form of an n-byte plaintext has (design.md §3 step 2)."""
    if n < 0:
        raise ValueError("negative length")
    need = max(MIN_PADDED, n + 1)
    if need <= MIB:
        return 1 << (need - 1).bit_length()
    return -(-need // MIB) * MIB


def _is_padded_length(size: int) -> bool:
    if size < MIN_PADDED:
        return False
    if size <= MIB:
        return size & (size - 1) == 0
    return size % MIB == 0


def pad(plaintext: bytes) -> bytes:
    """plaintext ‖ 0x80 ‖ 0x00… up to padded_length(len(plaintext))."""
    size = padded_length(len(plaintext))
    return b"".join((plaintext, b"\x80", bytes(size - len(plaintext) - 1)))


def unpad(padded: bytes) -> bytes:
    """Inverse of `pad`; only the exact output of `pad` is accepted."""
    stripped = padded.rstrip(b"\x00")
    if not stripped or stripped[-1] != 0x80:
        raise EnvelopeError("malformed padding")
    plaintext = stripped[:-1]
    if padded_length(len(plaintext)) != len(padded):
        raise EnvelopeError("malformed padding")
    return plaintext


# -- helpers ------------------------------------------------------------------------------


def _kid_bytes(public_key: bytes) -> bytes:
    return hashlib.sha256(public_key).digest()[:KID_LEN]


def kid(public_key: bytes) -> str:
    """Key id of a raw 32-byte X25519 public key: base64url(SHA-256(pk)[:16])."""
    _check_public_key(public_key)
    return b64e(_kid_bytes(bytes(public_key)))


def _check_public_key(public_key: object) -> None:
    if not isinstance(public_key, bytes | bytearray) or len(public_key) != 32:
        raise ValueError("an X25519 public key is 32 raw bytes")


def _check_context(context: object) -> bytes:
    if not isinstance(context, str):
        raise TypeError("context must be a str")
    return context.encode("utf-8")


def _seal_key(content_key: bytes, public_key: bytes, info: bytes) -> dict[str, str]:
    try:
        pk = X25519PublicKey.from_public_bytes(bytes(public_key))
        sealed = _SUITE.encrypt(content_key, pk, info=info)
    except ValueError as exc:  # e.g. a low-order point gives an all-zero shared secret
        raise ValueError("invalid X25519 public key") from exc
    return {"kid": b64e(_kid_bytes(bytes(public_key))), "key": b64e(sealed)}


def _distinct_keys(recipients: Iterable[bytes]) -> list[bytes]:
    keys: list[bytes] = []
    for public_key in recipients:
        _check_public_key(public_key)
        keys.append(bytes(public_key))
    if len({_kid_bytes(k) for k in keys}) != len(keys):
        raise ValueError("duplicate recipient")
    return keys


# -- sealing ------------------------------------------------------------------------------


def seal(plaintext: bytes, recipients: list[bytes], context: str) -> Envelope:
    """Seal `plaintext` to every raw X25519 public key in `recipients` under `context`.

    Raises ValueError for no recipients, too many, a duplicate or a malformed key: those are
    the caller's mistakes, not failures to open.
    """
    if not isinstance(plaintext, bytes | bytearray | memoryview):
        raise TypeError("plaintext must be bytes")
    ctx = _check_context(context)
    keys = _distinct_keys(recipients)
    if not 1 <= len(keys) <= MAX_RECIPIENTS:
        raise ValueError(f"between 1 and {MAX_RECIPIENTS} recipients")
    content_key = os.urandom(KEY_LEN)
    nonce = os.urandom(NONCE_LEN)
    ct = AESGCM(content_key).encrypt(nonce, pad(bytes(plaintext)), BODY_AAD_PREFIX + ctx)
    info = KEY_INFO_PREFIX + ctx
    entries = [_seal_key(content_key, k, info) for k in keys]
    return {"v": VERSION, "recipients": entries, "nonce": b64e(nonce), "ct": b64e(ct)}


# -- opening ------------------------------------------------------------------------------


def _parse(envelope: object) -> tuple[list[tuple[bytes, bytes]], bytes, bytes]:
    """Validate the JSON shape strictly; return ([(kid, key)], nonce, ct)."""
    try:
        if not isinstance(envelope, dict) or envelope.keys() != _TOP_KEYS:
            raise ValueError("envelope keys")
        version = envelope["v"]
        if type(version) is not int or version != VERSION:
            raise ValueError("version")
        raw_entries = envelope["recipients"]
        if not isinstance(raw_entries, list) or not 1 <= len(raw_entries) <= MAX_RECIPIENTS:
            raise ValueError("recipients")
        entries: list[tuple[bytes, bytes]] = []
        for entry in raw_entries:
            if not isinstance(entry, dict) or entry.keys() != _ENTRY_KEYS:
                raise ValueError("recipient keys")
            kid_raw, key = b64d(entry["kid"]), b64d(entry["key"])
            if len(kid_raw) != KID_LEN or len(key) != ENTRY_LEN:
                raise ValueError("recipient lengths")
            entries.append((kid_raw, key))
        if len({k for k, _ in entries}) != len(entries):
            raise ValueError("duplicate kid")
        nonce, ct = b64d(envelope["nonce"]), b64d(envelope["ct"])
        if len(nonce) != NONCE_LEN or not _is_padded_length(len(ct) - TAG_LEN):
            raise ValueError("nonce or ct length")
    except ValueError as exc:
        raise EnvelopeError(f"malformed envelope ({exc})") from None
    return entries, nonce, ct


def _private(private_key: object) -> tuple[X25519PrivateKey, bytes]:
    if not isinstance(private_key, bytes | bytearray) or len(private_key) != 32:
        raise EnvelopeError("an X25519 private key is 32 raw bytes")
    sk = X25519PrivateKey.from_private_bytes(bytes(private_key))
    return sk, sk.public_key().public_bytes_raw()


def _open_content_key(entries: list[tuple[bytes, bytes]], private_key: object, ctx: bytes) -> bytes:
    sk, pk = _private(private_key)
    mine = _kid_bytes(pk)
    for kid_raw, key in entries:
        if kid_raw == mine:
            try:
                content_key = _SUITE.decrypt(key, sk, info=KEY_INFO_PREFIX + ctx)
            except (InvalidTag, ValueError):
                raise EnvelopeError("cannot open the content key") from None
            if len(content_key) != KEY_LEN:
                raise EnvelopeError("cannot open the content key")
            return content_key
    raise EnvelopeError("not a recipient of this envelope")


def unseal(envelope: Envelope, private_key: bytes, context: str) -> bytes:
    """Open an envelope v1 with a raw 32-byte X25519 private key; EnvelopeError on any failure."""
    if not isinstance(context, str):
        raise EnvelopeError("context must be a str")
    ctx = context.encode("utf-8")
    entries, nonce, ct = _parse(envelope)
    content_key = _open_content_key(entries, private_key, ctx)
    try:
        padded = AESGCM(content_key).decrypt(nonce, ct, BODY_AAD_PREFIX + ctx)
    except InvalidTag:
        raise EnvelopeError("authentication failed") from None
    return unpad(padded)


def recipient_kids(envelope: Envelope) -> list[str]:
    """The kids an envelope is sealed to, in order (validates the shape first)."""
    entries, _, _ = _parse(envelope)
    return [b64e(k) for k, _ in entries]


def add_recipients(
    envelope: Envelope, private_key: bytes, new_recipients: list[bytes], context: str
) -> Envelope:
    """Re-seal the content key of `envelope` to more public keys (handing a case over).

    Opens K with `private_key` (EnvelopeError if that fails, including when the body does
    not authenticate under K), then returns a new envelope with the same nonce and ct and one
    extra entry per new key. Keys that already have an entry are skipped, so a retried
    handover is harmless. ValueError for malformed keys or going over MAX_RECIPIENTS.
    """
    if not isinstance(context, str):
        raise EnvelopeError("context must be a str")
    ctx = context.encode("utf-8")
    entries, nonce, ct = _parse(envelope)
    content_key = _open_content_key(entries, private_key, ctx)
    try:  # only ever vouch for a body that really opens under K
        AESGCM(content_key).decrypt(nonce, ct, BODY_AAD_PREFIX + ctx)
    except InvalidTag:
        raise EnvelopeError("authentication failed") from None
    present = {k for k, _ in entries}
    keys = [k for k in _distinct_keys(new_recipients) if _kid_bytes(k) not in present]
    if len(entries) + len(keys) > MAX_RECIPIENTS:
        raise ValueError(f"at most {MAX_RECIPIENTS} recipients")
    info = KEY_INFO_PREFIX + ctx
    return {
        "v": VERSION,
        "recipients": [{"kid": b64e(k), "key": b64e(v)} for k, v in entries]
        + [_seal_key(content_key, k, info) for k in keys],
        "nonce": envelope["nonce"],
        "ct": envelope["ct"],
    }
