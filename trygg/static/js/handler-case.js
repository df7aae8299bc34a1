// The case page (and the hand-off print page): everything sealed is fetched as envelopes and
// opened here with the handler's unlocked key; replies, notes, state notes and the hand-off
// summary are sealed here before they are sent. Text is only ever put into the page with
// textContent, never as HTML.

import { decode } from "./b64.js";
import { keyFor, stored } from "./idempotency.js";
import { addRecipients, seal, unseal } from "./envelope.js";
import { onKeyChange } from "./handler-keys.js";
import { decryptToBlob } from "./stream.js";

const root = document.getElementById("case-root");
const t = JSON.parse(document.getElementById("case-i18n")?.textContent || "{}");
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder("utf-8", { fatal: true });
let sealed = null;
let key = null;

/** "nb" → "norsk bokmål" in the page's own language (the code itself if unknown). */
function languageName(code) {
  try {
    const names = new Intl.DisplayNames([document.documentElement.lang || "nb"], { type: "language" });
    return names.of(code) || code;
  } catch {
    return code;
  }
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (name === "text") node.textContent = value;
    else if (name === "class") node.className = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

function slot(name) {
  return root?.querySelector(`[data-slot="${name}"]`);
}

function put(name, ...nodes) {
  const target = slot(name);
  if (target) target.replaceChildren(...nodes);
}

function say(name, message) {
  const target = slot(name);
  if (target) target.textContent = message || "";
}

function csrf() {
  return document.querySelector('meta[name="csrf-token"]')?.content || "";
}

async function open(envelope, context) {
  return fromUtf8.decode(await unseal(envelope, key, context));
}

async function openJson(envelope, context) {
  const text = await open(envelope, context);
  try {
    return JSON.parse(text);
  } catch {
    return { type: "text", text };
  }
}

// -- the report document ("trygg/report" v1, reporting/document.py) -----------------------

function code(group, value) {
  return (t.codes?.[group] || {})[value] || value;
}

function paragraphs(text) {
  return el("p", { class: "sealed-text", text: text || t.empty });
}

function row(label, ...values) {
  const shown = values.filter((v) => v !== null && v !== undefined && v !== "");
  if (!shown.length) return null;
  return el("div", {}, el("dt", { text: label }), ...shown.map((v) => (
    typeof v === "string" ? el("dd", { class: "sealed-text", text: v }) : el("dd", {}, v))));
}

function list(items) {
  if (!items || !items.length) return null;
  return el("ul", {}, ...items.map((x) => el("li", { text: x })));
}

function generic(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? t.yes : t.no;
  if (typeof value !== "object") return String(value);
  if (Array.isArray(value)) return list(value.map((v) => (typeof v === "string" ? v : JSON.stringify(v))));
  const dl = el("dl", { class: "document" });
  for (const [k, v] of Object.entries(value)) {
    const item = row(t.fields?.[k] || k, generic(v));
    if (item) dl.append(item);
  }
  return dl;
}

function renderReport(doc) {
  if (!doc || doc.type !== "trygg/report") return generic(doc);
  const f = t.fields || {};
  const dl = el("dl", { class: "document" });
  const items = [
    row(f.about, doc.about ? code("about", doc.about) : ""),
    row(f.status, doc.status ? code("status", doc.status) : ""),
    row(f.what, doc.what || t.empty),
    row(f.when, doc.when?.period ? code("period", doc.when.period) : "", doc.when?.text),
    row(f.where, list((doc.where?.settings || []).map((s) => code("settings", s))), doc.where?.text),
    row(f.concerns, doc.concerns?.role ? code("role", doc.concerns.role) : "", doc.concerns?.text),
    row(f.before, doc.before ? code("before", doc.before) : ""),
    row(f.witnesses, doc.witnesses),
    row(f.consequences, doc.consequences),
    row(f.wants, list((doc.wants || []).map((w) => code("wants", w)))),
  ];
  const c = doc.contact || {};
  if (c.name || c.reach || c.when) {
    items.push(row(f.contact, generic({ contact_name: c.name, contact_reach: c.reach,
      contact_when: c.when })));
  }
  if (doc.lang) items.push(row(t.language, languageName(doc.lang)));
  for (const item of items) if (item) dl.append(item);
  return dl;
}

function renderBody(doc) {
  if (doc && typeof doc.text === "string" && doc.type !== "trygg/report") {
    const parts = [];
    if (doc.type === "trygg/consent") parts.push(el("p", { text: doc.statement || t.empty_consent }));
    if (doc.text) parts.push(paragraphs(doc.text));
    return parts.length === 1 ? parts[0] : el("div", {}, ...parts);
  }
  if (doc && doc.type === "trygg/report") return renderReport(doc);
  return generic(doc);
}

// -- rendering the case ------------------------------------------------------------------

async function renderReportSlot(contexts) {
  if (!slot("report")) return;
  if (!sealed.report) {
    put("report", el("p", { text: t.no_report }));
    return;
  }
  try {
    put("report", renderReport(await openJson(sealed.report, contexts.report)));
  } catch {
    put("report", el("p", { class: "error", text: t.cannot_open }));
  }
}

function size(bytes) {
  if (!Number.isFinite(bytes)) return "";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

async function download(item, meta, button) {
  button.disabled = true;
  try {
    const response = await fetch(item.url, { credentials: "same-origin" });
    if (!response.ok) throw new Error(String(response.status));
    const blob = await decryptToBlob(response.body, item.key, key, sealed.contexts.attachment_key,
      { type: meta.type || "application/octet-stream" });
    const url = URL.createObjectURL(blob);
    const a = el("a", { href: url, download: meta.name || "attachment" });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  } catch {
    button.after(el("span", { class: "error", text: ` ${t.cannot_open}` }));
  } finally {
    button.disabled = false;
  }
}

async function attachmentItem(item) {
  if (!item.complete) return el("li", { class: "muted", text: t.incomplete });
  let meta = {};
  try {
    meta = await openJson(item.meta, sealed.contexts.attachment_meta);
  } catch {
    return el("li", { class: "error", text: t.cannot_open });
  }
  const button = el("button", { type: "button", class: "secondary", text: t.download });
  button.addEventListener("click", () => download(item, meta, button));
  const label = `${meta.name || t.unnamed} (${[meta.type, size(meta.size)].filter(Boolean).join(", ")}) `;
  return el("li", { "data-attachment": item.id }, el("span", { text: label }), button);
}

async function renderAttachments() {
  if (!slot("attachments")) return;
  const items = sealed.attachments.filter((a) => a.message === null);
  if (!items.length) {
    put("attachments", el("li", { text: t.no_attachments }));
    return;
  }
  put("attachments", ...(await Promise.all(items.map(attachmentItem))));
}

async function messageItem(message) {
  const who = message.sender === "reporter" ? t.reporter
    : `${message.author || t.handler}${message.kind === "note" ? "" : ` (${t.handler})`}`;
  const kind = t.kinds?.[message.kind] || message.kind;
  const head = el("p", { class: "meta" }, el("strong", { text: `${kind} · ${who}` }),
    el("span", { class: "muted", text: ` · ${message.created_on}` }));
  let body;
  if (!message.body) body = el("p", { class: "muted", text: t.empty_consent });
  else {
    try {
      body = renderBody(await openJson(message.body, sealed.contexts.message));
    } catch {
      body = el("p", { class: "error", text: t.cannot_open });
    }
  }
  const files = sealed.attachments.filter((a) => a.message === message.id);
  const extra = files.length ? el("ul", { class: "attachments" }, ...(await Promise.all(files.map(attachmentItem)))) : null;
  return el("li", { class: `msg msg-${message.sender} kind-${message.kind}`, "data-seq": String(message.seq) },
    head, typeof body === "string" ? paragraphs(body) : body, extra);
}

async function renderThread() {
  if (!slot("thread")) return;
  if (!sealed.messages.length) {
    put("thread", el("li", { class: "muted", text: t.no_messages }));
    return;
  }
  put("thread", ...(await Promise.all(sealed.messages.map(messageItem))));
}

async function renderHandoff() {
  const id = root?.dataset.handoff;
  if (!id || !slot("handoff")) return;
  const item = sealed.handoffs.find((h) => h.id === id);
  if (!item?.summary) {
    put("handoff", el("p", { text: t.handoff_missing }));
    return;
  }
  try {
    put("handoff", renderBody(await openJson(item.summary, sealed.contexts.handoff)));
  } catch {
    put("handoff", el("p", { class: "error", text: t.cannot_open }));
  }
}

async function load() {
  const response = await fetch(root.dataset.sealedUrl, {
    credentials: "same-origin", headers: { Accept: "application/json" },
  });
  if (!response.ok) throw new Error(String(response.status));
  sealed = await response.json();
}

async function render() {
  if (!root) return;
  if (!key) {
    for (const name of ["report", "handoff"]) if (slot(name)) put(name, el("p", { class: "muted", text: t.locked }));
    if (slot("attachments")) put("attachments", el("li", { class: "muted", text: t.locked }));
    if (slot("thread")) put("thread");
    root.dataset.state = "locked";
    return;
  }
  root.dataset.state = "loading";
  try {
    await load();
    if (sealed.purged) {
      root.dataset.state = "ready";
      return;
    }
    await Promise.all([renderReportSlot(sealed.contexts), renderAttachments(), renderThread(),
      renderHandoff()]);
    root.dataset.state = "ready";
  } catch {
    root.dataset.state = "error";
    if (slot("report")) put("report", el("p", { class: "error", text: t.cannot_open }));
  }
}

// -- sealing and sending -----------------------------------------------------------------

function recipients(kind) {
  const keys = sealed.handlers.filter((h) => h.public_key).map((h) => decode(h.public_key));
  if (kind !== "note") keys.push(decode(sealed.reporter_public_key));
  return keys;
}

function documentFor(type, text) {
  return utf8.encode(JSON.stringify({ type, v: 1, lang: document.documentElement.lang || "nb", text }));
}

async function postJson(url, body) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf() },
    body: JSON.stringify(body),
  });
  let data = {};
  try {
    data = await response.json();
  } catch {
    data = {};
  }
  return { ok: response.ok, data };
}

function wireThreadForm(name, kind, type) {
  const form = root?.querySelector(`[data-form="${name}"]`);
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const area = form.querySelector("textarea");
    const text = area.value;
    if (!text.trim()) return say("thread-status", t.need_text);
    if (!key || !sealed) return say("thread-status", t.need_key);
    say("thread-status", t.sending);
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const body = await seal(documentFor(type, text), recipients(kind), sealed.contexts.message);
      const feedback = kind === "message" && !!form.querySelector("#reply-feedback")?.checked;
      // The same text sent again (after a lost answer) keeps its key: stored once.
      const idempotency_key = keyFor(name, `${kind}\n${text}`);
      const { ok, data } = await postJson(root.dataset.messagesUrl,
        { kind, body, feedback, idempotency_key });
      if (!ok) return say("thread-status", t.failed.replace("%(reason)s", data.message || ""));
      stored(name);
      area.value = "";
      say("thread-status", t.sent);
      await load();
      await renderThread();
    } finally {
      button.disabled = false;
    }
  });
}

// State changes: an optional free-text note is sealed to the handlers and sent along.
function wireStateForms() {
  for (const form of root?.querySelectorAll('[data-form="state"]') || []) {
    form.addEventListener("submit", async (event) => {
      const area = form.querySelector("textarea[data-note-for]");
      const hidden = form.querySelector('input[name="note"]');
      if (!area || !area.value.trim() || hidden.value) return;
      event.preventDefault();
      if (!key || !sealed) return say("thread-status", t.need_key);
      const envelope = await seal(documentFor("trygg/note", area.value), recipients("note"),
        sealed.contexts.message);
      hidden.value = JSON.stringify(envelope);
      area.value = "";
      form.submit();
    });
  }
}

function wireHandoffForm() {
  const form = root?.querySelector('[data-form="handoff"]');
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    const hidden = form.querySelector('input[name="summary"]');
    if (hidden.value) return;
    event.preventDefault();
    const area = form.querySelector("textarea");
    if (!area.value.trim()) return area.focus();
    if (!key || !sealed) return say("thread-status", t.need_key);
    const envelope = await seal(documentFor("trygg/handoff", area.value), recipients("message"),
      sealed.contexts.handoff);
    hidden.value = JSON.stringify(envelope);
    area.value = "";
    form.submit();
  });
}

// Forms whose free text is sealed here before an ordinary POST (a meeting's summary, issue 12):
// the textarea has no name, so its plaintext is never sent; an empty one is simply left out.
function wireSealedForms() {
  for (const form of root.querySelectorAll("form[data-sealed-form]")) {
    form.addEventListener("submit", async (event) => {
      const hidden = form.querySelector('input[name="summary"]');
      const area = form.querySelector("textarea[data-sealed-source]");
      if (hidden.value || !area.value.trim()) return;
      event.preventDefault();
      if (!key || !sealed) return say("thread-status", t.need_key);
      const envelope = await seal(documentFor(form.dataset.sealedType, area.value),
        recipients(form.dataset.sealedForm), sealed.contexts.message);
      hidden.value = JSON.stringify(envelope);
      area.value = "";
      form.submit();
    });
  }
}

// Adding a handler: every envelope of the case gets one more recipient, in this browser.
async function resealAll(newKey) {
  const items = {};
  const add = async (name, envelope, context) => {
    if (envelope) items[name] = await addRecipients(envelope, key, [newKey], context);
  };
  const c = sealed.contexts;
  const work = [add("report", sealed.report, c.report)];
  for (const m of sealed.messages) work.push(add(`message:${m.id}`, m.body, c.message));
  for (const a of sealed.attachments) {
    work.push(add(`attachment-key:${a.id}`, a.key, c.attachment_key));
    work.push(add(`attachment-meta:${a.id}`, a.meta, c.attachment_meta));
  }
  for (const h of sealed.handoffs) work.push(add(`handoff:${h.id}`, h.summary, c.handoff));
  await Promise.all(work);
  return items;
}

function wireAddHandler() {
  const form = root?.querySelector('[data-form="add-handler"]');
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const select = form.querySelector("#add-handler");
    if (!select) return;
    if (!key) return say("handlers-status", t.need_key);
    say("handlers-status", t.resealing);
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await load();
      const keyUrl = root.dataset.candidateUrl.replace("00000000-0000-0000-0000-000000000000", select.value);
      const response = await fetch(keyUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
      const data = await response.json();
      if (!response.ok) return say("handlers-status", t.failed.replace("%(reason)s", data.message || ""));
      const items = await resealAll(decode(data.public_key));
      const leave = !!form.querySelector("#add-handler-leave")?.checked;
      const result = await postJson(root.dataset.handlersUrl, { handler: select.value, items, leave });
      if (!result.ok) return say("handlers-status", t.failed.replace("%(reason)s", result.data.message || ""));
      say("handlers-status", t.added);
      window.location.assign(leave ? root.dataset.inboxUrl : window.location.pathname);
    } catch {
      say("handlers-status", t.cannot_open);
    } finally {
      button.disabled = false;
    }
  });
}

if (root) {
  wireThreadForm("reply", "message", "trygg/message");
  wireThreadForm("note", "note", "trygg/note");
  wireStateForms();
  wireHandoffForm();
  wireSealedForms();
  wireAddHandler();
  document.querySelector('[data-action="print"]')?.addEventListener("click", () => window.print());
  onKeyChange((next) => {
    key = next;
    render();
  });
}
