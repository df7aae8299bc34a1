"""Attachment stream v1 in Python: framing, bounded buffering, and every way to cut it."""

from __future__ import annotations

import io
import os
import struct
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto import stream
from crypto.envelope import unseal
from crypto.errors import EnvelopeError
from crypto.stream import CHUNK_SIZE, HEADER_LEN, Decryptor, Encryptor

CTX = "org:1/case:2/attachment:3"
SMALL = 1024
SEALED = SMALL + 16


@pytest.fixture(scope="module")
def key() -> tuple[bytes, bytes]:
    sk = X25519PrivateKey.generate()
    return sk.private_bytes_raw(), sk.public_key().public_bytes_raw()


def encrypt(data: bytes, file_key: bytes, chunk: int = SMALL, piece: int = 777) -> bytes:
    enc = Encryptor(file_key, chunk_size=chunk)
    parts = [enc.update(data[i : i + piece]) for i in range(0, len(data), piece)]
    return b"".join(parts) + enc.finalize()


def decrypt(blob: bytes, file_key: bytes, piece: int = 500) -> bytes:
    dec = Decryptor(file_key)
    parts = [dec.update(blob[i : i + piece]) for i in range(0, len(blob), piece)]
    return b"".join(parts) + dec.finalize()


def chunks_of(blob: bytes, chunk: int = SMALL) -> tuple[bytes, list[bytes]]:
    body = blob[HEADER_LEN:]
    size = chunk + 16
    return blob[:HEADER_LEN], [body[i : i + size] for i in range(0, len(body), size)]


@pytest.mark.parametrize("n", [0, 1, SMALL - 1, SMALL, SMALL + 1, 3 * SMALL, 5 * SMALL + 7])
def test_round_trip_and_exact_size(n: int) -> None:
    file_key, data = os.urandom(32), os.urandom(n)
    blob = encrypt(data, file_key)
    assert len(blob) == stream.encrypted_size(n, SMALL)
    assert decrypt(blob, file_key) == data


def test_header_and_nonce_layout_are_the_documented_ones() -> None:
    """Decrypt by hand from SECURITY.md: header, nonce = prefix ‖ u32be(i) ‖ last, aad = header."""
    file_key, data = os.urandom(32), os.urandom(2 * SMALL + 5)
    blob = encrypt(data, file_key)
    header, chunks = chunks_of(blob)
    assert header[:4] == b"TRYS" and header[4] == 1 and header[5] == 10 and len(header) == 13
    aead = AESGCM(file_key)
    out = b""
    for i, chunk in enumerate(chunks):
        nonce = header[6:] + struct.pack(">I", i) + bytes([i == len(chunks) - 1])
        out += aead.decrypt(nonce, chunk, header)
    assert out == data
    assert [len(c) for c in chunks] == [SEALED, SEALED, 5 + 16]


def test_empty_file_is_one_empty_final_chunk() -> None:
    file_key = os.urandom(32)
    blob = Encryptor(file_key, chunk_size=SMALL).finalize()
    assert len(blob) == HEADER_LEN + 16
    assert decrypt(blob, file_key) == b""


def test_default_chunk_size_is_64_kib() -> None:
    file_key = os.urandom(32)
    blob = encrypt(os.urandom(CHUNK_SIZE * 2), file_key, chunk=CHUNK_SIZE, piece=10_000)
    assert blob[5] == 16 and CHUNK_SIZE == 65536
    assert len(blob) == HEADER_LEN + 2 * (CHUNK_SIZE + 16)


def test_encryptor_buffers_at_most_one_chunk() -> None:
    file_key = os.urandom(32)
    enc = Encryptor(file_key, chunk_size=SMALL)
    assert len(enc.update(b"x" * SMALL)) == HEADER_LEN  # a full chunk may still be the last
    assert len(enc.update(b"x")) == SEALED
    assert len(enc.update(b"x" * (4 * SMALL))) == 4 * SEALED
    assert len(enc.finalize()) == 1 + 16


def cut_variants(blob: bytes) -> Iterator[tuple[str, bytes]]:
    header, chunks = chunks_of(blob)
    n = len(chunks)
    yield "empty", b""
    yield "header only", header
    yield "partial header", header[:7]
    for i in range(n):
        yield f"drop {i}", header + b"".join(chunks[:i] + chunks[i + 1 :])
    for i in range(1, n):
        yield f"truncate after {i}", header + b"".join(chunks[:i])
    yield "swap 0,1", header + b"".join([chunks[1], chunks[0], *chunks[2:]])
    yield "reverse", header + b"".join(reversed(chunks))
    yield "duplicate 0", header + b"".join([chunks[0], *chunks])
    yield "repeat last", header + b"".join([*chunks, chunks[-1]])
    yield "extra byte", blob + b"\x00"
    yield "extra block", blob + os.urandom(SEALED)
    yield "short last", blob[:-1]
    yield "half last", blob[: -len(chunks[-1]) // 2]
    for pos in (0, 4, 5, 6, 12, HEADER_LEN, HEADER_LEN + SEALED + 3, len(blob) - 1):
        yield f"flip {pos}", blob[:pos] + bytes([blob[pos] ^ 0x20]) + blob[pos + 1 :]


@pytest.mark.parametrize("n", [3 * SMALL, 3 * SMALL + 100])
def test_every_cut_is_detected(n: int) -> None:
    file_key, data = os.urandom(32), os.urandom(n)
    blob = encrypt(data, file_key)
    other = encrypt(data, file_key)  # same key, other nonce prefix
    variants = [
        *cut_variants(blob),
        ("splice", other[:HEADER_LEN] + blob[HEADER_LEN:]),
        ("mix", blob[: HEADER_LEN + SEALED] + other[HEADER_LEN + SEALED :]),
    ]
    assert len(variants) > 20
    for name, variant in variants:
        with pytest.raises(EnvelopeError):
            decrypt(variant, file_key)
            pytest.fail(f"{name} was accepted")


def test_empty_final_chunk_after_full_ones_is_rejected() -> None:
    """The writer never emits it; a reader must not accept it either (canonical framing)."""
    file_key = os.urandom(32)
    blob = encrypt(os.urandom(SMALL), file_key)
    header = blob[:HEADER_LEN]
    aead = AESGCM(file_key)
    first = aead.encrypt(header[6:] + struct.pack(">IB", 0, 0), b"x" * SMALL, header)
    empty_last = aead.encrypt(header[6:] + struct.pack(">IB", 1, 1), b"", header)
    with pytest.raises(EnvelopeError, match="truncated"):
        decrypt(header + first + empty_last, file_key)


@pytest.mark.parametrize(
    "header",
    [
        b"TRYX\x01\x10" + bytes(7),
        b"TRYS\x02\x10" + bytes(7),
        b"TRYS\x01\x09" + bytes(7),
        b"TRYS\x01\x19" + bytes(7),
    ],
    ids=["magic", "version", "chunk-too-small", "chunk-too-big"],
)
def test_bad_headers_are_rejected(header: bytes) -> None:
    with pytest.raises(EnvelopeError):
        decrypt(header + bytes(32), os.urandom(32))


def test_wrong_key_and_no_reuse_after_failure() -> None:
    file_key = os.urandom(32)
    blob = encrypt(os.urandom(3000), file_key)
    dec = Decryptor(os.urandom(32))
    with pytest.raises(EnvelopeError):
        dec.update(blob)
    with pytest.raises(EnvelopeError, match="no longer usable"):
        dec.update(b"")
    with pytest.raises(EnvelopeError, match="no longer usable"):
        dec.finalize()


@pytest.mark.parametrize("n", [0, 5, CHUNK_SIZE, 3 * CHUNK_SIZE + 1])
def test_high_level_api_over_file_objects(key: tuple[bytes, bytes], n: int) -> None:
    sk, pk = key
    data = os.urandom(n)
    env, pieces = stream.encrypt_stream(io.BytesIO(data), [pk], CTX)
    blob = b"".join(pieces)
    assert len(unseal(env, sk, CTX)) == 32
    assert b"".join(stream.decrypt_stream(env, io.BytesIO(blob), sk, CTX)) == data
    assert b"".join(stream.decrypt_stream(env, [blob], sk, CTX)) == data


def test_high_level_api_fails_early_on_a_wrong_context(key: tuple[bytes, bytes]) -> None:
    sk, pk = key
    env, pieces = stream.encrypt_stream([b"abc"], [pk], CTX)
    blob = b"".join(pieces)
    with pytest.raises(EnvelopeError):
        stream.decrypt_stream(env, [blob], sk, CTX + "x")  # before any iteration


def test_truncated_high_level_stream_raises_at_the_end(key: tuple[bytes, bytes]) -> None:
    sk, pk = key
    env, pieces = stream.encrypt_stream([os.urandom(3 * CHUNK_SIZE)], [pk], CTX)
    blob = b"".join(pieces)
    got = []
    with pytest.raises(EnvelopeError):
        for piece in stream.decrypt_stream(
            env, [blob[: HEADER_LEN + 2 * (CHUNK_SIZE + 16)]], sk, CTX
        ):
            got.append(piece)
    assert sum(map(len, got)) == CHUNK_SIZE  # only chunks known not to be last were released


@settings(max_examples=60, deadline=None)
@given(
    data=st.binary(max_size=5 * SMALL),
    enc_piece=st.integers(1, 3 * SMALL),
    dec_piece=st.integers(1, 3 * SMALL),
)
def test_any_split_round_trips(data: bytes, enc_piece: int, dec_piece: int) -> None:
    file_key = os.urandom(32)
    blob = encrypt(data, file_key, piece=enc_piece)
    assert len(blob) == stream.encrypted_size(len(data), SMALL)
    assert decrypt(blob, file_key, piece=dec_piece) == data


@pytest.mark.parametrize("size", [0, 1000, 3 << 10, 1 << 25])
def test_chunk_size_bounds(size: int) -> None:
    with pytest.raises(ValueError, match="power of two"):
        Encryptor(os.urandom(32), chunk_size=size)
