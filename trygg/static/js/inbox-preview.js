// The inbox when the key is unlocked (issue 12): a one-line preview of each listed case's
// report, and a search over what those cases say – both done here. The sealed items are
// fetched as envelopes and opened in this page; nothing decrypted leaves it, and it is all
// forgotten when the key is locked. Only the cases on this page of the inbox are searched.

import { unseal } from "./envelope.js";
import { onKeyChange } from "./handler-keys.js";

const rows = [...document.querySelectorAll("tr[data-sealed-url]")];
const search = document.getElementById("inbox-search");
const texts = new Map(); // row -> everything decrypted for it, lower case, for the search
const utf8 = new TextDecoder("utf-8", { fatal: true });
let generation = 0;

async function openJson(envelope, key, context) {
  try {
    return JSON.parse(utf8.decode(await unseal(envelope, key, context)));
  } catch {
    return null;
  }
}

function firstLine(text) {
  const line = String(text || "").split("\n").find((l) => l.trim()) || "";
  return line.length > 90 ? `${line.slice(0, 89)}…` : line;
}

async function load(row, key, mine) {
  const response = await fetch(row.dataset.sealedUrl, {
    credentials: "same-origin", headers: { Accept: "application/json" },
  });
  if (!response.ok || mine !== generation) return;
  const data = await response.json();
  const report = data.report ? await openJson(data.report, key, data.contexts.report) : null;
  const parts = [report?.what || ""];
  for (const m of data.messages || []) {
    if (!m.body) continue;
    const body = await openJson(m.body, key, data.contexts.message);
    if (body?.text) parts.push(body.text);
  }
  if (mine !== generation) return;
  const slot = row.querySelector("[data-preview]");
  if (slot) slot.textContent = firstLine(report?.what);
  texts.set(row, parts.join("\n").toLocaleLowerCase());
}

function filter() {
  const query = search.value.trim().toLocaleLowerCase();
  for (const row of rows) {
    row.hidden = query !== "" && !(texts.get(row) || "").includes(query);
  }
}

function forget() {
  generation += 1;
  texts.clear();
  for (const row of rows) {
    row.hidden = false;
    const slot = row.querySelector("[data-preview]");
    if (slot) slot.textContent = "";
  }
  if (search) {
    search.value = "";
    search.closest("[data-search]").hidden = true;
  }
}

if (rows.length && search) {
  search.addEventListener("input", filter);
  onKeyChange(async (key) => {
    forget();
    if (!key) return;
    search.closest("[data-search]").hidden = false;
    const mine = generation;
    await Promise.all(rows.map((row) => load(row, key, mine).catch(() => {})));
    if (mine === generation) filter();
  });
}
