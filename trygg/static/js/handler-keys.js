// The handler's key bar (casework/templates/casework/_keybar.html): unlock once per sign-in,
// keep the key as a non-extractable CryptoKey in IndexedDB (keys.js), and forget it on
// "Lock", on sign-out, after the idle time, and when the page belongs to a new sign-in.
//
//   onKeyChange(fn)  fn({privateKey, publicKey} | null) now and whenever the key changes
//   currentKey()     the unlocked key or null
//
// The passphrase input has no name and its form no action: nothing typed there can be sent.

import { decode } from "./b64.js";
import { loadSessionKey, storeSessionKey, unwrapPrivateKey, wipeSessionKey } from "./keys.js";

document.documentElement.classList.add("has-js");

const EPOCH = "trygg.handler.keyEpoch";
const ACTIVITY = "trygg.handler.activity";
const CHECK_EVERY_MS = 15000;

const bar = document.getElementById("keybar");
const listeners = new Set();
let key = null;
let known = false;

function i18n() {
  const node = document.getElementById("keybar-i18n");
  return node ? JSON.parse(node.textContent) : {};
}
const text = i18n();

function part(name) {
  return bar?.querySelector(`[data-keybar="${name}"]`);
}

function say(message) {
  const status = part("status");
  if (status) status.textContent = message || "";
}

function show() {
  const unlock = part("unlock");
  const unlocked = part("unlocked");
  if (unlock) unlock.hidden = key !== null;
  if (unlocked) unlocked.hidden = key === null;
}

function publish(next) {
  key = next;
  known = true;
  show();
  for (const fn of listeners) fn(key);
}

export function currentKey() {
  return key;
}

export function onKeyChange(fn) {
  listeners.add(fn);
  if (known) fn(key);
}

function idleMs() {
  return Number(bar?.dataset.idleMinutes || 30) * 60000;
}

function touch() {
  try {
    localStorage.setItem(ACTIVITY, String(Date.now()));
  } catch {
    // Storage refused (private mode): the IndexedDB idle clock still applies.
  }
}

let lastTouch = 0;
function activity() {
  const now = Date.now();
  if (now - lastTouch > 5000) {
    lastTouch = now;
    touch();
  }
}

export async function lock(reason) {
  await wipeSessionKey();
  try {
    localStorage.removeItem(EPOCH);
  } catch {
    // nothing stored
  }
  publish(null);
  say(reason || text.locked);
}

async function refresh() {
  let found = null;
  try {
    found = await loadSessionKey({ maxIdleMs: idleMs() });
  } catch {
    found = null;
  }
  publish(found ? { privateKey: found.privateKey, publicKey: found.publicKey } : null);
}

async function unlock(event) {
  event.preventDefault();
  const input = bar.querySelector("#key-passphrase");
  const passphrase = input.value;
  say(text.working);
  let data;
  try {
    const response = await fetch(bar.dataset.keyUrl, {
      credentials: "same-origin", headers: { Accept: "application/json" },
    });
    if (response.status === 404) {
      say(text.nokey);
      return;
    }
    if (!response.ok) throw new Error(String(response.status));
    data = await response.json();
  } catch {
    say(text.failed);
    return;
  }
  const publicKey = decode(data.public_key);
  let privateKey;
  try {
    privateKey = await unwrapPrivateKey(data.wrapped_private_key, passphrase, publicKey);
  } catch {
    say(text.wrong);
    input.focus();
    return;
  }
  input.value = "";
  await storeSessionKey(privateKey, publicKey);
  try {
    localStorage.setItem(EPOCH, bar.dataset.keyEpoch);
  } catch {
    // without storage the key is still wiped on lock, sign-out and idle time
  }
  touch();
  publish({ privateKey, publicKey });
  say(text.unlocked);
}

// Sign-out (base.html: the button carries data-action="logout") wipes the key first.
document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.querySelector('[data-action="logout"]')) return;
  if (form.dataset.wiped === "1") return;
  event.preventDefault();
  try {
    await lock();
  } finally {
    form.dataset.wiped = "1";
    form.submit();
  }
});

async function start() {
  if (!bar) return;
  let epoch = null;
  try {
    epoch = localStorage.getItem(EPOCH);
  } catch {
    epoch = null;
  }
  if (epoch !== bar.dataset.keyEpoch) {
    // A key left from another sign-in (or none): never reuse it.
    await wipeSessionKey();
  }
  touch();
  await refresh();
  part("unlock")?.addEventListener("submit", unlock);
  part("lock")?.addEventListener("click", () => lock());
  for (const type of ["keydown", "pointerdown", "input"]) {
    document.addEventListener(type, activity, { passive: true });
  }
  setInterval(async () => {
    if (key === null) return;
    let last = Date.now();
    try {
      last = Number(localStorage.getItem(ACTIVITY) || Date.now());
    } catch {
      last = Date.now();
    }
    if (Date.now() - last > idleMs()) await lock(text.idle);
  }, CHECK_EVERY_MS);
  // Another tab locked or signed out.
  window.addEventListener("storage", (event) => {
    if (event.key === EPOCH && event.newValue === null) refresh();
  });
}

start();
