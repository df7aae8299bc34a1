// Handler key custody (SECURITY.md "Handler key custody"); crypto/keywrap.py wraps the same.
//
// Enrolment: generateKeyPair() in the browser; wrapPrivateKey() under the handler's key
// passphrase (PBKDF2-HMAC-SHA256, 600 000 iterations by default) and wrapWithRecoveryCode()
// under a recovery code shown once; upload only the two blobs and the public key; drop the
// raw private key. The passphrase is NOT the login password and is never sent anywhere.
//
// Unlock: unwrapPrivateKey() / unwrapWithRecoveryCode() return a NON-EXTRACTABLE X25519
// CryptoKey; storeSessionKey() keeps it in IndexedDB (structured clone keeps it
// non-extractable) so it survives page navigation; wipeSessionKey() on lock, logout and idle
// timeout (loadSessionKey({maxIdleMs}) also wipes a key left idle for too long).

import { decode, encode } from "./b64.js";
import { kid } from "./envelope.js";
import { concat, importPrivateKey, publicKeyOf, sharedSecret } from "./hpke.js";
import { canonicalCode, generateCode, groupCode } from "./receipt.js";

export const DEFAULT_ITERATIONS = 600000;
export const MAX_ITERATIONS = 10000000;
export const RECOVERY_SYMBOLS = 29;
const VERSION = 1;
const utf8 = new TextEncoder();
const AAD_PREFIX = "trygg/v1/keywrap/";
const RECOVERY_INFO = utf8.encode("trygg/v1/keywrap/recovery");
const BLOB_KEYS = {
  passphrase: ["v", "kind", "iter", "salt", "kid", "nonce", "ct"],
  recovery: ["v", "kind", "salt", "kid", "nonce", "ct"],
};

export class KeyWrapError extends Error {
  constructor(message) {
    super(message);
    this.name = "KeyWrapError";
  }
}

function equalBytes(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** A fresh X25519 key pair as raw bytes: {privateKey, publicKey}. Zero privateKey after use. */
export async function generateKeyPair() {
  const privateKey = crypto.getRandomValues(new Uint8Array(32));
  return { privateKey, publicKey: await publicKeyOf(privateKey) };
}

export function generateRecoveryCode() {
  return generateCode(RECOVERY_SYMBOLS);
}

/** Canonical grouped form; throws MalformedReceiptError / ReceiptTypoError (receipt.js). */
export function parseRecoveryCode(text) {
  return groupCode(canonicalCode(text, RECOVERY_SYMBOLS, "recovery code"));
}

function checkIterations(iterations) {
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > MAX_ITERATIONS) {
    throw new RangeError(`iterations must be an integer from 1 to ${MAX_ITERATIONS}`);
  }
  return iterations;
}

async function passphraseKey(passphrase, salt, iterations, usage) {
  const password = utf8.encode(passphrase.normalize("NFC"));
  const base = await crypto.subtle.importKey("raw", password, "PBKDF2", false, ["deriveKey"]);
  password.fill(0);
  return crypto.subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations }, base,
    { name: "AES-GCM", length: 256 }, false, [usage],
  );
}

async function recoveryKey(code, salt, usage) {
  const ikm = utf8.encode(canonicalCode(code, RECOVERY_SYMBOLS, "recovery code"));
  const base = await crypto.subtle.importKey("raw", ikm, "HKDF", false, ["deriveKey"]);
  ikm.fill(0);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt, info: RECOVERY_INFO }, base,
    { name: "AES-GCM", length: 256 }, false, [usage],
  );
}

function aad(kind, kidRaw) {
  const prefix = utf8.encode(`${AAD_PREFIX}${kind}\0`);
  const out = new Uint8Array(prefix.length + kidRaw.length);
  out.set(prefix);
  out.set(kidRaw, prefix.length);
  return out;
}

async function checkPair(raw, publicKey) {
  if (!(raw instanceof Uint8Array) || raw.length !== 32) {
    throw new TypeError("an X25519 private key is 32 raw bytes");
  }
  if (!(publicKey instanceof Uint8Array) || !equalBytes(await publicKeyOf(raw), publicKey)) {
    throw new TypeError("publicKey does not belong to this private key");
  }
}

async function wrap(kind, raw, publicKey, wrappingKey, salt, extra) {
  const kidText = await kid(publicKey);
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  const params = { name: "AES-GCM", iv: nonce, additionalData: aad(kind, decode(kidText)) };
  const ct = new Uint8Array(await crypto.subtle.encrypt(params, wrappingKey, raw));
  return {
    v: VERSION, kind, ...extra, salt: encode(salt), kid: kidText, nonce: encode(nonce),
    ct: encode(ct),
  };
}

/**
 * Wrap a raw private key under a key passphrase. `iterations` may be lowered only for
 * tests and development; the blob records it so it can be raised later (needsRewrap).
 */
export async function wrapPrivateKey(raw, passphrase, publicKey, { iterations = DEFAULT_ITERATIONS } = {}) {
  if (typeof passphrase !== "string" || passphrase.length === 0) {
    throw new TypeError("a non-empty key passphrase is required");
  }
  checkIterations(iterations);
  await checkPair(raw, publicKey);
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const key = await passphraseKey(passphrase, salt, iterations, "encrypt");
  return wrap("passphrase", raw, publicKey, key, salt, { iter: iterations });
}

/** Wrap a raw private key under a recovery code (from generateRecoveryCode). */
export async function wrapWithRecoveryCode(raw, recoveryCode, publicKey) {
  await checkPair(raw, publicKey);
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const key = await recoveryKey(recoveryCode, salt, "encrypt");
  return wrap("recovery", raw, publicKey, key, salt, {});
}

function isPlainObject(x) {
  return x !== null && typeof x === "object" && Object.getPrototypeOf(x) === Object.prototype;
}

async function parseBlob(blob, kind, publicKey) {
  let parsed;
  try {
    const keys = BLOB_KEYS[kind];
    if (!isPlainObject(blob) || Object.keys(blob).length !== keys.length
      || !keys.every((k) => Object.hasOwn(blob, k))) throw new Error("keys");
    if (blob.v !== VERSION || blob.kind !== kind) throw new Error("version or kind");
    parsed = {
      kid: decode(blob.kid), salt: decode(blob.salt), nonce: decode(blob.nonce),
      ct: decode(blob.ct),
    };
    if (parsed.kid.length !== 16 || parsed.salt.length !== 16 || parsed.nonce.length !== 12
      || parsed.ct.length !== 48) throw new Error("lengths");
    if (kind === "passphrase") checkIterations(blob.iter);
  } catch (e) {
    throw new KeyWrapError(`malformed wrapped key (${e.message})`);
  }
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32
    || (await kid(publicKey)) !== blob.kid) {
    throw new KeyWrapError("wrapped key belongs to another public key");
  }
  return parsed;
}

async function decryptRaw(kind, key, parsed) {
  const params = { name: "AES-GCM", iv: parsed.nonce, additionalData: aad(kind, parsed.kid) };
  try {
    return new Uint8Array(await crypto.subtle.decrypt(params, key, parsed.ct));
  } catch {
    throw new KeyWrapError(`wrong ${kind} (or a damaged wrapped key)`);
  }
}

// Import without keeping the raw bytes: zero them as soon as WebCrypto holds its copy.
async function toSessionKey(raw, publicKey) {
  let key;
  try {
    key = await importPrivateKey(raw, false);
  } finally {
    raw.fill(0);
  }
  if (!equalBytes(await publicKeyOf(key), publicKey)) {
    throw new KeyWrapError("unwrapped key does not match the public key");
  }
  return key;
}

async function openPassphraseBlob(blob, passphrase, publicKey) {
  const parsed = await parseBlob(blob, "passphrase", publicKey);
  if (typeof passphrase !== "string") throw new KeyWrapError("passphrase must be a string");
  const key = await passphraseKey(passphrase, parsed.salt, blob.iter, "decrypt");
  return decryptRaw("passphrase", key, parsed);
}

async function openRecoveryBlob(blob, recoveryCode, publicKey) {
  const parsed = await parseBlob(blob, "recovery", publicKey);
  const key = await recoveryKey(recoveryCode, parsed.salt, "decrypt");
  return decryptRaw("recovery", key, parsed);
}

/** Non-extractable X25519 CryptoKey from a passphrase blob; KeyWrapError on any failure. */
export async function unwrapPrivateKey(blob, passphrase, publicKey) {
  return toSessionKey(await openPassphraseBlob(blob, passphrase, publicKey), publicKey);
}

/**
 * Non-extractable X25519 CryptoKey from a recovery blob. A code with a typo throws
 * ReceiptTypoError/MalformedReceiptError first; a wrong code throws KeyWrapError.
 */
export async function unwrapWithRecoveryCode(blob, recoveryCode, publicKey) {
  return toSessionKey(await openRecoveryBlob(blob, recoveryCode, publicKey), publicKey);
}

/** True when a passphrase blob uses fewer iterations than wanted now. */
export function needsRewrap(blob, iterations = DEFAULT_ITERATIONS) {
  return blob?.kind === "passphrase" && !(blob.iter >= iterations);
}

async function rewrapRaw(raw, newPassphrase, publicKey, options) {
  try {
    return {
      blob: await wrapPrivateKey(raw, newPassphrase, publicKey, options),
      privateKey: await toSessionKey(raw.slice(), publicKey),
    };
  } finally {
    raw.fill(0);
  }
}

/**
 * Change the key passphrase (or raise the iteration count: pass the same passphrase).
 * Returns {blob, privateKey}: the new passphrase blob and the unlocked non-extractable key.
 */
export async function changePassphrase(blob, oldPassphrase, newPassphrase, publicKey, options = {}) {
  const raw = await openPassphraseBlob(blob, oldPassphrase, publicKey);
  return rewrapRaw(raw, newPassphrase, publicKey, options);
}

/** Forgotten passphrase: open the recovery blob and wrap under a new passphrase. */
export async function recoverWithCode(recoveryBlob, recoveryCode, newPassphrase, publicKey, options = {}) {
  const raw = await openRecoveryBlob(recoveryBlob, recoveryCode, publicKey);
  return rewrapRaw(raw, newPassphrase, publicKey, options);
}

/**
 * Prove to the server that this browser holds the private key (crypto/possession.py):
 * HMAC-SHA256(X25519(privateKey, challenge), "trygg/v1/key-possession\0" ‖ challenge ‖
 * publicKey ‖ u32(iter) ‖ u16-length-prefixed salt, kid, nonce, ct of the new blob).
 */
export async function possessionProof(privateKey, challenge, publicKey, blob) {
  const u32 = new Uint8Array(4);
  new DataView(u32.buffer).setUint32(0, blob.iter);
  const parts = [new TextEncoder().encode("trygg/v1/key-possession\0"), challenge, publicKey, u32];
  for (const name of ["salt", "kid", "nonce", "ct"]) {
    const value = decode(blob[name]);
    const u16 = new Uint8Array(2);
    new DataView(u16.buffer).setUint16(0, value.length);
    parts.push(u16, value);
  }
  const shared = await sharedSecret(privateKey, challenge);
  try {
    const key = await crypto.subtle.importKey("raw", shared, { name: "HMAC", hash: "SHA-256" },
      false, ["sign"]);
    return new Uint8Array(await crypto.subtle.sign("HMAC", key, concat(...parts)));
  } finally {
    shared.fill(0);
  }
}

// -- session store (IndexedDB) -------------------------------------------------------------

const DB_NAME = "trygg-keys";
const STORE = "session";
const SLOT = "handler";

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function withStore(mode, fn) {
  const open = indexedDB.open(DB_NAME, 1);
  open.onupgradeneeded = () => open.result.createObjectStore(STORE);
  const db = await request(open);
  try {
    const tx = db.transaction(STORE, mode);
    const done = new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
    const result = await fn(tx.objectStore(STORE));
    await done;
    return result;
  } finally {
    db.close();
  }
}

/** Keep an unlocked, non-extractable private key for this browser session. */
export async function storeSessionKey(privateKey, publicKey) {
  if (!(privateKey instanceof CryptoKey) || privateKey.extractable
    || privateKey.algorithm.name !== "X25519" || privateKey.type !== "private") {
    throw new TypeError("only a non-extractable X25519 private CryptoKey may be stored");
  }
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) {
    throw new TypeError("an X25519 public key is 32 raw bytes");
  }
  const record = { privateKey, publicKey, kid: await kid(publicKey), lastUsed: Date.now() };
  await withStore("readwrite", (store) => request(store.put(record, SLOT)));
}

/**
 * {privateKey, publicKey, kid} or null. With maxIdleMs, a key unused for longer is wiped and
 * null returned; otherwise its idle clock restarts.
 */
export async function loadSessionKey({ maxIdleMs } = {}) {
  const record = await withStore("readwrite", async (store) => {
    const found = await request(store.get(SLOT));
    if (!found) return null;
    if (maxIdleMs !== undefined && Date.now() - found.lastUsed > maxIdleMs) {
      await request(store.delete(SLOT));
      return null;
    }
    found.lastUsed = Date.now();
    await request(store.put(found, SLOT));
    return found;
  });
  if (!record) return null;
  return { privateKey: record.privateKey, publicKey: record.publicKey, kid: record.kid };
}

/** Forget the session key (lock, logout, idle timeout). */
export async function wipeSessionKey() {
  await withStore("readwrite", (store) => request(store.delete(SLOT)));
}
