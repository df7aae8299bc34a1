"""Envelope v1 and HPKE in real Chromium: RFC 9180 vectors, and byte-for-byte agreement with
the Python implementation in both directions."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hpke import AEAD, KDF, KEM, Suite

from crypto import envelope
from crypto.envelope import EnvelopeError, kid, seal, unseal

CTX = "org:7/case:42/report"
MIB = 1024 * 1024
SIZES = [0, 1, 1023, 1024, 1025, MIB - 1, MIB, MIB + 1]
VECTOR = {
    k: v
    for k, v in json.loads(
        (Path(__file__).parents[1] / "crypto" / "rfc9180_a1_1.json").read_text()
    ).items()
    if k != "source"
}

LOAD = """async () => {
  window.T = {
    b64: await import('/js/b64.js'),
    envelope: await import('/js/envelope.js'),
    hpke: await import('/js/hpke.js'),
    hex: (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(''),
    unhex: (h) => Uint8Array.from(h.match(/../g) || [], (x) => parseInt(x, 16)),
    sha: async (b) => T.hex(new Uint8Array(await crypto.subtle.digest('SHA-256', b))),
    bytes: (n, seed) => { const b = new Uint8Array(n); for (let i = 0; i < n; i++)
      b[i] = (i * 31 + seed) % 251; return b; },
  };
}"""


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def pattern(n: int, seed: int) -> bytes:
    """Same bytes as T.bytes(n, seed) in the page."""
    block = bytes((i * 31 + seed) % 251 for i in range(251))
    out = (block * (n // 251 + 1))[:n]
    return out


def keypair() -> tuple[bytes, bytes]:
    sk = X25519PrivateKey.generate()
    return sk.private_bytes_raw(), sk.public_key().public_bytes_raw()


@pytest.fixture(scope="module")
def js(browser: Any, static_server: str) -> Iterator[Any]:
    """One page for the whole module, with the crypto modules loaded as window.T."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(static_server + "/blank.html")
    page.evaluate(LOAD)
    yield page
    context.close()


@pytest.fixture(scope="module")
def keys() -> list[tuple[bytes, bytes]]:
    return [keypair() for _ in range(5)]


def test_pattern_helper_matches_the_page(js: Any) -> None:
    assert (
        js.evaluate("async () => T.sha(T.bytes(1000, 3))")
        == hashlib.sha256(pattern(1000, 3)).hexdigest()
    )


# -- RFC 9180 ---------------------------------------------------------------------------------


def test_rfc9180_a1_1_key_schedule_and_first_encryption(js: Any) -> None:
    got = js.evaluate(
        """async (v) => {
      const { hpke, unhex, hex } = T;
      const opts = { aead: hpke.AES_128_GCM, _ephemeralPrivateKey: unhex(v.skEm) };
      const ctx = await hpke.setupBaseS(unhex(v.pkRm), unhex(v.info), opts);
      const sealed = await hpke.seal(unhex(v.pkRm), unhex(v.info), unhex(v.aad), unhex(v.pt), opts);
      const opened = await hpke.open(sealed, unhex(v.skRm), unhex(v.info), unhex(v.aad),
        { aead: hpke.AES_128_GCM });
      const nonExtractable = await hpke.importPrivateKey(unhex(v.skRm));
      const opened2 = await hpke.open(sealed, nonExtractable, unhex(v.info), unhex(v.aad),
        { aead: hpke.AES_128_GCM });
      return { enc: hex(ctx.enc), shared_secret: hex(ctx.sharedSecret), key: hex(ctx.key),
               base_nonce: hex(ctx.baseNonce), sealed: hex(sealed), pt: hex(opened),
               pt2: hex(opened2), pkR: hex(await hpke.publicKeyOf(unhex(v.skRm))) };
    }""",
        VECTOR,
    )
    assert got["enc"] == VECTOR["enc"]
    assert got["shared_secret"] == VECTOR["shared_secret"]
    assert got["key"] == VECTOR["key"]
    assert got["base_nonce"] == VECTOR["base_nonce"]
    assert got["sealed"] == VECTOR["enc"] + VECTOR["ct"]
    assert got["pt"] == got["pt2"] == VECTOR["pt"]
    assert got["pkR"] == VECTOR["pkRm"]


def test_rfc9180_open_rejects_a_wrong_info(js: Any) -> None:
    err = js.evaluate(
        """async (v) => {
      const { hpke, unhex } = T;
      try {
        await hpke.open(unhex(v.enc + v.ct), unhex(v.skRm), unhex(v.info + '00'), unhex(v.aad),
          { aead: hpke.AES_128_GCM });
        return 'opened';
      } catch (e) { return e.name; }
    }""",
        VECTOR,
    )
    assert err == "OperationError"


def test_aes256_suite_with_fixed_ephemeral_opens_in_cryptography(js: Any) -> None:
    sk_r, pk_r = keypair()
    sk_e, pk_e = keypair()
    info = b"trygg/v1/key\x00" + CTX.encode()
    secret = os.urandom(32)
    sealed = js.evaluate(
        """async ([pkR, skE, info, pt]) => {
      const { hpke, b64 } = T;
      return b64.encode(await hpke.seal(b64.decode(pkR), b64.decode(info), new Uint8Array(0),
        b64.decode(pt), { _ephemeralPrivateKey: b64.decode(skE) }));
    }""",
        [b64e(pk_r), b64e(sk_e), b64e(info), b64e(secret)],
    )
    sealed_bytes = b64d(sealed)
    assert sealed_bytes[:32] == pk_e and len(sealed_bytes) == 80
    suite = Suite(KEM.X25519, KDF.HKDF_SHA256, AEAD.AES_256_GCM)
    assert (
        suite.decrypt(sealed_bytes, X25519PrivateKey.from_private_bytes(sk_r), info=info) == secret
    )


def test_aes256_gcm_matches_cryptography(js: Any) -> None:
    key, nonce, aad, pt = os.urandom(32), os.urandom(12), b"trygg/v1/body\x00x", os.urandom(3000)
    ct = js.evaluate(
        """async ([k, n, a, p]) => {
      const { hpke, b64 } = T;
      return b64.encode(await hpke.aeadSeal(b64.decode(k), b64.decode(n), b64.decode(a),
        b64.decode(p)));
    }""",
        [b64e(key), b64e(nonce), b64e(aad), b64e(pt)],
    )
    assert b64d(ct) == AESGCM(key).encrypt(nonce, pt, aad)


# -- envelope round trips -------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 5])
@pytest.mark.parametrize("n", SIZES)
def test_python_seals_browser_unseals(
    js: Any, keys: list[tuple[bytes, bytes]], n: int, count: int
) -> None:
    plaintext = os.urandom(n)
    env = seal(plaintext, [pk for _, pk in keys[:count]], CTX)
    got = js.evaluate(
        """async ([env, sks, ctx]) => {
      const { envelope, b64, sha } = T;
      const out = [];
      for (const sk of sks) {
        const pt = await envelope.unseal(env, b64.decode(sk), ctx);
        out.push([pt.length, await sha(pt)]);
      }
      return out;
    }""",
        [env, [b64e(sk) for sk, _ in keys[:count]], CTX],
    )
    assert got == [[n, hashlib.sha256(plaintext).hexdigest()]] * count


@pytest.mark.parametrize("count", [1, 5])
@pytest.mark.parametrize("n", SIZES)
def test_browser_seals_python_unseals(
    js: Any, keys: list[tuple[bytes, bytes]], n: int, count: int
) -> None:
    env = js.evaluate(
        """async ([n, pks, ctx]) => {
      const { envelope, b64, bytes } = T;
      return envelope.seal(bytes(n, 5), pks.map(b64.decode), ctx);
    }""",
        [n, [b64e(pk) for _, pk in keys[:count]], CTX],
    )
    assert list(env) == ["v", "recipients", "nonce", "ct"] and env["v"] == 1
    assert len(b64d(env["ct"])) == envelope.padded_length(n) + 16
    assert [e["kid"] for e in env["recipients"]] == [kid(pk) for _, pk in keys[:count]]
    expected = pattern(n, 5)
    for sk, _ in keys[:count]:
        assert unseal(env, sk, CTX) == expected


def test_padding_and_kid_agree(js: Any) -> None:
    pks = [keypair()[1] for _ in range(3)]
    got = js.evaluate(
        """async ([sizes, pks]) => {
      const { envelope, b64 } = T;
      return { lengths: sizes.map(envelope.paddedLength),
               kids: await Promise.all(pks.map((p) => envelope.kid(b64.decode(p)))) };
    }""",
        [[*SIZES, 2 * MIB, 5 * MIB - 1, 5 * MIB], [b64e(p) for p in pks]],
    )
    assert got["lengths"] == [
        envelope.padded_length(n) for n in [*SIZES, 2 * MIB, 5 * MIB - 1, 5 * MIB]
    ]
    assert got["kids"] == [kid(p) for p in pks]


def test_unseal_with_non_extractable_key_and_with_a_key_object(
    js: Any, keys: list[tuple[bytes, bytes]]
) -> None:
    sk, pk = keys[0]
    env = seal(b"hei", [pk, keys[1][1]], CTX)
    got = js.evaluate(
        """async ([env, sk, pk, ctx]) => {
      const { envelope, hpke, b64 } = T;
      const key = await hpke.importPrivateKey(b64.decode(sk), false);
      const dec = new TextDecoder();
      return [key.extractable,
              dec.decode(await envelope.unseal(env, key, ctx)),
              dec.decode(await envelope.unseal(
                env, { privateKey: key, publicKey: b64.decode(pk) }, ctx)),
              dec.decode(await envelope.unseal(env, { privateKey: b64.decode(sk) }, ctx))];
    }""",
        [env, b64e(sk), b64e(pk), CTX],
    )
    assert got == [False, "hei", "hei", "hei"]


def test_add_recipients_in_both_languages(js: Any, keys: list[tuple[bytes, bytes]]) -> None:
    (sk0, pk0), (sk1, pk1), (sk2, pk2) = keys[:3]
    env = seal(b"overlevering", [pk0], CTX)
    handed = js.evaluate(
        """async ([env, sk, pks, ctx]) => {
      const { envelope, b64 } = T;
      return envelope.addRecipients(env, b64.decode(sk), pks.map(b64.decode), ctx);
    }""",
        [env, b64e(sk0), [b64e(pk1), b64e(pk0)], CTX],
    )
    assert (handed["nonce"], handed["ct"]) == (env["nonce"], env["ct"])
    assert [e["kid"] for e in handed["recipients"]] == [kid(pk0), kid(pk1)]
    assert unseal(handed, sk1, CTX) == b"overlevering"
    again = envelope.add_recipients(handed, sk1, [pk2], CTX)
    got = js.evaluate(
        """async ([env, sk, ctx]) => new TextDecoder().decode(
          await T.envelope.unseal(env, T.b64.decode(sk), ctx))""",
        [again, b64e(sk2), CTX],
    )
    assert got == "overlevering"


# -- rejection --------------------------------------------------------------------------------


def flip(text: str, index: int) -> str:
    raw = bytearray(b64d(text))
    raw[index % len(raw)] ^= 0x01
    return b64e(bytes(raw))


def bad_envelopes(env: dict[str, Any]) -> list[object]:
    out: list[object] = []
    for field in ("nonce", "ct"):
        for index in (0, 5, -1):
            out.append({**env, field: flip(env[field], index)})
    for field in ("kid", "key"):
        for index in (0, 20, 31, 33, -1):
            mutated = copy.deepcopy(env)
            mutated["recipients"][0][field] = flip(env["recipients"][0][field], index)
            out.append(mutated)
    entry = env["recipients"][0]
    out += [
        None,
        [],
        "x",
        {},
        {**env, "v": 2},
        {**env, "v": "1"},
        {**env, "extra": 0},
        {k: v for k, v in env.items() if k != "nonce"},
        {**env, "recipients": []},
        {**env, "recipients": [entry, entry]},
        {**env, "recipients": [{**entry, "x": 1}]},
        {**env, "recipients": [{**entry, "kid": entry["kid"][:-1] + "B"}]},
        {**env, "ct": env["ct"] + "=="},
        {**env, "ct": env["ct"][:-4]},
        {**env, "nonce": env["nonce"].replace(env["nonce"][3], "+", 1)},
        {**env, "ct": b64e(b64d(env["ct"])[:-16])},
    ]
    return out


def test_every_failure_is_an_envelope_error_in_the_browser(
    js: Any, keys: list[tuple[bytes, bytes]]
) -> None:
    (sk, pk), (other_sk, _) = keys[0], keys[1]
    env = seal(b"hemmelig", [pk], CTX)
    for bad in bad_envelopes(env):
        with pytest.raises(EnvelopeError):
            unseal(bad, sk, CTX)  # type: ignore[arg-type]
    cases = [[bad, b64e(sk), CTX] for bad in bad_envelopes(env)]
    cases += [[env, b64e(sk), CTX + "/x"], [env, b64e(other_sk), CTX], [env, b64e(sk[:31]), CTX]]
    got = js.evaluate(
        """async ([cases, env, sk, ctx]) => {
      const { envelope, b64 } = T;
      const out = [];
      for (const [bad, key, context] of cases) {
        try { await envelope.unseal(bad, b64.decode(key), context); out.push('opened'); }
        catch (e) {
          out.push(e instanceof envelope.EnvelopeError ? e.name : `${e.name}: ${e.message}`);
        }
      }
      const ok = new TextDecoder().decode(await envelope.unseal(env, b64.decode(sk), ctx));
      return { out, ok };
    }""",
        [cases, env, b64e(sk), CTX],
    )
    assert got["out"] == ["EnvelopeError"] * len(cases)
    assert got["ok"] == "hemmelig"


def test_seal_rejects_bad_recipients_in_the_browser(js: Any) -> None:
    pk = keypair()[1]
    got = js.evaluate(
        """async (pk) => {
      const { envelope, b64 } = T;
      const p = b64.decode(pk);
      const attempts = [[], [p, p], [p.slice(1)], [new Uint8Array(32)], ['x']];
      const out = [];
      for (const r of attempts) {
        try { await envelope.seal(new Uint8Array(1), r, 'c'); out.push('sealed'); }
        catch (e) { out.push(e.name); }
      }
      return out;
    }""",
        b64e(pk),
    )
    assert got == ["TypeError"] * 5
