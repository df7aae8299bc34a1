"""Envelope v1 in Python: round trips, padding, strict validation, tampering, re-sealing."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hpke import AEAD, KDF, KEM, Suite
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto import envelope
from crypto.envelope import EnvelopeError, add_recipients, kid, seal, unseal
from crypto.errors import EnvelopeError as ErrorsEnvelopeError

CTX = "org:1/case:2/report"
MIB = 1024 * 1024


def keypair() -> tuple[bytes, bytes]:
    sk = X25519PrivateKey.generate()
    return sk.private_bytes_raw(), sk.public_key().public_bytes_raw()


def b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture(scope="module")
def keys() -> list[tuple[bytes, bytes]]:
    return [keypair() for _ in range(5)]


def test_one_error_type_is_re_exported() -> None:
    assert EnvelopeError is ErrorsEnvelopeError


@pytest.mark.parametrize(
    ("n", "size"),
    [
        (0, 1024),
        (1, 1024),
        (1023, 1024),
        (1024, 2048),
        (1025, 2048),
        (4095, 4096),
        (MIB - 1, MIB),
        (MIB, 2 * MIB),
        (MIB + 1, 2 * MIB),
        (2 * MIB, 3 * MIB),
        (5 * MIB - 1, 5 * MIB),
    ],
)
def test_padded_length_rule(n: int, size: int) -> None:
    assert envelope.padded_length(n) == size


@pytest.mark.parametrize("n", [0, 1, 1023, 1024, 1025, MIB - 1, MIB, MIB + 1])
@pytest.mark.parametrize("count", [1, 5])
def test_round_trip_every_recipient(keys: list[tuple[bytes, bytes]], n: int, count: int) -> None:
    plaintext = bytes(i % 251 for i in range(n))
    env = seal(plaintext, [pk for _, pk in keys[:count]], CTX)
    assert len(b64d(env["ct"])) == envelope.padded_length(n) + 16
    assert [e["kid"] for e in env["recipients"]] == [kid(pk) for _, pk in keys[:count]]
    for sk, _ in keys[:count] if n < MIB else keys[count - 1 : count]:
        assert unseal(env, sk, CTX) == plaintext


def test_wire_format_is_the_documented_one(keys: list[tuple[bytes, bytes]]) -> None:
    """Open an envelope by hand, following SECURITY.md only."""
    (sk, pk) = keys[0]
    env = json.loads(json.dumps(seal(b"hei", [pk], CTX)))
    assert list(env) == ["v", "recipients", "nonce", "ct"]
    assert env["v"] == 1
    entry = env["recipients"][0]
    assert b64d(entry["kid"]) == hashlib.sha256(pk).digest()[:16]
    sealed_key = b64d(entry["key"])
    assert len(sealed_key) == 80
    suite = Suite(KEM.X25519, KDF.HKDF_SHA256, AEAD.AES_256_GCM)
    k = suite.decrypt(
        sealed_key, X25519PrivateKey.from_private_bytes(sk), info=b"trygg/v1/key\x00" + CTX.encode()
    )
    padded = AESGCM(k).decrypt(
        b64d(env["nonce"]), b64d(env["ct"]), b"trygg/v1/body\x00" + CTX.encode()
    )
    assert padded == b"hei\x80" + bytes(1020)


def test_kid_is_unpadded_base64url_of_sha256_prefix() -> None:
    pk = bytes(range(32))
    assert kid(pk) == b64e(hashlib.sha256(pk).digest()[:16])
    assert "=" not in kid(pk) and len(kid(pk)) == 22


def test_seal_rejects_bad_recipient_lists(keys: list[tuple[bytes, bytes]]) -> None:
    pk = keys[0][1]
    with pytest.raises(ValueError, match="recipients"):
        seal(b"x", [], CTX)
    with pytest.raises(ValueError, match="duplicate"):
        seal(b"x", [pk, keys[1][1], pk], CTX)
    with pytest.raises(ValueError, match="32 raw bytes"):
        seal(b"x", [pk[:31]], CTX)
    with pytest.raises(ValueError, match="invalid X25519"):
        seal(b"x", [bytes(32)], CTX)  # low-order point: all-zero shared secret
    with pytest.raises(ValueError, match="recipients"):
        seal(b"x", [keypair()[1] for _ in range(envelope.MAX_RECIPIENTS + 1)], CTX)
    with pytest.raises(TypeError):
        seal("text", [pk], CTX)  # type: ignore[arg-type]


def test_wrong_context_and_unknown_key(keys: list[tuple[bytes, bytes]]) -> None:
    env = seal(b"secret", [keys[0][1]], CTX)
    with pytest.raises(EnvelopeError):
        unseal(env, keys[0][0], CTX + "x")
    with pytest.raises(EnvelopeError, match="not a recipient"):
        unseal(env, keys[1][0], CTX)
    with pytest.raises(EnvelopeError):
        unseal(env, keys[0][0][:31], CTX)


def _flip_each_byte(text: str) -> list[str]:
    raw = b64d(text)
    return [b64e(raw[:i] + bytes([raw[i] ^ 0x01]) + raw[i + 1 :]) for i in range(len(raw))]


def test_any_flipped_byte_in_any_field_is_rejected(keys: list[tuple[bytes, bytes]]) -> None:
    (sk, _), (sk2, _) = keys[0], keys[1]
    env = seal(b"secret", [keys[0][1], keys[1][1]], CTX)
    variants: list[dict[str, Any]] = []
    for field in ("nonce", "ct"):
        for value in _flip_each_byte(env[field]):
            variants.append({**env, field: value})
    for index in (0, 1):
        for field in ("kid", "key"):
            for value in _flip_each_byte(env["recipients"][index][field]):
                mutated = copy.deepcopy(env)
                mutated["recipients"][index][field] = value
                variants.append(mutated)
    assert len(variants) == 12 + 1040 + 2 * (16 + 80)
    for variant in variants:
        # The first recipient must fail wherever the flip is, except in the other's entry.
        touched_other = variant["recipients"][1] != env["recipients"][1]
        if touched_other:
            assert unseal(variant, sk, CTX) == b"secret"
            with pytest.raises(EnvelopeError):
                unseal(variant, sk2, CTX)
        else:
            with pytest.raises(EnvelopeError):
                unseal(variant, sk, CTX)


def _malformed(env: dict[str, Any]) -> list[object]:
    entry = env["recipients"][0]
    return [
        None,
        [],
        "{}",
        {},
        {**env, "extra": 1},
        {k: v for k, v in env.items() if k != "ct"},
        {**env, "v": 2},
        {**env, "v": True},
        {**env, "v": "1"},
        {**env, "v": 1.0},
        {**env, "recipients": []},
        {**env, "recipients": entry},
        {**env, "recipients": [entry, entry]},
        {**env, "recipients": [None]},
        {**env, "recipients": [{**entry, "x": 1}]},
        {**env, "recipients": [{"kid": entry["kid"]}]},
        {**env, "recipients": [{**entry, "kid": entry["kid"] + "A"}]},
        {**env, "recipients": [{**entry, "kid": entry["kid"][:-1] + "B"}]},  # non-zero tail bits
        {**env, "recipients": [{**entry, "key": entry["key"] + "=="}]},
        {**env, "recipients": [{**entry, "key": entry["key"][:-2]}]},
        {**env, "recipients": [{**entry, "kid": 5}]},
        {**env, "nonce": env["nonce"][:-1]},
        {**env, "nonce": env["nonce"] + "AA"},
        {**env, "nonce": env["nonce"][:4] + "+" + env["nonce"][5:]},
        {**env, "nonce": " " + env["nonce"][1:]},
        {**env, "ct": env["ct"][:-4]},
        {**env, "ct": env["ct"] + "AAAA"},
        {**env, "ct": ""},
        {**env, "ct": b64e(b64d(env["ct"])[:-16])},
        {**env, "ct": None},
        {**env, "recipients": [entry] * (envelope.MAX_RECIPIENTS + 1)},
    ]


def test_malformed_shapes_raise_the_one_error(keys: list[tuple[bytes, bytes]]) -> None:
    sk, pk = keys[0]
    env = seal(b"secret", [pk], CTX)
    assert unseal(env, sk, CTX) == b"secret"
    for bad in _malformed(env):
        with pytest.raises(EnvelopeError):
            unseal(bad, sk, CTX)  # type: ignore[arg-type]
    with pytest.raises(EnvelopeError):
        unseal(env, sk, 5)  # type: ignore[arg-type]


def _reseal_body(sk: bytes, env: dict[str, Any], padded: bytes) -> dict[str, Any]:
    """Re-encrypt a crafted padded body under the envelope's own K."""
    suite = Suite(KEM.X25519, KDF.HKDF_SHA256, AEAD.AES_256_GCM)
    k = suite.decrypt(
        b64d(env["recipients"][0]["key"]),
        X25519PrivateKey.from_private_bytes(sk),
        info=b"trygg/v1/key\x00" + CTX.encode(),
    )
    ct = AESGCM(k).encrypt(b64d(env["nonce"]), padded, b"trygg/v1/body\x00" + CTX.encode())
    return {**env, "ct": b64e(ct)}


@pytest.mark.parametrize(
    "padded",
    [
        bytes(1024),
        b"abc" + bytes(1021),
        b"abc\x80" + bytes(1019) + b"\x01",
        b"abc\x81" + bytes(1020),
        b"x" * 10 + b"\x80" + bytes(2037),
    ],  # last: over-padded
    ids=["zeros", "no-marker", "junk-after", "wrong-marker", "non-canonical-length"],
)
def test_authentic_but_malformed_padding_is_rejected(
    keys: list[tuple[bytes, bytes]], padded: bytes
) -> None:
    sk, pk = keys[0]
    crafted = _reseal_body(sk, seal(b"", [pk], CTX), padded)
    with pytest.raises(EnvelopeError, match="padding"):
        unseal(crafted, sk, CTX)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=5000) | st.integers(0, 3 * MIB).map(lambda n: b"\x00" * n))
def test_pad_unpad_round_trip_and_length_rule(data: bytes) -> None:
    padded = envelope.pad(data)
    size = len(padded)
    assert size >= max(1024, len(data) + 1)
    if size <= MIB:
        assert size & (size - 1) == 0 and (size == 1024 or size // 2 < len(data) + 1)
    else:
        assert size % MIB == 0 and size - MIB < len(data) + 1
    assert padded[: len(data)] == data and padded[len(data)] == 0x80
    assert envelope.unpad(padded) == data


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=3000))
def test_unpad_accepts_only_canonical_padding(blob: bytes) -> None:
    try:
        data = envelope.unpad(blob)
    except EnvelopeError:
        return
    assert envelope.pad(data) == blob


def test_add_recipients_reseals_without_touching_the_body(
    keys: list[tuple[bytes, bytes]],
) -> None:
    (sk0, pk0), (sk1, pk1), (sk2, pk2) = keys[:3]
    env = seal(b"case notes", [pk0], CTX)
    handed = add_recipients(env, sk0, [pk1, pk2, pk0], CTX)
    assert (handed["nonce"], handed["ct"]) == (env["nonce"], env["ct"])
    assert handed["recipients"][0] == env["recipients"][0]
    assert [e["kid"] for e in handed["recipients"]] == [kid(pk0), kid(pk1), kid(pk2)]
    for sk in (sk0, sk1, sk2):
        assert unseal(handed, sk, CTX) == b"case notes"
    assert add_recipients(handed, sk1, [pk2], CTX) == handed  # idempotent
    assert envelope.recipient_kids(handed) == [kid(pk0), kid(pk1), kid(pk2)]


def test_add_recipients_needs_a_key_that_opens(keys: list[tuple[bytes, bytes]]) -> None:
    (sk0, pk0), (sk1, pk1) = keys[:2]
    env = seal(b"x", [pk0], CTX)
    with pytest.raises(EnvelopeError):
        add_recipients(env, sk1, [pk1], CTX)
    with pytest.raises(EnvelopeError):
        add_recipients(env, sk0, [pk1], CTX + "/other")
    with pytest.raises(EnvelopeError):
        add_recipients({**env, "ct": _flip_each_byte(env["ct"])[7]}, sk0, [pk1], CTX)
    with pytest.raises(ValueError, match="32 raw bytes"):
        add_recipients(env, sk0, [b"short"], CTX)
