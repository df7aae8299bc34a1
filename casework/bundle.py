"""The case bundle format: a signed JSON export of one case (no Flask, no database).

    {"format": "trygg-case-bundle/1",
     "manifest": {...everything about the case, envelopes included...},
     "signature": {"alg": "Ed25519", "public_key": b64url, "value": b64url},
     "streams": {"<attachment id>": b64url(stream v1 header ‖ chunks), ...}}

The signature covers canonical(manifest): JSON with sorted keys, no spaces, UTF-8. Each
attachment stream is too large to sign inline, so the manifest carries its SHA-256 and
size and the verifier checks them. The signing key is the server's bundle key
(`signing_key`); `flask trygg bundle-key` prints its public half so a recipient can pin it
(`trygg-bundle verify --public-key …`). Content stays encrypted in the bundle: only someone
holding a recipient's private key (a handler, with their key passphrase) can open it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

FORMAT = "trygg-case-bundle/1"
SIGNING_INFO = b"trygg/v1/bundle-signing"


class BundleError(Exception):
    """The bundle is malformed, its signature does not verify, or a stream was changed."""


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64d(text: str) -> bytes:
    if not isinstance(text, str):
        raise BundleError("expected base64url text")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise BundleError("bad base64url") from None


def canonical(manifest: dict[str, Any]) -> bytes:
    return json.dumps(manifest, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def signing_key(secret: str) -> SigningKey:
    """The server's bundle signing key, derived from its secret key (HKDF-SHA256).

    Nothing extra to store or back up; rotating TRYGG_SECRET_KEY rotates it (bundles signed
    before carry their own public key and still verify; pin the key you were given).
    """
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=SIGNING_INFO).derive(
        secret.encode("utf-8")
    )
    return SigningKey(seed)


def fingerprint(public_key: bytes) -> str:
    """A short, readable form of a public key to compare by eye or over the phone."""
    digest = hashlib.sha256(public_key).hexdigest()[:32]
    return " ".join(digest[i : i + 4] for i in range(0, 32, 4))


def sign(manifest: dict[str, Any], key: SigningKey) -> dict[str, str]:
    value = key.sign(canonical(manifest)).signature
    return {"alg": "Ed25519", "public_key": b64e(bytes(key.verify_key)), "value": b64e(value)}


@dataclass(frozen=True)
class Verified:
    manifest: dict[str, Any]
    public_key: bytes
    streams: dict[str, bytes]
    audit_ok: bool


def _check_audit(entries: list[dict[str, Any]]) -> bool:
    """What can be checked without the server's secret: the entries are in increasing seq
    order, every hash is 32 bytes, and an entry that directly follows another (seq n + 1)
    links to it. The entries are a case's subset of the whole chain, and each hash is an
    HMAC under a key derived from the server's secret (casework.chain), so the hashes
    themselves are checked on the server (`flask audit verify`); here the Ed25519 signature
    over the manifest vouches for the entries."""
    last: tuple[int, bytes] | None = None
    for e in entries:
        seq, digest, prev = e["seq"], b64d(e["hash"]), b64d(e["prev_hash"])
        if type(seq) is not int or len(digest) != 32 or len(prev) != 32:
            return False
        if last is not None and (seq <= last[0] or (seq == last[0] + 1 and prev != last[1])):
            return False
        last = (seq, digest)
    return True


def verify(document: object, *, trusted_key: bytes | None = None) -> Verified:
    """Check format, signature, streams and the audit entries' order and links; BundleError
    on the first failure (`audit_ok` False when the audit entries do not hold together)."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BundleError("not a Trygg case bundle (format)")
    if set(document) != {"format", "manifest", "signature", "streams"}:
        raise BundleError("unexpected top-level fields")
    manifest, signature, streams = document["manifest"], document["signature"], document["streams"]
    if not isinstance(manifest, dict) or not isinstance(signature, dict) \
            or not isinstance(streams, dict):
        raise BundleError("malformed bundle")
    if signature.get("alg") != "Ed25519":
        raise BundleError("unknown signature algorithm")
    public_key = b64d(signature.get("public_key", ""))
    if trusted_key is not None and public_key != trusted_key:
        raise BundleError("signed by a different key than the one you trust")
    try:
        VerifyKey(public_key).verify(canonical(manifest), b64d(signature.get("value", "")))
    except (BadSignatureError, ValueError, TypeError):
        raise BundleError("the signature does not verify: the bundle was changed") from None
    wanted = {a["public_id"]: a for a in manifest.get("attachments", [])}
    if set(streams) != set(wanted):
        raise BundleError("attachment streams do not match the manifest")
    opened: dict[str, bytes] = {}
    for name, text in streams.items():
        data = b64d(text)
        if len(data) != wanted[name]["stream_size"] or \
                hashlib.sha256(data).hexdigest() != wanted[name]["stream_sha256"]:
            raise BundleError(f"attachment {name} was changed")
        opened[name] = data
    try:
        audit_ok = _check_audit(manifest.get("audit", []))
    except (KeyError, TypeError, ValueError):
        audit_ok = False
    return Verified(manifest, public_key, opened, audit_ok)
