"""Attachment stream v1 in real Chromium, against the Python implementation both ways."""

from __future__ import annotations

import base64
import hashlib
import io
import os
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from crypto import stream
from crypto.errors import EnvelopeError
from crypto.stream import CHUNK_SIZE, HEADER_LEN, TAG_LEN

CTX = "org:7/case:42/attachment:1"
SIZES = [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE, 3 * CHUNK_SIZE + 5]

LOAD = """async () => {
  window.T = {
    b64: await import('/js/b64.js'),
    stream: await import('/js/stream.js'),
    hex: (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(''),
    sha: async (b) => T.hex(new Uint8Array(await crypto.subtle.digest('SHA-256', b))),
    bytes: (n, seed) => { const b = new Uint8Array(n); for (let i = 0; i < n; i++)
      b[i] = (i * 31 + seed) % 251; return b; },
    // A ReadableStream that hands `data` out in pieces of `piece` bytes.
    pieces: (data, piece) => new ReadableStream({
      start(c) { for (let i = 0; i < data.length; i += piece) c.enqueue(data.slice(i, i + piece));
                 c.close(); } }),
    drain: async (readable) => {
      const parts = []; const r = readable.getReader();
      for (;;) { const { done, value } = await r.read(); if (done) break; parts.push(value); }
      const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0)); let at = 0;
      for (const p of parts) { out.set(p, at); at += p.length; }
      return out;
    },
  };
}"""


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def pattern(n: int, seed: int) -> bytes:
    block = bytes((i * 31 + seed) % 251 for i in range(251))
    return (block * (n // 251 + 1))[:n]


@pytest.fixture(scope="module")
def js(browser: Any, static_server: str) -> Iterator[Any]:
    context = browser.new_context()
    page = context.new_page()
    page.goto(static_server + "/blank.html")
    page.evaluate(LOAD)
    yield page
    context.close()


@pytest.fixture(scope="module")
def key() -> tuple[bytes, bytes]:
    sk = X25519PrivateKey.generate()
    return sk.private_bytes_raw(), sk.public_key().public_bytes_raw()


@pytest.mark.parametrize("n", SIZES)
def test_python_encrypts_browser_decrypts(js: Any, key: tuple[bytes, bytes], n: int) -> None:
    sk, pk = key
    data = os.urandom(n)
    env, pieces = stream.encrypt_stream(io.BytesIO(data), [pk], CTX)
    blob = b"".join(pieces)
    got = js.evaluate(
        """async ([env, blob, sk, ctx]) => {
      const { stream, b64, sha, pieces, drain } = T;
      const sealed = b64.decode(blob);
      const viaBlob = await stream.decryptToBlob(new Blob([sealed]), env, b64.decode(sk), ctx);
      const viaStream = await drain(
        await stream.decryptStream(pieces(sealed, 1000), env, b64.decode(sk), ctx));
      const a = new Uint8Array(await viaBlob.arrayBuffer());
      return [a.length, await sha(a), await sha(viaStream)];
    }""",
        [env, b64e(blob), b64e(sk), CTX],
    )
    digest = hashlib.sha256(data).hexdigest()
    assert got == [n, digest, digest]


@pytest.mark.parametrize("n", SIZES)
def test_browser_encrypts_python_decrypts(js: Any, key: tuple[bytes, bytes], n: int) -> None:
    sk, pk = key
    got = js.evaluate(
        """async ([n, pk, ctx]) => {
      const { stream, b64, bytes, pieces } = T;
      // odd piece sizes exercise the chunk buffering
      const { envelope, blob } = await stream.encryptToBlob(
        pieces(bytes(n, 9), 7777), [b64.decode(pk)], ctx);
      return [envelope, b64.encode(new Uint8Array(await blob.arrayBuffer())),
              stream.encryptedSize(n)];
    }""",
        [n, b64e(pk), CTX],
    )
    env, blob, size = got[0], b64d(got[1]), got[2]
    assert len(blob) == size == stream.encrypted_size(n)
    assert blob[:6] == b"TRYS\x01\x10"
    assert b"".join(stream.decrypt_stream(env, io.BytesIO(blob), sk, CTX)) == pattern(n, 9)


def test_small_chunks_from_a_blob_source(js: Any, key: tuple[bytes, bytes]) -> None:
    sk, pk = key
    got = js.evaluate(
        """async ([pk, ctx]) => {
      const { stream, b64, bytes } = T;
      const { envelope, blob } = await stream.encryptToBlob(
        new Blob([bytes(5000, 1)]), [b64.decode(pk)], ctx, { chunkSize: 1024 });
      return [envelope, b64.encode(new Uint8Array(await blob.arrayBuffer()))];
    }""",
        [b64e(pk), CTX],
    )
    blob = b64d(got[1])
    assert blob[5] == 10 and len(blob) == stream.encrypted_size(5000, 1024)
    assert b"".join(stream.decrypt_stream(got[0], [blob], sk, CTX)) == pattern(5000, 1)


def cut_variants(blob: bytes) -> list[bytes]:
    header, body = blob[:HEADER_LEN], blob[HEADER_LEN:]
    size = CHUNK_SIZE + TAG_LEN
    chunks = [body[i : i + size] for i in range(0, len(body), size)]
    assert len(chunks) == 4
    return [
        header + b"".join(chunks[:3]),  # truncated at a chunk boundary
        header + b"".join([chunks[1], chunks[0], *chunks[2:]]),  # reordered
        header + b"".join([chunks[0], *chunks[2:]]),  # dropped chunk
        blob + chunks[-1],  # extra trailing chunk
        blob + b"\x00",  # one extra byte
        blob[:-1],  # truncated inside the last chunk
        blob[:HEADER_LEN],  # header only
        blob[:5],  # broken header
        blob[:20] + bytes([blob[20] ^ 1]) + blob[21:],  # flipped ciphertext bit
        blob[:7] + bytes([blob[7] ^ 1]) + blob[8:],  # flipped nonce-prefix bit in the header
    ]


def test_every_cut_is_an_envelope_error_in_both(js: Any, key: tuple[bytes, bytes]) -> None:
    sk, pk = key
    env, pieces = stream.encrypt_stream([os.urandom(3 * CHUNK_SIZE + 10)], [pk], CTX)
    variants = cut_variants(b"".join(pieces))
    for variant in variants:
        with pytest.raises(EnvelopeError):
            b"".join(stream.decrypt_stream(env, [variant], sk, CTX))
    got = js.evaluate(
        """async ([env, variants, sk, ctx]) => {
      const { stream, b64, pieces, drain } = T;
      const out = [];
      for (const v of variants) {
        for (const make of [(b) => new Blob([b]), (b) => pieces(b, 4096)]) {
          try {
            await drain(await stream.decryptStream(make(b64.decode(v)), env, b64.decode(sk), ctx));
            out.push('opened');
          } catch (e) { out.push(e instanceof stream.EnvelopeError ? e.name : String(e)); }
        }
        try { await stream.decryptToBlob(new Blob([b64.decode(v)]), env, b64.decode(sk), ctx);
              out.push('blob'); } catch (e) { out.push(e.name); }
      }
      try { await stream.decryptStream(new Blob([]), env, b64.decode(sk), ctx + 'x'); }
      catch (e) { out.push(e.name); }
      return out;
    }""",
        [env, [b64e(v) for v in variants], b64e(sk), CTX],
    )
    assert got == ["EnvelopeError"] * (3 * len(variants) + 1)
