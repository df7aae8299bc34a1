// Receipts (SECURITY.md "Receipts"): the browser twin of crypto/receipt.py, plus the code
// format it shares with recovery codes (crypto/_codes.py).
//
//   generate() -> "5 groups of 5, e.g. 7K3QF-9M2XD-…"   24 random symbols (120 bits) + check
//   parse(text) -> canonical grouped receipt; throws MalformedReceiptError or ReceiptTypoError
//   derive(receipt) -> {lookupToken, privateKey, publicKey} (raw Uint8Arrays, 32 bytes each)
//
// Symbols are Crockford base32 (0-9 A-Z without I L O U); parsing ignores case, spaces and
// hyphens and reads I/L as 1, O as 0, U as V. The check symbol c makes
// sum(u_j * a^(n-j)) = 0 in GF(32) = GF(2)[x]/(x^5+x^2+1) over the whole code, so every
// single substitution and every transposition of two symbols is caught.

import { publicKeyOf } from "./hpke.js";

export const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
export const RECEIPT_SYMBOLS = 24;
const GROUP = 5;
const POLY = 0b100101;
const SEPARATORS = new Set([..." \t\r\n-\u2010\u2011\u2012\u2013\u2014\u2212"]);
const MAX_INPUT = 200;
const VALUES = new Map([...ALPHABET].map((c, i) => [c, i]));
VALUES.set("I", 1).set("L", 1).set("O", 0).set("U", VALUES.get("V"));
const utf8 = new TextEncoder();
const SALT = utf8.encode("trygg/v1/receipt");
const INFO_LOOKUP = utf8.encode("trygg/v1/receipt/lookup");
const INFO_X25519 = utf8.encode("trygg/v1/receipt/x25519");

export class ReceiptError extends Error {
  constructor(message, code) {
    super(message);
    this.name = "ReceiptError";
    this.code = code;
  }
}

/** Not a code at all: wrong number of characters, or characters outside the alphabet. */
export class MalformedReceiptError extends ReceiptError {
  constructor(message) {
    super(message, "malformed");
    this.name = "MalformedReceiptError";
  }
}

/** Well-formed, but the check symbol disagrees: almost certainly a typo. */
export class ReceiptTypoError extends ReceiptError {
  constructor(message) {
    super(message, "typo");
    this.name = "ReceiptTypoError";
  }
}

function timesA(v) {
  v <<= 1;
  return v & 0b100000 ? v ^ POLY : v;
}

function horner(values) {
  let acc = 0;
  for (const v of values) acc = timesA(acc) ^ v;
  return acc;
}

export function checkSymbol(data) {
  return ALPHABET[timesA(horner([...data].map((c) => VALUES.get(c))))];
}

export function groupCode(compact) {
  const groups = [];
  for (let i = 0; i < compact.length; i += GROUP) groups.push(compact.slice(i, i + GROUP));
  return groups.join("-");
}

/** A fresh code of `dataLen` random symbols plus its check symbol, grouped. */
export function generateCode(dataLen) {
  // 256 is a multiple of 32, so the low five bits of a random byte are uniform.
  const data = [...crypto.getRandomValues(new Uint8Array(dataLen))]
    .map((b) => ALPHABET[b & 31])
    .join("");
  return groupCode(data + checkSymbol(data));
}

/** Compact canonical form (check symbol included), or MalformedReceiptError/ReceiptTypoError. */
export function canonicalCode(text, dataLen, what) {
  if (typeof text !== "string" || text.length > 2 * MAX_INPUT || [...text].length > MAX_INPUT) {
    throw new MalformedReceiptError(`not a ${what}`);
  }
  const symbols = [...text.normalize("NFKC").toUpperCase()].filter((c) => !SEPARATORS.has(c));
  if (symbols.length !== dataLen + 1) {
    throw new MalformedReceiptError(`a ${what} has ${dataLen + 1} characters`);
  }
  const values = symbols.map((c) => VALUES.get(c));
  if (values.some((v) => v === undefined)) {
    throw new MalformedReceiptError(`a ${what} uses only 0-9 and A-Z`);
  }
  if (horner(values) !== 0) throw new ReceiptTypoError(`this ${what} has a typo`);
  return values.map((v) => ALPHABET[v]).join("");
}

export function generate() {
  return generateCode(RECEIPT_SYMBOLS);
}

export function parse(text) {
  return groupCode(canonicalCode(text, RECEIPT_SYMBOLS, "receipt"));
}

async function hkdf(ikmKey, info) {
  const params = { name: "HKDF", hash: "SHA-256", salt: SALT, info };
  return new Uint8Array(await crypto.subtle.deriveBits(params, ikmKey, 256));
}

/** Lookup token and the reporter's X25519 key pair (parses first, so typos throw). */
export async function derive(receipt) {
  const ikm = utf8.encode(canonicalCode(receipt, RECEIPT_SYMBOLS, "receipt"));
  const ikmKey = await crypto.subtle.importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
  ikm.fill(0);
  const privateKey = await hkdf(ikmKey, INFO_X25519);
  return {
    lookupToken: await hkdf(ikmKey, INFO_LOOKUP),
    privateKey,
    publicKey: await publicKeyOf(privateKey),
  };
}
