"""HPKE: RFC 9180 Appendix A.1.1 pins the key schedule; `cryptography` agrees with it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import rfc9180_reference as ref
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.bindings._rust import openssl as rust_openssl
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.hpke import AEAD, KDF, KEM, Suite

V = {
    k: bytes.fromhex(v)
    for k, v in json.loads((Path(__file__).with_name("rfc9180_a1_1.json")).read_text()).items()
    if k != "source"
}


def test_derive_key_pair_reproduces_the_ephemeral_key() -> None:
    assert ref.derive_key_pair(V["ikmE"]) == (V["skEm"], V["pkEm"])
    assert ref.public_key(V["skRm"]) == V["pkRm"]


def test_encap_and_key_schedule_match_the_vector() -> None:
    shared, enc = ref.encap(V["pkRm"], V["skEm"])
    assert enc == V["enc"]
    assert shared == V["shared_secret"]
    assert ref.decap(enc, V["skRm"]) == V["shared_secret"]
    key, base_nonce = ref.key_schedule(ref.AES_128_GCM, shared, V["info"])
    assert key == V["key"]
    assert base_nonce == V["base_nonce"]


def test_first_encryption_matches_the_vector() -> None:
    sealed = ref.seal(ref.AES_128_GCM, V["pkRm"], V["info"], V["aad"], V["pt"], V["skEm"])
    assert sealed == V["enc"] + V["ct"]
    assert ref.open_(ref.AES_128_GCM, V["skRm"], V["info"], V["aad"], sealed) == V["pt"]


def test_cryptography_opens_the_rfc_ciphertext() -> None:
    # `_decrypt_with_aad` is cryptography's (private) hook for a non-empty aad, which the
    # vector uses; our envelope itself always seals with an empty aad.
    suite = Suite(KEM.X25519, KDF.HKDF_SHA256, AEAD.AES_128_GCM)
    sk = X25519PrivateKey.from_private_bytes(V["skRm"])
    opened = rust_openssl.hpke._decrypt_with_aad(
        suite, V["enc"] + V["ct"], sk, info=V["info"], aad=V["aad"]
    )
    assert opened == V["pt"]
    with pytest.raises(InvalidTag):
        rust_openssl.hpke._decrypt_with_aad(
            suite, V["enc"] + V["ct"], sk, info=V["info"] + b"!", aad=V["aad"]
        )


SUITE_256 = Suite(KEM.X25519, KDF.HKDF_SHA256, AEAD.AES_256_GCM)


def test_cryptography_aes256_suite_is_the_reference_key_schedule() -> None:
    """The suite envelope v1 uses: both directions between `cryptography` and the reference."""
    sk_r = os.urandom(32)
    pk_r = ref.public_key(sk_r)
    info = b"trygg/v1/key\x00org:1/case:2/report"
    secret = os.urandom(32)

    sealed = ref.seal(ref.AES_256_GCM, pk_r, info, b"", secret, os.urandom(32))
    assert SUITE_256.decrypt(sealed, X25519PrivateKey.from_private_bytes(sk_r), info=info) == secret

    sealed = SUITE_256.encrypt(secret, X25519PublicKey.from_public_bytes(pk_r), info=info)
    assert len(sealed) == 32 + 32 + 16
    assert ref.open_(ref.AES_256_GCM, sk_r, info, b"", sealed) == secret
    with pytest.raises(InvalidTag):
        ref.open_(ref.AES_256_GCM, sk_r, info + b"x", b"", sealed)
