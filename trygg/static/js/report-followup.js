// The reporter's follow-up with JavaScript.
//
// Login: the receipt is checked here (typos are caught by its check character), its lookup
// token is derived and sent (POST /r/<org>/api/session) – the receipt itself never leaves
// the device. The receipt-derived private key is kept in sessionStorage for this tab only
// (never the receipt), and removed on sign-out; the server's cookie holds no key.
//
// Case page: the thread arrives sealed (GET /r/<org>/api/case) and is opened here; replies,
// additions, consent and files are sealed here to the case's handlers and the reporter.

import { decode, encode } from "./b64.js";
import { keyFor, stored } from "./idempotency.js";
import { publicKeyOf } from "./hpke.js";
import { derive, parse } from "./receipt.js";
import { decryptToBlob } from "./stream.js";
import { renderHandoffs } from "./report-handoff.js";
import {
  canEncrypt, clearError, describeFiles, markJs, openJson, prepareFile, sealJson, send,
  showError, strings, uploadFile,
} from "./report-common.js";

const S = strings();
const storageKey = (slug) => `trygg.reporter.${slug}`;

function receiptProblem(text) {
  try {
    parse(text);
    return null;
  } catch (e) {
    return e.code === "typo" ? S.typo : S.malformed;
  }
}

// -- login --------------------------------------------------------------------------------

async function initLogin(form) {
  const error = document.querySelector("[data-js-error]");
  const progress = form.querySelector("[data-progress]");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearError(error);
    const text = form.elements.namedItem("receipt").value;
    const problem = receiptProblem(text);
    if (problem) {
      showError(error, problem);
      return;
    }
    progress.textContent = S.opening;
    try {
      const keys = await derive(text);
      const result = await send(form.dataset.session, {
        json: { lookup_token: encode(keys.lookupToken) },
        token: form.elements.namedItem("form_token").value,
      });
      if (result.status === 200) {
        sessionStorage.setItem(storageKey(form.dataset.slug), encode(keys.privateKey));
        keys.privateKey.fill(0);
        location.assign(form.dataset.next);
        return;
      }
      showError(error, result.status === 429 ? S.throttled : result.data?.message || S.network);
    } catch {
      showError(error, S.network);
    } finally {
      progress.textContent = "";
    }
  });
}

// -- the case page ------------------------------------------------------------------------

const el = (tag, text, className) => {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (className) node.className = className;
  return node;
};

const formatDate = (iso, lang) => new Date(`${iso}T12:00:00`).toLocaleDateString(
  lang === "en" ? "en-GB" : "nb-NO", { day: "numeric", month: "long", year: "numeric" },
);

function renderDocument(target, doc) {
  target.textContent = "";
  const dl = el("dl", null, "report-document");
  const label = (group, code) => S[`${group}.${code}`] || "";
  const row = (key, value) => {
    if (!value) return;
    dl.append(el("dt", S[`label.${key}`]), el("dd", value, "typed"));
  };
  row("what", doc.what);
  row("when", [label("periods", doc.when?.period), doc.when?.text].filter(Boolean).join(" – "));
  row("where", [...(doc.where?.settings || []).map((c) => label("settings", c)), doc.where?.text]
    .filter(Boolean).join(", "));
  row("who", [label("roles", doc.concerns?.role), doc.concerns?.text].filter(Boolean).join(" – "));
  row("before", label("before", doc.before));
  row("witnesses", doc.witnesses);
  row("consequences", doc.consequences);
  row("wants", (doc.wants || []).map((c) => label("wants", c)).join(", "));
  row("contact", [doc.contact?.name, doc.contact?.reach, doc.contact?.when].filter(Boolean).join(" · "));
  target.append(dl);
}

async function fileItem(attachment, state) {
  const li = el("li");
  let meta = null;
  try {
    meta = await openJson(attachment.meta, state.key, `${state.data.context}/attachment-meta`);
  } catch {
    meta = null;
  }
  const name = meta?.name || S.file;
  if (!attachment.complete) {
    li.textContent = `${name} – ${S.incomplete}`;
    return li;
  }
  const button = el("button", `${S.download}: ${name}`, "link-button");
  button.type = "button";
  button.addEventListener("click", async () => {
    const response = await fetch(`${state.attachmentsApi}/${attachment.id}/data`, {
      credentials: "same-origin", cache: "no-store",
    });
    const blob = await decryptToBlob(await response.blob(), attachment.key, state.key,
      `${state.data.context}/attachment`, { type: meta?.type || "" });
    const url = URL.createObjectURL(blob);
    const a = el("a");
    a.href = url;
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  });
  li.append(button);
  return li;
}

async function renderThread(state) {
  const { data, key } = state;
  const list = document.querySelector("[data-thread]");
  list.textContent = "";
  if (data.items.length === 0) list.append(el("li", S.no_messages, "muted"));
  for (const item of data.items) {
    const li = el("li", null, `item from-${item.sender}`);
    const meta = el("p", null, "item-meta");
    meta.append(el("strong", S[`sender.${item.sender}`]),
      ` · ${S[`kind.${item.kind}`] || ""} · ${formatDate(item.created_on, state.lang)}`);
    li.append(meta);
    let body = null;
    try {
      body = item.body ? await openJson(item.body, key, `${data.context}/message`) : null;
    } catch {
      body = null;
    }
    if (body === null) {
      li.append(el("p", S.unopenable, "muted"));
    } else {
      if (item.kind === "consent" && body.statement) li.append(el("p", body.statement));
      if (body.text) li.append(el("p", body.text, "typed"));
    }
    if (item.attachments.length) {
      const files = el("ul", null, "file-list");
      for (const a of item.attachments) files.append(await fileItem(a, state));
      li.append(files);
    }
    list.append(li);
  }
  list.hidden = false;
  const reportTarget = document.querySelector("[data-report]");
  if (reportTarget && data.report) {
    try {
      renderDocument(reportTarget, await openJson(data.report, key, `${data.context}/report`));
    } catch {
      reportTarget.textContent = S.unopenable;
    }
    const files = document.querySelector("[data-report-files]");
    files.textContent = "";
    for (const a of data.attachments) files.append(await fileItem(a, state));
  }
  await renderHandoffs(state, S.handoff_unopenable);
}

async function loadCase(state) {
  const result = await send(state.caseApi, { method: "GET" });
  if (result.status === 401) {
    location.assign(state.loginUrl);
    return null;
  }
  if (result.status !== 200) throw new Error(`case ${result.status}`);
  state.data = result.data;
  state.recipients = result.data.recipients.map((k) => decode(k));
  return result.data;
}

async function keyMatches(key, publicKeyB64) {
  return encode(await publicKeyOf(key)) === publicKeyB64;
}

function askForReceipt(state) {
  const form = document.getElementById("unlock-form");
  const error = document.querySelector("[data-js-error]");
  form.hidden = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearError(error);
    const text = document.getElementById("unlock-receipt").value;
    const problem = receiptProblem(text);
    if (problem) {
      showError(error, problem);
      return;
    }
    const keys = await derive(text);
    if (!(await keyMatches(keys.privateKey, state.data.reporter_public_key))) {
      showError(error, S.wrong_receipt);
      return;
    }
    sessionStorage.setItem(storageKey(state.slug), encode(keys.privateKey));
    state.key = keys.privateKey;
    form.hidden = true;
    await renderThread(state);
  });
}

async function sendFiles(input, state, messageId, progress) {
  const files = input ? [...input.files] : [];
  for (const file of files) {
    progress.textContent = `${file.name} – ${S.uploading}`;
    const prepared = await prepareFile(file);
    await uploadFile(prepared, {
      api: state.attachmentsApi, token: state.token, recipients: state.recipients,
      context: state.data.context, message: messageId,
    });
  }
}

function initMessageForm(state) {
  const form = document.getElementById("message-form");
  if (!form) return;
  const error = document.querySelector("[data-js-error]");
  const progress = form.querySelector("[data-progress]");
  const input = form.elements.namedItem("attachments");
  const list = form.querySelector("[data-file-list]");
  if (input && list) input.addEventListener("change", () => describeFiles(input, list, S, state.maxFile));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearError(error);
    const text = form.elements.namedItem("text").value;
    if (!text.trim()) {
      showError(error, S.required);
      return;
    }
    if (input && [...input.files].some((f) => f.size > state.maxFile)) {
      showError(error, S.file_too_large);
      return;
    }
    const kind = form.querySelector('input[name="kind"]:checked')?.value || "message";
    try {
      progress.textContent = S.encrypting;
      await loadCase(state); // the current recipients
      const body = await sealJson({ type: "trygg/message", v: 1, lang: state.lang, text },
        state.recipients, `${state.data.context}/message`);
      progress.textContent = S.sending;
      // The same text sent again (after a lost answer) keeps its key: stored once.
      const idempotency_key = keyFor("message", `${kind}\n${text}`);
      const result = await send(state.messagesApi,
        { json: { kind, body, idempotency_key }, token: state.token });
      if (result.status !== 201) {
        showError(error, result.status === 429 ? S.throttled : result.data?.message || S.network);
        return;
      }
      stored("message");
      try {
        await sendFiles(input, state, result.data.id, progress);
      } catch (err) {
        showError(error, err?.reason || S.upload_failed);
      }
      form.reset();
      if (list) list.textContent = "";
      progress.textContent = S.sent;
      await loadCase(state);
      if (state.key) await renderThread(state);
    } catch {
      showError(error, S.network);
    }
  });
}

function initConsentForm(state) {
  const form = document.getElementById("consent-form");
  if (!form) return;
  const error = document.querySelector("[data-js-error]");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearError(error);
    const agree = form.elements.namedItem("agree");
    if (!agree.checked) {
      showError(error, S.consent_required);
      return;
    }
    try {
      await loadCase(state);
      const statement = form.querySelector(`label[for="${agree.id}"]`).textContent.trim();
      const body = await sealJson({
        type: "trygg/consent", v: 1, lang: state.lang, consent: true, statement,
        text: form.elements.namedItem("note").value,
      }, state.recipients, `${state.data.context}/message`);
      const idempotency_key = keyFor("consent", `${statement}\n${form.elements.namedItem("note").value}`);
      const result = await send(state.messagesApi,
        { json: { kind: "consent", body, idempotency_key }, token: state.token });
      if (result.status !== 201) {
        showError(error, result.data?.message || S.network);
        return;
      }
      location.reload();
    } catch {
      showError(error, S.network);
    }
  });
}

async function initCase(section) {
  const state = {
    slug: section.dataset.slug,
    lang: section.dataset.lang,
    caseApi: section.dataset.caseApi,
    messagesApi: section.dataset.messagesApi,
    attachmentsApi: section.dataset.attachmentsApi,
    loginUrl: section.dataset.login,
    token: section.dataset.token,
    maxFile: Number(section.dataset.maxFile),
    key: null,
  };
  initMessageForm(state);
  initConsentForm(state);
  document.getElementById("sign-out")?.addEventListener("submit", () => {
    sessionStorage.removeItem(storageKey(state.slug));
  });
  if ("serverOpened" in section.dataset) return; // opened on the server for a no-JS login
  const loading = section.querySelector("[data-loading]");
  loading.hidden = false;
  try {
    if (!(await loadCase(state))) return;
    const stored = sessionStorage.getItem(storageKey(state.slug));
    if (stored) {
      const key = decode(stored);
      if (await keyMatches(key, state.data.reporter_public_key)) state.key = key;
      else sessionStorage.removeItem(storageKey(state.slug));
    }
    if (state.key) await renderThread(state);
    else askForReceipt(state);
  } catch {
    showError(document.querySelector("[data-js-error]"), S.network);
  } finally {
    loading.hidden = true;
  }
}

async function init() {
  const login = document.getElementById("receipt-login");
  const section = document.getElementById("thread");
  if (!login && !section) return;
  if (!(await canEncrypt())) {
    showError(document.querySelector("[data-js-error]"), S.crypto);
    return;
  }
  markJs();
  if (login) await initLogin(login);
  if (section) await initCase(section);
  document.body.dataset.ready = "1";
}

init();
