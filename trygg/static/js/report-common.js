// Shared pieces of the reporter's pages (report-form.js, report-followup.js).
//
// Everything the reporter types or attaches is sealed here, in the browser, with envelope.js
// and stream.js before it is sent; the server only ever receives ciphertext from these
// modules. Decrypted text is put into the page with textContent only, never as HTML.

import { encode } from "./b64.js";
import { seal, unseal } from "./envelope.js";
import { encryptStream } from "./stream.js";

const utf8 = new TextEncoder();
const utf8d = new TextDecoder("utf-8", { fatal: true });
export const TOKEN_HEADER = "X-Trygg-Token";
const IMAGE_TYPES = new Set(["image/jpeg", "image/png", "image/webp"]);
const BATCH_CHUNKS = 16; // sealed chunks per upload request (about 1 MiB)

/** Translated strings from <template id="report-strings"><span data-key=…>…</span></template>. */
export function strings() {
  const out = {};
  const template = document.getElementById("report-strings");
  if (!template) return out;
  for (const el of template.content.querySelectorAll("[data-key]")) {
    out[el.dataset.key] = el.textContent.trim();
  }
  return out;
}

/** Can this browser do what the reporter's pages need (X25519 in WebCrypto)? */
export async function canEncrypt() {
  try {
    if (!globalThis.crypto?.subtle || typeof crypto.randomUUID !== "function") return false;
    await crypto.subtle.generateKey({ name: "X25519" }, false, ["deriveBits"]);
    return true;
  } catch {
    return false;
  }
}

/** Switch the page to its JavaScript form: hide the no-JS notices, show the JS ones. */
export function markJs(root = document) {
  for (const el of root.querySelectorAll("[data-nojs-only], [data-nojs-notice]")) el.hidden = true;
  for (const el of root.querySelectorAll("[data-js-only], [data-js-notice]")) el.hidden = false;
}

export function showError(element, message) {
  if (!element) return;
  element.textContent = "";
  const p = document.createElement("p");
  p.textContent = message;
  element.append(p);
  element.hidden = false;
  element.setAttribute("tabindex", "-1");
  element.focus();
}

export function clearError(element) {
  if (!element) return;
  element.hidden = true;
  element.textContent = "";
}

/** fetch() with the reporter's form token; {status, data} (data is JSON or null). */
export async function send(url, { method = "POST", json, body, token, headers = {} } = {}) {
  const init = {
    method,
    credentials: "same-origin",
    headers: { Accept: "application/json", ...headers },
    cache: "no-store",
    referrerPolicy: "no-referrer",
  };
  if (token) init.headers[TOKEN_HEADER] = token;
  if (json !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  } else if (body !== undefined) {
    init.headers["Content-Type"] = "application/octet-stream";
    init.body = body;
  }
  const response = await fetch(url, init);
  let data = null;
  if ((response.headers.get("Content-Type") || "").includes("application/json")) {
    try {
      data = await response.json();
    } catch {
      data = null;
    }
  }
  return { status: response.status, data, response };
}

export function withLang(url, lang) {
  if (!lang) return url;
  const u = new URL(url, location.href);
  if (!u.searchParams.has("lang")) u.searchParams.set("lang", lang);
  return u.pathname + u.search;
}

/** Seal a JSON object (UTF-8) to raw public keys under a context. */
export async function sealJson(value, recipients, context) {
  return seal(utf8.encode(JSON.stringify(value)), recipients, context);
}

/** Open an envelope holding JSON; throws on any failure. */
export async function openJson(envelope, privateKey, context) {
  return JSON.parse(utf8d.decode(await unseal(envelope, privateKey, context)));
}

// -- copy button --------------------------------------------------------------------------

export function installCopy(S, root = document) {
  for (const button of root.querySelectorAll("button[data-copy]")) {
    button.hidden = false;
    if (button.dataset.ready) continue;
    button.dataset.ready = "1";
    button.addEventListener("click", async () => {
      const source = document.getElementById(button.dataset.copy);
      const status = button.parentElement.querySelector("[data-copy-status]");
      try {
        await navigator.clipboard.writeText(source.textContent.trim());
        if (status) status.textContent = S.copied || "";
      } catch {
        const range = document.createRange();
        range.selectNodeContents(source);
        const selection = getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        if (status) status.textContent = S.copy_failed || "";
      }
    });
  }
}

// -- files --------------------------------------------------------------------------------

async function reencode(file) {
  const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  try {
    const type = file.type;
    if (typeof OffscreenCanvas === "function") {
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      canvas.getContext("2d").drawImage(bitmap, 0, 0);
      return await canvas.convertToBlob({ type, quality: 0.92 });
    }
    const canvas = document.createElement("canvas");
    canvas.width = bitmap.width;
    canvas.height = bitmap.height;
    canvas.getContext("2d").drawImage(bitmap, 0, 0);
    return await new Promise((resolve, reject) => {
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("toBlob"))), type, 0.92);
    });
  } finally {
    bitmap.close();
  }
}

/**
 * A file ready to seal: photos are redrawn on a canvas, which keeps the pixels (turned the
 * way they were shown) and drops EXIF, GPS, XMP and comments. Other files are kept as they
 * are, with a warning that documents can carry hidden information.
 */
export async function prepareFile(file) {
  const name = file.name || "file";
  if (IMAGE_TYPES.has(file.type)) {
    try {
      const blob = await reencode(file);
      if (blob.type === file.type) {
        return { blob, name, type: blob.type, stripped: true, note: "image_cleaned" };
      }
    } catch {
      // fall through: keep the original and say so
    }
    return { blob: file, name, type: file.type, stripped: false, note: "image_kept" };
  }
  return {
    blob: file, name, type: file.type || "application/octet-stream", stripped: false,
    note: "document_warning",
  };
}

/** What the reporter is about to attach, with a note per file (before anything is sent). */
export function describeFiles(input, list, S, maxFile) {
  list.textContent = "";
  for (const file of input.files) {
    const li = document.createElement("li");
    const note = file.size > maxFile ? S.file_too_large
      : IMAGE_TYPES.has(file.type) ? S.image_cleaned : S.document_warning;
    li.textContent = `${file.name} – ${note}`;
    list.append(li);
  }
}

function concat(a, b) {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Encrypt one prepared file (stream v1, chunk by chunk) and upload it in batches of sealed
 * chunks. The server marks it complete only when the last batch (last=1) has arrived.
 */
export async function uploadFile(prepared, { api, token, recipients, context, message = null, headers = {} }) {
  const { envelope: key, stream } = await encryptStream(prepared.blob, recipients, `${context}/attachment`);
  const meta = await sealJson(
    { name: prepared.name, type: prepared.type, size: prepared.blob.size, stripped: prepared.stripped },
    recipients, `${context}/attachment-meta`,
  );
  const reader = stream.getReader();
  let buffer = new Uint8Array(0);
  let header = null;
  let sealedSize = 0;
  let id = null;
  let next = 0;
  // The server's own words (a full disk, the day's budget) reach the reporter as `reason`.
  const refused = (result, what) => Object.assign(
    new Error(`${what} ${result.status}`), { reason: result.data?.message || "" });
  const put = async (bytes, last) => {
    const url = `${api}/${id}/chunks?from=${next}&last=${last ? 1 : 0}`;
    const result = await send(url, { method: "PUT", body: bytes, token, headers });
    if (result.status !== 200) throw refused(result, "upload");
    next = result.data.next;
  };
  for (;;) {
    const { done, value } = await reader.read();
    if (value) buffer = concat(buffer, value);
    if (header === null && buffer.length >= 13) {
      header = buffer.slice(0, 13);
      buffer = buffer.slice(13);
      sealedSize = 2 ** header[5] + 16;
      const started = await send(api, {
        json: { key, meta, header: encode(header), size: prepared.blob.size, message }, token, headers,
      });
      if (started.status !== 201) throw refused(started, "start");
      id = started.data.id;
    }
    if (header !== null) {
      // Send whole sealed chunks, always keeping the final one back until the stream ends.
      const batch = BATCH_CHUNKS * sealedSize;
      while (buffer.length > batch) {
        await put(buffer.slice(0, batch), false);
        buffer = buffer.slice(batch);
      }
    }
    if (done) break;
  }
  await put(buffer, true);
  return id;
}
