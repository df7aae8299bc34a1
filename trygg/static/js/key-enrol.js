// Handler key enrolment (accounts/templates/accounts/keys.html).
//
// The browser makes the X25519 key pair, wraps the private key under the handler's key
// passphrase and under a fresh recovery code (keys.js), shows the code once, and uploads
// only the public key and the two wrapped blobs. The passphrase, the recovery code and the
// raw private key never leave this page.

import { encode } from "./b64.js";
import "./copy.js";
import {
  generateKeyPair, generateRecoveryCode, wrapPrivateKey, wrapWithRecoveryCode,
} from "./keys.js";

document.documentElement.classList.add("has-js");

const form = document.getElementById("key-enrol");
if (form) install(form);

function install(form) {
  const msg = form.dataset;
  const iterations = Number.parseInt(msg.iterations, 10);
  const minLength = Number.parseInt(msg.passphraseMin, 10);
  const passphrase = form.elements.passphrase;
  const confirm = form.elements.confirm;
  const makeButton = document.getElementById("key-make");
  const status = document.getElementById("key-status");
  const error = document.getElementById("key-error");
  const recovery = document.getElementById("key-recovery");
  const codeBox = document.getElementById("recovery-code");
  const stored = document.getElementById("recovery-stored");
  const saveButton = document.getElementById("key-save");
  const saveError = document.getElementById("key-save-error");
  const done = document.getElementById("key-done");
  let upload = null;

  function showError(box, text, field) {
    box.textContent = text;
    box.hidden = false;
    for (const input of [passphrase, confirm]) input.removeAttribute("aria-invalid");
    if (field) {
      field.setAttribute("aria-invalid", "true");
      field.focus();
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    const secret = passphrase.value;
    if (secret.length < minLength) return showError(error, msg.msgShort, passphrase);
    if (secret !== confirm.value) return showError(error, msg.msgMismatch, confirm);
    makeButton.disabled = true;
    status.textContent = msg.msgWorking;
    let pair;
    try {
      pair = await generateKeyPair();
      const code = generateRecoveryCode();
      const wrapped = await wrapPrivateKey(pair.privateKey, secret, pair.publicKey, { iterations });
      const rescue = await wrapWithRecoveryCode(pair.privateKey, code, pair.publicKey);
      upload = {
        public_key: encode(pair.publicKey),
        wrapped_private_key: wrapped,
        recovery_wrapped_key: rescue,
      };
      codeBox.textContent = code;
    } catch (e) {
      makeButton.disabled = false;
      status.textContent = "";
      return showError(error, msg.msgUnsupported, null);
    } finally {
      pair?.privateKey.fill(0);
    }
    passphrase.value = "";
    confirm.value = "";
    status.textContent = "";
    form.hidden = true;
    recovery.hidden = false;
    document.getElementById("key-recovery-title").focus();
  });

  saveButton.addEventListener("click", async () => {
    saveError.hidden = true;
    if (!stored.checked) {
      saveError.textContent = msg.msgUnconfirmed;
      saveError.hidden = false;
      stored.focus();
      return;
    }
    saveButton.disabled = true;
    let response;
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
        body: JSON.stringify(upload),
      });
      body = await response.json().catch(() => ({}));
    } catch {
      response = null;
    }
    if (response && response.status === 201) {
      upload = null;
      saveButton.hidden = true;
      stored.disabled = true;
      done.hidden = false;
      document.getElementById("key-done-title").focus();
      return;
    }
    saveButton.disabled = false;
    saveError.textContent = body.message || msg.msgFailed;
    saveError.hidden = false;
  });
}
