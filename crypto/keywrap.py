"""Handler key custody: wrapping the X25519 private key under secrets the server never sees.

The browser generates the key pair at enrolment and stores only two wrapped copies on the
server: one under a key derived from the handler's *key passphrase* (PBKDF2-HMAC-SHA256,
separate from the login password, so login stays a plain form), one under a *recovery code*
shown once (HKDF-SHA256: the code already carries 145 random bits). This module wraps
exactly as `trygg/static/js/keys.js` does (the demo seed uses it) and unwraps (for an
offline export tool). SECURITY.md "Handler key custody" is the specification.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from crypto import _codes
from crypto._b64 import b64d, b64e
from crypto.envelope import kid as _kid
from crypto.errors import KeyWrapError

__all__ = [
    "DEFAULT_ITERATIONS",
    "KeyWrapError",
    "generate_key_pair",
    "generate_recovery_code",
    "needs_rewrap",
    "parse_recovery_code",
    "public_key_of",
    "unwrap_private_key",
    "unwrap_with_recovery_code",
    "wrap_private_key",
    "wrap_with_recovery_code",
]

VERSION = 1
DEFAULT_ITERATIONS = 600_000  # OWASP 2023 floor for PBKDF2-HMAC-SHA256
MAX_ITERATIONS = 10_000_000
RECOVERY_SYMBOLS = 29  # 145 bits
SALT_LEN = 16
NONCE_LEN = 12
AAD_PREFIX = b"trygg/v1/keywrap/"
RECOVERY_INFO = b"trygg/v1/keywrap/recovery"
_KEYS = {
    "passphrase": frozenset({"v", "kind", "iter", "salt", "kid", "nonce", "ct"}),
    "recovery": frozenset({"v", "kind", "salt", "kid", "nonce", "ct"}),
}

WrappedKey = dict[str, Any]


def generate_key_pair() -> tuple[bytes, bytes]:
    """(private, public) raw 32-byte X25519 keys. Browsers do this in keys.js instead."""
    sk = X25519PrivateKey.generate()
    return sk.private_bytes_raw(), sk.public_key().public_bytes_raw()


def public_key_of(private_key: bytes) -> bytes:
    if len(private_key) != 32:
        raise ValueError("an X25519 private key is 32 raw bytes")
    return X25519PrivateKey.from_private_bytes(bytes(private_key)).public_key().public_bytes_raw()


def generate_recovery_code() -> str:
    """Six groups of five symbols; shown to the handler once."""
    return _codes.generate(RECOVERY_SYMBOLS)


def parse_recovery_code(text: str) -> str:
    """Canonical grouped form; MalformedReceiptError / ReceiptTypoError like receipts."""
    return _codes.group(_codes.canonical(text, RECOVERY_SYMBOLS, "recovery code"))


def _aad(kind: str, kid_raw: bytes) -> bytes:
    return AAD_PREFIX + kind.encode("ascii") + b"\x00" + kid_raw


def _passphrase_key(passphrase: str, salt: bytes, iterations: int) -> bytes:
    password = unicodedata.normalize("NFC", passphrase).encode("utf-8")
    return hashlib.pbkdf2_hmac("sha256", password, salt, iterations, 32)


def _recovery_key(code: str, salt: bytes) -> bytes:
    ikm = _codes.canonical(code, RECOVERY_SYMBOLS, "recovery code").encode("ascii")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=RECOVERY_INFO).derive(ikm)


def _check_iterations(iterations: object) -> int:
    if type(iterations) is not int or not 1 <= iterations <= MAX_ITERATIONS:
        raise ValueError(f"iterations must be an int from 1 to {MAX_ITERATIONS}")
    return iterations


def _wrap(private_key: bytes, kind: str, wrapping_key: bytes, salt: bytes) -> WrappedKey:
    kid_raw = b64d(_kid(public_key_of(private_key)))
    nonce = os.urandom(NONCE_LEN)
    ct = AESGCM(wrapping_key).encrypt(nonce, bytes(private_key), _aad(kind, kid_raw))
    return {
        "v": VERSION,
        "kind": kind,
        "salt": b64e(salt),
        "kid": b64e(kid_raw),
        "nonce": b64e(nonce),
        "ct": b64e(ct),
    }


def wrap_private_key(
    private_key: bytes, passphrase: str, *, iterations: int = DEFAULT_ITERATIONS
) -> WrappedKey:
    """Wrap under a key passphrase. Lower `iterations` only in tests and development."""
    if not isinstance(passphrase, str) or not passphrase:
        raise ValueError("a non-empty key passphrase is required")
    iterations = _check_iterations(iterations)
    salt = os.urandom(SALT_LEN)
    blob = _wrap(private_key, "passphrase", _passphrase_key(passphrase, salt, iterations), salt)
    return {"v": VERSION, "kind": "passphrase", "iter": iterations} | {
        k: blob[k] for k in ("salt", "kid", "nonce", "ct")
    }


def wrap_with_recovery_code(private_key: bytes, recovery_code: str) -> WrappedKey:
    salt = os.urandom(SALT_LEN)
    return _wrap(private_key, "recovery", _recovery_key(recovery_code, salt), salt)


def _parse(blob: object, kind: str, public_key: bytes) -> tuple[bytes, bytes, bytes, bytes]:
    """(kid, salt, nonce, ct) after strict validation; KeyWrapError otherwise."""
    try:
        if not isinstance(blob, dict) or blob.keys() != _KEYS[kind]:
            raise ValueError("keys")
        if type(blob["v"]) is not int or blob["v"] != VERSION or blob["kind"] != kind:
            raise ValueError("version or kind")
        kid_raw, salt = b64d(blob["kid"]), b64d(blob["salt"])
        nonce, ct = b64d(blob["nonce"]), b64d(blob["ct"])
        if (len(kid_raw), len(salt), len(nonce), len(ct)) != (16, SALT_LEN, NONCE_LEN, 48):
            raise ValueError("lengths")
        if kind == "passphrase":
            _check_iterations(blob["iter"])
    except ValueError as exc:
        raise KeyWrapError(f"malformed wrapped key ({exc})") from None
    if len(public_key) != 32 or b64e(kid_raw) != _kid(public_key):
        raise KeyWrapError("wrapped key belongs to another public key")
    return kid_raw, salt, nonce, ct


def _unwrap(kind: str, key: bytes, kid_raw: bytes, nonce: bytes, ct: bytes, pk: bytes) -> bytes:
    try:
        private_key = AESGCM(key).decrypt(nonce, ct, _aad(kind, kid_raw))
    except InvalidTag:
        raise KeyWrapError(f"wrong {kind} (or a damaged wrapped key)") from None
    if public_key_of(private_key) != bytes(pk):
        raise KeyWrapError("unwrapped key does not match the public key")
    return private_key


def unwrap_private_key(blob: WrappedKey, passphrase: str, public_key: bytes) -> bytes:
    """Raw private key from a passphrase-wrapped blob; KeyWrapError on any failure."""
    kid_raw, salt, nonce, ct = _parse(blob, "passphrase", public_key)
    if not isinstance(passphrase, str):
        raise KeyWrapError("passphrase must be a str")
    key = _passphrase_key(passphrase, salt, blob["iter"])
    return _unwrap("passphrase", key, kid_raw, nonce, ct, public_key)


def unwrap_with_recovery_code(blob: WrappedKey, recovery_code: str, public_key: bytes) -> bytes:
    """Raw private key from a recovery-code blob. A code with a typo raises ReceiptTypoError
    (or MalformedReceiptError) before any key is derived; a wrong code raises KeyWrapError."""
    kid_raw, salt, nonce, ct = _parse(blob, "recovery", public_key)
    key = _recovery_key(recovery_code, salt)
    return _unwrap("recovery", key, kid_raw, nonce, ct, public_key)


def needs_rewrap(blob: WrappedKey, iterations: int = DEFAULT_ITERATIONS) -> bool:
    """True when a passphrase blob uses fewer iterations than `iterations` (raise it at the
    next unlock by wrapping again)."""
    return bool(blob.get("kind") == "passphrase" and blob.get("iter", 0) < iterations)
