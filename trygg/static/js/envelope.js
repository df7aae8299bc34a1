// Envelope v1 (design.md §3; SECURITY.md "Envelope v1"): the browser twin of
// crypto/envelope.py. Same bytes in, same JSON out.
//
//   seal(plaintext, recipients, context)          -> envelope object
//   unseal(envelope, privateKey, context)         -> Uint8Array
//   addRecipients(envelope, privateKey, newRecipients, context) -> envelope object
//   kid(publicKey)                                -> string
//
// `privateKey` is one of
//   - a raw 32-byte Uint8Array,
//   - an X25519 CryptoKey (may be non-extractable: its public key is then computed as
//     X25519(sk, 9) with deriveBits, so nothing has to be exported),
//   - { privateKey, publicKey }: either of the above plus the raw public key, which saves
//     that computation (use it with loadSessionKey() from keys.js).
// Every failure to open rejects with EnvelopeError; no plaintext escapes.

import { decode, encode } from "./b64.js";
import * as hpke from "./hpke.js";

export const VERSION = 1;
export const MAX_RECIPIENTS = 64;
const MIN_PADDED = 1024;
const MIB = 1024 * 1024;
const KID_LEN = 16;
const ENTRY_LEN = 80;
const TAG_LEN = 16;
const utf8 = new TextEncoder();
const BODY_AAD_PREFIX = utf8.encode("trygg/v1/body\0");
const KEY_INFO_PREFIX = utf8.encode("trygg/v1/key\0");

export class EnvelopeError extends Error {
  constructor(message) {
    super(message);
    this.name = "EnvelopeError";
  }
}

// -- padding -------------------------------------------------------------------------------

export function paddedLength(n) {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError("bad length");
  const need = Math.max(MIN_PADDED, n + 1);
  if (need <= MIB) {
    let size = MIN_PADDED;
    while (size < need) size *= 2;
    return size;
  }
  return Math.ceil(need / MIB) * MIB;
}

function isPaddedLength(size) {
  if (size < MIN_PADDED) return false;
  if (size <= MIB) return (size & (size - 1)) === 0;
  return size % MIB === 0;
}

export function pad(plaintext) {
  const out = new Uint8Array(paddedLength(plaintext.length));
  out.set(plaintext);
  out[plaintext.length] = 0x80;
  return out;
}

export function unpad(padded) {
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (end < 0 || padded[end] !== 0x80 || paddedLength(end) !== padded.length) {
    throw new EnvelopeError("malformed padding");
  }
  return padded.slice(0, end);
}

// -- helpers -------------------------------------------------------------------------------

async function kidBytes(publicKey) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", publicKey)).slice(0, KID_LEN);
}

function checkPublicKey(pk) {
  if (!(pk instanceof Uint8Array) || pk.length !== 32) {
    throw new TypeError("an X25519 public key is a 32-byte Uint8Array");
  }
}

/** Key id of a raw X25519 public key: base64url(SHA-256(pk)[:16]). */
export async function kid(publicKey) {
  checkPublicKey(publicKey);
  return encode(await kidBytes(publicKey));
}

function contextBytes(context) {
  if (typeof context !== "string") throw new TypeError("context must be a string");
  return utf8.encode(context);
}

async function distinctKeys(recipients) {
  if (!Array.isArray(recipients)) throw new TypeError("recipients must be an array");
  const seen = new Set();
  const out = [];
  for (const pk of recipients) {
    checkPublicKey(pk);
    const k = encode(await kidBytes(pk));
    if (seen.has(k)) throw new TypeError("duplicate recipient");
    seen.add(k);
    out.push({ pk, kid: k });
  }
  return out;
}

async function sealKey(contentKey, { pk, kid: k }, info) {
  let sealed;
  try {
    sealed = await hpke.seal(pk, info, new Uint8Array(0), contentKey);
  } catch {
    throw new TypeError("invalid X25519 public key");
  }
  return { kid: k, key: encode(sealed) };
}

// -- sealing -------------------------------------------------------------------------------

/** Seal `plaintext` to raw X25519 public keys under `context`. TypeError for bad input. */
export async function seal(plaintext, recipients, context) {
  if (!(plaintext instanceof Uint8Array)) throw new TypeError("plaintext must be a Uint8Array");
  const ctx = contextBytes(context);
  const keys = await distinctKeys(recipients);
  if (keys.length < 1 || keys.length > MAX_RECIPIENTS) {
    throw new TypeError(`between 1 and ${MAX_RECIPIENTS} recipients`);
  }
  const contentKey = crypto.getRandomValues(new Uint8Array(32));
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  try {
    const ct = await hpke.aeadSeal(
      contentKey, nonce, hpke.concat(BODY_AAD_PREFIX, ctx), pad(plaintext),
    );
    const info = hpke.concat(KEY_INFO_PREFIX, ctx);
    const entries = await Promise.all(keys.map((k) => sealKey(contentKey, k, info)));
    return { v: VERSION, recipients: entries, nonce: encode(nonce), ct: encode(ct) };
  } finally {
    contentKey.fill(0);
  }
}

// -- opening -------------------------------------------------------------------------------

function isPlainObject(x) {
  return x !== null && typeof x === "object" && Object.getPrototypeOf(x) === Object.prototype;
}

function sameKeys(obj, keys) {
  const own = Object.keys(obj);
  return own.length === keys.length && keys.every((k) => Object.hasOwn(obj, k));
}

function parse(envelope) {
  try {
    if (!isPlainObject(envelope) || !sameKeys(envelope, ["v", "recipients", "nonce", "ct"])) {
      throw new Error("envelope keys");
    }
    if (envelope.v !== VERSION) throw new Error("version");
    const raw = envelope.recipients;
    if (!Array.isArray(raw) || raw.length < 1 || raw.length > MAX_RECIPIENTS) {
      throw new Error("recipients");
    }
    const entries = raw.map((e) => {
      if (!isPlainObject(e) || !sameKeys(e, ["kid", "key"])) throw new Error("recipient keys");
      const k = decode(e.kid);
      const key = decode(e.key);
      if (k.length !== KID_LEN || key.length !== ENTRY_LEN) throw new Error("recipient lengths");
      return { kid: e.kid, key };
    });
    if (new Set(entries.map((e) => e.kid)).size !== entries.length) throw new Error("dup kid");
    const nonce = decode(envelope.nonce);
    const ct = decode(envelope.ct);
    if (nonce.length !== 12 || !isPaddedLength(ct.length - TAG_LEN)) throw new Error("lengths");
    return { entries, nonce, ct };
  } catch (e) {
    throw new EnvelopeError(`malformed envelope (${e.message})`);
  }
}

async function resolvePrivateKey(privateKey) {
  let sk = privateKey;
  let pk;
  if (isPlainObject(privateKey)) {
    sk = privateKey.privateKey;
    pk = privateKey.publicKey;
  }
  try {
    if (!(sk instanceof CryptoKey)) sk = await hpke.importPrivateKey(sk);
    if (pk === undefined) pk = await hpke.publicKeyOf(sk);
    checkPublicKey(pk);
  } catch {
    throw new EnvelopeError("unusable private key");
  }
  return { sk, pk };
}

async function openContentKey(entries, privateKey, ctx) {
  const { sk, pk } = await resolvePrivateKey(privateKey);
  const mine = encode(await kidBytes(pk));
  const entry = entries.find((e) => e.kid === mine);
  if (!entry) throw new EnvelopeError("not a recipient of this envelope");
  let contentKey;
  try {
    contentKey = await hpke.open(entry.key, sk, hpke.concat(KEY_INFO_PREFIX, ctx),
      new Uint8Array(0), { publicKey: pk });
  } catch {
    throw new EnvelopeError("cannot open the content key");
  }
  if (contentKey.length !== 32) throw new EnvelopeError("cannot open the content key");
  return contentKey;
}

async function openBody(contentKey, nonce, ct, ctx) {
  try {
    return await hpke.aeadOpen(contentKey, nonce, hpke.concat(BODY_AAD_PREFIX, ctx), ct);
  } catch {
    throw new EnvelopeError("authentication failed");
  }
}

function checkContext(context) {
  if (typeof context !== "string") throw new EnvelopeError("context must be a string");
  return utf8.encode(context);
}

/** Open an envelope v1; rejects with EnvelopeError on every failure. */
export async function unseal(envelope, privateKey, context) {
  const ctx = checkContext(context);
  const { entries, nonce, ct } = parse(envelope);
  const contentKey = await openContentKey(entries, privateKey, ctx);
  try {
    return unpad(await openBody(contentKey, nonce, ct, ctx));
  } finally {
    contentKey.fill(0);
  }
}

/** The kids an envelope is sealed to (validates the shape; EnvelopeError if malformed). */
export function recipientKids(envelope) {
  return parse(envelope).entries.map((e) => e.kid);
}

/**
 * Re-seal the content key to more public keys (handing a case over), leaving nonce and ct
 * untouched. Keys that already have an entry are skipped. EnvelopeError when `privateKey`
 * cannot open the envelope; TypeError for malformed new keys or too many recipients.
 */
export async function addRecipients(envelope, privateKey, newRecipients, context) {
  const ctx = checkContext(context);
  const { entries, nonce, ct } = parse(envelope);
  const contentKey = await openContentKey(entries, privateKey, ctx);
  try {
    await openBody(contentKey, nonce, ct, ctx); // only vouch for a body that opens under K
    const present = new Set(entries.map((e) => e.kid));
    const fresh = (await distinctKeys(newRecipients)).filter((k) => !present.has(k.kid));
    if (entries.length + fresh.length > MAX_RECIPIENTS) {
      throw new TypeError(`at most ${MAX_RECIPIENTS} recipients`);
    }
    const info = hpke.concat(KEY_INFO_PREFIX, ctx);
    const added = await Promise.all(fresh.map((k) => sealKey(contentKey, k, info)));
    return {
      v: VERSION,
      recipients: [...entries.map((e) => ({ kid: e.kid, key: encode(e.key) })), ...added],
      nonce: envelope.nonce,
      ct: envelope.ct,
    };
  } finally {
    contentKey.fill(0);
  }
}
