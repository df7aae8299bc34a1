// Unpadded base64url (RFC 4648 §5), decoded strictly: only the canonical encoding of some
// byte string is accepted (no padding, no whitespace, no "+" or "/", zero trailing bits).

const NATIVE = typeof Uint8Array.prototype.toBase64 === "function"
  && typeof Uint8Array.fromBase64 === "function";

function toBinaryString(bytes) {
  let out = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    out += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return out;
}

/** Encode bytes as unpadded base64url. */
export function encode(bytes) {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("encode expects a Uint8Array");
  if (NATIVE) return bytes.toBase64({ alphabet: "base64url", omitPadding: true });
  return btoa(toBinaryString(bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function decodeLoose(text) {
  if (NATIVE) return Uint8Array.fromBase64(text, { alphabet: "base64url" });
  const bin = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Decode canonical unpadded base64url; throws TypeError for anything else. */
export function decode(text) {
  if (typeof text !== "string" || text.length % 4 === 1 || !/^[A-Za-z0-9_-]*$/.test(text)) {
    throw new TypeError("not canonical unpadded base64url");
  }
  let bytes;
  try {
    bytes = decodeLoose(text);
  } catch {
    throw new TypeError("not canonical unpadded base64url");
  }
  if (encode(bytes) !== text) throw new TypeError("not canonical unpadded base64url");
  return bytes;
}
