"""An independent RFC 9180 base-mode key schedule, for tests only.

Production code uses `cryptography.hazmat.primitives.hpke`, which cannot take a fixed
ephemeral key. This reference can, so the RFC's Appendix A.1 vectors pin the exact bytes;
tests then show that `cryptography` and `hpke.js` agree with it.
"""

from __future__ import annotations

import hashlib
import hmac

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEM_ID = 0x0020
KDF_ID = 0x0001
AES_128_GCM = (0x0001, 16)
AES_256_GCM = (0x0002, 32)
KEM_SUITE_ID = b"KEM" + KEM_ID.to_bytes(2, "big")


def hpke_suite_id(aead: tuple[int, int]) -> bytes:
    return (
        b"HPKE" + KEM_ID.to_bytes(2, "big") + KDF_ID.to_bytes(2, "big") + aead[0].to_bytes(2, "big")
    )


def extract(salt: bytes, ikm: bytes) -> bytes:
    return hmac.new(salt or bytes(32), ikm, hashlib.sha256).digest()


def expand(prk: bytes, info: bytes, length: int) -> bytes:
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def labeled_extract(suite_id: bytes, salt: bytes, label: bytes, ikm: bytes) -> bytes:
    return extract(salt, b"HPKE-v1" + suite_id + label + ikm)


def labeled_expand(suite_id: bytes, prk: bytes, label: bytes, info: bytes, length: int) -> bytes:
    labeled = length.to_bytes(2, "big") + b"HPKE-v1" + suite_id + label + info
    return expand(prk, labeled, length)


def derive_key_pair(ikm: bytes) -> tuple[bytes, bytes]:
    """DeriveKeyPair for X25519 (RFC 9180 §7.1.3)."""
    dkp_prk = labeled_extract(KEM_SUITE_ID, b"", b"dkp_prk", ikm)
    sk = labeled_expand(KEM_SUITE_ID, dkp_prk, b"sk", b"", 32)
    return sk, public_key(sk)


def public_key(sk: bytes) -> bytes:
    return X25519PrivateKey.from_private_bytes(sk).public_key().public_bytes_raw()


def _shared_secret(dh: bytes, enc: bytes, pk_r: bytes) -> bytes:
    eae_prk = labeled_extract(KEM_SUITE_ID, b"", b"eae_prk", dh)
    return labeled_expand(KEM_SUITE_ID, eae_prk, b"shared_secret", enc + pk_r, 32)


def encap(pk_r: bytes, sk_e: bytes) -> tuple[bytes, bytes]:
    """(shared_secret, enc) with a given ephemeral private key."""
    enc = public_key(sk_e)
    dh = X25519PrivateKey.from_private_bytes(sk_e).exchange(X25519PublicKey.from_public_bytes(pk_r))
    return _shared_secret(dh, enc, pk_r), enc


def decap(enc: bytes, sk_r: bytes) -> bytes:
    dh = X25519PrivateKey.from_private_bytes(sk_r).exchange(X25519PublicKey.from_public_bytes(enc))
    return _shared_secret(dh, enc, public_key(sk_r))


def key_schedule(aead: tuple[int, int], shared_secret: bytes, info: bytes) -> tuple[bytes, bytes]:
    """(key, base_nonce) for mode_base."""
    suite_id = hpke_suite_id(aead)
    psk_id_hash = labeled_extract(suite_id, b"", b"psk_id_hash", b"")
    info_hash = labeled_extract(suite_id, b"", b"info_hash", info)
    context = b"\x00" + psk_id_hash + info_hash
    secret = labeled_extract(suite_id, shared_secret, b"secret", b"")
    key = labeled_expand(suite_id, secret, b"key", context, aead[1])
    base_nonce = labeled_expand(suite_id, secret, b"base_nonce", context, 12)
    return key, base_nonce


def seal(
    aead: tuple[int, int], pk_r: bytes, info: bytes, aad: bytes, pt: bytes, sk_e: bytes
) -> bytes:
    """Single-shot seal (sequence 0): enc ‖ ct."""
    shared, enc = encap(pk_r, sk_e)
    key, nonce = key_schedule(aead, shared, info)
    return enc + AESGCM(key).encrypt(nonce, pt, aad)


def open_(aead: tuple[int, int], sk_r: bytes, info: bytes, aad: bytes, sealed: bytes) -> bytes:
    key, nonce = key_schedule(aead, decap(sealed[:32], sk_r), info)
    return AESGCM(key).decrypt(nonce, sealed[32:], aad)
