"""The published test vectors (tests/crypto/trygg_v1_vectors.json, quoted in SECURITY.md):
recomputed from their inputs with the RFC 9180 reference, and opened by `crypto`."""

from __future__ import annotations

import hashlib
import json
import struct
import unicodedata
from pathlib import Path
from typing import Any

import rfc9180_reference as ref
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from crypto import envelope, keywrap, receipt
from crypto._b64 import b64d, b64e
from crypto.stream import Decryptor

V: dict[str, Any] = json.loads(Path(__file__).with_name("trygg_v1_vectors.json").read_text())


def label(text: str) -> bytes:
    return hashlib.sha256(b"trygg/v1 test vector: " + text.encode()).digest()


def test_inputs_are_what_the_source_says() -> None:
    e = V["envelope"]
    assert bytes.fromhex(e["recipient_sk"]) == label("recipient")
    assert bytes.fromhex(e["ephemeral_sk"]) == label("ephemeral")
    assert bytes.fromhex(e["content_key"]) == label("content key")
    assert bytes.fromhex(e["nonce"]) == label("nonce")[:12]
    assert bytes.fromhex(V["stream"]["file_key"]) == label("file key")


def test_envelope_vector_recomputes_and_opens() -> None:
    e = V["envelope"]
    ctx = e["context"]
    sk_r, sk_e = bytes.fromhex(e["recipient_sk"]), bytes.fromhex(e["ephemeral_sk"])
    k, nonce = bytes.fromhex(e["content_key"]), bytes.fromhex(e["nonce"])
    pt = e["plaintext_utf8"].encode()
    pk_r = ref.public_key(sk_r)
    assert pk_r.hex() == e["recipient_pk"]
    ct = AESGCM(k).encrypt(nonce, envelope.pad(pt), b"trygg/v1/body\x00" + ctx.encode())
    key = ref.seal(ref.AES_256_GCM, pk_r, b"trygg/v1/key\x00" + ctx.encode(), b"", k, sk_e)
    rebuilt = {
        "v": 1,
        "recipients": [{"kid": b64e(hashlib.sha256(pk_r).digest()[:16]), "key": b64e(key)}],
        "nonce": b64e(nonce),
        "ct": b64e(ct),
    }
    assert rebuilt == e["envelope"]
    assert envelope.unseal(e["envelope"], sk_r, ctx) == pt


def test_stream_vectors_recompute_and_open() -> None:
    s = V["stream"]
    fk, prefix = bytes.fromhex(s["file_key"]), bytes.fromhex(s["nonce_prefix"])
    header = b"TRYS\x01\x0a" + prefix
    assert header.hex() == s["header"]

    def chunk(i: int, last: bool, data: bytes) -> bytes:
        return AESGCM(fk).encrypt(prefix + struct.pack(">IB", i, last), data, header)

    assert (header + chunk(0, True, b"")).hex() == s["empty"]
    assert (header + chunk(0, True, b"hallo")).hex() == s["hallo"]
    data = bytes(i % 256 for i in range(1027))
    two = header + chunk(0, False, data[:1024]) + chunk(1, True, data[1024:])
    assert (len(two), hashlib.sha256(two).hexdigest()) == (
        s["two_chunks_length"],
        s["two_chunks_sha256"],
    )
    for blob, plain in ((s["empty"], b""), (s["hallo"], b"hallo"), (two.hex(), data)):
        d = Decryptor(fk)
        assert d.update(bytes.fromhex(blob)) + d.finalize() == plain


def test_receipt_vector() -> None:
    r = V["receipt"]
    keys = receipt.derive(r["receipt"])
    assert receipt.parse(r["receipt"]) == r["receipt"]
    assert keys.lookup_token.hex() == r["lookup_token"]
    assert keys.private_key.hex() == r["private_key"]
    assert keys.public_key.hex() == r["public_key"]


def test_keywrap_vectors() -> None:
    w = V["keywrap"]
    sk, pk = bytes.fromhex(w["private_key"]), bytes.fromhex(w["public_key"])
    assert keywrap.unwrap_private_key(w["blob"], w["passphrase"], pk) == sk
    assert keywrap.unwrap_with_recovery_code(w["recovery_blob"], w["recovery_code"], pk) == sk
    blob = w["blob"]
    key = hashlib.pbkdf2_hmac(
        "sha256",
        unicodedata.normalize("NFC", w["passphrase"]).encode(),
        b64d(blob["salt"]),
        blob["iter"],
        32,
    )
    aad = b"trygg/v1/keywrap/passphrase\x00" + hashlib.sha256(pk).digest()[:16]
    assert b64e(AESGCM(key).encrypt(b64d(blob["nonce"]), sk, aad)) == blob["ct"]
