// HPKE (RFC 9180), base mode, single-shot, on WebCrypto only:
// DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, and AES-256-GCM (AES-128-GCM too, for the RFC's
// test vectors). LabeledExtract/LabeledExpand are built on HMAC-SHA256, because WebCrypto's
// HKDF cannot run Extract and Expand separately.
//
// Private keys may be raw 32-byte Uint8Arrays or X25519 CryptoKeys (extractable or not).

export const KEM_X25519_HKDF_SHA256 = 0x0020;
export const KDF_HKDF_SHA256 = 0x0001;
export const AES_128_GCM = Object.freeze({ id: 0x0001, keyLength: 16 });
export const AES_256_GCM = Object.freeze({ id: 0x0002, keyLength: 32 });
const NN = 12;
const NH = 32;

const subtle = globalThis.crypto.subtle;
const utf8 = new TextEncoder();
const EMPTY = new Uint8Array(0);
// PKCS#8 PrivateKeyInfo for X25519 (RFC 8410) up to the 32 key bytes.
const PKCS8_X25519 = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
]);
const BASEPOINT = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 9 : 0));

export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function i2osp(n, length) {
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0 && n > 0; i--, n = Math.floor(n / 256)) out[i] = n % 256;
  return out;
}

function isRawKey(k) {
  return k instanceof Uint8Array && k.length === 32;
}

// -- HKDF over HMAC-SHA256 -----------------------------------------------------------------

async function hmac(key, data) {
  // An empty HKDF salt means HashLen zero bytes (RFC 5869); WebCrypto refuses empty HMAC keys.
  const k = await subtle.importKey(
    "raw", key.length ? key : new Uint8Array(NH), { name: "HMAC", hash: "SHA-256" }, false,
    ["sign"],
  );
  return new Uint8Array(await subtle.sign("HMAC", k, data));
}

export async function extract(salt, ikm) {
  return hmac(salt, ikm);
}

export async function expand(prk, info, length) {
  if (length > 255 * NH) throw new RangeError("HKDF output too long");
  const out = new Uint8Array(length);
  let t = EMPTY;
  for (let i = 1, at = 0; at < length; i++) {
    t = await hmac(prk, concat(t, info, Uint8Array.of(i)));
    out.set(t.subarray(0, Math.min(NH, length - at)), at);
    at += NH;
  }
  return out;
}

const KEM_SUITE_ID = concat(utf8.encode("KEM"), i2osp(KEM_X25519_HKDF_SHA256, 2));
const VERSION_LABEL = utf8.encode("HPKE-v1");

function hpkeSuiteId(aead) {
  return concat(
    utf8.encode("HPKE"), i2osp(KEM_X25519_HKDF_SHA256, 2), i2osp(KDF_HKDF_SHA256, 2),
    i2osp(aead.id, 2),
  );
}

export async function labeledExtract(suiteId, salt, label, ikm) {
  return extract(salt, concat(VERSION_LABEL, suiteId, utf8.encode(label), ikm));
}

export async function labeledExpand(suiteId, prk, label, info, length) {
  const labeled = concat(i2osp(length, 2), VERSION_LABEL, suiteId, utf8.encode(label), info);
  return expand(prk, labeled, length);
}

// -- X25519 --------------------------------------------------------------------------------

/** Import a raw 32-byte X25519 private key (via PKCS#8: WebCrypto has no raw private import). */
export async function importPrivateKey(raw, extractable = false) {
  if (!isRawKey(raw)) throw new TypeError("an X25519 private key is 32 raw bytes");
  const pkcs8 = concat(PKCS8_X25519, raw);
  try {
    return await subtle.importKey("pkcs8", pkcs8, { name: "X25519" }, extractable, ["deriveBits"]);
  } finally {
    pkcs8.fill(0);
  }
}

export async function importPublicKey(raw) {
  if (!isRawKey(raw)) throw new TypeError("an X25519 public key is 32 raw bytes");
  return subtle.importKey("raw", raw, { name: "X25519" }, true, []);
}

async function asPrivateKey(key) {
  if (key instanceof CryptoKey) return key;
  return importPrivateKey(key);
}

/** X25519(sk, 9): the public key of a private key, also for non-extractable CryptoKeys. */
export async function publicKeyOf(privateKey) {
  return dh(await asPrivateKey(privateKey), BASEPOINT);
}

/** Shared secret; WebCrypto throws for an all-zero result (low-order point), as RFC 9180 asks. */
async function dh(sk, pkRaw) {
  const pk = await importPublicKey(pkRaw);
  return new Uint8Array(await subtle.deriveBits({ name: "X25519", public: pk }, sk, 256));
}

/** X25519(sk, pk): sk raw or a CryptoKey (non-extractable is enough), pk 32 raw bytes. */
export async function sharedSecret(privateKey, publicKeyRaw) {
  return dh(await asPrivateKey(privateKey), publicKeyRaw);
}

// -- DHKEM(X25519, HKDF-SHA256) ------------------------------------------------------------

async function extractAndExpand(dhBytes, kemContext) {
  const eaePrk = await labeledExtract(KEM_SUITE_ID, EMPTY, "eae_prk", dhBytes);
  return labeledExpand(KEM_SUITE_ID, eaePrk, "shared_secret", kemContext, 32);
}

async function encap(pkR, ephemeralPrivateKey) {
  let skE;
  if (ephemeralPrivateKey) {
    skE = await importPrivateKey(ephemeralPrivateKey);
  } else {
    skE = (await subtle.generateKey({ name: "X25519" }, false, ["deriveBits"])).privateKey;
  }
  const enc = await publicKeyOf(skE);
  const dhBytes = await dh(skE, pkR);
  const sharedSecret = await extractAndExpand(dhBytes, concat(enc, pkR));
  dhBytes.fill(0);
  return { enc, sharedSecret };
}

async function decap(enc, skR, pkR) {
  const dhBytes = await dh(skR, enc);
  const sharedSecret = await extractAndExpand(dhBytes, concat(enc, pkR));
  dhBytes.fill(0);
  return sharedSecret;
}

// -- key schedule (mode_base) --------------------------------------------------------------

export async function keySchedule(aead, sharedSecret, info) {
  const suiteId = hpkeSuiteId(aead);
  const pskIdHash = await labeledExtract(suiteId, EMPTY, "psk_id_hash", EMPTY);
  const infoHash = await labeledExtract(suiteId, EMPTY, "info_hash", info);
  const context = concat(Uint8Array.of(0x00), pskIdHash, infoHash);
  const secret = await labeledExtract(suiteId, sharedSecret, "secret", EMPTY);
  const key = await labeledExpand(suiteId, secret, "key", context, aead.keyLength);
  const baseNonce = await labeledExpand(suiteId, secret, "base_nonce", context, NN);
  secret.fill(0);
  return { key, baseNonce };
}

/**
 * SetupBaseS. `options._ephemeralPrivateKey` (raw 32 bytes) exists for the RFC 9180 test
 * vectors only: never pass it in production code.
 */
export async function setupBaseS(pkR, info, { aead = AES_256_GCM, _ephemeralPrivateKey } = {}) {
  if (!isRawKey(pkR)) throw new TypeError("an X25519 public key is 32 raw bytes");
  const { enc, sharedSecret } = await encap(pkR, _ephemeralPrivateKey);
  const { key, baseNonce } = await keySchedule(aead, sharedSecret, info);
  return { enc, sharedSecret, key, baseNonce };
}

export async function aeadSeal(keyBytes, nonce, aad, plaintext) {
  const key = await subtle.importKey("raw", keyBytes, "AES-GCM", false, ["encrypt"]);
  return new Uint8Array(
    await subtle.encrypt({ name: "AES-GCM", iv: nonce, additionalData: aad }, key, plaintext),
  );
}

export async function aeadOpen(keyBytes, nonce, aad, ciphertext) {
  const key = await subtle.importKey("raw", keyBytes, "AES-GCM", false, ["decrypt"]);
  return new Uint8Array(
    await subtle.decrypt({ name: "AES-GCM", iv: nonce, additionalData: aad }, key, ciphertext),
  );
}

/** Single-shot seal (sequence number 0): returns enc ‖ ciphertext. */
export async function seal(pkR, info, aad, plaintext, options = {}) {
  const { enc, sharedSecret, key, baseNonce } = await setupBaseS(pkR, info, options);
  try {
    return concat(enc, await aeadSeal(key, baseNonce, aad, plaintext));
  } finally {
    sharedSecret.fill(0);
    key.fill(0);
  }
}

/**
 * Single-shot open of enc ‖ ciphertext. `privateKey` is raw bytes or an X25519 CryptoKey;
 * `publicKey` (raw) is computed from it when not given. Throws on any failure.
 */
export async function open(sealed, privateKey, info, aad, { aead = AES_256_GCM, publicKey } = {}) {
  if (!(sealed instanceof Uint8Array) || sealed.length < 32 + 16) throw new TypeError("too short");
  const skR = await asPrivateKey(privateKey);
  const pkR = publicKey ?? (await publicKeyOf(skR));
  const sharedSecret = await decap(sealed.subarray(0, 32), skR, pkR);
  const { key, baseNonce } = await keySchedule(aead, sharedSecret, info);
  try {
    return await aeadOpen(key, baseNonce, aad, sealed.subarray(32));
  } finally {
    sharedSecret.fill(0);
    key.fill(0);
  }
}
