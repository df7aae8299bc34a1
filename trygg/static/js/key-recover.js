// Forgotten key passphrase (accounts/templates/accounts/keys_recover.html).
//
// The recovery code opens the recovery-wrapped private key in this browser (keys.js), which
// wraps the same key again under a new passphrase and uploads only that new blob. The
// code, the passphrase and the private key never leave the page; the key pair does not
// change, so every case sealed to it stays readable.

import { decode, encode } from "./b64.js";
import { KeyWrapError, possessionProof, recoverWithCode } from "./keys.js";
import { ReceiptError } from "./receipt.js";

document.documentElement.classList.add("has-js");

const form = document.getElementById("key-recover");
if (form) install(form);

function install(form) {
  const msg = form.dataset;
  const recoveryBlob = JSON.parse(msg.recoveryBlob);
  const publicKey = decode(msg.publicKey);
  const challenge = decode(msg.challenge);
  const iterations = Number.parseInt(msg.iterations, 10);
  const minLength = Number.parseInt(msg.passphraseMin, 10);
  const { code, passphrase, confirm } = form.elements;
  const button = document.getElementById("recover-start");
  const status = document.getElementById("recover-status");
  const error = document.getElementById("recover-error");
  const done = document.getElementById("recover-done");

  function fail(text, field) {
    error.textContent = text;
    error.hidden = false;
    status.textContent = "";
    button.disabled = false;
    for (const input of [code, passphrase, confirm]) input.removeAttribute("aria-invalid");
    if (field) {
      field.setAttribute("aria-invalid", "true");
      field.focus();
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    if (passphrase.value.length < minLength) return fail(msg.msgShort, passphrase);
    if (passphrase.value !== confirm.value) return fail(msg.msgMismatch, confirm);
    button.disabled = true;
    status.textContent = msg.msgWorking;
    let blob;
    let proof;
    try {
      let privateKey;
      ({ blob, privateKey } = await recoverWithCode(
        recoveryBlob, code.value, passphrase.value, publicKey, { iterations },
      ));
      // The server accepts a new wrap only from a browser that holds the key.
      proof = encode(await possessionProof(privateKey, challenge, publicKey, blob));
    } catch (e) {
      if (e instanceof ReceiptError) return fail(msg.msgTypo, code);
      if (e instanceof KeyWrapError) return fail(msg.msgWrong, code);
      return fail(msg.msgFailed, null);
    }
    let response = null;
    let body = {};
    try {
      response = await fetch(form.action, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": form.elements.csrf_token.value,
        },
        body: JSON.stringify({ wrapped_private_key: blob, proof }),
      });
      body = await response.json().catch(() => ({}));
    } catch {
      response = null;
    }
    if (!response || !response.ok) return fail(body.message || msg.msgFailed, null);
    code.value = "";
    passphrase.value = "";
    confirm.value = "";
    form.hidden = true;
    done.hidden = false;
    document.getElementById("recover-done-title").focus();
  });
}
