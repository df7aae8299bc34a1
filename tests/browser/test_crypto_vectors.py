"""The published v1 test vectors (tests/crypto/trygg_v1_vectors.json) open in Chromium."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

V = json.loads((Path(__file__).parents[1] / "crypto" / "trygg_v1_vectors.json").read_text())


def test_vectors_open_in_the_browser(page: Any, static_server: str) -> None:
    page.goto(static_server + "/blank.html")
    got = page.evaluate(
        """async (V) => {
      const envelope = await import('/js/envelope.js');
      const stream = await import('/js/stream.js');
      const receipt = await import('/js/receipt.js');
      const keys = await import('/js/keys.js');
      const hpke = await import('/js/hpke.js');
      const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
      const unhex = (h) => Uint8Array.from(h.match(/../g) || [], (x) => parseInt(x, 16));
      const e = V.envelope;
      const text = new TextDecoder().decode(
        await envelope.unseal(e.envelope, unhex(e.recipient_sk), e.context));
      const s = V.stream;
      const open = async (h) => {
        const out = new Response((new Blob([unhex(h)])).stream().pipeThrough(
          await stream.createDecryptor(unhex(s.file_key))));
        return new TextDecoder().decode(await out.arrayBuffer());
      };
      const r = await receipt.derive(V.receipt.receipt);
      const w = V.keywrap;
      const pk = unhex(w.public_key);
      const k1 = await keys.unwrapPrivateKey(w.blob, w.passphrase, pk);
      const k2 = await keys.unwrapWithRecoveryCode(w.recovery_blob, w.recovery_code, pk);
      return {
        text, empty: await open(s.empty), hallo: await open(s.hallo),
        receipt: [hex(r.lookupToken), hex(r.privateKey), hex(r.publicKey)],
        unwrapped: [hex(await hpke.publicKeyOf(k1)), hex(await hpke.publicKeyOf(k2)),
                    k1.extractable, k2.extractable],
      };
    }""",
        V,
    )
    assert got["text"] == V["envelope"]["plaintext_utf8"]
    assert (got["empty"], got["hallo"]) == ("", "hallo")
    r = V["receipt"]
    assert got["receipt"] == [r["lookup_token"], r["private_key"], r["public_key"]]
    pk = V["keywrap"]["public_key"]
    assert got["unwrapped"] == [pk, pk, False, False]
