"""Attachment stream v1: chunked AES-256-GCM (the STREAM construction) with bounded memory.

A random 32-byte file key is sealed in an envelope v1 (under the caller's context); the
attachment itself becomes

    header (13 bytes) ‖ chunk_0 ‖ chunk_1 ‖ … ‖ chunk_{n-1}

where every chunk but the last holds exactly `chunk_size` plaintext bytes, and chunk i is
AES-256-GCM(file_key, nonce_prefix ‖ uint32_be(i) ‖ last_flag, plaintext_i, aad=header).
The last flag (0x01 on the final chunk, 0x00 otherwise) and the counter make truncation,
reordering, dropping or appending chunks fail authentication. SECURITY.md
"Attachment stream v1" is the specification; `trygg/static/js/stream.js` the browser twin.

Plaintext from `Decryptor.update` is authenticated chunk by chunk but the stream as a whole
is only known complete when `finalize` returns: write it somewhere provisional and commit
only after that (see `decrypt_stream`).
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from crypto import envelope as _envelope
from crypto.errors import EnvelopeError

__all__ = [
    "CHUNK_SIZE",
    "HEADER_LEN",
    "Decryptor",
    "Encryptor",
    "EnvelopeError",
    "decrypt_stream",
    "encrypt_stream",
    "encrypted_size",
]

MAGIC = b"TRYS"
VERSION = 1
CHUNK_SIZE = 64 * 1024  # default; see docs/performance.md for why
MIN_LOG2_CHUNK = 10  # 1 KiB
MAX_LOG2_CHUNK = 24  # 16 MiB: bounds what a decryptor may be asked to buffer
PREFIX_LEN = 7
HEADER_LEN = len(MAGIC) + 2 + PREFIX_LEN  # 13
TAG_LEN = 16
KEY_LEN = 32
MAX_CHUNKS = 1 << 32


def _log2_chunk(chunk_size: int) -> int:
    log2 = max(chunk_size.bit_length() - 1, 0)
    if chunk_size != 1 << log2 or not MIN_LOG2_CHUNK <= log2 <= MAX_LOG2_CHUNK:
        raise ValueError("chunk size must be a power of two from 1 KiB to 16 MiB")
    return log2


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + struct.pack(">IB", counter, 1 if last else 0)


def encrypted_size(plaintext_size: int, chunk_size: int = CHUNK_SIZE) -> int:
    """Exact size of the stream for a plaintext of `plaintext_size` bytes."""
    _log2_chunk(chunk_size)
    chunks = max(1, -(-plaintext_size // chunk_size))
    return HEADER_LEN + plaintext_size + chunks * TAG_LEN


class Encryptor:
    """Incremental encryptor. Feed any pieces to `update`, then call `finalize` once.

    Holds at most one chunk of plaintext: a full chunk is only emitted once more data shows
    it is not the last one.
    """

    def __init__(self, file_key: bytes, *, chunk_size: int = CHUNK_SIZE) -> None:
        if len(file_key) != KEY_LEN:
            raise ValueError("file key is 32 bytes")
        self._aead = AESGCM(bytes(file_key))
        self._chunk = chunk_size
        self._prefix = os.urandom(PREFIX_LEN)
        self.header = MAGIC + bytes((VERSION, _log2_chunk(chunk_size))) + self._prefix
        self._buf = bytearray()
        self._counter = 0
        self._started = False
        self._done = False

    def _seal(self, data: bytes | memoryview, last: bool) -> bytes:
        if self._counter >= MAX_CHUNKS:
            raise ValueError("stream too long")
        out = self._aead.encrypt(_nonce(self._prefix, self._counter, last), data, self.header)
        self._counter += 1
        return out

    def update(self, data: bytes) -> bytes:
        """Encrypt what can be encrypted; the first call's output starts with the header."""
        if self._done:
            raise ValueError("encryptor already finalized")
        out = [] if self._started else [self.header]
        self._started = True
        self._buf += data
        size = self._chunk
        if len(self._buf) > size:
            start = 0
            with memoryview(self._buf) as view:
                while len(view) - start > size:
                    out.append(self._seal(view[start : start + size], last=False))
                    start += size
            del self._buf[:start]
        return b"".join(out)

    def finalize(self) -> bytes:
        """Encrypt the final chunk (possibly empty, for an empty file)."""
        if self._done:
            raise ValueError("encryptor already finalized")
        out = b"" if self._started else self.header
        self._started = self._done = True
        last = self._seal(bytes(self._buf), last=True)
        self._buf.clear()
        return out + last


class Decryptor:
    """Incremental decryptor; every failure (also at `finalize`) is an EnvelopeError."""

    def __init__(self, file_key: bytes) -> None:
        if len(file_key) != KEY_LEN:
            raise EnvelopeError("file key is 32 bytes")
        self._aead = AESGCM(bytes(file_key))
        self._buf = bytearray()
        self._header: bytes | None = None
        self._prefix = b""
        self._chunk = 0
        self._counter = 0
        self._failed = False
        self._done = False

    def _fail(self, why: str) -> EnvelopeError:
        self._failed = True
        return EnvelopeError(f"attachment stream: {why}")

    def _parse_header(self) -> None:
        header = bytes(self._buf[:HEADER_LEN])
        if header[:4] != MAGIC or header[4] != VERSION:
            raise self._fail("not a v1 stream")
        if not MIN_LOG2_CHUNK <= header[5] <= MAX_LOG2_CHUNK:
            raise self._fail("bad chunk size")
        self._header, self._chunk, self._prefix = header, 1 << header[5], header[6:]
        del self._buf[:HEADER_LEN]

    def _open(self, data: bytes | memoryview, last: bool) -> bytes:
        if self._counter >= MAX_CHUNKS:
            raise self._fail("too many chunks")
        assert self._header is not None  # noqa: S101 - internal invariant
        try:
            out = self._aead.decrypt(_nonce(self._prefix, self._counter, last), data, self._header)
        except InvalidTag:
            raise self._fail("chunk failed authentication") from None
        self._counter += 1
        return out

    def update(self, data: bytes) -> bytes:
        if self._failed or self._done:
            raise EnvelopeError("attachment stream: decryptor no longer usable")
        self._buf += data
        if self._header is None:
            if len(self._buf) < HEADER_LEN:
                return b""
            self._parse_header()
        sealed = self._chunk + TAG_LEN
        out: list[bytes] = []
        if len(self._buf) > sealed:
            start = 0
            with memoryview(self._buf) as view:
                while len(view) - start > sealed:
                    out.append(self._open(view[start : start + sealed], last=False))
                    start += sealed
            del self._buf[:start]
        return b"".join(out)

    def finalize(self) -> bytes:
        """Open the last chunk; raises if the stream is truncated or was extended."""
        if self._failed or self._done:
            raise EnvelopeError("attachment stream: decryptor no longer usable")
        if self._header is None:
            raise self._fail("truncated header")
        # Canonical framing: a final chunk is empty only when it is the only one.
        if len(self._buf) < TAG_LEN or (len(self._buf) == TAG_LEN and self._counter > 0):
            raise self._fail("truncated")
        out = self._open(bytes(self._buf), last=True)
        self._buf.clear()
        self._done = True
        return out


def _pieces(source: Iterable[bytes] | BinaryIO, size: int) -> Iterator[bytes]:
    if isinstance(source, Iterable) and not hasattr(source, "read"):
        yield from source
    else:
        reader: BinaryIO = source  # type: ignore[assignment]
        while piece := reader.read(size):
            yield piece


def encrypt_stream(
    source: Iterable[bytes] | BinaryIO,
    recipients: list[bytes],
    context: str,
    *,
    chunk_size: int = CHUNK_SIZE,
) -> tuple[_envelope.Envelope, Iterator[bytes]]:
    """Seal a fresh file key in an envelope v1 and return it with the ciphertext pieces.

    The file key envelope is small and stored apart from the (large) stream, so handing a case
    over re-seals only the envelope (`crypto.envelope.add_recipients`).
    """
    file_key = os.urandom(KEY_LEN)
    key_envelope = _envelope.seal(file_key, recipients, context)
    encryptor = Encryptor(file_key, chunk_size=chunk_size)

    def generate() -> Iterator[bytes]:
        for piece in _pieces(source, chunk_size):
            out = encryptor.update(piece)
            if out:
                yield out
        yield encryptor.finalize()

    return key_envelope, generate()


def decrypt_stream(
    key_envelope: _envelope.Envelope,
    source: Iterable[bytes] | BinaryIO,
    private_key: bytes,
    context: str,
) -> Iterator[bytes]:
    """Yield authenticated plaintext pieces; raises EnvelopeError at the end if incomplete.

    Consumers must treat the output as provisional until the iterator is exhausted without
    an error (for example write to a temporary file and rename it afterwards).
    """
    file_key = _envelope.unseal(key_envelope, private_key, context)  # fails early, not lazily
    if len(file_key) != KEY_LEN:
        raise EnvelopeError("attachment stream: file key is 32 bytes")
    decryptor = Decryptor(file_key)

    def generate() -> Iterator[bytes]:
        for piece in _pieces(source, CHUNK_SIZE + TAG_LEN):
            out = decryptor.update(piece)
            if out:
                yield out
        yield decryptor.finalize()

    return generate()
