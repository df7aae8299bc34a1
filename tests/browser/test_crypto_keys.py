"""Receipts and handler key custody in real Chromium: identical derivations in Python and the
browser, non-extractable unwrapped keys, and the IndexedDB session store."""

from __future__ import annotations

import base64
import random
from collections.abc import Iterator
from typing import Any

import pytest

from crypto import _codes, keywrap, receipt
from crypto.envelope import kid, seal
from crypto.errors import MalformedReceiptError, ReceiptTypoError

FAST = 1000  # PBKDF2 iterations for tests; lowered explicitly, never by default
CTX = "org:7/case:42/report"

LOAD = """async () => {
  window.T = {
    b64: await import('/js/b64.js'),
    receipt: await import('/js/receipt.js'),
    keys: await import('/js/keys.js'),
    envelope: await import('/js/envelope.js'),
    hpke: await import('/js/hpke.js'),
  };
}"""


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def load(page: Any, url: str) -> Any:
    page.goto(url + "/blank.html")
    page.evaluate(LOAD)
    return page


@pytest.fixture(scope="module")
def js(browser: Any, static_server: str) -> Iterator[Any]:
    context = browser.new_context()
    yield load(context.new_page(), static_server)
    context.close()


@pytest.fixture(scope="module")
def pair() -> tuple[bytes, bytes]:
    return keywrap.generate_key_pair()


# -- receipts ---------------------------------------------------------------------------------


def test_receipt_derivation_is_identical(js: Any) -> None:
    python_made = [receipt.generate() for _ in range(5)]
    got = js.evaluate(
        """async (made) => {
      const { receipt, b64 } = T;
      const browserMade = Array.from({ length: 5 }, () => receipt.generate());
      const derive = async (r) => {
        const k = await receipt.derive(r);
        return [b64.encode(k.lookupToken), b64.encode(k.privateKey), b64.encode(k.publicKey)];
      };
      return { browserMade,
               fromPython: await Promise.all(made.map(derive)),
               fromBrowser: await Promise.all(browserMade.map(derive)) };
    }""",
        python_made,
    )
    for r, derived in zip(
        python_made + got["browserMade"], got["fromPython"] + got["fromBrowser"], strict=True
    ):
        assert receipt.parse(r) == r
        keys = receipt.derive(r)
        assert derived == [b64e(keys.lookup_token), b64e(keys.private_key), b64e(keys.public_key)]


def mutations(rng: random.Random) -> list[str]:
    """Typed variants of real receipts: presentation changes, typos, garbage."""
    out = ["", "-----", "0" * 25, "00000-00000-00000-00000-00012", "ǅ" * 25, "ß" * 13]
    for _ in range(40):
        r = receipt.generate()
        pos = rng.randrange(len(r))
        out += [
            r.lower(),
            r.replace("-", " "),
            r.replace("1", "i").replace("0", "O"),
            r[:pos] + rng.choice(_codes.ALPHABET) + r[pos + 1 :],
            r[:pos] + r[pos + 1 :],
            r[:pos] + r[pos:][:2][::-1] + r[pos + 2 :],
            r + rng.choice("X-*é"),
            "".join(rng.choice(_codes.ALPHABET + "ilou -") for _ in range(rng.randrange(20, 35))),
        ]
    return out


def python_outcome(text: str) -> str:
    try:
        return receipt.parse(text)
    except ReceiptTypoError:
        return "typo"
    except MalformedReceiptError:
        return "malformed"


def test_receipt_parser_agrees_on_every_input(js: Any) -> None:
    inputs = mutations(random.Random(20240605))
    got = js.evaluate(
        """async (inputs) => inputs.map((text) => {
      const { receipt } = T;
      try { return receipt.parse(text); }
      catch (e) {
        if (e instanceof receipt.ReceiptTypoError && e.code === 'typo') return 'typo';
        const malformed = e instanceof receipt.MalformedReceiptError && e.code === 'malformed';
        if (malformed) return 'malformed';
        return `unexpected ${e.name}`;
      }
    })""",
        inputs,
    )
    expected = [python_outcome(t) for t in inputs]
    assert got == expected
    assert {"typo", "malformed"} <= set(expected) and any(len(e) == 29 for e in expected)


def test_receipt_key_opens_what_python_sealed_to_it(js: Any) -> None:
    r = receipt.generate()
    env = seal(b"mine egne ord", [receipt.derive(r).public_key], CTX)
    got = js.evaluate(
        """async ([r, env, ctx]) => {
      const { receipt, envelope } = T;
      const k = await receipt.derive(r.toLowerCase());
      return new TextDecoder().decode(await envelope.unseal(env, k.privateKey, ctx));
    }""",
        [r, env, CTX],
    )
    assert got == "mine egne ord"


# -- key custody ------------------------------------------------------------------------------


def test_browser_key_pair_and_wraps_open_in_python(js: Any) -> None:
    got = js.evaluate(
        """async (iter) => {
      const { keys, b64 } = T;
      const { privateKey, publicKey } = await keys.generateKeyPair();
      const code = keys.generateRecoveryCode();
      const out = {
        sk: b64.encode(privateKey), pk: b64.encode(publicKey), code,
        fast: await keys.wrapPrivateKey(privateKey, 'Blåbær i ødemarka', publicKey,
                                        { iterations: iter }),
        full: await keys.wrapPrivateKey(privateKey, 'standard kostnad', publicKey),
        recovery: await keys.wrapWithRecoveryCode(privateKey, code.toLowerCase(), publicKey),
      };
      privateKey.fill(0);
      return out;
    }""",
        FAST,
    )
    sk, pk = b64d(got["sk"]), b64d(got["pk"])
    assert keywrap.public_key_of(sk) == pk
    assert got["fast"]["iter"] == FAST and list(got["fast"]) == list(
        keywrap.wrap_private_key(sk, "x", iterations=FAST)
    )
    assert got["full"]["iter"] == keywrap.DEFAULT_ITERATIONS == 600_000
    assert keywrap.unwrap_private_key(got["fast"], "Blåbær i ødemarka", pk) == sk
    assert keywrap.unwrap_private_key(got["full"], "standard kostnad", pk) == sk
    assert keywrap.parse_recovery_code(got["code"]) == got["code"]
    assert keywrap.unwrap_with_recovery_code(got["recovery"], got["code"], pk) == sk


def test_python_wraps_browser_unwraps_to_a_non_extractable_key(
    js: Any, pair: tuple[bytes, bytes]
) -> None:
    sk, pk = pair
    code = keywrap.generate_recovery_code()
    blob = keywrap.wrap_private_key(sk, "demo-passfrase", iterations=FAST)
    recovery = keywrap.wrap_with_recovery_code(sk, code)
    env = seal(b"til saksbehandler", [pk], CTX)
    got = js.evaluate(
        """async ([blob, recovery, code, pk, env, ctx]) => {
      const { keys, envelope, b64 } = T;
      const publicKey = b64.decode(pk);
      const out = [];
      for (const key of [await keys.unwrapPrivateKey(blob, 'demo-passfrase', publicKey),
                         await keys.unwrapWithRecoveryCode(recovery, code, publicKey)]) {
        const exports = [];
        for (const format of ['pkcs8', 'raw', 'jwk']) {
          try { await crypto.subtle.exportKey(format, key); exports.push('exported'); }
          catch (e) { exports.push(e.name); }
        }
        out.push({ extractable: key.extractable, type: key.type, alg: key.algorithm.name,
                   usages: key.usages, exports,
                   text: new TextDecoder().decode(await envelope.unseal(env, key, ctx)) });
      }
      return out;
    }""",
        [blob, recovery, code, b64e(pk), env, CTX],
    )
    for key in got:
        assert key == {
            "extractable": False,
            "type": "private",
            "alg": "X25519",
            "usages": ["deriveBits"],
            "exports": ["InvalidAccessError"] * 3,
            "text": "til saksbehandler",
        }


def test_unwrap_failures_in_the_browser(js: Any, pair: tuple[bytes, bytes]) -> None:
    sk, pk = pair
    _, other_pk = keywrap.generate_key_pair()
    code = keywrap.generate_recovery_code()
    blob = keywrap.wrap_private_key(sk, "riktig", iterations=FAST)
    recovery = keywrap.wrap_with_recovery_code(sk, code)
    typo = code[:2] + ("0" if code[2] != "0" else "1") + code[3:]
    got = js.evaluate(
        """async ([blob, recovery, code, typo, pk, otherPk]) => {
      const { keys, b64 } = T;
      const attempts = [
        () => keys.unwrapPrivateKey(blob, 'feil', b64.decode(pk)),
        () => keys.unwrapPrivateKey(blob, 'riktig', b64.decode(otherPk)),
        () => keys.unwrapPrivateKey({ ...blob, iter: blob.iter + 1 }, 'riktig', b64.decode(pk)),
        () => keys.unwrapPrivateKey({ ...blob, v: 2 }, 'riktig', b64.decode(pk)),
        () => keys.unwrapPrivateKey(recovery, 'riktig', b64.decode(pk)),
        () => keys.unwrapWithRecoveryCode(recovery, keys.generateRecoveryCode(), b64.decode(pk)),
        () => keys.unwrapWithRecoveryCode(recovery, typo, b64.decode(pk)),
        () => keys.unwrapWithRecoveryCode(recovery, code.slice(1), b64.decode(pk)),
      ];
      const out = [];
      for (const attempt of attempts) {
        try { await attempt(); out.push('unwrapped'); } catch (e) { out.push(e.name); }
      }
      return out;
    }""",
        [blob, recovery, code, typo, b64e(pk), b64e(other_pk)],
    )
    assert got == ["KeyWrapError"] * 6 + ["ReceiptTypoError", "MalformedReceiptError"]


def test_change_passphrase_and_recover(js: Any, pair: tuple[bytes, bytes]) -> None:
    sk, pk = pair
    code = keywrap.generate_recovery_code()
    blob = keywrap.wrap_private_key(sk, "gammel", iterations=FAST)
    recovery = keywrap.wrap_with_recovery_code(sk, code)
    got = js.evaluate(
        """async ([blob, recovery, code, pk, iter]) => {
      const { keys, b64 } = T;
      const publicKey = b64.decode(pk);
      const changed = await keys.changePassphrase(blob, 'gammel', 'ny', publicKey,
                                                  { iterations: iter + 1 });
      const recovered = await keys.recoverWithCode(recovery, code, 'glemt-ny', publicKey,
                                                   { iterations: iter });
      return [changed.blob, changed.privateKey.extractable, keys.needsRewrap(changed.blob),
              keys.needsRewrap(changed.blob, iter + 2), recovered.blob,
              recovered.privateKey.extractable];
    }""",
        [blob, recovery, code, b64e(pk), FAST],
    )
    assert keywrap.unwrap_private_key(got[0], "ny", pk) == sk
    assert got[0]["iter"] == FAST + 1
    assert got[1:4] == [False, True, True]
    assert keywrap.unwrap_private_key(got[4], "glemt-ny", pk) == sk
    assert got[5] is False


# -- session store ----------------------------------------------------------------------------


STORE = """async ([blob, pk]) => {
  const { keys, b64 } = T;
  const key = await keys.unwrapPrivateKey(blob, 'økt', b64.decode(pk));
  await keys.storeSessionKey(key, b64.decode(pk));
  return key.extractable;
}"""

USE = """async ([env, ctx]) => {
  const { keys, envelope } = T;
  const found = await keys.loadSessionKey({ maxIdleMs: 30 * 60 * 1000 });
  if (!found) return null;
  let exported;
  try { await crypto.subtle.exportKey('pkcs8', found.privateKey); exported = 'exported'; }
  catch (e) { exported = e.name; }
  return { extractable: found.privateKey.extractable, kid: found.kid, exported,
           text: new TextDecoder().decode(await envelope.unseal(env, found, ctx)) };
}"""


def test_session_key_survives_navigation_and_is_wiped(
    page: Any, static_server: str, pair: tuple[bytes, bytes]
) -> None:
    sk, pk = pair
    blob = keywrap.wrap_private_key(sk, "økt", iterations=FAST)
    env = seal(b"etter navigering", [pk], CTX)
    load(page, static_server)
    assert page.evaluate("() => T.keys.loadSessionKey()") is None
    assert page.evaluate(STORE, [blob, b64e(pk)]) is False
    load(page, static_server)  # a real navigation: new document, new module instances
    got = page.evaluate(USE, [env, CTX])
    assert got == {
        "extractable": False,
        "kid": kid(pk),
        "exported": "InvalidAccessError",
        "text": "etter navigering",
    }
    page.evaluate("() => T.keys.wipeSessionKey()")
    load(page, static_server)
    assert page.evaluate(USE, [env, CTX]) is None


def test_idle_session_key_is_wiped(
    page: Any, static_server: str, pair: tuple[bytes, bytes]
) -> None:
    sk, pk = pair
    blob = keywrap.wrap_private_key(sk, "økt", iterations=FAST)
    env = seal(b"x", [pk], CTX)
    page.clock.install()
    load(page, static_server)
    page.evaluate(STORE, [blob, b64e(pk)])
    page.clock.fast_forward("29:00")
    assert page.evaluate(USE, [env, CTX])["text"] == "x"  # used: idle clock restarts
    page.clock.fast_forward("29:00")
    assert page.evaluate(USE, [env, CTX])["text"] == "x"
    page.clock.fast_forward("31:00")
    assert page.evaluate(USE, [env, CTX]) is None
    assert page.evaluate("() => T.keys.loadSessionKey()") is None  # gone, not just hidden


def test_store_refuses_extractable_keys(js: Any, pair: tuple[bytes, bytes]) -> None:
    sk, pk = pair
    got = js.evaluate(
        """async ([sk, pk]) => {
      const { keys, hpke, b64 } = T;
      const extractable = await hpke.importPrivateKey(b64.decode(sk), true);
      try { await keys.storeSessionKey(extractable, b64.decode(pk)); return 'stored'; }
      catch (e) { return e.name; }
    }""",
        [b64e(sk), b64e(pk)],
    )
    assert got == "TypeError"
