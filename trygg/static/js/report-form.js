// The intake form with JavaScript: the report is sealed in this browser and only ciphertext
// is sent (POST /r/<org>/api/reports). Nothing falls back to the plaintext path: if sealing
// or sending fails, the reporter is told and nothing is sent. If this browser cannot encrypt
// at all, the page keeps showing the notice that the server will encrypt on arrival, so the
// reporter knows before sending.
//
// Order: the receipt is made first (receipt.js), then its lookup token and key pair, a case
// id (random UUID) and an idempotency key; the document is sealed to the chosen handlers and
// the reporter's own key under org:<org>/case:<case>/report. A retry after a lost answer
// re-sends exactly the same body, which the server treats as the same submission.

import { encode, decode } from "./b64.js";
import { derive, generate } from "./receipt.js";
import {
  canEncrypt, clearError, describeFiles, installCopy, markJs, prepareFile, send, sealJson,
  showError, strings, uploadFile,
} from "./report-common.js";

const form = document.getElementById("report-form");
const S = strings();
let pending = null;
let busy = false;

function radio(name) {
  const checked = form.querySelector(`input[name="${name}"]:checked`);
  return checked ? checked.value : "";
}

function checks(name) {
  return [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((c) => c.value);
}

function value(name) {
  const el = form.elements.namedItem(name);
  return el ? el.value : "";
}

/** The report document v1 (reporting/document.py describes it). */
function buildDocument() {
  return {
    type: "trygg/report",
    v: 1,
    lang: form.dataset.lang,
    about: radio("about"),
    status: radio("status"),
    what: value("what"),
    when: { period: radio("when_period"), text: value("when_text") },
    where: { settings: checks("where_settings"), text: value("where_text") },
    concerns: { role: radio("concerns_role"), text: value("concerns_text") },
    before: radio("before"),
    witnesses: value("witnesses"),
    consequences: value("consequences"),
    wants: checks("wants"),
    contact: { name: value("contact_name"), reach: value("contact_reach"), when: value("contact_when") },
  };
}

/** Who receives the report: internal handlers not left out, else the external fallback. */
function chooseRecipients() {
  const handlers = [...form.querySelectorAll("input[data-handler]")];
  const excluded = handlers.filter((h) => h.checked).map((h) => h.value);
  const open = handlers.filter((h) => !h.checked);
  let chosen = open.filter((h) => !("external" in h.dataset));
  if (chosen.length === 0) chosen = open.filter((h) => "external" in h.dataset);
  return { excluded, keys: chosen.map((h) => decode(h.dataset.key)) };
}

function setProgress(text) {
  form.querySelector("[data-progress]").textContent = text || "";
}

function freeze(on) {
  for (const el of form.elements) {
    if (el.type !== "submit") el.disabled = on;
  }
}

function checkFiles() {
  const input = form.elements.namedItem("attachments");
  const files = input ? [...input.files] : [];
  const maxFile = Number(form.dataset.maxFile);
  if (files.some((f) => f.size > maxFile)) return S.file_too_large;
  if (files.reduce((n, f) => n + f.size, 0) > Number(form.dataset.maxCase)) return S.case_too_large;
  return null;
}

async function seal() {
  const { excluded, keys } = chooseRecipients();
  if (keys.length === 0) throw Object.assign(new Error("everyone_excluded"), { code: "everyone_excluded" });
  const receipt = generate();
  const derived = await derive(receipt);
  const caseId = crypto.randomUUID();
  const context = `org:${form.dataset.org}/case:${caseId}`;
  const recipients = [...keys, derived.publicKey];
  const report = await sealJson(buildDocument(), recipients, `${context}/report`);
  return {
    receipt,
    lookupToken: derived.lookupToken,
    context,
    recipients,
    files: [...(form.elements.namedItem("attachments")?.files || [])],
    body: {
      case: caseId,
      idempotency_key: encode(crypto.getRandomValues(new Uint8Array(32))),
      lookup_token: encode(derived.lookupToken),
      reporter_public_key: encode(derived.publicKey),
      excluded,
      report,
    },
  };
}

function uploadRow(list, name, text) {
  const li = document.createElement("li");
  li.textContent = `${name} – ${text}`;
  list.append(li);
  return li;
}

async function uploadAll(sent) {
  if (sent.files.length === 0) return;
  const list = document.querySelector("[data-upload-list]");
  const token = form.elements.namedItem("form_token").value;
  // Sign in with the lookup token to add files to the case, for this page only: no cookie,
  // so nothing of the case stays reachable from this browser without the receipt.
  const login = await send(form.dataset.session, {
    json: { lookup_token: encode(sent.lookupToken), page_only: true }, token,
  });
  for (const file of sent.files) {
    const row = uploadRow(list, file.name, S.uploading);
    try {
      if (login.status !== 200) throw new Error("login");
      const prepared = await prepareFile(file);
      await uploadFile(prepared, {
        api: form.dataset.attachments, token: login.data.token, recipients: sent.recipients,
        context: sent.context, headers: { "X-Trygg-Session": login.data.session },
      });
      row.textContent = `${file.name} – ${S.uploaded}${prepared.stripped ? "" : ` ${S[prepared.note] || ""}`}`;
    } catch (err) {
      row.textContent = `${file.name} – ${err?.reason || S.upload_failed}`;
    }
  }
}

function showReceipt(sent) {
  document.getElementById("report-page").hidden = true;
  const panel = document.getElementById("receipt-panel");
  document.getElementById("receipt-js").textContent = sent.receipt;
  panel.hidden = false;
  installCopy(S, panel);
  panel.focus();
  form.reset();
}

async function onSubmit(event) {
  event.preventDefault();
  if (busy) return;
  const error = document.querySelector("[data-js-error]");
  clearError(error);
  if (!value("what").trim()) {
    showError(error, S.required);
    form.elements.namedItem("what").focus();
    return;
  }
  // Over a limit: refused before anything is sealed, never cut (the counter says by how much).
  const tooLong = [...form.querySelectorAll("[data-limit]")]
    .find((el) => [...el.value.replace(/\r\n/g, "\n")].length > Number(el.dataset.limit));
  if (tooLong) {
    showError(error, S.too_long);
    tooLong.focus();
    return;
  }
  const fileProblem = checkFiles();
  if (fileProblem) {
    showError(error, fileProblem);
    return;
  }
  busy = true;
  try {
    if (pending === null) {
      setProgress(S.encrypting);
      try {
        pending = await seal();
      } catch (e) {
        showError(error, e.code === "everyone_excluded" ? S.everyone_excluded : S.crypto);
        return;
      }
      freeze(true);
    }
    setProgress(S.sending);
    let result;
    try {
      result = await send(form.dataset.api, {
        json: pending.body, token: form.elements.namedItem("form_token").value,
      });
    } catch {
      showError(error, S.network); // the same sealed body is sent again on the next press
      return;
    }
    if (result.status === 201) {
      const sent = pending;
      pending = null;
      showReceipt(sent);
      await uploadAll(sent);
      return;
    }
    if (result.status >= 500) {
      showError(error, S.network);
      return;
    }
    pending = null;
    freeze(false);
    showError(error, result.status === 429 ? S.throttled : result.data?.message || S.network);
  } finally {
    busy = false;
    setProgress("");
  }
}

async function init() {
  if (!form) return;
  if (!(await canEncrypt())) return; // the no-JavaScript notice stays: the server will encrypt
  markJs();
  const input = form.elements.namedItem("attachments");
  const list = form.querySelector("[data-file-list]");
  if (input && list) {
    input.addEventListener("change", () => describeFiles(input, list, S, Number(form.dataset.maxFile)));
  }
  form.addEventListener("submit", onSubmit);
  form.dataset.ready = "1";
}

init();
